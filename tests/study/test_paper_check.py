"""Checks of a sort typed in from the paper score sheet."""
from __future__ import annotations

from pathlib import Path

import pytest

from qmethod.errors import StudyError
from qmethod.study import load_study
from qmethod.study.paper import check_paper_sort, parse_numbers, sheet_code, unanswered

MINI = load_study(Path(__file__).parents[1] / "data" / "studies" / "mini")
COND = load_study(Path(__file__).parents[1] / "data" / "studies" / "conditions")


def test_numbers_may_be_separated_by_spaces_commas_or_semicolons_and_junk_is_kept_to_be_named():
    assert parse_numbers(" 3, 17;22  5 ") == [3, 17, 22, 5]
    assert parse_numbers("4 x7") == [4, "x7"]
    assert parse_numbers("") == []


def test_a_complete_sheet_has_no_problems():
    check = check_paper_sort(MINI, {-2: [6], -1: [5], 0: [4, 3], 1: [2], 2: [1]})
    assert check.ok and check.missing == () and check.counts[0] == 2


def test_each_kind_of_fault_is_named_with_its_column():
    check = check_paper_sort(MINI, {-2: [6, 5], -1: [5], 0: ["x"], 1: [0], 2: []})
    text = " ".join(check.problems)
    assert "Column -2 holds 1 cards, 2 are typed." in text
    assert "Column -1: card 5 is also in column -2." in text
    assert "Column 0: 'x' is not a card number (the cards are 1 to 6)." in text
    assert "Column +1: 0 is not a card number" in text
    assert check.missing == (1, 2, 3, 4)


def test_the_sheet_code_gives_the_condition_or_takes_the_chosen_one():
    assert sheet_code(COND, "P001-ideal") == ("P001-ideal", "ideal")
    assert sheet_code(COND, " anna ", "now") == ("anna-now", "now")
    assert sheet_code(COND, "P001-ideal", "ideal") == ("P001-ideal", "ideal")
    assert sheet_code(COND, "", "now") == (None, "now")            # the next free code, under "now"
    assert sheet_code(MINI, " GR-07 ") == ("GR-07", None)
    assert sheet_code(MINI, None) == (None, None)


@pytest.mark.parametrize("study, code, condition, message", [
    (COND, "P001", None, "Choose the condition of instruction the sheet was sorted under (now, ideal)"),
    (COND, "P001-now", "ideal", "ends with condition 'now', but condition 'ideal' is chosen"),
    (COND, "P001", "later", "has no condition 'later'"),
    (COND, "x" * 30, "ideal", "at most 26 characters (the condition is added to it)"),
    (MINI, "P001", "now", "has no conditions of instruction"),
    (MINI, "x" * 33, None, "at most 32 characters"),
    (MINI, "a\tb", None, "one line"),
])
def test_a_sheet_code_that_cannot_be_stored_is_named(study, code, condition, message):
    with pytest.raises(StudyError, match=message.replace("(", r"\(").replace(")", r"\)")):
        sheet_code(study, code, condition)


def test_a_code_with_a_space_is_refused_not_taken_as_another_person():
    with pytest.raises(StudyError, match="holds a space; codes have none \\(write 'P01-now'"):
        sheet_code(COND, "P01 -now")
    with pytest.raises(StudyError, match="holds a space"):
        sheet_code(MINI, "GR 07")


def test_the_condition_ending_matches_in_any_case_and_is_stored_in_the_studys_spelling():
    assert sheet_code(COND, "p01-NOW") == ("p01-now", "now")
    assert sheet_code(COND, "P01-Ideal", "ideal") == ("P01-ideal", "ideal")


def test_an_ending_that_is_no_condition_is_named_with_the_studys_conditions():
    with pytest.raises(StudyError, match="ends with 'then', which is not a condition of this study; its conditions "
                                         "are now, ideal"):
        sheet_code(COND, "P02-then")
    assert sheet_code(COND, "P02-then", "now") == ("P02-then-now", "now")  # chosen: the ending is the code's own


def test_a_code_one_character_too_long_is_refused_with_its_length_not_cut():
    with pytest.raises(StudyError, match="is 33 characters long; a code has at most 32 characters"):
        sheet_code(MINI, "x" * 33)


def test_a_required_question_without_an_answer_is_named_by_its_text_with_what_to_do():
    [message] = unanswered(COND, {"age": None, "role": None}, "en")
    assert message.startswith("The question “Age” is required: type the answer from the sheet.")
    assert "make the question optional in the study" in message
    assert unanswered(COND, {"age": 40, "role": None}) == []


def test_the_check_so_far_names_only_the_columns_reached_in_column_order():
    typed = {-2: [6], -1: [6]}                       # two columns typed: card 6 twice, the rest not reached
    check = check_paper_sort(MINI, typed)
    assert check.so_far(MINI, typed) == ("Column -1: card 6 is also in column -2.",)
    assert set(check.columns) == {-1, 0, 1, 2}         # every fault is kept by its column
    typed = {-2: [], 0: [4, 3]}                       # column 0 typed: the columns before it are passed
    assert check_paper_sort(MINI, typed).so_far(MINI, typed) == (
        "Column -2 holds 1 cards, 0 are typed.", "Column -1 holds 1 cards, 0 are typed.")
    typed = {-2: [6], -1: [5], 0: [4, 3], 1: [2], 2: []}  # the last column not reached yet: nothing to say
    assert check_paper_sort(MINI, typed).so_far(MINI, typed) == ()
    typed = {-2: [6], -1: [5], 0: [4, 3], 1: [], 2: [2]}  # every column reached: the card not placed too
    assert check_paper_sort(MINI, typed).so_far(MINI, typed) == (
        "Column +1 holds 1 cards, 0 are typed.", "1 card(s) not placed yet: 1.")
