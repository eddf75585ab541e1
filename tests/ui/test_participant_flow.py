"""The demo study end to end in a real browser: by mouse drag, by keyboard only, on a phone.

Each run checks that what is stored (read back through the service layer) is exactly what was
placed, runs axe-core on every participant page and saves screenshots to tests/artifacts/.
"""
from __future__ import annotations

import re

import pytest

from qmethod import service
from qmethod.study import load_study

from tests.app_server import choose_in_list
from .conftest import ROOT, axe_check, give_consent, no_page_hscroll, press_continue, settle, shot, start, \
    token_of, wait_screen
from .flows import (LIVE_GRID, LIVE_PRESORT, column_counts, drag, next_free_column, presort_by_plan, source_ids,
                    stored_layout)

pytestmark = pytest.mark.browser

STUDY = load_study(ROOT / "studies" / "brukermedvirkning")
CAPACITY = {c.score: c.count for c in STUDY.grid.columns}
IDS = list(STUDY.statement_ids)
PLAN = {sid: ("disagree", "neutral", "agree")[i % 3] for i, sid in enumerate(IDS)}


def placed_text(n: int) -> re.Pattern:
    """The grid counter saying exactly ``n`` of 34 placed (not "14 of 34" for 4)."""
    return re.compile(rf"^{n} of 34\b")


def _axe_ok(page, name: str) -> None:
    bad = axe_check(page, name)
    assert not bad, f"axe serious/critical violations on {name}: {bad}"


_drag = drag


def _finish_after_grid(app, page, name: str, *, comments: dict[str, str], lang: str = "en") -> None:
    """Comments (typed into every box), survey answers, submit; screenshots and axe on each page."""
    wait_screen(page, "comments")
    boxes = page.locator("textarea")
    boxes.first.wait_for()  # the page is drawn (every study here has statements in the end columns)
    settle(page)
    for i in range(boxes.count()):
        text = f"Comment {i} <b>ok</b>"
        boxes.nth(i).fill(text)
        comments[str(i)] = text
    boxes.first.focus()
    page.keyboard.press("Tab")
    shot(page, f"{name}-6-comments")
    _axe_ok(page, f"{name}-comments")
    page.get_by_role("button", name={"en": "Save and continue", "nb": "Lagre og gå videre"}[lang]).click()
    wait_screen(page, "survey")
    saved = service.resume(app.db, token_of(page)).comments
    assert sorted(saved.values()) == sorted(comments.values()), saved


def _survey_and_submit(page, name: str, lang: str = "en") -> None:
    role = {"en": "As a user of services", "nb": "Som bruker av tjenestene"}[lang]
    page.get_by_text(role, exact=True).click()
    settle(page)
    areas = {"en": "Mental health care", "nb": "Psykisk helsevern"}[lang]
    page.get_by_text(areas, exact=True).click()
    settle(page)
    years = page.get_by_label({"en": "For how many years", "nb": "Hvor mange år"}[lang])
    years.fill("7")
    years.press("Enter")
    settle(page)
    shot(page, f"{name}-7-survey")
    _axe_ok(page, f"{name}-survey")
    page.get_by_role("button", name={"en": "Submit", "nb": "Send inn"}[lang]).click()
    wait_screen(page, "thanks")
    shot(page, f"{name}-8-thanks")
    _axe_ok(page, f"{name}-thanks")


