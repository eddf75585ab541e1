"""What the participant sees while the grid and presort save (real Chromium): no stale hints, and
every "wait" or "not saved" line where the participant is looking, also on a 360 x 740 phone."""
from __future__ import annotations

import pytest

from .conftest import press_continue, settle
from .flows import place_in_list, to_grid

pytestmark = pytest.mark.browser


def _box(page, locator) -> dict:
    locator.scroll_into_view_if_needed()
    return locator.bounding_box()


def test_no_stale_not_finished_hint_and_the_refusal_shows_at_the_buttons(app, page):
    to_grid(page, app)
    for sid, score in (("T1", -1), ("T2", 1), ("T3", 0), ("T4", 0)):
        place_in_list(page, sid, score)
    settle(page)
    assert page.get_by_test_id("qsort-counter").inner_text() == "4 of 5 placed"
    # The page drew its hint from the state at load ("5 statements are not placed yet"): stale now.
    assert page.get_by_text("statements are not placed yet").count() == 0
    assert page.get_by_text("The sort is not finished yet").count() == 0
    press_continue(page)
    alert = page.get_by_text("Before you can submit, this is missing:")
    alert.wait_for()
    settle(page)
    assert page.get_by_text("1 statements are not placed yet.").count() == 1
    button = _box(page, page.get_by_role("button", name="Continue"))
    message = _box(page, alert)
    assert 0 <= message["y"] - (button["y"] + button["height"]) < 200, (button, message)
