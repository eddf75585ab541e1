"""The browser's whole layout becomes service steps that reproduce it exactly, never overfilling a
forced column on the way (checked against the real response state machine)."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from qmethod.study import Response, apply, load_study
from qmethod.ui.sync import (
    layout_steps,
    merge_layouts,
    merge_piles,
    parse_layout,
    parse_piles,
    parse_placements,
    pile_steps,
    plan_layout,
    plan_piles,
)

from .conftest import ROOT

STUDY = load_study(ROOT / "studies" / "brukermedvirkning")
SCORES = STUDY.grid.scores
IDS = list(STUDY.statement_ids)


def _consented() -> Response:
    r = Response.new(STUDY, "nb")
    apply(STUDY, r, "consent", {"version": STUDY.consent.version})
    return r


@st.composite
def layouts(draw) -> dict[int, list[str]]:
    """A partial forced layout: a random subset of statements in columns with room."""
    ids = draw(st.permutations(IDS))
    n = draw(st.integers(0, len(IDS)))
    cols: dict[int, list[str]] = {s: [] for s in SCORES}
    for sid in ids[:n]:
        free = [s for s in SCORES if len(cols[s]) < STUDY.grid.capacity(s)]
        cols[draw(st.sampled_from(free))].append(sid)
    return cols


def _build(layout: dict[int, list[str]]) -> Response:
    r = _consented()
    for score, ids in layout.items():
        for sid in ids:
            apply(STUDY, r, "place", {"statement": sid, "score": score, "position": None})
    return r


@settings(max_examples=150, deadline=None)
@given(layouts(), layouts())
def test_steps_turn_any_layout_into_any_other(current, desired):
    r = _build(current)
    for kind, payload in layout_steps(r.columns, desired, STUDY.grid.capacity):
        apply(STUDY, r, kind, payload)  # raises if a step overfills a column or is invalid
    assert {s: ids for s, ids in r.columns.items()} == desired


def test_a_swap_between_two_full_columns_works():
    full = {s: [] for s in SCORES}
    ids = iter(IDS)
    for s in SCORES:
        full[s] = [next(ids) for _ in range(STUDY.grid.capacity(s))]
    desired = {s: list(v) for s, v in full.items()}
    desired[-4][0], desired[4][0] = full[4][0], full[-4][0]
    r = _build(full)
    steps = layout_steps(r.columns, desired, STUDY.grid.capacity)
    for kind, payload in steps:
        apply(STUDY, r, kind, payload)
    assert r.columns == desired


def test_same_layout_needs_no_steps():
    layout = {s: [] for s in SCORES}
    layout[0] = IDS[:3]
    assert layout_steps(layout, layout, STUDY.grid.capacity) == []


def test_malformed_layouts_are_refused():
    assert parse_layout({"0": ["S01", "S01"]}, SCORES, IDS) is None  # twice
    assert parse_layout({"9": ["S01"]}, SCORES, IDS) is None  # no such column
    assert parse_layout({"0": ["nope"]}, SCORES, IDS) is None
    assert parse_layout({"x": []}, SCORES, IDS) is None
    assert parse_layout(["S01"], SCORES, IDS) is None
    assert parse_layout({"0": "S01"}, SCORES, IDS) is None
    assert parse_layout({"-1": ["S02"], "0": ["S01"]}, SCORES, IDS)[-1] == ["S02"]


def test_piles_round_trip():
    assert parse_piles({"S01": "agree", "S02": "bad"}, IDS, ("disagree", "neutral", "agree")) is None
    current = {"S01": "agree", "S02": "neutral"}
    desired = {"S02": "disagree", "S03": "agree"}
    r = _consented()
    for sid, pile in current.items():
        apply(STUDY, r, "pile", {"statement": sid, "pile": pile})
    for kind, payload in pile_steps(current, desired):
        apply(STUDY, r, kind, payload)
    assert r.piles == desired


def _col_of(layout):
    return {sid: s for s, ids in layout.items() for sid in ids}


@settings(max_examples=200, deadline=None)
@given(layouts(), layouts(), layouts())
def test_merge_keeps_both_devices_work_or_refuses(base, mine, stored):
    merged = merge_layouts(base, mine, stored, STUDY.grid.capacity)
    if merged is None:  # only when a forced column would overflow
        return
    at = _col_of(merged)
    assert sum(len(ids) for ids in merged.values()) == len(at)  # no statement twice
    assert all(len(merged[s]) <= STUDY.grid.capacity(s) for s in SCORES)
    b, m, st_ = _col_of(base), _col_of(mine), _col_of(stored)
    for sid in IDS:
        expected = m.get(sid) if b.get(sid) != m.get(sid) else st_.get(sid)
        assert at.get(sid) == expected, sid  # the browser's moves, the stored place for the rest
    # and the steps that reach it are valid on the stored response
    r = _build(stored)
    for kind, payload in layout_steps(r.columns, merged, STUDY.grid.capacity):
        apply(STUDY, r, kind, payload)
    assert {s: ids for s, ids in r.columns.items()} == merged


@settings(max_examples=100, deadline=None)
@given(layouts(), layouts())
def test_merge_is_the_plain_save_when_nothing_else_changed(base, mine):
    assert merge_layouts(base, mine, base, STUDY.grid.capacity) == mine
    assert merge_layouts(base, base, mine, STUDY.grid.capacity) == mine  # an unchanged page changes nothing


def test_merge_of_a_stale_tab_and_a_newer_device():
    empty = {s: [] for s in SCORES}
    stored = {**empty, 2: ["S05"], 0: ["S01", "S02"]}  # the phone placed S05 and S02 meanwhile
    base = {**empty, 0: ["S01"]}  # the laptop's view before that
    mine = {**empty, 0: ["S03", "S01"], -4: ["S04"]}  # the laptop then placed S03 at the top and S04
    merged = merge_layouts(base, mine, stored, STUDY.grid.capacity)
    assert merged == {**empty, 2: ["S05"], 0: ["S03", "S01", "S02"], -4: ["S04"]}
    # both moved S05: the laptop's move wins for S05, the phone's S02 stays
    mine2 = {**empty, 0: ["S01"], -3: ["S05"]}
    base2 = {**empty, 0: ["S01"], 1: ["S05"]}
    assert merge_layouts(base2, mine2, stored, STUDY.grid.capacity) == {**empty, 0: ["S01", "S02"], -3: ["S05"]}
    # a column that both filled to more than its capacity is refused
    cap = STUDY.grid.capacity(-4)
    full_stored = {**empty, -4: IDS[:cap]}
    over = {**empty, -4: [IDS[cap]]}
    assert merge_layouts(empty, over, full_stored, STUDY.grid.capacity) is None


def test_placements_and_pile_merges():
    assert parse_placements({"S01": [0, 1], "S02": [0, 0], "S03": [-4, 0]}, SCORES, IDS) == \
        {**{s: [] for s in SCORES}, 0: ["S02", "S01"], -4: ["S03"]}
    for bad in ({"S01": [9, 0]}, {"S01": 0}, {"nope": [0, 0]}, {"S01": [True, 0]}, ["S01"], {"S01": [0.5, 0]}):
        assert parse_placements(bad, SCORES, IDS) is None
    stored = {"S01": "agree", "S02": "neutral", "S03": "disagree"}  # the other device sorted S03
    base = {"S01": "agree", "S02": "neutral"}
    mine = {"S01": "disagree", "S04": "agree"}  # this tab changed S01, undid S02, sorted S04
    assert merge_piles(base, mine, stored) == {"S01": "disagree", "S03": "disagree", "S04": "agree"}
    assert merge_piles(base, base, stored) == stored


# ---------------------------------------------------------------- the page's protocol


def _placements(layout: dict[int, list[str]]) -> dict[str, list[int]]:
    """A layout as the page sends it to the browser (``{id: [score, position]}``)."""
    return {sid: [score, i] for score, ids in layout.items() for i, sid in enumerate(ids)}


class _Page:
    """The grid page's callback over one stored response: what ``grid.py`` does on each message."""

    def __init__(self, stored: Response):
        self.stored, self.ours = stored, None

    def receive(self, columns: dict[int, list[str]], base: dict[int, list[str]] | None) -> None:
        value = {"columns": {str(k): v for k, v in columns.items()},
                 "base": None if base is None else _placements(base)}
        steps = plan_layout(value, self.stored.columns, self.ours, SCORES, IDS, STUDY.grid.capacity)
        for kind, payload in steps:
            apply(STUDY, self.stored, kind, payload)
        self.ours = {k: list(v) for k, v in self.stored.columns.items()}


