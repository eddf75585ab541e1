"""Each action of the participant is one operation: saved outside Streamlit's reruns, on a slow or
lost connection, across a closed tab and on two devices (real Chromium)."""
from __future__ import annotations

import pytest

from qmethod import service

from .conftest import WAIT_MS, settle, token_of, wait_screen
from .flows import (desktop_page, drag, grid_events, place_in_list, place_on_other_device,
                    sort_with_last_move_unsent, stored_layout, to_grid)

pytestmark = pytest.mark.browser

SAVED = "✓ Saved"


def _status(page):
    return page.get_by_test_id("qsort-save")


def _key_place(page, sid: str, moves: int = 0) -> None:
    """Pick card ``sid`` with Enter, move the target by ``moves`` columns with the arrows, place with Enter."""
    page.get_by_test_id(f"card-{sid}").focus()
    page.keyboard.press("Enter")
    for _ in range(abs(moves)):
        page.keyboard.press("ArrowRight" if moves > 0 else "ArrowLeft")
    page.keyboard.press("Enter")


def test_a_drag_a_key_placement_and_a_swap_are_one_audit_event_each(app, page):
    to_grid(page, app)
    page.get_by_test_id("qsort-view-grid").click()
    settle(page)
    _key_place(page, "T3")  # a neutral card: the suggested column is 0
    page.get_by_test_id("col-0").get_by_test_id("card-T3").wait_for()
    settle(page)
    assert grid_events(app, page) == [("place", {"statement": "T3", "score": 0, "position": None})]

    drag(page, "T4", 0)  # onto the column head: the top of column 0
    page.get_by_test_id("col-0").get_by_test_id("card-T4").wait_for()
    settle(page)
    assert stored_layout(service.resume(app.db, token_of(page))) == {"T3": 0, "T4": 0}
    assert service.resume(app.db, token_of(page)).columns[0] == ("T4", "T3")
    assert grid_events(app, page)[1:] == [("place", {"statement": "T4", "score": 0, "position": 0})]

    # Two full columns (-1 and +1 hold one card each): picking T1 and clicking T2 swaps them.
    _key_place(page, "T1", -1)
    page.get_by_test_id("col--1").get_by_test_id("card-T1").wait_for()
    _key_place(page, "T2", 1)
    page.get_by_test_id("col-1").get_by_test_id("card-T2").wait_for()
    settle(page)
    page.get_by_test_id("card-T1").click()
    page.get_by_test_id("card-T2").click()
    page.get_by_test_id("col-1").get_by_test_id("card-T1").wait_for()
    settle(page)
    assert stored_layout(service.resume(app.db, token_of(page))) == {"T1": 1, "T2": -1, "T3": 0, "T4": 0}
    assert grid_events(app, page)[-1:] == [("swap", {"a": "T1", "b": "T2"})]
    assert len(grid_events(app, page)) == 5


def test_a_slow_line_shows_saved_after_the_answer(app, page):
    """1.5 s each way (a weak mobile signal): "Saving …" until the server answers, then "✓ Saved"."""
    to_grid(page, app)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 3000, "downloadThroughput": -1,
                                                  "uploadThroughput": -1})
    answered = []
    page.on("response", lambda r: answered.append(r.url) if r.url.endswith("/api/participant/op") else None)
    place_in_list(page, "T1", -1)
    _status(page).filter(has_text="Saving").wait_for(timeout=2000)
    _status(page).filter(has_text=SAVED).wait_for(timeout=20_000)
    assert answered, "the status said saved before the server answered"
    assert stored_layout(service.resume(app.db, token_of(page))) == {"T1": -1}
    place_in_list(page, "T3", 0)
    place_in_list(page, "T4", 0)
    _status(page).filter(has_text=SAVED).wait_for(timeout=30_000)
    assert stored_layout(service.resume(app.db, token_of(page))) == {"T1": -1, "T3": 0, "T4": 0}
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1,
                                                  "uploadThroughput": -1})


