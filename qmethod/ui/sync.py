"""Turn a layout sent by the browser into the service layer's steps.

The grid and presort components send the participant's WHOLE current layout after every change
(so a lost or merged update can never lose a placement). The page compares it with the stored state
and saves only the difference, as ordinary steps (``place``, ``move``, ``remove``, ``pile``), in an
order that never overfills a forced column on the way.

Whether another tab or device saved in between is judged against what *this page session* last
left stored (``ours``: the stored layout right after its previous save). While it is unchanged, the
browser's layout is saved as it is. If it changed, the browser's changes since ``ours`` are merged
into the stored layout (:func:`merge_layouts`, :func:`merge_piles`), so the other device's work is
kept; a merge that cannot fit (a forced column would overflow) is reported as a conflict and nothing
is saved. Before a session's first save (a new tab, a reload) the browser's *base*, the stored
layout it last showed, stands in for ``ours``. The browser's base alone is not enough later on:
the browser learns of its own saves only now and then, so its base lags behind them, and a change
it then took back (a card moved right and back) would look like another device's work and be kept.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["Step", "layout_steps", "pile_steps", "parse_layout", "parse_piles", "parse_placements",
           "merge_layouts", "merge_piles", "plan_layout", "plan_piles", "MergeConflict"]

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


def parse_placements(raw: Any, scores: Sequence[int], statement_ids: Sequence[str]) -> dict[int, list[str]] | None:
    """Validate a ``{id: [score, position]}`` mapping (the stored layout as the page sent it to the
    browser) and return it as columns; ``None`` if malformed."""
    if not isinstance(raw, Mapping):
        return None
    known = set(statement_ids)
    cells: dict[int, list[tuple[float, str]]] = {s: [] for s in scores}
    for sid, where in raw.items():
        if sid not in known or not isinstance(where, (list, tuple)) or len(where) != 2:
            return None
        score, pos = where
        if isinstance(score, bool) or not isinstance(score, (int, float)) or int(score) != score \
                or int(score) not in cells or isinstance(pos, bool) or not isinstance(pos, (int, float)):
            return None
        cells[int(score)].append((pos, sid))
    return {score: [sid for _, sid in sorted(items)] for score, items in cells.items()}


def merge_layouts(base: Mapping[int, Sequence[str]], mine: Mapping[int, Sequence[str]],
                  stored: Mapping[int, Sequence[str]],
                  capacity: Callable[[int], int | None]) -> dict[int, list[str]] | None:
    """Three-way merge of grid layouts: the browser's changes from ``base`` to ``mine`` applied to
    ``stored`` (which another tab or device changed since ``base``).

    A statement the browser moved (to another column, into or out of the grid) goes where the browser
    put it; every other statement stays where ``stored`` has it. A column only the browser changed
    takes the browser's order; a column both changed keeps the stored order with the browser's
    arrivals at their positions. Returns ``None`` if the result would overfill a forced column.
    """
    scores = list(dict.fromkeys([*stored, *mine, *base]))
    col_of = lambda layout: {sid: s for s, ids in layout.items() for sid in ids}  # noqa: E731
    base_at, mine_at = col_of(base), col_of(mine)
    moved = {sid for sid in set(base_at) | set(mine_at) if base_at.get(sid) != mine_at.get(sid)}
    out: dict[int, list[str]] = {}
    for s in scores:
        b, m, st = list(base.get(s, ())), list(mine.get(s, ())), list(stored.get(s, ()))
        if m == b:  # the browser did not touch this column
            out[s] = [sid for sid in st if sid not in moved]
        elif st == b:  # only the browser did
            out[s] = m
        else:  # both did: stored order, the browser's arrivals at their places
            col = [sid for sid in st if sid not in moved]
            for i, sid in enumerate(m):
                if sid in moved:
                    col.insert(min(i, len(col)), sid)
            out[s] = col
    seen: set[str] = set()
    for s, ids in out.items():
        if seen & set(ids):  # cannot happen by construction; refuse rather than save a broken layout
            return None
        seen |= set(ids)
        cap = capacity(s)
        if cap is not None and len(ids) > cap:
            return None
    return out


def merge_piles(base: Mapping[str, str], mine: Mapping[str, str], stored: Mapping[str, str]) -> dict[str, str]:
    """Three-way merge of presort piles: what the browser changed since ``base`` applied to ``stored``."""
    out = dict(stored)
    for sid in set(base) | set(mine):
        if base.get(sid) != mine.get(sid):
            if sid in mine:
                out[sid] = mine[sid]
            else:
                out.pop(sid, None)
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


class MergeConflict(Exception):
    """The browser's changes and another device's do not fit together (a column would overflow)."""


def plan_layout(
    value: Mapping[str, Any],
    stored: Mapping[int, Sequence[str]],
    ours: Mapping[int, Sequence[str]] | None,
    scores: Sequence[int],
    statement_ids: Sequence[str],
    capacity: Callable[[int], int | None],
) -> list[Step] | None:
    """Steps that save a grid message ``value`` (``{"seq", "columns", "base"}``) over ``stored``.

    ``ours`` is the layout this page session last left stored (``None`` before its first save; the
    browser's ``base`` is used then). ``None`` if the message is malformed; raises
    :class:`MergeConflict` if a needed merge cannot fit.
    """
    desired = parse_layout(value.get("columns"), scores, statement_ids)
    if desired is None:
        return None
    current = {s: list(stored.get(s, ())) for s in scores}
    reference = {s: list(ours.get(s, ())) for s in scores} if ours is not None else None
    if reference is None and value.get("base") is not None:
        reference = parse_placements(value["base"], scores, statement_ids)
    if reference is not None and reference != current:  # another tab or device saved in between
        desired = merge_layouts(reference, desired, current, capacity)
        if desired is None:
            raise MergeConflict
    return layout_steps(current, desired, capacity)


def plan_piles(
    value: Mapping[str, Any],
    stored: Mapping[str, str],
    ours: Mapping[str, str] | None,
    statement_ids: Sequence[str],
    piles: Sequence[str],
) -> list[Step] | None:
    """Steps that save a presort message ``value`` (``{"seq", "piles", "base"}``) over ``stored``;
    ``ours`` as in :func:`plan_layout`. ``None`` if the message is malformed."""
    desired = parse_piles(value.get("piles"), statement_ids, piles)
    if desired is None:
        return None
    reference = dict(ours) if ours is not None else None
    if reference is None and value.get("base") is not None:
        reference = parse_piles(value["base"], statement_ids, piles)
    if reference is not None and reference != dict(stored):  # another tab or device saved in between
        desired = merge_piles(reference, desired, stored)
    return pile_steps(stored, desired)
