"""What the participant sees while the grid and presort save (real Chromium): no stale hints, and
every "wait" or "not saved" line where the participant is looking, also on a 360 x 740 phone."""
from __future__ import annotations

import pytest

from .conftest import axe_check, press_continue, settle
from .flows import place_in_list, sort_with_last_move_unsent, to_grid

pytestmark = pytest.mark.browser


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
    # both measured in one state of the page, after any scrolling has settled (measured one after the
    # other, each scrolled into view, a scroll still moving under load gave boxes of two positions)
    alert.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    button, message = (page.get_by_role("button", name="Continue").bounding_box(), alert.bounding_box())
    assert 0 <= message["y"] - (button["y"] + button["height"]) < 200, (button, message)


def _in_view(page, text: str) -> bool:
    """True if some visible element showing ``text`` lies wholly inside the viewport."""
    size = page.viewport_size
    for el in page.get_by_text(text).all():
        box = el.bounding_box() if el.is_visible() else None
        if box and box["height"] >= 10 and box["y"] >= 0 and box["y"] + box["height"] <= size["height"]:
            return True
    return False


def test_the_wait_for_save_line_shows_where_continue_was_tapped_on_a_phone(app, phone):
    to_grid(phone, app)
    sort_with_last_move_unsent(phone)
    button = phone.get_by_role("button", name="Continue")
    button.scroll_into_view_if_needed()
    button.click()
    wait = "One moment – your last change is not saved yet."
    phone.get_by_role("status").filter(has_text=wait).first.wait_for()
    assert _in_view(phone, wait), "the wait message is out of view where Continue was tapped"
    assert phone.get_by_role("button", name="Continue").is_visible()
    phone.unroute("**/api/participant/op")
    phone.wait_for_url("**/comments?**")
    settle(phone)
    assert phone.get_by_text(wait).count() == 0


def test_continue_from_the_presort_says_loading_at_once_in_the_study_language(app, phone):
    from .conftest import give_consent, start, wait_screen
    from .flows import SMALL_IDS, SMALL_PLAN, presort_by_plan

    start(phone, app, "ui-small", "nb")
    give_consent(phone, "nb")
    press_continue(phone, "nb")
    wait_screen(phone, "presort", "nb")
    presort_by_plan(phone, SMALL_PLAN, SMALL_IDS, use_keys=True)
    settle(phone)
    # Record every status line in view while the presort is still on screen (before the server has
    # answered the tap: the wait that took 28 s on a weak signal).
    phone.evaluate("""() => { window.__seen = [];
        const presortShown = () => [...document.querySelectorAll('*')].some(
            e => e.shadowRoot && e.shadowRoot.querySelector('[data-testid="presort-card"]'));
        new MutationObserver(() => { if (!presortShown()) return;
          for (const el of document.querySelectorAll('[role="status"]')) {
            const r = el.getBoundingClientRect();
            if (r.height >= 10 && r.top >= 0 && r.bottom <= innerHeight) window.__seen.push(el.textContent); } })
          .observe(document.body, {subtree: true, childList: true, characterData: true}); }""")
    press_continue(phone, "nb")
    wait_screen(phone, "grid", "nb")
    assert "Laster …" in phone.evaluate("() => window.__seen")
    assert not any(el.is_visible() for el in phone.get_by_text("Laster …").all())  # gone once the grid is there


def test_the_save_status_stays_in_view_while_sorting_on_a_phone(app, phone):
    to_grid(phone, app)
    phone.get_by_test_id("qsort-view-grid").click()
    settle(phone)
    phone.context.set_offline(True)
    try:
        phone.get_by_test_id("card-T3").focus()
        phone.keyboard.press("Enter")
        phone.keyboard.press("Enter")  # into the suggested column 0
        phone.get_by_test_id("col-0").get_by_test_id("card-T3").wait_for()
        # Scroll until the toolbar is out of view: the page's own moves (the focused card kept in
        # view, the grid growing as it redraws) can still be under way when the first scroll lands.
        for _ in range(20):
            phone.get_by_test_id("col-0").evaluate("el => el.scrollIntoView({block: 'end'})")
            phone.wait_for_timeout(300)
            toolbar = phone.get_by_test_id("qsort-counter").bounding_box()
            if toolbar["y"] + toolbar["height"] < 0:
                break
        assert toolbar["y"] + toolbar["height"] < 0, "the grid's toolbar is still in view"
        phone.get_by_test_id("qsort-save").filter(has_text="Not saved yet – trying again").wait_for(
            state="attached", timeout=15_000)
        assert _in_view(phone, "Not saved yet – trying again"), "the save status scrolled out of view"
    finally:
        phone.context.set_offline(False)
    phone.get_by_test_id("qsort-save").filter(has_text="✓ Saved").wait_for(state="attached", timeout=30_000)
    assert _in_view(phone, "✓ Saved")
    assert axe_check(phone, "grid-phone-floating-status") == []


def test_a_double_tap_in_the_presort_files_one_statement(app, phone):
    from .conftest import give_consent, start, wait_screen

    start(phone, app, "ui-small", "nb")
    give_consent(phone, "nb")
    press_continue(phone, "nb")
    wait_screen(phone, "presort", "nb")
    phone.get_by_test_id("presort-agree").dblclick()
    phone.get_by_test_id("count-agree").filter(has_text=": 1").wait_for()
    settle(phone)
    assert phone.get_by_test_id("count-agree").inner_text().endswith(": 1")
    assert phone.get_by_test_id("presort-progress").inner_text().startswith("Utsagn 2 av 5")
    # Taps at a reading pace each count; so do quick keys (1, 2, 3).
    phone.wait_for_timeout(500)
    phone.get_by_test_id("presort-neutral").tap()
    phone.keyboard.press("1")
    phone.keyboard.press("1")
    phone.get_by_test_id("count-disagree").filter(has_text=": 2").wait_for()
    assert phone.get_by_test_id("count-neutral").inner_text().endswith(": 1")