def test_demo_study_by_mouse_drag(app, page):
    page.goto(f"{app.url}/?study=brukermedvirkning&lang=en")
    page.get_by_role("button", name="Start", exact=True).wait_for()
    shot(page, "desktop-1-welcome")
    _axe_ok(page, "welcome")
    start(page, app, "brukermedvirkning", "en")
    shot(page, "desktop-2-consent")
    _axe_ok(page, "consent")

    give_consent(page)
    page.get_by_test_id("resume-code").wait_for()
    shot(page, "desktop-3-instruction")
    _axe_ok(page, "instruction")
    press_continue(page)
    wait_screen(page, "presort")
    shot(page, "desktop-4-presort-start")
    _axe_ok(page, "presort")
    presort_by_plan(page, PLAN, IDS, use_keys=False)
    shot(page, "desktop-4-presort-done")
    press_continue(page)
    wait_screen(page, "grid")
    shot(page, "desktop-5-grid-empty")
    _axe_ok(page, "grid-empty")

    expected: dict[str, int] = {}
    while True:
        remaining = source_ids(page)
        if not remaining:
            break
        sid = remaining[0]
        score = next_free_column(column_counts(page), CAPACITY)
        _drag(page, sid, score)
        page.locator(LIVE_GRID).get_by_test_id("qsort-counter").filter(has_text=placed_text(len(expected) + 1)).wait_for()
        expected[sid] = score
        if len(expected) == 17:
            settle(page)
            shot(page, "desktop-5-grid-half")
    settle(page)
    assert page.locator(LIVE_GRID).get_by_test_id("qsort-counter").inner_text() == "34 of 34 placed"
    shot(page, "desktop-5-grid-full")
    _axe_ok(page, "grid-full")
    token = token_of(page)
    state = service.resume(app.db, token)
    assert stored_layout(state) == expected
    assert state.piles == PLAN
    assert state.consent_version == STUDY.consent.version

    press_continue(page)
    comments: dict[str, str] = {}
    _finish_after_grid(app, page, "desktop", comments=comments)
    _survey_and_submit(page, "desktop")

    state = service.resume(app.db, token)
    assert state.completed
    assert stored_layout(state) == expected
    extremes = [sid for score in (-4, 4) for sid in state.columns[score]]
    trail = [(e.version, e.kind, e.payload) for e in service.audit_trail(app.db, state.study_id, state.participant)
             if e.kind in ("comment", "answer", "stage", "submit")]
    assert sorted(state.comments.values()) == sorted(comments.values()), trail
    assert set(state.comments) == set(extremes)
    assert state.answers == {"role": "user", "areas": ["mental-health"], "years": 7}


def _report_lost_placement(app, page, sid: str, column: int, expected: dict) -> None:
    """Print the browser's and the server's view of a placement that did not show up."""
    from .flows import active

    print("placing", sid, "in", column, "; focus now on:", active(page))
    print("targets:", page.locator(".qg-col.is-target").evaluate_all("els => els.map(e => e.dataset.col)"),
          "; counters:", page.get_by_test_id("qsort-counter").all_inner_texts(),
          "; save status:", page.get_by_test_id("qsort-save").all_inner_texts(),
          "; live:", page.get_by_test_id("qsort-live").all_inner_texts(),
          "; alerts:", page.get_by_role("alert").all_inner_texts())
    print("card", sid, "in column:", page.get_by_test_id(f"card-{sid}").evaluate_all(
        "els => els.map(e => (e.closest('.qg-col') || {dataset: {col: 'source'}}).dataset.col)"))
    token = token_of(page)
    state = service.resume(app.db, token)
    stored = stored_layout(state)
    print("stored:", len(stored), "placed; missing from it:",
          sorted(set(expected) - set(stored)), f"; {sid} stored in:", stored.get(sid),
          "; stage/version:", state.stage, state.version)
    trail = [(e.version, e.kind, e.payload) for e in service.audit_trail(app.db, state.study_id, state.participant)]
    print("trail tail:", trail[-5:])
    print("server log tail:", app.log.read_text()[-3000:])


