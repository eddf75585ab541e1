"""Paper sorts entered by a researcher: stored as a submitted response, analysed with the others."""
from __future__ import annotations

from pathlib import Path

import pytest

from qmethod import service as sv
from qmethod.errors import StudyError
from qmethod.service.paper import enter_paper_sort
from qmethod.study import load_study

DEMO = Path(__file__).parents[2] / "studies" / "brukermedvirkning"


def _sheet(study, order):
    """Card numbers per column, filling the grid from the left with the cards in ``order``."""
    cards = list(order)
    out = {}
    for col in study.grid.columns:
        out[col.score] = [cards.pop(0) for _ in range(col.count)]
    return out


def test_a_paper_sort_is_a_submitted_response_with_its_scores_answers_and_comments(db, mini):
    n = len(mini.statements)
    sheet = _sheet(mini, reversed(range(1, n + 1)))          # card 6 at -2, card 1 at +2
    extremes = {sheet[-2][0]: "Dette er viktig", sheet[2][0]: "Helt enig"}
    state = enter_paper_sort(db, "mini", sheet, researcher="anna", code="GR-07",
                             answers={"age": 44, "role": "user"}, comments=extremes)
    assert state.stage == "done" and state.submitted_at is not None
    done = sv.completed_sorts(db, "mini")
    assert list(done.sorts.columns) == [state.participant]
    ids = mini.statement_ids
    for score, cards in sheet.items():
        for card in cards:
            assert done.sorts.loc[ids[card - 1], state.participant] == score
    row = done.participants.loc[state.participant]
    assert row["external_id"] == "GR-07" and row["age"] == 44 and row["role"] == "user"
    comments = done.long.set_index("statement")["comment"]
    assert comments[ids[sheet[-2][0] - 1]] == "Dette er viktig"


def test_the_audit_trail_says_who_entered_it_from_paper_and_replays_to_the_stored_sort(db, mini):
    n = len(mini.statements)
    sheet = _sheet(mini, range(1, n + 1))
    state = enter_paper_sort(db, "mini", sheet, researcher="anna", answers={"age": 30},
                             comments={sheet[-2][0]: "a", sheet[2][0]: "b"})
    trail = sv.audit_trail(db, "mini", state.participant)
    assert trail[0].payload["note"] == "entered by researcher anna from paper"
    assert all(e.payload.get("entered_by") == "anna" for e in trail[1:])
    assert trail[-1].kind == "submit"
    replayed = sv.replay_participant(db, "mini", state.participant)
    assert replayed.columns == state.columns and replayed.answers == state.answers


def test_an_incomplete_or_wrong_sheet_names_every_problem_and_stores_nothing(db, mini):
    sheet = {-2: [1], -1: [1], 0: [2, 9], 1: [], 2: [4]}
    with pytest.raises(StudyError) as err:
        enter_paper_sort(db, "mini", sheet, researcher="anna", answers={"age": 30})
    msg = str(err.value)
    assert "card 1 is also in column -2" in msg
    assert "9 is not a card number" in msg
    assert "card(s) not placed yet: 3, 5, 6" in msg
    assert sv.completed_sorts(db, "mini").sorts.shape[1] == 0
    assert sv.participant_progress(db, "mini") == ()


def test_a_missing_required_answer_is_refused_with_the_question_named(db, mini):
    sheet = _sheet(mini, range(1, len(mini.statements) + 1))
    with pytest.raises(StudyError, match="The question “Alder” is required"):
        enter_paper_sort(db, "mini", sheet, researcher="anna", comments={sheet[-2][0]: "a", sheet[2][0]: "b"})


def test_the_demo_study_with_a_presort_takes_a_34_card_sheet(db):
    sv.publish_study_file(db, DEMO)
    demo = load_study(DEMO)
    sheet = _sheet(demo, range(1, len(demo.statements) + 1))
    state = enter_paper_sort(db, demo.id, sheet, researcher="anna", source="facilitated", answers={"role": "user"})
    assert state.stage == "done"
    assert set(state.piles.values()) == {"disagree", "neutral", "agree"}
    trail = sv.audit_trail(db, demo.id, state.participant)
    assert "with the participant (facilitated)" in trail[0].payload["note"]