def test_offline_mid_grid_then_back_stores_every_operation_in_order_once(app, page):
    to_grid(page, app)
    place_in_list(page, "T1", -1)
    settle(page)
    page.context.set_offline(True)
    try:
        for sid, score in (("T3", 0), ("T4", 0), ("T2", 1), ("T5", 0)):
            place_in_list(page, sid, score)
        _status(page).filter(has_text="Not saved yet – trying again").wait_for(timeout=15_000)
        page.wait_for_timeout(4000)  # some seconds without a connection; the grid keeps the moves
        assert page.get_by_test_id("qsort-counter").inner_text() == "5 of 5 placed"
        assert stored_layout(service.resume(app.db, token_of(page))) == {"T1": -1}
    finally:
        page.context.set_offline(False)
    _status(page).filter(has_text=SAVED).wait_for(timeout=30_000)
    assert grid_events(app, page) == [("place", {"statement": sid, "score": score, "position": None})
                                      for sid, score in (("T1", -1), ("T3", 0), ("T4", 0), ("T2", 1), ("T5", 0))]
    settle(page)


def test_a_tab_closed_with_unsent_moves_loses_nothing(app, browser):
    context, page = desktop_page(browser)
    try:
        to_grid(page, app)
        url = page.url
        context.set_offline(True)
        place_in_list(page, "T1", -1)
        place_in_list(page, "T3", 0)
        _status(page).filter(has_text="Not saved yet").wait_for(timeout=15_000)
        page.close(run_before_unload=False)
        context.set_offline(False)
        again = context.new_page()
        again.set_default_timeout(WAIT_MS)
        again.goto(url)
        wait_screen(again, "grid")
        _status(again).filter(has_text=SAVED).wait_for(timeout=30_000)
        assert stored_layout(service.resume(app.db, token_of(again))) == {"T1": -1, "T3": 0}
        assert grid_events(app, again) == [("place", {"statement": "T1", "score": -1, "position": None}),
                                           ("place", {"statement": "T3", "score": 0, "position": None})]
        assert again.get_by_test_id("select-T3").input_value() == "0"
    finally:
        context.close()


def test_two_devices_never_overwrite_silently(app, browser, page):
    """Device B fills column +1 while device A still shows it empty: A's card for +1 is refused with the
    reason next to the column, A's other move is kept on top of B's, and A says the sort changed."""
    code = to_grid(page, app)
    place_in_list(page, "T1", -1)
    settle(page)
    place_on_other_device(app, browser, code, "T2", 1)
    assert page.get_by_test_id("qsort-counter").inner_text() == "1 of 5 placed"  # A has not looked yet
    page.get_by_test_id("qsort-view-grid").click()
    _key_place(page, "T4", 1)  # column +1 looks free here
    page.get_by_test_id("col-1").get_by_test_id("col-message").filter(has_text="Column +1 is full").wait_for()
    page.get_by_test_id("qsort-message").filter(
        has_text="changed somewhere else, in another tab or on another phone or computer").wait_for()
    settle(page)
    assert stored_layout(service.resume(app.db, token_of(page))) == {"T1": -1, "T2": 1}
    assert page.get_by_test_id("col-1").get_by_test_id("card-T2").count() == 1
    _key_place(page, "T4")
    page.get_by_test_id("col-0").get_by_test_id("card-T4").wait_for()
    settle(page)
    assert stored_layout(service.resume(app.db, token_of(page))) == {"T1": -1, "T2": 1, "T4": 0}


def test_a_device_coming_back_into_view_shows_the_other_devices_layout(app, browser, page):
    code = to_grid(page, app)
    place_in_list(page, "T1", -1)
    settle(page)
    place_on_other_device(app, browser, code, "T5", 0)
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")
    page.get_by_test_id("qsort-counter").filter(has_text="2 of 5 placed").wait_for()
    assert page.get_by_test_id("select-T5").input_value() == "0"
    assert any(u.endswith("/api/participant/state") for u in requests)
    # No connection when it comes back into view: it says it may be out of date.
    page.context.set_offline(True)
    try:
        page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")
        _status(page).filter(has_text="May be out of date").wait_for()
    finally:
        page.context.set_offline(False)


def test_continue_waits_until_every_move_is_stored(app, page):
    to_grid(page, app)
    sort_with_last_move_unsent(page)
    page.get_by_role("button", name="Continue").click()
    page.get_by_test_id("qsort-message").filter(has_text="not saved yet").wait_for()
    page.wait_for_timeout(1500)
    assert page.url.split("?")[0].endswith("/grid")
    assert service.resume(app.db, token_of(page)).stage == "grid"
    page.unroute("**/api/participant/op")
    wait_screen(page, "comments")
    assert stored_layout(service.resume(app.db, token_of(page)))["T5"] == 0