def test_demo_study_by_keyboard_only(app, page):
    from .flows import active, button_named, tab_to

    page.goto(f"{app.url}/?study=brukermedvirkning&lang=en")
    page.get_by_role("button", name="Start", exact=True).wait_for()
    settle(page)
    tab_to(page, button_named("Start"))
    page.keyboard.press("Enter")
    wait_screen(page, "consent")
    tab_to(page, lambda el: el["type"] == "checkbox")
    page.keyboard.press("Space")
    settle(page)
    tab_to(page, button_named("Continue"))
    page.keyboard.press("Enter")
    wait_screen(page, "instruction")
    tab_to(page, button_named("Continue"))
    page.keyboard.press("Enter")
    wait_screen(page, "presort")
    presort_by_plan(page, PLAN, IDS, use_keys=True)
    assert page.locator(LIVE_PRESORT).get_by_test_id("count-disagree").inner_text().endswith(str(list(PLAN.values()).count("disagree")))
    tab_to(page, button_named("Continue"))
    page.keyboard.press("Enter")
    wait_screen(page, "grid")

    # Pick a card with Enter, move with the arrow keys, place with Enter; focus then moves on by itself.
    first = tab_to(page, lambda el: el["testid"].startswith("card-"))
    assert first["id"] == source_ids(page)[0]
    expected: dict[str, int] = {}
    for n in range(1, len(IDS) + 1):
        el = active(page)
        assert el is not None and el["testid"].startswith("card-"), f"focus left the cards: {el}"
        sid = el["id"]
        want = next_free_column(column_counts(page), CAPACITY)
        page.keyboard.press("Enter")
        if n == 5:  # focus falls back to the page while a card is picked: the keys still work
            page.evaluate("() => document.activeElement.blur()")
            assert active(page) is None or not active(page)["testid"].startswith("card-")
        target = int(page.locator(f"{LIVE_GRID} .qg-col.is-target").get_attribute("data-col"))
        key = "ArrowLeft" if want < target else "ArrowRight"
        for _ in range(abs(want - target)):
            page.keyboard.press(key)
        assert int(page.locator(f"{LIVE_GRID} .qg-col.is-target").get_attribute("data-col")) == want
        page.keyboard.press("Enter")
        try:
            page.locator(LIVE_GRID).get_by_test_id("qsort-counter").filter(has_text=placed_text(n)).wait_for()
        except Exception:  # say what happened, for a failure seen rarely under load
            _report_lost_placement(app, page, sid, want, expected)
            raise
        expected[sid] = want
        if n == 3:
            # Move a placed card with the keyboard too: the first card one column to the right and back.
            first_id = next(iter(expected))
            page.locator(LIVE_GRID).get_by_test_id(f"card-{first_id}").focus()
            page.keyboard.press("Enter")
            page.keyboard.press("ArrowRight")
            page.keyboard.press("Enter")
            grid = page.locator(LIVE_GRID)
            grid.get_by_test_id(f"col-{expected[first_id] + 1}").get_by_test_id(f"card-{first_id}").wait_for()
            page.keyboard.press("Enter")
            page.keyboard.press("ArrowLeft")
            page.keyboard.press("Enter")
            grid.get_by_test_id(f"col-{expected[first_id]}").get_by_test_id(f"card-{first_id}").wait_for()
            page.locator(f"{LIVE_GRID} .qg-source .qg-card").first.focus()
    settle(page)
    assert page.locator(LIVE_GRID).get_by_test_id("qsort-counter").inner_text() == "34 of 34 placed"
    token = token_of(page)
    assert stored_layout(service.resume(app.db, token)) == expected

    tab_to(page, button_named("Continue"))
    page.keyboard.press("Enter")
    wait_screen(page, "comments")
    tab_to(page, lambda el: el["tag"] == "textarea")
    page.keyboard.type("Typed with the keyboard.")
    tab_to(page, button_named("Save and continue"))
    page.keyboard.press("Enter")
    wait_screen(page, "survey")
    tab_to(page, lambda el: el["type"] == "radio")
    page.keyboard.press("Space")
    settle(page)
    tab_to(page, button_named("Submit"))
    page.keyboard.press("Enter")
    wait_screen(page, "thanks")
    state = service.resume(app.db, token)
    assert state.completed
    assert stored_layout(state) == expected
    assert list(state.comments.values()) == ["Typed with the keyboard."]
    assert state.answers["role"] in {"user", "relative", "staff", "researcher", "other"}


