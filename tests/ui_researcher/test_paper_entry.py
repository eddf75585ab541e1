"""A paper score sheet typed in by keyboard alone in Debian's chromium, then stored as a completed sort."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from qmethod import service as sv
from qmethod.study import load_study

from .conftest import no_exception, open_paper_sorts, settle, shot

pytestmark = pytest.mark.browser
DEMO = Path(__file__).parents[2] / "studies" / "brukermedvirkning"


def test_a_34_card_sheet_typed_by_keyboard_only_becomes_a_completed_sort(app, browser):
    sv.publish_study_file(app.db, DEMO)
    study = load_study(DEMO)
    n = len(study.statements)
    order = list(range(n, 0, -1))                      # card 34 at -4 ... card 1 at +4
    sheet, rest = {}, list(order)
    for col in study.grid.columns:
        sheet[col.score] = [rest.pop(0) for _ in range(col.count)]

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(30_000)
    open_paper_sorts(page, app, "Brukermedvirkning")
    # the print pack's download is on the page (it is drawn after the heading)
    page.get_by_role("button", name="Download cards, score sheet and instructions (PDF)").first.wait_for()

    started = time.monotonic()
    page.get_by_label("-4 (2)").focus()
    for i, col in enumerate(study.grid.columns):
        page.keyboard.type(" ".join(map(str, sheet[col.score])))
        if i == 0:  # a mistake first: a card typed twice is named at once
            page.keyboard.type(" 34")
            page.keyboard.press("Tab")
            page.get_by_text("Column -4 holds 2 cards, 3 are typed.").wait_for()
            settle(page)
            page.get_by_label("-4 (2)").focus()
            page.keyboard.press("End")
            for _ in range(3):
                page.keyboard.press("Backspace")
        page.keyboard.press("Tab")
    page.get_by_text(f"All {n} cards are placed").wait_for()
    settle(page)
    page.get_by_label("Participant's code (from the sheet)").focus()
    page.keyboard.type("GR-07")
    page.keyboard.press("Tab")
    settle(page)
    role = page.get_by_label("Hvilken erfaring har du først og fremst? *")
    role.focus()
    page.keyboard.type("Som bruker")
    page.keyboard.press("Enter")
    settle(page)
    save = page.get_by_role("button", name="Save the sort")
    save.focus()
    page.keyboard.press("Enter")
    page.get_by_text("Saved as participant GR-07").wait_for()
    elapsed = time.monotonic() - started
    print(f"\npaper sort of {n} cards entered by keyboard in {elapsed:.1f} s (browser automation speed)")
    no_exception(page)
    shot(page, "paper-entry")

    done = sv.completed_sorts(app.db, study.id)
    assert list(done.sorts.columns) == ["GR-07"]  # the code on the sheet
    ids = study.statement_ids
    for score, cards in sheet.items():
        assert [done.sorts.loc[ids[c - 1], "GR-07"] for c in cards] == [score] * len(cards)
    assert done.participants.loc["GR-07", "role"] == "user"
    trail = sv.audit_trail(app.db, study.id, "GR-07")
    assert trail[0].payload["note"] == "entered by researcher admin from paper"
    assert page.get_by_label("-4 (2)").input_value() == ""  # the fields are clear for the next sheet
