"""The browser's whole layout becomes service steps that reproduce it exactly, never overfilling a
forced column on the way (checked against the real response state machine)."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from qmethod.study import Response, apply, load_study
from qmethod.ui.sync import layout_steps, parse_layout, parse_piles, pile_steps

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