def test_demo_study_on_a_phone_by_touch_and_list(app, phone):
    page = phone
    page.goto(f"{app.url}/?study=brukermedvirkning&lang=nb")
    page.get_by_role("button", name="Start", exact=True).wait_for()
    shot(page, "phone-1-welcome")
    assert no_page_hscroll(page)
    _axe_ok(page, "phone-welcome")
    page.get_by_role("button", name="Start", exact=True).tap()
    wait_screen(page, "consent", "nb")
    shot(page, "phone-2-consent")
    assert no_page_hscroll(page)
    page.get_by_text("Jeg har lest teksten over").tap()
    page.get_by_role("button", name="Gå videre").tap()
    wait_screen(page, "instruction", "nb")
    page.get_by_test_id("resume-code").wait_for()
    shot(page, "phone-3-instruction")
    assert no_page_hscroll(page)
    page.get_by_role("button", name="Gå videre").tap()
    wait_screen(page, "presort", "nb")
    page.locator(LIVE_PRESORT).get_by_test_id("presort-card").wait_for()
    for sid in IDS:
        page.wait_for_timeout(450)  # a reading pace: a second tap within 0.4 s is a double tap
        page.locator(LIVE_PRESORT).get_by_test_id({"disagree": "presort-disagree", "neutral": "presort-neutral",
                             "agree": "presort-agree"}[PLAN[sid]]).tap()
        if sid == IDS[5]:
            settle(page)
            shot(page, "phone-4-presort")
            assert no_page_hscroll(page)
            _axe_ok(page, "phone-presort")
    settle(page)
    page.get_by_role("button", name="Gå videre").tap()
    wait_screen(page, "grid", "nb")

    # A narrow screen opens the list view: one column chooser per statement.
    assert page.get_by_test_id("qsort-view-list").get_attribute("aria-pressed") == "true"
    page.get_by_test_id("qsort-list").scroll_into_view_if_needed()
    shot(page, "phone-5-grid-list", full=False)
    assert no_page_hscroll(page)
    _axe_ok(page, "phone-grid-list")
    expected: dict[str, int] = {}
    counts = {score: 0 for score in CAPACITY}
    for sid in IDS[:30]:
        score = next_free_column(counts, CAPACITY)
        choose_in_list(page, sid, score)
        counts[score] += 1
        expected[sid] = score
    page.locator(LIVE_GRID).get_by_test_id("qsort-counter").filter(has_text="30 av 34").wait_for()

    # The last four by touch in the grid view: tap a card, then tap its column.
    page.get_by_test_id("qsort-view-grid").tap()
    settle(page)
    for sid in IDS[30:]:
        score = next_free_column(counts, CAPACITY)
        page.get_by_test_id(f"card-{sid}").tap()
        page.get_by_test_id(f"col-{score}").locator(".qg-colhead").tap()
        page.get_by_test_id(f"col-{score}").get_by_test_id(f"card-{sid}").wait_for()
        counts[score] += 1
        expected[sid] = score
        if sid == IDS[31]:
            settle(page)
            page.get_by_test_id(f"card-{IDS[32]}").scroll_into_view_if_needed()
            shot(page, "phone-5-grid-touch", full=False)
            assert no_page_hscroll(page)
    settle(page)
    assert page.locator(LIVE_GRID).get_by_test_id("qsort-counter").inner_text() == "34 av 34 plassert"
    token = token_of(page)
    assert stored_layout(service.resume(app.db, token)) == expected
    _axe_ok(page, "phone-grid-full")

    page.get_by_role("button", name="Gå videre").tap()
    wait_screen(page, "comments", "nb")
    page.locator("textarea").first.fill("Skrevet på telefon.")
    shot(page, "phone-6-comments")
    assert no_page_hscroll(page)
    page.get_by_role("button", name="Lagre og gå videre").tap()
    wait_screen(page, "survey", "nb")
    page.get_by_text("Som pårørende", exact=True).tap()
    settle(page)
    shot(page, "phone-7-survey")
    assert no_page_hscroll(page)
    page.get_by_role("button", name="Send inn").tap()
    wait_screen(page, "thanks", "nb")
    shot(page, "phone-8-thanks")
    assert no_page_hscroll(page)
    state = service.resume(app.db, token)
    assert page.evaluate("() => document.documentElement.lang") == "nb"
    assert state.completed and state.language == "nb"
    assert stored_layout(state) == expected
    assert list(state.comments.values()) == ["Skrevet på telefon."]
    assert state.answers == {"role": "relative"}
