"""On a 360 x 740 phone every text a participant reads or types on the participant pages is at
least 16 px: the step line, the language switch, "everything is saved", captions, comment boxes,
the survey fields and the resume-code field (an input under 16 px also makes iOS zoom in)."""
from __future__ import annotations

import pytest

from .conftest import settle
from .shell_helpers import advance, app_with_admin, new_page, open_screen, start_nb

pytestmark = pytest.mark.browser

SMALL_JS = """() => {
    const out = [];
    const main = document.querySelector('[data-testid="stMain"]') || document.body;
    for (const el of main.querySelectorAll('*')) {
        const r = el.getBoundingClientRect();
        if (!r.width || !r.height) continue;
        const cs = getComputedStyle(el);
        if (cs.visibility === 'hidden' || cs.display === 'none') continue;
        const typed = el.matches('input:not([type=checkbox]):not([type=radio]), textarea');
        const own = [...el.childNodes].some(n => n.nodeType === 3 && n.nodeValue.trim());
        if (!typed && !own) continue;
        if (el.closest('[aria-hidden="true"], .sr-only, [data-testid="stTooltipHoverTarget"]')) continue;
        const px = parseFloat(cs.fontSize);
        if (px < 15.99) out.push(`${px}px ${el.tagName} ${(el.value || el.textContent || '').trim().slice(0, 40)}`);
    }
    return out;
}"""


@pytest.fixture(scope="module")
def app(chromium):
    yield from app_with_admin("qmethod-size-")


def test_welcome_resume_field_is_16px(app, browser):
    ctx, page = new_page(browser, "phone")
    try:
        page.goto(f"{app.url}/?study=ui-small&lang=nb")
        settle(page)
        page.locator("input").first.wait_for()
        small = page.evaluate(SMALL_JS)
        assert small == [], "\n".join(small)
    finally:
        ctx.close()


@pytest.mark.parametrize("screen", ["comments", "survey"])
def test_participant_text_is_16px_on_a_phone(app, browser, screen):
    ctx, page = new_page(browser, "phone")
    try:
        token = start_nb(page, app)
        advance(app, token, screen)
        open_screen(page, app, screen, token, "ui-small")
        page.locator("textarea, input").first.wait_for()
        small = page.evaluate(SMALL_JS)
        assert small == [], "\n".join(small)
    finally:
        ctx.close()
