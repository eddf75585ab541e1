"""Paper sorts entered by a researcher: stored as a submitted response, analysed with the others."""
from __future__ import annotations

from pathlib import Path

import pytest

from qmethod import service as sv
from qmethod.errors import StudyError
from qmethod.service.paper import enter_paper_sort
from qmethod.study import load_study

DEMO = Path(__file__).parents[2] / "studies" / "brukermedvirkning"
COND = Path(__file__).parents[2] / "tests" / "data" / "studies" / "conditions"


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
    assert state.participant == "GR-07"  # the code written on the sheet is the participant's code
    row = done.participants.loc["GR-07"]
    assert row["age"] == 44 and row["role"] == "user"
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


def test_the_code_on_the_sheet_is_the_code_shown_and_exported_not_an_invitation_id(db, mini):
    sheet = _sheet(mini, range(1, len(mini.statements) + 1))
    comments = {sheet[-2][0]: "a", sheet[2][0]: "b"}
    enter_paper_sort(db, "mini", sheet, researcher="anna", code="Gruppe2-Kari", answers={"age": 30}, comments=comments)
    [row] = sv.participant_progress(db, "mini")
    assert row.participant == "Gruppe2-Kari" and row.external_id is None
    assert sv.export_participant(db, "mini", "Gruppe2-Kari")["participant"]["code"] == "Gruppe2-Kari"
    assert list(sv.completed_sorts(db, "mini").sorts.columns) == ["Gruppe2-Kari"]
    # the same code twice is refused by name; a blank code gets the next number
    with pytest.raises(StudyError, match="already has a sort with the code 'Gruppe2-Kari'"):
        enter_paper_sort(db, "mini", sheet, researcher="anna", code="Gruppe2-Kari", answers={"age": 30},
                         comments=comments)
    assert enter_paper_sort(db, "mini", sheet, researcher="anna", answers={"age": 30},
                            comments=comments).participant == "P002"


def test_an_online_participant_never_takes_a_code_typed_from_paper(db, mini):
    sheet = _sheet(mini, range(1, len(mini.statements) + 1))
    enter_paper_sort(db, "mini", sheet, researcher="anna", code="P002", answers={"age": 30},
                     comments={sheet[-2][0]: "a", sheet[2][0]: "b"})
    online = [sv.start_participant(db, "mini").state.participant for _ in range(2)]
    assert online == ["P003", "P004"]  # the paper sort took number 1; P002 is its code
    assert sorted(p.participant for p in sv.participant_progress(db, "mini")) == ["P002", "P003", "P004"]


@pytest.fixture
def cond(db):
    sv.publish_study_file(db, COND)
    return load_study(COND)


def _comments(sheet):
    return {sheet[-2][0]: "a", sheet[2][0]: "b"}


def test_a_sheet_of_a_conditions_study_is_stored_under_its_condition_and_analysed_with_it(db, cond):
    now = _sheet(cond, range(1, 7))
    ideal = _sheet(cond, range(6, 0, -1))
    a = enter_paper_sort(db, "conditions", now, researcher="anna", code="P001-now", comments=_comments(now))
    b = enter_paper_sort(db, "conditions", ideal, researcher="anna", code="P001", condition="ideal",
                         comments=_comments(ideal), answers={"age": 40})
    assert (a.participant, a.condition, b.participant, b.condition) == ("P001-now", "now", "P001-ideal", "ideal")
    only_ideal = sv.completed_sorts(db, "conditions", condition="ideal")
    assert list(only_ideal.sorts.columns) == ["P001-ideal"]
    assert only_ideal.sorts.loc[cond.statement_ids[0], "P001-ideal"] == 2  # card 1 is at +2 on this sheet
    both = sv.completed_sorts(db, "conditions")
    assert list(both.participants["condition"]) == ["now", "ideal"]
    assert list(both.participants["person"]) == ["P001", "P001"]
    assert list(both.participants["age"]) == [40, 40]  # one person: the survey answered once
    assert sv.replay_participant(db, "conditions", "P001-now").columns == a.columns


def test_a_conditions_sheet_without_a_condition_or_with_two_is_refused_and_nothing_stored(db, cond):
    sheet = _sheet(cond, range(1, 7))
    with pytest.raises(StudyError, match="Choose the condition of instruction the sheet was sorted under"):
        enter_paper_sort(db, "conditions", sheet, researcher="anna", code="P004", comments=_comments(sheet))
    with pytest.raises(StudyError, match="ends with condition 'now', but condition 'ideal' is chosen"):
        enter_paper_sort(db, "conditions", sheet, researcher="anna", code="P004-now", condition="ideal",
                         comments=_comments(sheet))
    with pytest.raises(StudyError, match="has no condition 'later'"):
        enter_paper_sort(db, "conditions", sheet, researcher="anna", condition="later", comments=_comments(sheet))
    with pytest.raises(StudyError, match="survey is answered once, with the sheet of the last condition"):
        enter_paper_sort(db, "conditions", sheet, researcher="anna", condition="now", answers={"age": 40},
                         comments=_comments(sheet))
    assert sv.participant_progress(db, "conditions") == ()
    assert enter_paper_sort(db, "conditions", sheet, researcher="anna", condition="now",
                            comments=_comments(sheet)).participant == "P001-now"


def test_the_live_code_check_names_a_code_already_stored_and_gives_the_stored_spelling(db, cond):
    from qmethod.service.paper import check_sheet_code

    assert check_sheet_code(db, "conditions", "p01-NOW") == ("p01-now", "now")
    enter_paper_sort(db, "conditions", _sheet(cond, range(1, 7)), researcher="anna", code="P01-now",
                     comments=_comments(_sheet(cond, range(1, 7))))
    with pytest.raises(StudyError, match="already has a sort with the code 'P01-now'"):
        check_sheet_code(db, "conditions", "P01-NOW")
    assert check_sheet_code(db, "conditions", "P01-ideal") == ("P01-ideal", "ideal")  # the same person's next sheet


def test_progress_names_each_sorts_person_and_condition(db, cond):
    sheet = _sheet(cond, range(1, 7))
    for code in ("P1-now", "P1-ideal"):
        enter_paper_sort(db, "conditions", sheet, researcher="anna", code=code, comments=_comments(sheet),
                         answers={"age": 40} if code.endswith("ideal") else None)
    assert [(p.participant, p.person, p.condition) for p in sv.participant_progress(db, "conditions")] == [
        ("P1-now", "P1", "now"), ("P1-ideal", "P1", "ideal")]
