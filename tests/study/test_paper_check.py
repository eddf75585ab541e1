"""Checks of a sort typed in from the paper score sheet."""
from __future__ import annotations

from pathlib import Path

from qmethod.study import load_study
from qmethod.study.paper import check_paper_sort, parse_numbers

MINI = load_study(Path(__file__).parents[1] / "data" / "studies" / "mini")


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
