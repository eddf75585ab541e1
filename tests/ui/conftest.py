"""Browser-test fixtures: the app as a subprocess (one per test module), Debian's chromium through
Playwright, axe-core, screenshots, and helpers that walk a participant through the flow.

The app runs on a free port against a temporary SQLite file with two studies: the demo study
``brukermedvirkning`` and ``ui-small`` (five statements, one with HTML in it). Tests read what was
stored through the service layer (``app.db``). Screenshots go to ``tests/artifacts/`` (git-ignored).
"""
from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app_server import App, chromium_browser, chromium_path, running_app

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
#: how long a browser test waits for what it expects (the parallel run on 2 busy cores can take 20 s)
WAIT_MS = 45_000


@pytest.fixture(scope="session")
def chromium() -> str:
    return chromium_path()


@pytest.fixture(scope="module")
def app(chromium: str) -> Iterator[App]:
    """The Streamlit app on a free port with a fresh SQLite database (one per test module)."""
    tmp = Path(tempfile.mkdtemp(prefix="qmethod-ui-"))
    studies = tmp / "studies"
    shutil.copytree(ROOT / "studies" / "brukermedvirkning", studies / "brukermedvirkning")
    shutil.copytree(Path(__file__).parent / "studies" / "ui-small", studies / "ui-small")
    with running_app(tmp, QMETHOD_STUDIES_DIR=str(studies), QMETHOD_DEV="1") as server:
        yield server
    shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def browser(chromium: str):
    with chromium_browser(chromium) as b:
        yield b


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


def _failure_shot(request, pg) -> None:
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        try:
            pg.screenshot(path=str(ARTIFACTS / f"failure-{request.node.name}.png"), full_page=True)
        except Exception:  # the page may be gone; the failure itself is reported anyway
            pass


@pytest.fixture
def page(browser, request):
    """A desktop page in a fresh browser context; JS errors fail the test."""
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.set_default_timeout(WAIT_MS)
    yield pg
    _failure_shot(request, pg)
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


@pytest.fixture
def phone(browser, request):
    """A 360 x 740 touch phone page in a fresh context."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale="nb-NO")
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.set_default_timeout(WAIT_MS)
    yield pg
    _failure_shot(request, pg)
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


# ---------------------------------------------------------------- helpers


def shot(page, name: str, *, full: bool = True) -> Path:
    """Save a screenshot to tests/artifacts/<name>.png (the whole page, or only the viewport)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    settle(page)
    if not full:
        page.screenshot(path=str(path))
        return path
    # Streamlit scrolls inside its main container, so grow the viewport to the content height.
    size = page.viewport_size
    height = page.evaluate(
        """() => Math.max(...[document.scrollingElement, document.querySelector('[data-testid="stMain"]')]
                           .filter(Boolean).map(e => e.scrollHeight))"""
    )
    page.set_viewport_size({"width": size["width"], "height": min(max(height, size["height"]), 6000)})
    try:
        settle(page)
        page.evaluate("""() => { const m = document.querySelector('[data-testid="stMain"]'); if (m) m.scrollTop = 0;
                                window.scrollTo(0, 0); }""")
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(size)
    return path


SETTLED_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    const state = app ? app.getAttribute('data-test-script-state') : 'none';
    const hosts = [...document.querySelectorAll('*')].filter(e => e.shadowRoot);
    const saving = hosts.some(h => h.shadowRoot.querySelector('.is-saving')) || !!document.querySelector('.qg .is-saving, .ps .is-saving');
    return {state, saving};
}"""


def settle(page, timeout_ms: int = 30_000) -> None:
    """Wait until the app is idle: no script running and every component change acknowledged."""
    try:
        page.wait_for_function(
            f"() => {{ const s = ({SETTLED_JS})(); return s.state === 'notRunning' && !s.saving; }}",
            polling=100, timeout=timeout_ms,
        )
    except Exception as exc:
        raise AssertionError(f"the app did not settle: {page.evaluate(SETTLED_JS)}") from exc


def axe_check(page, name: str) -> list[dict]:
    """Run axe-core (WCAG 2.x A/AA rules); return the serious and critical violations."""
    settle(page)
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                           nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}));
        }"""
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"axe-{name}.json").write_text(json.dumps(result, indent=2))
    return [v for v in result if v["impact"] in ("serious", "critical")]


def eventually(check, *, timeout_s: float = 20.0):
    """Poll ``check()`` (e.g. a read through the service layer) until it returns a truthy value."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def token_of(page) -> str:
    """The participant token: the HttpOnly cookie the server set for this browser (the page address
    no longer holds it)."""
    for _ in range(100):
        found = [c["value"] for c in page.context.cookies() if c["name"] == "qmethod_participant"]
        if found:
            return found[0]
        page.wait_for_timeout(100)
    raise AssertionError(f"no participant cookie; the page is at {page.url}")


def wait_screen(page, screen: str, lang: str = "en") -> None:
    """Wait for ``screen`` to be shown (its URL and its step caption) and the app to be idle."""
    from qmethod.ui.i18n import t

    page.wait_for_url(f"**/{screen}?**")
    name = t("stage_" + ("done" if screen == "thanks" else screen), lang)
    page.get_by_text(f" · {name}").first.wait_for()
    settle(page)


def start(page, app: App, study: str, lang: str = "en") -> None:
    page.goto(f"{app.url}/?study={study}&lang={lang}")
    page.get_by_role("button", name={"en": "Start", "nb": "Start"}[lang], exact=True).click()
    wait_screen(page, "consent", lang)


def give_consent(page, lang: str = "en") -> None:
    label = {"en": "I have read the text above", "nb": "Jeg har lest teksten over"}[lang]
    page.get_by_text(label).click()
    page.get_by_role("button", name={"en": "Continue", "nb": "Gå videre"}[lang]).click()
    wait_screen(page, "instruction", lang)


def press_continue(page, lang: str = "en") -> None:
    page.get_by_role("button", name={"en": "Continue", "nb": "Gå videre"}[lang]).click()


def no_page_hscroll(page) -> bool:
    """True if the page itself does not scroll sideways (the grid may scroll inside itself)."""
    return page.evaluate(
        """() => {
            const els = [document.scrollingElement, document.querySelector('[data-testid="stMain"]'),
                         document.querySelector('[data-testid="stAppViewContainer"]')].filter(Boolean);
            return els.every(e => e.scrollWidth <= e.clientWidth + 1);
        }"""
    )
