"""Reading and seeing aids in Debian's chromium: read aloud (the browser's speech synthesis, recorded
since the test browser has no voice), larger text and high contrast, remembered for the whole sort."""
from __future__ import annotations

import pytest

from .conftest import PHONE, axe_check, give_consent, press_continue, settle, start, wait_screen

pytestmark = pytest.mark.browser

# The test browser has no voices: record what would be spoken instead.
FAKE_SPEECH = """
window.__spoken = [];
class FakeUtterance { constructor(text) { this.text = text; this.lang = ''; this.voice = null; } }
window.SpeechSynthesisUtterance = FakeUtterance;
Object.defineProperty(window, 'speechSynthesis', { configurable: true, value: {
  speak: (u) => window.__spoken.push({ text: u.text, lang: u.lang }),
  cancel: () => {}, getVoices: () => [] } });
"""


def _spoken(page) -> list[dict]:
    return page.evaluate("() => window.__spoken")


def _press(page, testid: str) -> None:
    page.get_by_test_id(testid).first.click()


def test_read_aloud_reads_the_page_and_each_statement_card_on_one_tap_or_key(browser, app):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="nb-NO")
    context.add_init_script(FAKE_SPEECH)
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        start(page, app, "brukermedvirkning", "nb")
        give_consent(page, "nb")
        _press(page, "access-speak")
        assert page.get_by_test_id("access-speak").first.get_attribute("aria-pressed") == "true"
        _press(page, "access-read-page")
        said = _spoken(page)[-1]
        assert said["lang"] == "nb-NO"
        assert "Hvordan opplever du brukermedvirkning" in said["text"]      # the instruction
        press_continue(page, "nb")
        wait_screen(page, "presort", "nb")
        card = page.locator(".ps:not(.is-retired)").get_by_test_id("presort-card")
        card.tap()
        text = card.inner_text().strip()
        assert _spoken(page)[-1]["text"] == " ".join(text.split())
        before = len(_spoken(page))
        page.keyboard.press("Tab")                                           # one key: the next thing read
        assert len(_spoken(page)) == before + 1
        # remembered after a reload, for the rest of the sort
        page.reload()
        settle(page)
        assert page.get_by_test_id("access-speak").first.get_attribute("aria-pressed") == "true"
        assert page.evaluate("() => document.documentElement.classList.contains('qa-speak')")
    finally:
        context.close()


def test_larger_text_and_high_contrast_change_the_page_and_stay_switched_on(browser, app):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nb-NO")
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        start(page, app, "brukermedvirkning", "nb")
        size = lambda: page.evaluate("() => parseFloat(getComputedStyle(document.documentElement).fontSize)")  # noqa: E731
        normal = size()
        _press(page, "access-large")
        assert size() == pytest.approx(normal * 1.3, rel=0.01)
        _press(page, "access-contrast")
        colour = page.evaluate("""() => getComputedStyle(document.querySelector('[data-testid="stMain"] h1, [data-testid="stMain"] p')).color""")
        assert colour == "rgb(0, 0, 0)"
        give_consent(page, "nb")
        press_continue(page, "nb")
        wait_screen(page, "presort", "nb")
        assert size() == pytest.approx(normal * 1.3, rel=0.01)             # the next pages keep both
        assert page.evaluate("() => document.documentElement.classList.contains('qa-contrast')")
        pile = page.locator(".ps:not(.is-retired)").get_by_test_id("presort-agree")   # inside the presort too
        assert pile.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 255, 255)"
        assert axe_check(page, "access-large-contrast") == []
        _press(page, "access-large")                                        # and they switch off again
        assert size() == pytest.approx(normal, rel=0.01)
    finally:
        context.close()