def test_a_card_moved_and_moved_back_stays_back_though_the_browser_base_lags():
    # The browser adopted the stored layout once (A, B in -4), then placed C, moved A to -3 and A
    # back to -4, each sent at once; it heard of none of these saves yet, so its base is still the
    # first layout. The page must store what the browser shows, not keep A in -3.
    empty = {s: [] for s in SCORES}
    r = _build({**empty, -4: ["S01", "S02"]})
    page, base = _Page(r), {**empty, -4: ["S01", "S02"]}
    page.receive({**empty, -4: ["S01", "S02"], -3: ["S03"]}, base)
    page.receive({**empty, -4: ["S02"], -3: ["S03", "S01"]}, base)
    page.receive({**empty, -4: ["S02", "S01"], -3: ["S03"]}, base)
    assert r.columns == {**empty, -4: ["S02", "S01"], -3: ["S03"]}


@st.composite
def sessions(draw):
    """A browser's changes (place/move/return) as whole layouts, each sent, with the layouts the
    page acknowledged back to it at random moments (the base it sends with each change)."""
    layout = {s: [] for s in SCORES}
    out = []
    for _ in range(draw(st.integers(1, 25))):
        sid = draw(st.sampled_from(IDS[:12]))
        at = next((s for s, ids in layout.items() if sid in ids), None)
        free = [s for s in SCORES if len(layout[s]) < STUDY.grid.capacity(s) and s != at]
        choice = draw(st.sampled_from(free + ([None] if at is not None else [])))
        if at is not None:
            layout[at].remove(sid)
        if choice is not None:
            layout[choice].insert(draw(st.integers(0, len(layout[choice]))), sid)
        out.append(({k: list(v) for k, v in layout.items()}, draw(st.booleans())))
    return out


