"""The grid, list and presort on a 360 x 740 touch phone and a 1280 px desktop (real Chromium), in
bokmål: an overview of the sort from the list view, the stacked phone grid with tap-to-place, a
statement shown large, few Tab presses from the grid to "Gå videre", and the presort saying it is
done once. Every test records each request the browser makes and fails on any to another host."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from qmethod import service
from qmethod.study import load_study

from .conftest import DESKTOP, PHONE, ROOT, axe_check, eventually, settle, shot
from .flows import LIVE_GRID, LIVE_PRESORT, active, stored_layout
from .shell_helpers import is_local, open_screen

pytestmark = pytest.mark.browser

DEMO = "brukermedvirkning"
KINDS = ["phone", "desktop"]


@contextmanager
def browsing(browser, kind: str) -> Iterator:
    """A bokmål page (phone: 360 x 740, touch, mobile; desktop: 1280 px) whose every request is
    recorded; on leaving, none may have gone to another host and no script error may have occurred."""
    if kind == "phone":
        ctx = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="nb-NO")
    else:
        ctx = browser.new_context(viewport=DESKTOP, locale="nb-NO")
    requests: list[str] = []
    errors: list[str] = []
    ctx.on("request", lambda r: requests.append(r.url))
    page = ctx.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_default_timeout(30_000)
    try:
        yield page
        foreign = sorted({u for u in requests if not is_local(u)})
        assert not foreign, f"requests to other hosts: {foreign}"
        assert requests, "no request was recorded"
        assert not errors, f"JavaScript errors: {errors}"
    finally:
        ctx.close()


def publish(app, study: str):
    """The study, published (the app publishes it too, on its first page)."""
    where = ROOT / "studies" / study if study == DEMO else Path(__file__).parent / "studies" / study
    service.publish_study_file(app.db, where)
    return service.get_study(app.db, study)


def participant(app, study: str, stage: str, layout: dict[str, int] | None = None) -> str:
    """A bokmål participant of ``study`` at ``stage`` (presort or grid; every statement on the
    neutral pile for the grid), with ``layout`` ({statement: column}) placed; returns the token."""
    db = app.db
    st = publish(app, study)
    p = service.start_participant(db, study, language="nb")
    state = service.give_consent(db, p.token, st.consent.version, expected_version=p.state.version)
    if stage == "presort":
        service.set_stage(db, p.token, "presort", expected_version=state.version)
        return p.token
    for sid in st.statement_ids:
        state = service.set_pile(db, p.token, sid, "neutral", expected_version=state.version)
    state = service.set_stage(db, p.token, "grid", expected_version=state.version)
    for sid, score in (layout or {}).items():
        state = service.place_statement(db, p.token, sid, score, expected_version=state.version)
    return p.token


def demo_layout(leave_free: dict[int, int]) -> tuple[dict[str, int], list[str]]:
    """Fill the demo grid in statement order except ``leave_free`` ({column: free places}); returns
    the layout and the statements left over."""
    study = load_study(ROOT / "studies" / DEMO)
    slots = [c.score for c in study.grid.columns for i in range(c.count - leave_free.get(c.score, 0))]
    ids = list(study.statement_ids)
    return dict(zip(ids, slots)), ids[len(slots):]


def grid_view(page, kind: str) -> None:
    """The grid view (a phone opens the list view, a desktop the grid)."""
    button = page.locator(LIVE_GRID).get_by_test_id("qsort-view-grid")
    if button.get_attribute("aria-pressed") != "true":
        button.tap() if kind == "phone" else button.click()
    page.locator(LIVE_GRID).get_by_test_id("qsort-columns").wait_for()
    settle(page)


def tap(page, locator, kind: str) -> None:
    locator.tap() if kind == "phone" else locator.click()


def no_page_hscroll(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def _texts(app, study: str, lang: str = "nb") -> dict[str, str]:
    st = publish(app, study)
    return {s.id: s.text[lang] for s in st.statements}


# ------------------------------------------------------------------ 1. an overview from the list view

@pytest.mark.parametrize("kind", KINDS)
def test_the_list_view_has_an_overview_of_every_column(app, browser, kind):
    """One tap from the list view shows each column -4..+4 with its statements and "n av capacity",
    readable on a 360 px phone; Escape closes it and the focus is back on the button."""
    layout, rest = demo_layout({4: 1, 0: 2, -3: 1})
    with browsing(browser, kind) as page:
        token = participant(app, DEMO, "grid", layout)
        open_screen(page, app, "grid", token, DEMO)
        grid = page.locator(LIVE_GRID)
        if grid.get_by_test_id("qsort-view-list").get_attribute("aria-pressed") != "true":
            tap(page, grid.get_by_test_id("qsort-view-list"), kind)
        grid.get_by_test_id("qsort-list").wait_for()
        settle(page)
        grid.get_by_test_id("qsort-counter").evaluate("el => el.scrollIntoView({block: 'start'})")
        shot(page, f"list-{kind}", full=False)
        tap(page, grid.get_by_role("button", name="Oversikt"), kind)  # one tap from the list view
        dialog = grid.get_by_role("dialog", name="Oversikt over kolonnene")
        dialog.wait_for()
        texts = _texts(app, DEMO)
        capacity = {c.score: c.count for c in service.get_study(app.db, DEMO).grid.columns}
        for score, cap in capacity.items():
            section = dialog.get_by_test_id(f"overview-{score}")
            here = [sid for sid, v in layout.items() if v == score]
            heading = section.get_by_role("heading").inner_text()
            sign = "+" if score > 0 else "\u2212" if score < 0 else ""
            assert heading.startswith(f"{sign}{abs(score)} "), heading
            assert heading.endswith(f"{len(here)} av {cap}"), heading
            shown = section.locator("li").all_inner_texts()
            assert shown == [texts[sid] for sid in here], (score, shown)
        assert dialog.get_by_text(f"Ikke plassert ennå: {len(rest)}").is_visible()
        # readable on the phone: inside the screen's width, statement text at 16 px or more
        box = dialog.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"], box
        sizes = dialog.locator("li").evaluate_all("els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")
        assert min(sizes) >= 16, sizes
        assert no_page_hscroll(page)
        shot(page, f"overview-{kind}", full=False)
        assert axe_check(page, f"overview-{kind}") == []
        page.keyboard.press("Escape")
        dialog.wait_for(state="hidden")
        assert active(page)["text"] == "Oversikt"


# ------------------------------------------------------------------ 2. a phone grid a person can use

def test_the_phone_grid_shows_every_column_and_places_by_tapping(app, browser):
    """360 px: all nine columns one under the other, inside the screen, with their counts; every
    statement in 16 px text or larger; a tap on a card offers the columns at the bottom of the
    screen (no scrolling), a full one cannot be chosen; the placement is stored, undo takes it back."""
    layout, rest = demo_layout({4: 1, 0: 1})
    with browsing(browser, "phone") as page:
        token = participant(app, DEMO, "grid", layout)
        open_screen(page, app, "grid", token, DEMO)
        grid_view(page, "phone")
        grid = page.locator(LIVE_GRID)
        width = PHONE["width"]
        for c in service.get_study(app.db, DEMO).grid.columns:
            col = grid.get_by_test_id(f"col-{c.score}")
            box = col.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width, (c.score, box)
            used = sum(1 for v in layout.values() if v == c.score)
            assert col.locator(".qg-colcap").inner_text().startswith(f"{used} av {c.count}")
        sizes = grid.locator(".qg-card").evaluate_all("els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")
        assert len(sizes) == 34 and min(sizes) >= 16, sorted(sizes)[:5]
        assert no_page_hscroll(page)
        shot(page, "phone-grid-stacked")

        card = grid.get_by_test_id(f"card-{rest[0]}")
        card.scroll_into_view_if_needed()
        card.tap()
        chooser = grid.get_by_test_id("qsort-chooser")
        chooser.wait_for()
        box = chooser.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], box  # in view, no scrolling
        assert grid.get_by_test_id("choose--4").is_disabled()  # full
        assert grid.get_by_test_id("choose-4").locator(".qg-choice-cap").inner_text() == "1 av 2"
        assert grid.get_by_role("button", name="+4 Mest enig, 1 av 2", exact=True).is_visible()
        shot(page, "phone-grid-chooser", full=False)
        assert axe_check(page, "phone-grid-chooser") == []
        grid.get_by_test_id("choose-4").tap()
        grid.get_by_test_id("col-4").get_by_test_id(f"card-{rest[0]}").wait_for()
        assert eventually(lambda: stored_layout(service.resume(app.db, token)).get(rest[0]) == 4)
        assert grid.get_by_test_id("qsort-chooser").count() == 0
        grid.get_by_test_id("qsort-save").filter(has_text="Lagret").wait_for(state="attached")
        # the next card: its column chosen the same way; then undo takes it back
        grid.get_by_test_id(f"card-{rest[1]}").tap()
        assert grid.get_by_test_id("choose-4").is_disabled()  # now full
        grid.get_by_test_id("choose-0").tap()
        grid.get_by_test_id("col-0").get_by_test_id(f"card-{rest[1]}").wait_for()
        grid.get_by_test_id("qsort-undo").tap()
        grid.locator(".qg-source").get_by_test_id(f"card-{rest[1]}").wait_for()
        assert eventually(lambda: rest[1] not in stored_layout(service.resume(app.db, token)))
        assert no_page_hscroll(page)
        assert axe_check(page, "phone-grid-stacked") == []


def test_a_narrow_desktop_window_stacks_the_columns_too(app, browser):
    """Desktop: at 1280 px the nine columns stand side by side as before; a window made narrow
    (500 px, e.g. beside another window) stacks them without sideways scrolling of the page."""
    layout, rest = demo_layout({4: 1})
    with browsing(browser, "desktop") as page:
        token = participant(app, DEMO, "grid", layout)
        open_screen(page, app, "grid", token, DEMO)
        grid_view(page, "desktop")
        grid = page.locator(LIVE_GRID)
        tops = {round(grid.get_by_test_id(f"col-{v}").bounding_box()["y"]) for v in range(-4, 5)}
        assert len(tops) == 1, tops  # one row of columns
        page.set_viewport_size({"width": 500, "height": 900})
        page.wait_for_function("() => [...document.querySelectorAll('*')].some(e => e.shadowRoot && e.shadowRoot.querySelector('.qg.is-narrow'))"
                               " || !!document.querySelector('.qg.is-narrow')")
        boxes = [grid.get_by_test_id(f"col-{v}").bounding_box() for v in range(-4, 5)]
        assert all(b["x"] >= 0 and b["x"] + b["width"] <= 500 for b in boxes), boxes
        assert [b["y"] for b in boxes] == sorted(b["y"] for b in boxes) and len({round(b["y"]) for b in boxes}) == 9
        assert no_page_hscroll(page)
        grid.get_by_test_id(f"card-{rest[0]}").click()
        grid.get_by_test_id("choose-4").click()
        grid.get_by_test_id("col-4").get_by_test_id(f"card-{rest[0]}").wait_for()
        assert eventually(lambda: stored_layout(service.resume(app.db, token)).get(rest[0]) == 4)
        shot(page, "desktop-narrow-grid", full=False)


# ------------------------------------------------------------------ 3. a statement shown large

def _check_large(page, dialog, text: str, close_with: str) -> None:
    dialog.wait_for()
    body = dialog.locator(".q-dlg-text")
    assert body.inner_text() == text
    assert float(body.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 24
    close = dialog.get_by_role("button", name="Lukk")
    assert close.is_visible()
    box = dialog.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]
    if close_with == "Escape":
        page.keyboard.press("Escape")
    else:
        close.click()
    dialog.wait_for(state="hidden")


@pytest.mark.parametrize("kind", KINDS)
def test_a_statement_can_be_shown_large_in_presort_grid_and_list(app, browser, kind):
    texts = _texts(app, DEMO)
    layout, rest = demo_layout({0: 2})
    with browsing(browser, kind) as page:
        token = participant(app, DEMO, "presort")
        open_screen(page, app, "presort", token, DEMO)
        pre = page.locator(LIVE_PRESORT)
        first = service.get_study(app.db, DEMO).statements[0].id
        tap(page, pre.get_by_role("button", name="Vis stort"), kind)
        _check_large(page, pre.get_by_role("dialog"), texts[first], "Escape")
        assert active(page)["text"] == "Vis stort"  # the focus is back on the button
        assert pre.get_by_test_id("count-agree").inner_text().endswith(": 0")  # nothing was filed

        token = participant(app, DEMO, "grid", layout)
        open_screen(page, app, "grid", token, DEMO)
        grid_view(page, kind)
        grid = page.locator(LIVE_GRID)
        tap(page, grid.get_by_test_id(f"card-{rest[0]}"), kind)
        tap(page, grid.get_by_test_id(f"zoom-{rest[0]}"), kind)
        _check_large(page, grid.get_by_role("dialog"), texts[rest[0]], "button")
        shot(page, f"large-grid-{kind}", full=False)  # (the dialog is closed again here)
        assert grid.get_by_test_id(f"card-{rest[0]}").get_attribute("aria-pressed") == "true"  # still selected
        # a placed card, in the list view
        tap(page, grid.get_by_test_id("qsort-view-list"), kind)
        placed = next(iter(layout))
        tap(page, grid.get_by_test_id(f"zoom-{placed}"), kind)
        dialog = grid.get_by_role("dialog")
        dialog.wait_for()
        shot(page, f"large-list-{kind}", full=False)
        assert axe_check(page, f"large-{kind}") == []
        _check_large(page, dialog, texts[placed], "Escape")
        assert stored_layout(service.resume(app.db, token)) == layout  # looking moved nothing


# ------------------------------------------------------------------ 4. few Tab presses to "Gå videre"

@pytest.mark.parametrize("kind", KINDS)
def test_few_tab_presses_from_the_last_placed_card_to_continue(app, browser, kind):
    """The last card placed by keyboard in column -4 (33 cards after it in the grid): at most five
    Tab presses reach "Gå videre"."""
    layout, rest = demo_layout({-4: 1})
    with browsing(browser, kind) as page:
        token = participant(app, DEMO, "grid", layout)
        open_screen(page, app, "grid", token, DEMO)
        grid_view(page, kind)
        grid = page.locator(LIVE_GRID)
        grid.get_by_test_id(f"card-{rest[0]}").focus()
        page.keyboard.press("Enter")
        page.keyboard.press("Enter")  # the only open column, -4
        grid.get_by_test_id("col--4").get_by_test_id(f"card-{rest[0]}").wait_for()
        settle(page)
        assert active(page)["id"] == rest[0]
        presses = 0
        for presses in range(1, 41):
            page.keyboard.press("Tab")
            el = active(page)
            if el and el["tag"] == "button" and el["text"] == "Gå videre":
                break
        else:
            presses = 99
        assert presses <= 5, f"{presses} Tab presses from the last placed card to «Gå videre»"
        # the arrow keys still reach every placed card
        grid.get_by_test_id(f"card-{rest[0]}").focus()
        page.keyboard.press("ArrowDown")
        assert active(page)["id"] == grid.get_by_test_id("col--4").locator(".qg-card").nth(1).get_attribute("data-id") \
            or active(page)["id"] == grid.get_by_test_id("col--3").locator(".qg-card").first.get_attribute("data-id")
        page.keyboard.press("End")
        assert active(page)["id"] == grid.get_by_test_id("col-4").locator(".qg-card").last.get_attribute("data-id")
        assert stored_layout(service.resume(app.db, token)) == {**layout, rest[0]: -4}


# ------------------------------------------------------------------ 5. the presort says "done" once

# The page's text, the components' shadow roots included (hidden live regions too).
ALL_TEXT_JS = """() => {
    const parts = [document.body.innerText];
    for (const el of document.querySelectorAll('*'))
        if (el.shadowRoot) for (const c of el.shadowRoot.children) parts.push(c.innerText || '');
    return parts.join('\\n');
}"""

@pytest.mark.parametrize("kind", KINDS)
def test_the_presort_says_all_are_on_piles_once(app, browser, kind):
    """After the last statement is filed, "Alle utsagnene er fordelt" is on the page once, and once
    for a screen reader (the accessibility tree, live region included)."""
    with browsing(browser, kind) as page:
        token = participant(app, "ui-small", "presort")
        open_screen(page, app, "presort", token, "ui-small")
        pre = page.locator(LIVE_PRESORT)
        for i in range(5):
            page.wait_for_timeout(450)  # a reading pace (a quicker second tap is a double tap)
            tap(page, pre.get_by_test_id(("presort-disagree", "presort-neutral", "presort-agree")[i % 3]), kind)
        pre.get_by_test_id("presort-card").filter(has_text="Alle utsagnene er fordelt").wait_for()
        settle(page)
        page.wait_for_timeout(300)  # the live region's text is set a moment after the tap
        said = "Alle utsagnene er fordelt"
        assert page.evaluate(ALL_TEXT_JS).count(said) == 1
        assert page.locator("body").aria_snapshot().count(said) == 1
        assert "0 igjen" in pre.get_by_test_id("presort-live").inner_text()
        shot(page, f"presort-done-{kind}", full=False)


# ------------------------------------------------------------------ 6. faults found in a trial on a phone


@contextmanager
def demo_grid(app, browser, kind: str, leave_free: dict[int, int]) -> Iterator[tuple]:
    """The demo study's grid view (see :func:`browsing`) for a participant with :func:`demo_layout`
    placed; yields (page, grid, token, layout, the statements left over)."""
    layout, rest = demo_layout(leave_free)
    with browsing(browser, kind) as page:
        token = participant(app, DEMO, "grid", layout)
        open_screen(page, app, "grid", token, DEMO)
        grid_view(page, kind)
        yield page, page.locator(LIVE_GRID), token, layout, rest

# The text of an element as it stands at its centre: nothing else drawn on top of it.
ON_TOP_JS = """el => {
    const r = el.getBoundingClientRect();
    const root = el.getRootNode();
    const hit = (root.elementFromPoint ? root : document).elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
    return !!hit && (hit === el || el.contains(hit));
}"""


def in_view(page, locator) -> bool:
    """Shown whole inside the viewport and not covered by anything."""
    if not locator.count() or not locator.is_visible():
        return False
    box = locator.bounding_box()
    vp = page.viewport_size
    return (box["y"] >= 0 and box["y"] + box["height"] <= vp["height"] and box["x"] >= 0
            and box["x"] + box["width"] <= vp["width"] + 0.5 and locator.evaluate(ON_TOP_JS))


@pytest.mark.parametrize("kind", KINDS)
def test_the_grid_help_says_which_way_the_columns_run_as_drawn(app, browser, kind):
    """Phone: the columns stand one under the other (-4 at the top), and the help says top and
    bottom, nowhere left and right (outside the researcher's own instruction); desktop: side by side,
    and the help says left and right."""
    with demo_grid(app, browser, kind, {4: 1}) as (page, grid, token, layout, rest):
        low, high = grid.get_by_test_id("col--4").bounding_box(), grid.get_by_test_id("col-4").bounding_box()
        help_text = grid.get_by_test_id("qsort-help").inner_text()
        # the page's text without the study's own instruction (the researcher's words)
        page_text = page.evaluate(ALL_TEXT_JS).replace(page.locator(".st-key-grid_instruction").inner_text(), "")
        if kind == "phone":
            assert low["y"] + low["height"] <= high["y"]  # -4 above +4
            assert "øverst (\u22124) er det du er mest uenig i, nederst (+4) det du er mest enig i" in help_text, help_text
            assert "venstre" not in page_text.lower() and "høyre" not in page_text.lower(), page_text
        else:
            assert low["x"] + low["width"] <= high["x"] and abs(low["y"] - high["y"]) < 2  # -4 left of +4
            assert "Til venstre (\u22124) er det du er mest uenig i, til høyre (+4) det du er mest enig i" in help_text, help_text
            assert "øverst" not in help_text.lower()


def test_a_tap_on_a_full_column_button_says_why(app, browser):
    """Phone: the button of a full column stays in the Tab order and tappable; a tap on it says on
    screen, above the buttons, why the card was not placed, and places nothing."""
    with demo_grid(app, browser, "phone", {4: 1, 0: 1}) as (page, grid, token, layout, rest):
        card = grid.get_by_test_id(f"card-{rest[0]}")
        card.scroll_into_view_if_needed()
        card.tap()
        full = grid.get_by_test_id("choose--4")
        assert full.get_attribute("aria-disabled") == "true"
        full.tap(force=True)  # (Playwright counts aria-disabled as disabled; a finger does not)
        why = grid.get_by_test_id("chooser-message")
        why.wait_for(timeout=5_000)
        assert why.inner_text() == "Kolonne \u22124 er full (2 av 2). Flytt et kort ut av den først."
        assert in_view(page, why)
        shot(page, "phone-full-column-tapped", full=False)
        assert grid.locator(".qg-source").get_by_test_id(f"card-{rest[0]}").count() == 1  # not placed
        settle(page)
        assert rest[0] not in stored_layout(service.resume(app.db, token))
        # the chooser is still open and the card can go to an open column
        grid.get_by_test_id("choose-4").tap()
        grid.get_by_test_id("col-4").get_by_test_id(f"card-{rest[0]}").wait_for()


# Words split over two lines (with their width and the card's room for text).
BROKEN_WORDS_JS = """els => {
    const out = [];
    for (const el of els) {
        const card = el.closest('.qg-card');
        const cs = getComputedStyle(card);
        const room = card.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
        const node = el.firstChild;
        if (!node || node.nodeType !== 3) continue;
        const re = /[^\\s]+/g;
        let m;
        while ((m = re.exec(node.data))) {
            const r = document.createRange();
            r.setStart(node, m.index);
            r.setEnd(node, m.index + m[0].length);
            const rects = [...r.getClientRects()].filter(x => x.width > 0);
            const lines = new Set(rects.map(x => Math.round(x.top))).size;
            const width = rects.reduce((n, x) => n + x.width, 0);
            if (lines > 1) out.push(m[0] + ' (' + Math.round(width) + ' px in ' + Math.round(room) + ' px)');
        }
    }
    return out;
}"""


def test_desktop_cards_are_readable_without_words_broken_in_the_middle(app, browser):
    """Every statement placed: the statement text in the columns is at least 15 px; at 1280 px all
    nine columns stand in one row in view (no sideways scrolling: a participant compares them and
    drags between them); on a wide screen (1920 px) no word is broken in the middle (the demo's
    longest, "brukerrepresentantene", fits a column; only a word wider than 16rem may be broken)."""
    with demo_grid(app, browser, "desktop", {}) as (page, grid, token, layout, rest):
        texts = grid.locator(".qg-col .qg-card-text")
        assert texts.count() == 34
        sizes = texts.evaluate_all("els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")
        assert min(sizes) >= 15, sorted(sizes)[:3]
        tops = {round(grid.get_by_test_id(f"col-{v}").bounding_box()["y"]) for v in range(-4, 5)}
        assert len(tops) == 1, tops  # still one row of columns
        scroller = grid.locator(".qg-scroller")
        assert scroller.evaluate("el => el.scrollWidth <= el.clientWidth + 1"), "the grid scrolls sideways at 1280 px"
        right = grid.get_by_test_id("col-4").bounding_box()
        assert right["x"] + right["width"] <= page.viewport_size["width"]
        page.set_viewport_size({"width": 1920, "height": 1000})
        page.wait_for_timeout(500)
        assert texts.evaluate_all(BROKEN_WORDS_JS) == []
        shot(page, "desktop-grid-readable")


def test_the_phone_save_status_is_always_in_view_and_covers_nothing(app, browser):
    """Phone: wherever the page is scrolled (the top, each column, the page's buttons below the
    grid, the column chooser open), a save status is in view and not covered; the bottom status bar
    spans the screen (no card text beside or under a floating label) and the page's last button is
    above it."""
    with demo_grid(app, browser, "phone", {4: 1, 0: 1}) as (page, grid, token, layout, rest):
        toolbar_status = grid.get_by_test_id("qsort-save")
        bar = grid.get_by_test_id("qsort-save-float")
        toolbar_status.filter(has_text="Lagret").wait_for(state="attached")

        def check(where: str) -> None:
            page.wait_for_timeout(250)  # the visibility watch reacts after the scroll
            shown = [s for s in (toolbar_status, bar, grid.get_by_test_id("chooser-save")) if in_view(page, s)]
            assert shown, f"no save status in view at {where}"
            assert all("Lagret" in s.inner_text() for s in shown), where
            if in_view(page, bar):
                box = bar.bounding_box()
                assert box["x"] <= 0 and box["width"] >= PHONE["width"] - 1, (where, box)

        grid.get_by_test_id("qsort-counter").evaluate("el => el.scrollIntoView({block: 'start'})")
        check("the top")
        for v in range(-4, 5):
            grid.get_by_test_id(f"col-{v}").evaluate("el => el.scrollIntoView({block: 'center'})")
            check(f"column {v}")
        cont = page.get_by_role("button", name="Gå videre")
        cont.evaluate("el => el.scrollIntoView({block: 'end'})")
        page.mouse.wheel(0, 5000)
        check("the bottom of the page")
        assert in_view(page, cont)  # the page's button is not under the bar
        shot(page, "phone-save-bar-bottom", full=False)
        card = grid.get_by_test_id(f"card-{rest[0]}")
        card.scroll_into_view_if_needed()
        card.tap()
        grid.get_by_test_id("qsort-chooser").wait_for()
        check("the column chooser")
        grid.get_by_test_id("choose-4").tap()
        grid.get_by_test_id("col-4").get_by_test_id(f"card-{rest[0]}").wait_for()
        assert eventually(lambda: stored_layout(service.resume(app.db, token)).get(rest[0]) == 4)
        check("after placing")


@pytest.mark.parametrize("kind", KINDS)
def test_what_is_said_and_hinted_fits_the_device(app, browser, kind):
    """Phone: no keyboard hints on screen (grid or presort), a tap on a card says to choose a column
    (not "Enter"), one full stop after a statement that ends with one, the column buttons' counts
    in 16 px; desktop: the keyboard hints are shown and Enter on a card says "Enter plasserer"."""
    texts = _texts(app, DEMO)
    layout, rest = demo_layout({4: 1, 0: 1})
    with browsing(browser, kind) as page:
        token = participant(app, DEMO, "presort")
        open_screen(page, app, "presort", token, DEMO)
        pre = page.locator(LIVE_PRESORT)
        pre.get_by_test_id("presort-card").wait_for()
        keys_hint = pre.locator(".ps-keys")
        assert keys_hint.is_visible() == (kind == "desktop")

        token = participant(app, DEMO, "grid", layout)
        open_screen(page, app, "grid", token, DEMO)
        grid_view(page, kind)
        grid = page.locator(LIVE_GRID)
        assert grid.get_by_test_id("qsort-help-keys").is_visible() == (kind == "desktop")
        card = grid.get_by_test_id(f"card-{rest[0]}")
        assert texts[rest[0]].endswith(".")
        live = grid.get_by_test_id("qsort-live")
        if kind == "phone":
            card.scroll_into_view_if_needed()
            card.tap()
            caps = grid.locator(".qg-choice-cap").evaluate_all("els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")
            assert min(caps) >= 16, caps
        else:
            card.focus()
            page.keyboard.press("Enter")
        page.wait_for_function("el => el.textContent.startsWith('Valgt')", arg=live.element_handle())
        said = live.text_content()
        assert said.startswith(f"Valgt: {texts[rest[0]]} ") and ".." not in said, said
        if kind == "phone":
            assert "Enter" not in said and "Velg en kolonne nederst på skjermen." in said, said
        else:
            assert "Enter plasserer." in said, said

