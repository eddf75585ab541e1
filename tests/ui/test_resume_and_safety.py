"""Never losing a sort: reload in the middle of the grid, continue on another device with the
resume code, a double submit, HTML in statements and comments shown as text and stored unchanged,
and specific messages for what is missing."""
from __future__ import annotations

import pytest

from qmethod import service

from .conftest import DESKTOP, WAIT_MS, eventually, give_consent, no_page_hscroll, press_continue, settle, shot, start, \
    token_of, wait_screen
from .flows import LIVE_GRID, SMALL_IDS as IDS, SMALL_PLAN as PLAN, place_in_list, \
    place_on_other_device, presort_by_plan, stored_layout, to_grid

pytestmark = pytest.mark.browser

T1 = "<script>window.__xss = 1</script> Shown as text"
T2 = "<b>Bold?</b> & <i>italic</i> *star* [link](http://example.org)"


_to_grid = to_grid
_place = place_in_list


_place_on_other_device = place_on_other_device


def test_reload_mid_grid_then_resume_code_on_another_device(app, browser, page):
    code = _to_grid(page, app)
    assert len(code.replace("-", "")) == 10
    _place(page, "T1", -1)
    _place(page, "T3", 0)
    settle(page)
    token = token_of(page)
    assert stored_layout(service.resume(app.db, token)) == {"T1": -1, "T3": 0}

    page.reload()
    wait_screen(page, "grid")
    assert page.locator(LIVE_GRID).get_by_test_id("qsort-counter").inner_text() == "2 of 5 placed"
    assert page.get_by_test_id("select-T1").input_value() == "-1"
    assert page.get_by_test_id("select-T3").input_value() == "0"
    _place(page, "T4", 0)
    settle(page)
    shot(page, "resume-1-after-reload")

    # Another device: a new browser context that only knows the resume code.
    other = browser.new_context(viewport=DESKTOP)
    try:
        pg = other.new_page()
        pg.set_default_timeout(WAIT_MS)
        pg.goto(f"{app.url}/?study=ui-small&lang=en")
        pg.get_by_label("Your code").fill(code.lower())
        pg.get_by_role("button", name="Continue with code").click()
        wait_screen(pg, "grid")
        assert pg.get_by_test_id("qsort-counter").inner_text() == "3 of 5 placed"
        _place(pg, "T2", 1)
        _place(pg, "T5", 0)
        settle(pg)
        shot(pg, "resume-2-other-device")
        assert stored_layout(service.resume(app.db, token)) == {"T1": -1, "T2": 1, "T3": 0, "T4": 0, "T5": 0}

        # Comments are required here: continuing without them says exactly which are missing.
        press_continue(pg)
        wait_screen(pg, "comments")
        pg.get_by_role("button", name="Save and continue").click()
        settle(pg)
        alert = pg.get_by_text("Before you can submit, this is missing:")
        alert.wait_for()
        body = pg.locator('[data-testid="stAlert"]').inner_text()
        assert "needs a comment" in body and "Shown as text" in body
        shot(pg, "resume-3-missing-comments")
        boxes = pg.locator("textarea")
        for i in range(boxes.count()):
            boxes.nth(i).fill(f"Because {i}.")
        pg.get_by_role("button", name="Save and continue").click()
        wait_screen(pg, "survey")

        # The required question is missing: the submit says so and nothing is submitted.
        pg.get_by_role("button", name="Submit").click()
        pg.get_by_text("The question “Age” needs an answer.").wait_for()
        assert not service.resume(app.db, token).completed
        age = pg.get_by_label("Age *", exact=True)
        age.fill("forty")
        age.press("Enter")
        pg.get_by_text("“forty” is not a number.").wait_for()
        age.fill("40")
        age.press("Enter")
        settle(pg)
        pg.get_by_role("button", name="Submit").dblclick()
        wait_screen(pg, "thanks")
    finally:
        other.close()

    state = service.resume(app.db, token)
    assert state.completed and state.answers == {"age": 40}
    submits = [e for e in service.audit_trail(app.db, state.study_id, state.participant) if e.kind == "submit"]
    assert len(submits) == 1
    done = service.completed_sorts(app.db, "ui-small")
    assert list(done.sorts.columns).count(state.participant) == 1

    # The first tab, reloaded, now shows the thank-you page instead of an editable grid.
    page.reload()
    wait_screen(page, "thanks")


