"""A facilitated sort in Debian's chromium: the researcher starts it on the Paper sorts page, the
participant flow opens in the same browser with larger text and a Back button on every step, and
the response is marked as facilitated by the researcher."""
from __future__ import annotations

from pathlib import Path

import pytest

from qmethod import service as sv

from .conftest import no_exception, open_paper_sorts, settle, shot

pytestmark = pytest.mark.browser
SMALL = Path(__file__).parents[1] / "ui" / "studies" / "ui-small"
BACK = "← Back a step"


def _at(page, screen: str) -> None:
    page.wait_for_url(f"**/{screen}?**")
    settle(page)


def _start_facilitated(app, browser):
    """A tablet page on which the researcher has started a facilitated sort of ui-small (at the consent)."""
    sv.publish_study_file(app.db, SMALL)
    page = browser.new_page(viewport={"width": 1024, "height": 1366}, has_touch=True)
    page.set_default_timeout(30_000)
    open_paper_sorts(page, app, "Small test study")
    page.get_by_role("button", name="Start a facilitated sort").click()
    _at(page, "consent")
    return page


def test_facilitated_sort_on_a_tablet(app, browser):
    page = _start_facilitated(app, browser)
    page.get_by_text("Sorting together with admin.").wait_for()
    # larger text is on (and remembered like the participant's own choice)
    page.wait_for_function("() => document.documentElement.classList.contains('qa-large')")
    assert page.evaluate("() => JSON.parse(localStorage.getItem('qmethod.access')).large") is True
    assert page.get_by_test_id("access-large").get_attribute("aria-pressed") == "true"
    no_exception(page)
    shot(page, "facilitated-consent")
    page.get_by_text("I have read the text above").click()
    page.get_by_role("button", name="Continue").click()
    _at(page, "instruction")
    page.get_by_role("button", name="Continue").click()
    _at(page, "presort")
    # back a step from the presort, then on again
    page.get_by_role("button", name=BACK).click()
    _at(page, "instruction")
    page.get_by_role("button", name="Continue").click()
    _at(page, "presort")
    for key in ("1", "3", "2", "2", "2"):
        page.locator(".ps").get_by_test_id("presort-card").wait_for()
        page.keyboard.press(key)
    settle(page)
    page.get_by_role("button", name="Continue").click()
    _at(page, "grid")
    shot(page, "facilitated-grid")
    page.get_by_role("button", name=BACK).click()
    _at(page, "presort")
    assert page.get_by_text("Sorting together with admin.").is_visible()
    no_exception(page)

    [p] = sv.participant_progress(app.db, "ui-small")
    assert p.facilitated_by == "admin" and p.stage == "presort"
    [start] = [e for e in sv.audit_trail(app.db, "ui-small", p.participant) if e.kind == "start"]
    assert start.payload["facilitated_by"] == "admin"

    # the Responses page lists it as facilitated
    page.goto(app.url + "/responses?study=ui-small")
    page.get_by_role("heading", name="Responses: Small test study").wait_for()
    settle(page)
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.wait_for()
    grid.locator("th", has_text="facilitated by").wait_for(state="attached")  # the grid's accessible table
    headers = grid.locator("th").evaluate_all("els => els.map(e => e.textContent)")
    cells = grid.locator("td").evaluate_all("els => els.map(e => e.textContent)")
    assert cells[headers.index("facilitated by")] == "admin", (headers, cells)
    page.close()


def test_facilitated_back_from_the_instruction_and_the_consent_keeps_what_was_entered(app, browser):
    """Back a step on the consent goes to the study's welcome, on the instruction to the consent;
    a tick not yet stored stays ticked, a consent given stays given (stored once); on a phone-sized
    screen (360 x 740)."""
    page = _start_facilitated(app, browser)
    page.set_viewport_size({"width": 360, "height": 740})           # the participant's steps on a phone
    box = page.get_by_role("checkbox", name="I have read the text above")
    page.get_by_text("I have read the text above").click()
    assert box.is_checked()
    page.get_by_role("button", name=BACK).click()                   # consent -> welcome
    page.get_by_text("Welcome to a small test study.").wait_for()      # the welcome (the study link's page)
    settle(page)
    page.get_by_text("Step 1 of").wait_for()
    assert page.get_by_role("button", name="Start", exact=True).count() == 0   # no second participant
    page.get_by_role("button", name="Continue").click()
    _at(page, "consent")
    assert box.is_checked()                                           # the tick is still there
    page.get_by_role("button", name="Continue").click()
    _at(page, "instruction")
    page.get_by_role("button", name=BACK).click()                    # instruction -> consent
    _at(page, "consent")
    page.get_by_text("This is a test.").wait_for()
    assert box.is_checked()                                           # consent given: shown ticked
    page.get_by_role("button", name="Continue").click()
    _at(page, "instruction")
    page.get_by_role("button", name="Continue").click()
    _at(page, "presort")
    no_exception(page)

    progress = [p for p in sv.participant_progress(app.db, "ui-small") if p.facilitated_by == "admin"]
    p = progress[-1]
    assert p.stage == "presort"
    kinds = [e.kind for e in sv.audit_trail(app.db, "ui-small", p.participant)]
    assert kinds.count("consent") == 1 and kinds.count("start") == 1
    assert len(sv.participant_progress(app.db, "ui-small")) == len(progress)   # nobody else was started
    page.close()
