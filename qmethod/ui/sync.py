"""Turn a layout sent by the browser into the service layer's steps.

The grid and presort components send the participant's WHOLE current layout after every change
(so a lost or merged update can never lose a placement). The page compares it with the stored state
and saves only the difference, as ordinary steps (``place``, ``move``, ``remove``, ``pile``), in an
order that never overfills a forced column on the way.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["Step", "layout_steps", "pile_steps", "parse_layout", "parse_piles"]

Step = tuple[str, dict[str, Any]]


def parse_layout(raw: Any, scores: Sequence[int], statement_ids: Sequence[str]) -> dict[int, list[str]] | None:
    """Validate a ``{"<score>": [ids]}`` layout from the browser; ``None`` if it is malformed.

    Unknown columns or statements, non-lists and duplicates make the whole layout invalid: the
    browser then receives the stored state again instead of a half-applied one.
    """
    if not isinstance(raw, Mapping):
        return None
    known = set(statement_ids)
    out: dict[int, list[str]] = {s: [] for s in scores}
    seen: set[str] = set()
    for key, ids in raw.items():
        try:
            score = int(key)
        except (TypeError, ValueError):
            return None
        if score not in out or not isinstance(ids, list):
            return None
        for sid in ids:
            if not isinstance(sid, str) or sid not in known or sid in seen:
                return None
            seen.add(sid)
            out[score].append(sid)
    return out


def parse_piles(raw: Any, statement_ids: Sequence[str], piles: Sequence[str]) -> dict[str, str] | None:
    """Validate a ``{id: pile}`` mapping from the presort component; ``None`` if malformed."""
    if not isinstance(raw, Mapping):
        return None
    known = set(statement_ids)
    allowed = set(piles)
    out: dict[str, str] = {}
    for sid, pile in raw.items():
        if sid not in known or pile not in allowed:
            return None
        out[sid] = pile
    return out


def layout_steps(
    current: Mapping[int, Sequence[str]],
    desired: Mapping[int, Sequence[str]],
    capacity: Callable[[int], int | None],
) -> list[Step]:
    """Steps that turn the ``current`` columns into the ``desired`` ones.

    ``capacity(score)`` is the column size of a forced grid or ``None`` (free grid). Order: take out
    what leaves the grid, move what changes column (whenever the target has room; statements caught
    in a cycle between full columns are taken out and put back), place new statements, then fix the
    order inside each column.
    """
    cols: dict[int, list[str]] = {s: list(ids) for s, ids in current.items()}
    for s in desired:
        cols.setdefault(s, [])
    where = {sid: s for s, ids in cols.items() for sid in ids}
    target = {sid: s for s, ids in desired.items() for sid in ids}
    steps: list[Step] = []

    def room(score: int) -> bool:
        cap = capacity(score)
        return cap is None or len(cols[score]) < cap

    for sid in [sid for sid in where if sid not in target]:
        cols[where.pop(sid)].remove(sid)
        steps.append(("remove", {"statement": sid}))

    pending = [sid for sid in where if target[sid] != where[sid]]
    while pending:
        progress = False
        for sid in list(pending):
            dest = target[sid]
            if room(dest):
                cols[where[sid]].remove(sid)
                cols[dest].append(sid)
                where[sid] = dest
                steps.append(("move", {"statement": sid, "score": dest, "position": None}))
                pending.remove(sid)
                progress = True
        if not progress:
            # A cycle of full columns: lift one statement out; it is placed again below.
            sid = pending.pop(0)
            cols[where.pop(sid)].remove(sid)
            steps.append(("remove", {"statement": sid}))

    for score, ids in desired.items():
        for sid in ids:
            if sid not in where:
                if not room(score):  # desired layout itself overfills the column
                    continue
                cols[score].append(sid)
                where[sid] = score
                steps.append(("place", {"statement": sid, "score": score, "position": None}))

    for score, ids in desired.items():
        want = [sid for sid in ids if where.get(sid) == score]
        for i, sid in enumerate(want):
            if cols[score][i] != sid:
                cols[score].remove(sid)
                cols[score].insert(i, sid)
                steps.append(("move", {"statement": sid, "score": score, "position": i}))
    return steps


def pile_steps(current: Mapping[str, str], desired: Mapping[str, str]) -> list[Step]:
    """``pile`` steps that turn the stored presort piles into the desired ones (None = undo)."""
    steps: list[Step] = []
    for sid in current:
        if sid not in desired:
            steps.append(("pile", {"statement": sid, "pile": None}))
    for sid, pile in desired.items():
        if current.get(sid) != pile:
            steps.append(("pile", {"statement": sid, "pile": pile}))
    return steps