def test_html_in_statements_and_comments_is_text_and_stored_unchanged(app, page):
    _to_grid(page, app)
    assert page.get_by_test_id("card-T1").inner_text().startswith(T1)
    assert page.get_by_test_id("card-T2").inner_text().startswith(T2)
    assert page.evaluate("() => window.__xss") is None
    for sid, score in [("T1", -1), ("T2", 1), ("T3", 0), ("T4", 0), ("T5", 0)]:
        _place(page, sid, score)
    settle(page)
    assert page.get_by_text(T1, exact=True).count() >= 1  # the list view's label, as typed
    press_continue(page)
    wait_screen(page, "comments")
    main = page.locator('[data-testid="stMain"]')
    text = main.inner_text()
    assert T1 in text and T2 in text
    tags = main.locator("b, i, script, a[href='http://example.org']").evaluate_all("els => els.map(e => e.outerHTML)")
    assert tags == [], tags
    comment = "<script>window.__xss = 2</script><img src=x onerror=\"window.__xss=3\"> & *not bold* \\ ok"
    box = page.locator("textarea").first
    page.locator("textarea").nth(1).wait_for()
    settle(page)
    box.fill(comment)
    page.locator("textarea").nth(1).click()  # leaving the box saves it
    token = token_of(page)
    saved = eventually(lambda: comment in service.resume(app.db, token).comments.values())
    if not saved:  # say what happened, for a failure that is hard to reproduce
        state = service.resume(app.db, token)
        trail = [(e.version, e.kind, e.payload) for e in service.audit_trail(app.db, "ui-small", state.participant)]
        print("state:", state.stage, state.version, state.comments, "\ntrail tail:", trail[-6:])
        print("server log tail:", app.log.read_text()[-3000:])
        print("active element:", page.evaluate("() => document.activeElement && document.activeElement.outerHTML.slice(0, 200)"))
    assert saved
    settle(page)
    page.reload()
    wait_screen(page, "comments")
    # the boxes fill in as the page draws: wait for the stored comment to show, as typed
    values = lambda: page.locator("textarea").evaluate_all("els => els.map(e => e.value)")  # noqa: E731
    assert eventually(lambda: comment in values()), values()
    assert page.evaluate("() => window.__xss") is None
    shot(page, "safety-html-as-text")


def test_200_percent_zoom_has_no_sideways_page_scrolling(app, page):
    # 1280 x 900 at 200 % zoom lays out like a 640 x 450 window.
    page.set_viewport_size({"width": 640, "height": 450})
    start(page, app, "ui-small", "en")
    assert no_page_hscroll(page)
    give_consent(page)
    assert no_page_hscroll(page)
    press_continue(page)
    wait_screen(page, "presort")
    assert no_page_hscroll(page)
    presort_by_plan(page, PLAN, IDS, use_keys=True)
    press_continue(page)
    wait_screen(page, "grid")
    assert no_page_hscroll(page)
    page.get_by_test_id("qsort-view-grid").click()
    settle(page)
    assert no_page_hscroll(page)
    card = page.get_by_test_id("card-T3")
    card.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # the suggested column for a neutral card is 0
    page.get_by_test_id("col-0").get_by_test_id("card-T3").wait_for()
    settle(page)
    shot(page, "zoom-200-grid", full=False)
    assert stored_layout(service.resume(app.db, token_of(page))) == {"T3": 0}


def test_an_incomplete_grid_says_what_is_missing_and_an_old_tab_catches_up(app, browser, page):
    code = _to_grid(page, app)
    assert page.evaluate("() => document.documentElement.lang") == "en"
    _place(page, "T1", -1)
    settle(page)
    press_continue(page)
    page.get_by_text("4 statements are not placed yet.").first.wait_for()
    assert page.url.split("?")[0].endswith("/grid")

    _place_on_other_device(app, browser, code, "T2", 1)
    # The first tab comes back into view: it shows the other device's work before anything else.
    page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")
    page.locator(LIVE_GRID).get_by_test_id("qsort-counter").filter(has_text="2 of 5 placed").wait_for()
    settle(page)
    assert page.get_by_test_id("select-T2").input_value() == "1"
    _place(page, "T3", 0)
    settle(page)
    assert stored_layout(service.resume(app.db, token_of(page))) == {"T1": -1, "T2": 1, "T3": 0}


def test_two_devices_at_the_same_moment_keep_both_changes(app, browser, page):
    """A tab that has not caught up (no reload, no focus change) saves a change: the other device's
    newer placement is kept, not overwritten by the older view, and the tab then shows both."""
    code = _to_grid(page, app)
    _place(page, "T1", -1)
    settle(page)
    _place_on_other_device(app, browser, code, "T2", 1)
    assert page.locator(LIVE_GRID).get_by_test_id("qsort-counter").inner_text() == "1 of 5 placed"  # still the old view
    _place(page, "T3", 0)
    settle(page)
    assert stored_layout(service.resume(app.db, token_of(page))) == {"T1": -1, "T2": 1, "T3": 0}
    page.locator(LIVE_GRID).get_by_test_id("qsort-counter").filter(has_text="3 of 5 placed").wait_for()
    assert page.get_by_test_id("select-T2").input_value() == "1"


