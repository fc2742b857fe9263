"""save_model never destroys what is at the path; load_model never blocks on a FIFO."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import numeric.charrnn.files as model_io
from numeric import Params
from numeric.charrnn import CharModel, load_model, save_model, Vocab

ROOT = Path(__file__).resolve().parents[1]


def _model() -> CharModel:
    return CharModel(Params.init(2, 3, 2), Vocab(("a", "b")), {"activation": "tanh"})


def _no_writes(monkeypatch):
    """Make any attempt to create or rename a file fail the test (the refusal must come first)."""
    def forbidden(*args, **kwargs):
        raise AssertionError(f"save_model tried to write: {args}")
    monkeypatch.setattr(model_io.tempfile, "mkstemp", forbidden)
    monkeypatch.setattr(model_io.os, "replace", forbidden)


def test_saving_over_a_fifo_is_refused_and_the_fifo_stays(tmp_path, monkeypatch):
    fifo = tmp_path / "m.npz"
    os.mkfifo(fifo)
    _no_writes(monkeypatch)
    with pytest.raises(ValueError, match=r"'.*m\.npz': it is a FIFO"):
        save_model(fifo, _model())
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_saving_over_a_character_device_is_refused_before_any_write(monkeypatch):
    # /dev/null is only lstat'ed: mkstemp and os.replace are replaced by failures above, so even
    # a wrong save_model could not replace the device.
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)
    _no_writes(monkeypatch)
    with pytest.raises(ValueError, match="'/dev/null': it is a character device"):
        save_model("/dev/null", _model())
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)


def test_saving_over_a_symlink_is_refused_and_link_and_target_stay(tmp_path, monkeypatch):
    target = tmp_path / "real.npz"
    target.write_bytes(b"keep me")
    link = tmp_path / "m.npz"
    os.symlink(target, link)
    _no_writes(monkeypatch)
    with pytest.raises(ValueError, match=r"symbolic link \(to '.*real\.npz'\)"):
        save_model(link, _model())
    assert link.is_symlink() and target.read_bytes() == b"keep me"


def test_saving_over_a_directory_is_refused(tmp_path, monkeypatch):
    (tmp_path / "d.npz").mkdir()
    _no_writes(monkeypatch)
    with pytest.raises(ValueError, match="it is a directory"):
        save_model(tmp_path / "d.npz", _model())


def test_overwriting_a_file_keeps_its_permissions(tmp_path):
    path = tmp_path / "m.npz"
    path.write_bytes(b"old")
    os.chmod(path, 0o600)
    save_model(path, _model())
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_model(path).vocab.chars == ("a", "b")


def test_a_failed_save_names_the_users_path_not_the_temporary_file():
    # /proc refuses new files for every user, root included (a read-only dir would not stop root)
    with pytest.raises(OSError) as e:
        save_model("/proc/m.npz", _model())
    assert "'/proc/m.npz'" in str(e.value) and model_io.TMP_PREFIX not in str(e.value)


def test_sigterm_during_a_save_leaves_no_temporary_file(tmp_path):
    script = textwrap.dedent(f"""
        import sys, time
        import numpy as np
        import numeric.charrnn.files as mio
        from numeric import CharModel, Params, Vocab

        def slow_savez(f, **arrays):          # a save that is still writing when SIGTERM comes
            f.write(b"partial")
            f.flush()
            print("writing", flush=True)
            time.sleep(60)

        mio.np.savez = slow_savez
        m = CharModel(Params.init(2, 3, 2), Vocab(("a", "b")), {{"activation": "tanh"}})
        mio.save_model({str(tmp_path / "m.npz")!r}, m)
    """)
    (tmp_path / "m.npz").write_bytes(b"previous model")
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "writing", proc.stderr.read()
        assert any(p.name.startswith(model_io.TMP_PREFIX) for p in tmp_path.iterdir())
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == -signal.SIGTERM        # still dies by SIGTERM, after cleaning up
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz"]
    assert (tmp_path / "m.npz").read_bytes() == b"previous model"


def test_loading_a_fifo_is_refused_without_opening_it(tmp_path, monkeypatch):
    fifo = tmp_path / "fifo.npz"
    os.mkfifo(fifo)

    def forbidden(*args, **kwargs):
        raise AssertionError("load_model opened the FIFO (this would block)")
    monkeypatch.setattr(model_io.zipfile, "is_zipfile", forbidden)
    monkeypatch.setattr(model_io.np, "load", forbidden)
    with pytest.raises(ValueError, match=r"'.*fifo\.npz' is not a usable .*: it is a FIFO"):
        load_model(fifo)


def test_a_bad_activation_in_a_model_file_names_the_file(tmp_path):
    path = save_model(tmp_path / "m.npz", CharModel(Params.init(2, 3, 2), Vocab(("a", "b")),
                                                    {"activation": "tanhh"}))
    with pytest.raises(ValueError, match=r"model file '.*m\.npz' .*activation='tanhh' is not known"):
        load_model(path)


def test_the_cli_refuses_a_fifo_model_with_exit_status_2(tmp_path):
    fifo = tmp_path / "fifo.npz"
    os.mkfifo(fifo)
    r = subprocess.run([sys.executable, "-m", "derive.cli", "sample", "--model", str(fifo)], cwd=ROOT,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "it is a FIFO" in r.stderr and "Traceback" not in r.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_train_refuses_a_fifo_save_path_before_training(tmp_path, monkeypatch, capsys):
    # the save path is checked before the (possibly long) training, not after it
    import importlib

    from derive.cli import main

    fifo = tmp_path / "model.npz"
    os.mkfifo(fifo)
    monkeypatch.setattr(importlib.import_module("numeric.charrnn.train"), "train",
                        lambda *a, **k: pytest.fail("training started before the save path was checked"))
    assert main(["train", "--steps", "1", "--quiet", "--save", str(fifo)]) == 2
    assert "FIFO" in capsys.readouterr().err and stat.S_ISFIFO(os.lstat(fifo).st_mode)
