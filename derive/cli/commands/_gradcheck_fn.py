"""`bptt gradcheck FILE.py:FUNCTION`: the model-free check of fn(params) -> (loss, grads).

Where the point comes from, in this order: --shapes NAME=DIMS,... (drawn, N(0, --scale²) from
--seed); --point [FILE.py:]FUNC (a function of no arguments returning {name: array}; without
FILE.py, FUNC is looked up in fn's own file); make_params() defined in fn's file. The file is
imported in-process as `bptt check` does (numeric.check.load_target); whatever fn prints goes to
stderr. Bad input — a missing file, fn not callable, fn raising or answering in another form —
is one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import re
import sys

DEFAULT_POINT = "make_params"
SHAPES_FORM = "--shapes wants NAME=DIMS[,NAME=DIMS...] with DIMS like 3x4 or 3 (positive integers)"


def shapes_from_flag(text: str) -> dict[str, tuple[int, ...]]:
    """'W=3x4,b=3' -> {'W': (3, 4), 'b': (3,)}; ValueError naming --shapes otherwise."""
    out: dict[str, tuple[int, ...]] = {}
    for part in text.split(","):
        m = re.fullmatch(r"\s*([A-Za-z_]\w*)\s*=\s*(\d+(?:\s*x\s*\d+)*)\s*", part)
        if not m:
            raise ValueError(f"{SHAPES_FORM}; got {part.strip()!r} in {text!r}.")
        dims = tuple(int(d) for d in m[2].split("x"))
        if min(dims) < 1:
            raise ValueError(f"{SHAPES_FORM}; {m[1]} has a zero dimension in {text!r}.")
        if m[1] in out:
            raise ValueError(f"--shapes names {m[1]!r} twice in {text!r}.")
        out[m[1]] = dims
    return out


def _point(args: argparse.Namespace, fn, target: str):
    """(the point as given, how the report names its source)."""
    from numeric.check import TargetError, load_target
    from numeric.fn_gradcheck import FnError, draw_point
    from numeric.fn_gradcheck.answer import call0
    from numeric.validate import check_positive_real

    from ..values import integer

    if args.shapes is not None and args.point is not None:
        raise ValueError("give the point with --shapes or with --point, not both.")
    if args.shapes is not None:
        scale = check_positive_real("--scale", args.scale, allow_zero=True)
        seed = integer("--seed", args.seed, minimum=0)
        return (draw_point(shapes_from_flag(args.shapes), scale=scale, seed=seed),
                f"--shapes (N(0, {scale:g}²), seed {seed})")
    file = target.rpartition(":")[0]
    spec = args.point or DEFAULT_POINT
    if ":" in spec:
        try:
            make, where = load_target(spec)
        except TargetError as e:
            raise ValueError(f"--point: {_one_line(e)}") from None
    else:
        make, where = getattr(sys.modules.get(getattr(fn, "__module__", ""), None), spec, None), f"{file}:{spec}"
        if make is None:
            if args.point is None:
                raise ValueError(f"{file} defines no {DEFAULT_POINT}(); give the point with --shapes "
                                 "NAME=3x4,... (drawn) or --point [FILE.py:]FUNC (a function of no arguments "
                                 f"returning a dict of arrays), or define {DEFAULT_POINT}() in {file}.")
            raise ValueError(f"--point: {file} has no function {spec!r}.")
        if not callable(make):
            raise ValueError(f"--point: {where} is {type(make).__name__}, not a function of no arguments "
                             "returning a dict of arrays.")
    try:
        return call0(make, f"{where}()"), f"{where}()"
    except FnError as e:
        raise ValueError(f"--point: {e}") from None


def _one_line(e: Exception) -> str:
    return " ".join(str(e).split())


def run_fn(args: argparse.Namespace) -> int:
    import contextlib

    from numeric.check import TargetError, load_target
    from numeric.fn_gradcheck import FnError, gradcheck_fn
    from numeric.validate import check_positive_real

    eps = check_positive_real("--eps", args.eps)
    limit = check_positive_real("--max-seconds", args.max_seconds)
    with contextlib.redirect_stdout(sys.stderr):      # whatever the user's code prints
        try:
            fn, name = load_target(args.target)
        except TargetError as e:
            raise ValueError(_one_line(e)) from None
        params, source = _point(args, fn, name)
        try:
            report = gradcheck_fn(fn, params, eps=eps, name=name, point_source=source, max_seconds=limit,
                                  progress=sys.stderr.isatty())
        except FnError:
            raise
        except ValueError as e:             # the size guard names the library's max_seconds
            raise ValueError(str(e).replace("max_seconds", "--max-seconds", 1)) from None
    print(report.to_json() if args.format == "json" else report.to_text())
    return report.exit_status
