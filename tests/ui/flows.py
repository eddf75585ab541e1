"""Steps of the participant flow shared by the browser tests (mouse, keyboard, phone)."""
from __future__ import annotations

from .conftest import settle

PILE_BUTTON = {"disagree": "presort-disagree", "neutral": "presort-neutral", "agree": "presort-agree"}

# The copy of the grid in use (Streamlit can briefly show a retired copy beside it while it redraws).
LIVE_GRID = ".qg:not(.is-retired)"
LIVE_PRESORT = ".ps:not(.is-retired)"


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
