"""Steps of the participant flow shared by the browser tests (mouse, keyboard, phone)."""
from __future__ import annotations

from .conftest import settle

PILE_BUTTON = {"disagree": "presort-disagree", "neutral": "presort-neutral", "agree": "presort-agree"}


def source_ids(page) -> list[str]:
    """Ids of the unplaced cards in the grid's source piles, in display order."""
    return page.locator(".qg-source .qg-card").evaluate_all("els => els.map(e => e.dataset.id)")


def column_counts(page) -> dict[int, int]:
    return {int(k): v for k, v in page.locator(".qg-col").evaluate_all(
        "els => Object.fromEntries(els.map(c => [c.dataset.col, c.querySelectorAll('.qg-card').length]))"
    ).items()}


def next_free_column(counts: dict[int, int], capacity: dict[int, int]) -> int:
    return next(score for score in sorted(capacity) if counts.get(score, 0) < capacity[score])


def presort_by_plan(page, plan: dict[str, str], order: list[str], *, use_keys: bool) -> None:
    """Put the statements on piles in presentation ``order`` by key (1/2/3) or by click."""
    for sid in order:
        pile = plan[sid]
        if use_keys:
            page.keyboard.press({"disagree": "1", "neutral": "2", "agree": "3"}[pile])
        else:
            page.get_by_test_id(PILE_BUTTON[pile]).click()
    settle(page)


def stored_layout(state) -> dict[str, int]:
    return {sid: score for score, ids in state.columns.items() for sid in ids}
