"""The pure response state machine: invariants under any sequence of steps."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qmethod.errors import StudyError
from qmethod.study import Response, apply, load_study, missing
from qmethod.study.response import normalize_answer

MINI = load_study(Path(__file__).parents[2] / "tests" / "data" / "studies" / "mini")
IDS = list(MINI.statement_ids)

steps = st.one_of(
    st.tuples(st.just("pile"), st.fixed_dictionaries({"statement": st.sampled_from(IDS + ["X"]),
                                                      "pile": st.sampled_from(["agree", "neutral", "disagree", None, "?"])})),
    st.tuples(st.sampled_from(["place", "move"]),
              st.fixed_dictionaries({"statement": st.sampled_from(IDS), "score": st.integers(-3, 3),
                                     "position": st.one_of(st.none(), st.integers(-1, 3))})),
    st.tuples(st.just("remove"), st.fixed_dictionaries({"statement": st.sampled_from(IDS)})),
    st.tuples(st.just("swap"), st.fixed_dictionaries({"a": st.sampled_from(IDS), "b": st.sampled_from(IDS)})),
    st.tuples(st.just("submit"), st.just({})),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(steps, max_size=40))
def test_any_sequence_keeps_the_grid_valid_and_failed_steps_change_nothing(sequence):
    r = Response.new(MINI, "nb")
    apply(MINI, r, "consent", {"version": "v1"})
    for kind, payload in sequence:
        before = r.copy()
        try:
            apply(MINI, r, kind, payload)
        except StudyError:
            assert r == before
        placed = [s for ids in r.columns.values() for s in ids]
        assert len(placed) == len(set(placed))  # no statement twice
        for col in MINI.grid.columns:
            assert len(r.columns[col.score]) <= col.count  # forced capacity
        assert set(r.piles.values()) <= {"agree", "neutral", "disagree"}
        if r.submitted:
            assert missing(MINI, r) == []


def test_number_answers_accept_norwegian_decimal_comma():
    from dataclasses import replace

    q = replace(MINI.question("age"), integer=False)
    assert normalize_answer(q, "33,5") == 33.5
    assert normalize_answer(q, " 40 ") == 40
    assert normalize_answer(q, "") is None
    with pytest.raises(StudyError, match="'abc' is not a number"):
        normalize_answer(q, "abc")
    with pytest.raises(StudyError, match="not a finite number"):
        normalize_answer(q, "nan")


def test_multiple_choice_is_stored_in_option_order():
    assert normalize_answer(MINI.question("areas"), ["c", "a"]) == ["a", "c"]
    with pytest.raises(StudyError, match="chosen twice"):
        normalize_answer(MINI.question("areas"), ["a", "a"])


@pytest.mark.parametrize(("lang", "name"), [("nb", "Alder"), ("en", "Age")])
def test_a_missing_required_answer_names_the_question_by_its_text_in_the_sorts_language(lang, name):
    """What a researcher entering a paper sort (or any submit) is told: the question as the form
    shows it, in the sort's language, never its id."""
    r = Response.new(MINI, lang)
    apply(MINI, r, "consent", {"version": "v1"})
    with pytest.raises(StudyError) as err:
        apply(MINI, r, "submit", {})
    answers = [m.message for m in missing(MINI, r) if m.kind == "answer"]
    assert answers == [f"The question “{name}” is required and has no answer."]
    assert answers[0] in str(err.value) and "'age'" not in str(err.value)
