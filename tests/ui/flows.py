"""Steps of the participant flow shared by the browser tests (mouse, keyboard, phone)."""
from __future__ import annotations

from tests.app_server import choose_in_list

from .conftest import DESKTOP, WAIT_MS, give_consent, press_continue, settle, start, wait_screen

PILE_BUTTON = {"disagree": "presort-disagree", "neutral": "presort-neutral", "agree": "presort-agree"}

# The grid and the presort on the page.
LIVE_GRID = ".qg"
LIVE_PRESORT = ".ps"

SMALL_IDS = ["T1", "T2", "T3", "T4", "T5"]
SMALL_PLAN = {"T1": "disagree", "T2": "agree", "T3": "neutral", "T4": "neutral", "T5": "neutral"}


def source_ids(page) -> list[str]:
    """Ids of the unplaced cards in the grid's source piles, in display order."""
    return page.locator(f"{LIVE_GRID} .qg-source .qg-card").evaluate_all("els => els.map(e => e.dataset.id)")


def column_counts(page) -> dict[int, int]:
    return {int(k): v for k, v in page.locator(f"{LIVE_GRID} .qg-col").evaluate_all(
        "els => Object.fromEntries(els.map(c => [c.dataset.col, c.querySelectorAll('.qg-card').length]))"
    ).items()}


def next_free_column(counts: dict[int, int], capacity: dict[int, int]) -> int:
    return next(score for score in sorted(capacity) if counts.get(score, 0) < capacity[score])


def presort_by_plan(page, plan: dict[str, str], order: list[str], *, use_keys: bool) -> None:
    """Put the statements on piles in presentation ``order`` by key (1/2/3) or by click."""
    page.locator(LIVE_PRESORT).get_by_test_id("presort-card").wait_for()
    for sid in order:
        pile = plan[sid]
        if use_keys:
            page.keyboard.press({"disagree": "1", "neutral": "2", "agree": "3"}[pile])
        else:
            page.wait_for_timeout(450)  # a reading pace: a second tap within 0.4 s is a double tap
            page.locator(LIVE_PRESORT).get_by_test_id(PILE_BUTTON[pile]).click()
    settle(page)


def stored_layout(state) -> dict[str, int]:
    return {sid: score for score, ids in state.columns.items() for sid in ids}


ACTIVE_JS = """() => {
    let a = document.activeElement;
    while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
    if (!a) return null;
    return {tag: a.tagName.toLowerCase(), text: (a.innerText || a.getAttribute('aria-label') || a.value || '').trim().slice(0, 200),
            testid: (a.dataset && a.dataset.testid) || '', id: (a.dataset && a.dataset.id) || '',
            role: a.getAttribute('role') || '', type: a.getAttribute('type') || '',
            label: (a.labels && a.labels[0] ? a.labels[0].innerText : '') || a.getAttribute('aria-label') || ''};
}"""


def active(page) -> dict | None:
    """The focused element (looking inside shadow roots)."""
    return page.evaluate(ACTIVE_JS)


def tab_to(page, matches, *, limit: int = 120, back: bool = False) -> dict:
    """Press Tab (or Shift+Tab) until the focused element satisfies ``matches``; fail after ``limit``."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        el = active(page)
        if el is not None and matches(el):
            return el
        seen.append(el)
    raise AssertionError(f"focus never reached the wanted element; last focused: {seen[-5:]}")


def button_named(name: str):
    return lambda el: el["tag"] == "button" and el["text"] == name


def to_grid(page, app, lang: str = "en") -> str:
    """Start ui-small, consent, presort by keys; return the resume code shown after consent."""
    start(page, app, "ui-small", lang)
    give_consent(page, lang)
    code = page.get_by_test_id("resume-code").inner_text().strip()
    press_continue(page, lang)
    wait_screen(page, "presort", lang)
    presort_by_plan(page, SMALL_PLAN, SMALL_IDS, use_keys=True)
    press_continue(page, lang)
    wait_screen(page, "grid", lang)
    return code


def place_in_list(page, sid: str, score: int) -> None:
    """Place by the list view's column chooser."""
    if page.get_by_test_id("qsort-view-list").get_attribute("aria-pressed") != "true":
        page.get_by_test_id("qsort-view-list").click()
    choose_in_list(page, sid, score)


def sort_with_last_move_unsent(page) -> None:
    """Place the five ui-small cards; the last placement cannot be sent (its posts are aborted until
    the test calls ``page.unroute("**/api/participant/op")``)."""
    for sid, score in (("T1", -1), ("T2", 1), ("T3", 0), ("T4", 0)):
        place_in_list(page, sid, score)
    settle(page)
    page.route("**/api/participant/op", lambda route: route.abort())
    place_in_list(page, "T5", 0)


def drag(page, sid: str, score: int) -> None:
    """Drag card ``sid`` onto the head of column ``score`` with the mouse (the top of the column)."""
    settle(page)
    page.locator(".qg-source").first.evaluate("el => el.scrollIntoView({block: 'start'})")
    card = page.get_by_test_id(f"card-{sid}")
    card.scroll_into_view_if_needed()
    head = page.get_by_test_id(f"col-{score}").locator(".qg-colhead")
    head.scroll_into_view_if_needed()
    a, b = card.bounding_box(), head.bounding_box()
    page.mouse.move(a["x"] + a["width"] / 2, a["y"] + min(20, a["height"] / 2))
    page.mouse.down()
    page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2, steps=8)
    page.mouse.up()


def grid_events(app, page) -> list[tuple[str, dict]]:
    """The grid steps of this page's participant in the audit trail, in order (without op ids)."""
    from qmethod import service

    from .conftest import token_of

    state = service.resume(app.db, token_of(page))
    return [(e.kind, {k: v for k, v in e.payload.items() if k != "op"})
            for e in service.audit_trail(app.db, state.study_id, state.participant)
            if e.kind in ("place", "move", "remove", "swap")]


def place_on_other_device(app, browser, code: str, sid: str, score: int) -> None:
    """Another device (a new browser context) continues with the resume code and places one card."""
    other = browser.new_context(viewport=DESKTOP, locale="en-GB")
    try:
        pg = other.new_page()
        pg.set_default_timeout(WAIT_MS)
        pg.goto(f"{app.url}/?study=ui-small&lang=en")
        pg.get_by_label("Your code").fill(code)
        pg.get_by_role("button", name="Continue with code").click()
        wait_screen(pg, "grid")
        place_in_list(pg, sid, score)
        settle(pg)
    finally:
        other.close()


def desktop_page(browser, timeout_ms: int = WAIT_MS):
    """A desktop page in a new browser context (a device of its own): ``(context, page)``."""
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(timeout_ms)
    return context, page
