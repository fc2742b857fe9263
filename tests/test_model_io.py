"""numeric.charrnn.save_model / load_model: bit-identical round trips, clear errors for bad files."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from numeric import Params
from numeric.charrnn import CharModel, load_model, save_model, TrainHistory, Vocab

FLOATS = st.floats(allow_nan=False, allow_infinity=False, allow_subnormal=True, width=32)


@st.composite
def models(draw):
    chars = draw(st.lists(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=6,
                          unique=True))
    V, H = len(chars), draw(st.integers(1, 5))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    shapes = {"W_xh": (H, V), "W_hh": (H, H), "b_h": (H,), "W_hy": (V, H), "b_y": (V,)}
    params = Params(**{n: draw(arrays(dtype, s, elements=FLOATS)) for n, s in shapes.items()})
    history = draw(st.none() | arrays(np.float64, st.integers(0, 5), elements=FLOATS).map(TrainHistory.from_losses))
    settings_ = {"activation": draw(st.sampled_from(["tanh", "relu"])), "prefix": chars[0],
                 "lr": draw(st.floats(1e-4, 1.0)), "truncation": [3, 5]}
    return CharModel(params, Vocab(tuple(chars)), settings_, history)


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(model=models())
def test_saved_models_load_back_bit_identically(tmp_path, model):
    path = tmp_path / "model.npz"
    save_model(path, model)
    back = load_model(path)
    for (name, a), (_, b) in zip(model.params, back.params):
        assert a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes(), name
    assert back.vocab == model.vocab
    assert {k: back.settings[k] for k in model.settings} == dict(model.settings)
    if model.history is None:
        assert back.history is None
    else:
        assert back.history.loss.tobytes() == model.history.loss.tobytes()


def test_save_writes_exactly_the_given_path(tmp_path):
    m = CharModel(Params.init(2, 3, 2), Vocab(("a", "b")), {"activation": "tanh"})
    path = save_model(tmp_path / "weights", m)              # np.savez would append .npz by itself
    assert path == tmp_path / "weights" and path.exists() and not (tmp_path / "weights.npz").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["weights"]   # no temporary file left behind


def _write(path, arrays):
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def _good_arrays():
    p = Params.init(2, 3, 2)
    return {**dict(p), "vocab": np.array([97, 98], np.int32),
            "settings": np.array(json.dumps({"format": "bptt-toolkit/char-rnn", "version": 1}))}


@pytest.mark.parametrize("mutate, match", [
    (lambda a: a.pop("W_hh"), r"arrays \['W_hh'\] are missing"),
    (lambda a: a.update(settings=np.array("{not json")), "not valid JSON"),
    (lambda a: a.update(settings=np.array(json.dumps({"format": "other"}))), "format is 'other'"),
    (lambda a: a.update(settings=np.array(json.dumps({"format": "bptt-toolkit/char-rnn", "version": 9}))),
     "version 9 is not supported"),
    (lambda a: a.update(vocab=np.array([97, 98, 99], np.int32)), "3-character vocabulary"),
    (lambda a: a.update(W_hh=np.zeros((3, 4))), "W_hh must be square"),
    (lambda a: a.update(b_h=np.full(3, np.nan)), "must be finite"),
    (lambda a: a.update(vocab=np.array([97, 97], np.int32)), "must be distinct"),
    (lambda a: a.update(history_loss=np.zeros((2, 2))), "history_loss must be a 1-D float array"),
])
def test_mismatched_files_raise_a_clear_value_error(tmp_path, mutate, match):
    arrays = _good_arrays()
    mutate(arrays)
    path = tmp_path / "m.npz"
    _write(path, arrays)
    with pytest.raises(ValueError, match=match) as e:
        load_model(path)
    assert "is not a usable bptt char model" in str(e.value)


def test_the_reference_file_of_the_mismatch_test_loads(tmp_path):
    path = tmp_path / "m.npz"
    _write(path, _good_arrays())
    assert load_model(path).vocab.chars == ("a", "b")


def test_corrupt_or_missing_files_raise_clear_errors(tmp_path):
    m = CharModel(Params.init(2, 3, 2), Vocab(("a", "b")), {"activation": "tanh"})
    good = save_model(tmp_path / "good.npz", m)
    data = good.read_bytes()
    cases = {"truncated.npz": data[: len(data) // 2], "garbage.npz": b"\x00" * 100, "empty.npz": b""}
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(ValueError, match="not an .npz"):
            load_model(tmp_path / name)
    # a valid zip whose member is damaged
    flipped = bytearray(data)
    with zipfile.ZipFile(good) as z:
        info = z.infolist()[0]
    start = info.header_offset + 30 + len(info.filename) + 10
    flipped[start:start + 20] = b"\xff" * 20
    (tmp_path / "flipped.npz").write_bytes(bytes(flipped))
    with pytest.raises(ValueError, match="not a usable bptt char model"):
        load_model(tmp_path / "flipped.npz")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_model(tmp_path / "missing.npz")
    with pytest.raises(ValueError, match="is a directory"):
        load_model(tmp_path)


def test_a_saved_model_gets_the_permissions_open_would_give(tmp_path):
    import os
    m = CharModel(Params.init(2, 3, 2), Vocab(("a", "b")), {"activation": "tanh"})
    umask = os.umask(0o022)
    try:
        path = save_model(tmp_path / "m.npz", m)
    finally:
        os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o644          # not the temporary file's 0600