@settings(max_examples=150, deadline=None)
@given(sessions())
def test_one_device_always_ends_with_exactly_what_it_shows(changes):
    r = _consented()
    page = _Page(r)
    base = {s: [] for s in SCORES}
    for columns, heard_back in changes:
        page.receive(columns, base)
        if heard_back:  # a rerun reached the browser: it adopts the stored layout as its new base
            base = {k: list(v) for k, v in r.columns.items()}
    assert r.columns == changes[-1][0]


def test_a_new_page_session_merges_against_the_browser_base():
    # After a reload (no save by this session yet) the browser's base decides: another device's
    # placement made after the browser's view is kept.
    empty = {s: [] for s in SCORES}
    r = _build({**empty, 0: ["S01"], 2: ["S05"]})  # the phone placed S05 meanwhile
    _Page(r).receive({**empty, 0: ["S01"], -4: ["S04"]}, base={**empty, 0: ["S01"]})
    assert r.columns == {**empty, 0: ["S01"], 2: ["S05"], -4: ["S04"]}


def test_piles_planned_against_this_sessions_last_save():
    stored = {"S01": "agree"}  # this session's own earlier save
    steps = plan_piles({"piles": {}, "base": {}}, stored, {"S01": "agree"}, IDS, ("disagree", "neutral", "agree"))
    assert steps == [("pile", {"statement": "S01", "pile": None})]  # taken back, not kept as another's
    other = {"S01": "agree", "S02": "neutral"}  # another device sorted S02 since
    steps = plan_piles({"piles": {}, "base": {}}, other, {"S01": "agree"}, IDS, ("disagree", "neutral", "agree"))
    assert steps == [("pile", {"statement": "S01", "pile": None})]
    assert plan_piles({"piles": {"S01": "bad"}}, stored, None, IDS, ("disagree", "neutral", "agree")) is None