def test_touch_drag_after_a_short_press(app, phone):
    page = phone
    _to_grid(page, app)
    page.get_by_test_id("qsort-view-grid").tap()
    settle(page)
    page.get_by_test_id("col-0").scroll_into_view_if_needed()
    card = page.get_by_test_id("card-T2").bounding_box()  # the agree pile, just above the grid
    col = page.get_by_test_id("col-1").locator(".qg-colhead").bounding_box()
    assert 0 < card["y"] < col["y"] < 740
    cdp = page.context.new_cdp_session(page)
    x0, y0 = card["x"] + card["width"] / 2, card["y"] + min(15, card["height"] / 2)
    x1, y1 = col["x"] + col["width"] / 2, col["y"] + col["height"] / 2
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x0, "y": y0}]})
    page.wait_for_timeout(500)  # hold the finger still until the card lifts (350 ms)
    for i in range(1, 9):
        x, y = x0 + (x1 - x0) * i / 8, y0 + (y1 - y0) * i / 8
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    page.get_by_test_id("col-1").get_by_test_id("card-T2").wait_for()
    settle(page)
    assert stored_layout(service.resume(app.db, token_of(page))) == {"T2": 1}


def test_component_demo_page_works_without_a_database_entry(app, page):
    page.goto(f"{app.url}/component-demo?lang=en")
    page.get_by_test_id("presort-card").wait_for()
    page.keyboard.press("3")
    page.get_by_test_id("count-agree").filter(has_text="Agree: 1").wait_for()
    page.get_by_test_id("card-s02").wait_for()
    assert "<script>" in page.get_by_test_id("card-s03").inner_text()


def test_forced_columns_refuse_a_card_and_free_grids_take_it(app, page):
    page.goto(f"{app.url}/component-demo?lang=en")
    page.get_by_test_id("card-s01").wait_for()
    for sid in ("s01", "s02"):  # column −2 holds one card in this demo grid
        page.get_by_test_id(f"card-{sid}").click()
        page.get_by_test_id("col--2").locator(".qg-colhead").click()
    page.get_by_test_id("qsort-live").filter(has_text="Column −2 is full (1 of 1)").wait_for()
    assert page.get_by_test_id("col--2").locator(".qg-card").count() == 1
    settle(page)

    page.goto(f"{app.url}/component-demo?lang=en&free=1")
    page.get_by_test_id("card-s01").wait_for()
    for sid in ("s01", "s02"):
        page.get_by_test_id(f"card-{sid}").click()
        page.get_by_test_id("col--2").locator(".qg-colhead").click()
        page.get_by_test_id("col--2").get_by_test_id(f"card-{sid}").wait_for()
    assert "suggested 1" in page.get_by_test_id("col--2").inner_text()
    settle(page)


def test_language_can_be_switched_on_the_way(app, page):
    start(page, app, "ui-small", "en")
    page.get_by_role("radio", name="Norsk").click()
    page.get_by_role("heading", name="Samtykke").wait_for()
    settle(page)
    assert page.evaluate("() => document.documentElement.lang") == "nb"
    assert service.resume(app.db, token_of(page)).language == "nb"


def test_invitation_id_from_the_link_is_stored(app, page):
    page.goto(f"{app.url}/?study=ui-small&lang=en&invite=INV-42")
    page.get_by_role("button", name="Start", exact=True).click()
    wait_screen(page, "consent")
    me = service.resume(app.db, token_of(page)).participant
    rows = [p for p in service.participant_progress(app.db, "ui-small") if p.participant == me]
    assert [p.external_id for p in rows] == ["INV-42"]


def test_wrong_resume_codes_then_the_limit(app, page):
    """A wrong code says so; after five wrong codes from this address the page says how long to wait,
    in the participant's language, and a right code is not checked until then."""
    from sqlalchemy import delete

    from qmethod.store.models import ResumeAttemptRow

    page.goto(f"{app.url}/?study=ui-small&lang=en")
    page.get_by_role("button", name="Continue with code").wait_for()  # the app has published its studies
    right = service.start_participant(app.db, "ui-small").resume_code
    from sqlalchemy import func, select

    from qmethod.service.limits import limit_key

    everyone = limit_key("resume-all", "")  # one record per wrong code (others: per address, per browser)

    def attempts() -> int:
        return app.db.read(lambda ses: ses.execute(select(func.count()).select_from(ResumeAttemptRow).where(
            ResumeAttemptRow.client_hash == everyone)).scalar_one())

    app.db.write(lambda ses: ses.execute(delete(ResumeAttemptRow)))  # no wrong codes from other tests count
    try:
        for n, wrong in enumerate(("AAAAA-22222", "BBBBB-33333", "CCCCC-44444", "DDDDD-55555", "EEEEE-66666"), 1):
            page.get_by_label("Your code").fill(wrong)
            page.get_by_role("button", name="Continue with code").click()
            # the same message stays on the page from the code before: wait for this try to be counted
            assert eventually(lambda: attempts() >= n), attempts()
            page.get_by_text("We found no sort with this code").wait_for()
            settle(page)
        page.get_by_label("Your code").fill(right)
        page.get_by_role("button", name="Continue with code").click()
        page.get_by_text("Too many wrong codes have been tried from this device. Wait 15 min").wait_for()
        shot(page, "resume-3-rate-limit")
        assert "/consent" not in page.url and "/grid" not in page.url  # still on the welcome page
    finally:
        app.db.write(lambda ses: ses.execute(delete(ResumeAttemptRow)))
