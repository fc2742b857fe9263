"""draw(plan): a Schedule as text, one line per action, the states h_0..h_T drawn beside it."""

from __future__ import annotations

from .schedule import Schedule

DRAW_LIMIT = 60
"""draw refuses plans longer than this many steps (a line per action, a column per state)."""

LEGEND = "S stored   > current (not stored)   = back-propagated   . not held"


def _strip(plan: Schedule, stored: set[int], cur: int | None, done: int) -> str:
    cells = []
    for t in range(plan.T + 1):
        if t in stored:
            cells.append("S")
        elif t == cur:
            cells.append(">")
        elif t >= done:
            cells.append("=")
        else:
            cells.append(".")
    return " ".join(cells)


def _label(act: tuple, seen: int) -> tuple[str, str]:
    """The action as words, and a note (step counts, recomputation, the evaluation of h_T)."""
    op = act[0]
    if op == "advance":
        a, b = act[1], act[2]
        again = max(0, min(b, seen) - a)
        note = f"{b - a} step{'s' * (b - a != 1)}" + (f", {again} recomputed" if again else "")
        return f"advance  h{a}->h{b}", note
    if op == "backward":
        return f"backward {act[1]}", ""
    return f"{op:<8} h{act[1]}", ""


def draw(plan: Schedule) -> str:
    """The plan step by step: which state is stored, recomputed, freed; a legend first.

    Every line shows the states after the action: S stored in a slot, > the current state,
    = steps already back-propagated, . not held. The first backward also evaluates h_T.
    """
    if not isinstance(plan, Schedule):
        raise TypeError(f"plan must be a numeric.checkpoint.Schedule; got {type(plan).__name__}.")
    if plan.T > DRAW_LIMIT:
        raise ValueError(f"plan.T must be <= {DRAW_LIMIT} to be drawn; got {plan.T}.")
    head = f"T={plan.T}, {plan.policy}: {plan.forward_steps} forward steps, peak {plan.peak_stored} stored"
    width = max(len(_label(a, plan.T)[0]) for a in plan.actions())
    lines = [head, LEGEND, " " * (width + 2) + " ".join(str(t % 10) for t in range(plan.T + 1))]
    stored: set[int] = set()
    cur, seen, done = 0, 0, plan.T + 1              # seen: the furthest state computed so far
    for act in plan.actions():
        op, label, note = act[0], *_label(act, seen)
        if op == "store":
            stored.add(act[1])
        elif op == "free":
            stored.discard(act[1])
        elif op == "restore":
            cur = act[1]
        elif op == "advance":
            seen, cur = max(seen, act[2]), act[2]
        else:
            note = f"h{plan.T} evaluated here" if act[1] == plan.T else ""
            done, cur = act[1], None
        lines.append(f"{label:<{width}}  {_strip(plan, stored, cur, done)}" + (f"   {note}" if note else ""))
    return "\n".join(line.rstrip() for line in lines)
