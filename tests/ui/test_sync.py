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