def test_a_full_column_is_never_a_keyboard_target_and_says_why(app, page):
    page.goto(f"{app.url}/component-demo?lang=en")
    grid = page.get_by_test_id("qsort-grid")
    grid.get_by_test_id("card-s01").wait_for()
    grid.get_by_test_id("qsort-view-grid").click()
    grid.get_by_test_id("card-s01").click()
    grid.get_by_test_id("col--2").locator(".qg-colhead").click()  # column −2 holds one card
    grid.get_by_test_id("col--2").get_by_test_id("card-s01").wait_for()
    grid.get_by_test_id("card-s02").focus()
    page.keyboard.press("Enter")
    full = grid.get_by_test_id("col--2")
    assert full.get_by_test_id("col-full-note").inner_text() == "Full – move a card out first"
    for _ in range(6):
        page.keyboard.press("ArrowLeft")
    assert grid.locator(".qg-col.is-target").get_attribute("data-col") == "-1"
    page.get_by_test_id("qsort-live").filter(has_text="Column −2 is full and is skipped.").wait_for()
    page.keyboard.press("Enter")
    grid.get_by_test_id("col--1").get_by_test_id("card-s02").wait_for()
    assert full.locator(".qg-card").count() == 1
    # A click on the full column says why, next to the column.
    grid.get_by_test_id("card-s03").click()
    full.locator(".qg-colhead").click()
    full.get_by_test_id("col-message").filter(has_text="Column −2 is full (1 of 1)").wait_for()


def test_undo_takes_back_the_last_move_as_one_operation(app, page):
    to_grid(page, app)
    page.get_by_test_id("qsort-view-grid").click()
    settle(page)
    _key_place(page, "T3")
    page.get_by_test_id("col-0").get_by_test_id("card-T3").wait_for()
    _key_place(page, "T4")
    page.get_by_test_id("col-0").get_by_test_id("card-T4").wait_for()
    drag(page, "T4", 0)  # to the top of column 0: T4, T3
    page.get_by_test_id("qsort-undo").click()  # back below T3
    settle(page)
    assert service.resume(app.db, token_of(page)).columns[0] == ("T3", "T4")
    page.get_by_test_id("qsort-undo").click()  # T4 back to the unplaced cards
    page.get_by_test_id("qsort-source").get_by_test_id("card-T4").wait_for()
    settle(page)
    assert stored_layout(service.resume(app.db, token_of(page))) == {"T3": 0}
    assert grid_events(app, page)[-2:] == [("move", {"statement": "T4", "score": 0, "position": 1}),
                                           ("remove", {"statement": "T4"})]
    assert page.get_by_test_id("qsort-counter").inner_text() == "1 of 5 placed"


def test_presort_keys_on_a_slow_line_are_each_one_operation_and_continue_waits(app, page):
    from .conftest import give_consent, press_continue, start

    start(page, app, "ui-small", "en")
    give_consent(page)
    press_continue(page)
    wait_screen(page, "presort")
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 3000, "downloadThroughput": -1,
                                                  "uploadThroughput": -1})
    page.get_by_test_id("presort-card").wait_for()
    for key in "12322":  # quicker than the line: the keys queue up
        page.keyboard.press(key)
    page.get_by_test_id("count-neutral").filter(has_text="Neutral: 3").wait_for()
    assert "Saving" in page.get_by_test_id("presort-save").inner_text()
    press_continue(page)  # waits in the browser until every pile is stored
    page.get_by_test_id("presort-message").filter(has_text="not saved yet").wait_for()
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1,
                                                  "uploadThroughput": -1})
    wait_screen(page, "grid")
    state = service.resume(app.db, token_of(page))
    assert state.piles == {"T1": "disagree", "T2": "neutral", "T3": "agree", "T4": "neutral", "T5": "neutral"}
    trail = [e for e in service.audit_trail(app.db, state.study_id, state.participant) if e.kind == "pile"]
    assert [(e.payload["statement"], e.payload["pile"]) for e in trail] == list(state.piles.items())
