"""What every page shares, in Debian's chromium on a 360 x 740 phone and a desktop: one layout per
page (no jumping between widths on reruns), nothing requested from another host (participant and
researcher pages), no English from Streamlit itself in a Norwegian study, a Norwegian message when
the connection is lost, and compressed assets."""
from __future__ import annotations

import re

import pytest

from tests.ui_researcher.test_workspace import _login
from .conftest import settle
from .shell_helpers import advance, app_with_admin, is_local, new_page, open_screen, \
    start_nb

pytestmark = pytest.mark.browser

ENGLISH_CHROME = ["Press Enter to submit form", "Press Enter to apply", "Ctrl+Enter to apply", "Skip to main content",
                  "Link to heading", "Connection error", "Streamlit server is not responding", "Running..."]


@pytest.fixture(scope="module")
def app(chromium):
    yield from app_with_admin("qmethod-shell-")


# ------------------------------------------------------------------ one layout per page

WIDTHS_JS = """() => {
    window.__widths = [];
    const sample = () => {
        const el = document.querySelector('[data-testid="stMainBlockContainer"]');
        if (el) window.__widths.push(Math.round(el.getBoundingClientRect().width));
        window.__sampler = requestAnimationFrame(sample);
    };
    sample();
}"""


def test_grid_page_keeps_one_width_over_reruns(app, browser):
    """Desktop: the grid page is wide and stays wide while the page reruns (here: pressing
    "Gå videre" with the grid not complete, which reruns the page with a message)."""
    ctx, page = new_page(browser, "desktop")
    try:
        token = start_nb(page, app)
        advance(app, token, "grid")
        open_screen(page, app, "grid", token, "ui-small")
        page.evaluate(WIDTHS_JS)
        for _ in range(4):
            page.get_by_role("button", name="Gå videre").click()
            page.wait_for_timeout(150)
            settle(page)
            page.wait_for_timeout(400)
        # the message names what is missing; it does not speak of sending in on a "Gå videre"
        page.get_by_text("Dette må gjøres først:").first.wait_for()
        assert page.get_by_text("Før du kan sende inn").count() == 0
        widths = page.evaluate("() => window.__widths")
        assert widths, "the main block was never measured"
        assert min(widths) == max(widths), f"the page changed width during reruns: {sorted(set(widths))}"
        assert min(widths) > 1000  # wide: all columns fit on a 1280 px screen
    finally:
        ctx.close()


def test_presort_done_is_said_once_by_the_page(app, browser):
    """With every statement on a pile the page itself points on to "Gå videre" instead of repeating
    "Alle utsagnene er fordelt" (which the presort already shows)."""
    from qmethod import service

    ctx, page = new_page(browser, "phone")
    try:
        token = start_nb(page, app)
        advance(app, token, "presort")
        state = service.resume(app.db, token)
        for sid in state.unpiled:
            state = service.set_pile(app.db, token, sid, "agree", expected_version=state.version)
        open_screen(page, app, "presort", token, "ui-small")
        page.get_by_text("Trykk «Gå videre» når du er klar for neste steg.").wait_for()
        text = page.evaluate("() => document.body.innerText")
        assert text.count("Alle utsagnene er fordelt") <= 2, text
    finally:
        ctx.close()


# ------------------------------------------------------------------ nothing from another host

URLS_IN_PAGE_JS = """() => {
    const urls = [];
    for (const el of document.querySelectorAll('[src], [href]')) {
        for (const a of ['src', 'href']) { const v = el.getAttribute(a); if (v) urls.push(el.tagName + ' ' + el[a]); }
    }
    for (const sheet of document.styleSheets) {
        let rules = []; try { rules = [...sheet.cssRules]; } catch (e) { urls.push('sheet ' + sheet.href); }
        for (const r of rules) for (const m of (r.cssText.match(/url\\(["']?([^"')]+)/g) || []))
            urls.push('css ' + new URL(m.replace(/^url\\(["']?/, ''), document.baseURI).href);
    }
    return urls;
}"""


def _foreign_in_page(page) -> list[str]:
    out = []
    for entry in page.evaluate(URLS_IN_PAGE_JS):
        url = entry.split(" ", 1)[1]
        if url.startswith(("http:", "https:")) and not is_local(url):
            if entry.startswith("A "):  # a link the participant may follow is not a request
                continue
            out.append(entry)
    return out


@pytest.mark.parametrize("kind", ["phone", "desktop"])
def test_no_request_leaves_the_server(app, browser, kind):
    """Every participant screen and every researcher page: each request the browser makes, and every
    icon, script, style sheet and font the page refers to, is on this server."""
    ctx, page = new_page(browser, kind)
    requests: list[str] = []
    ctx.on("request", lambda r: requests.append(r.url))
    try:
        token = start_nb(page, app)
        screens = [("consent", "consent"), ("presort", "presort"), ("grid", "grid"), ("comments", "comments"),
                   ("survey", "survey"), ("done", "thanks")]
        for stage, screen in screens:
            advance(app, token, stage)
            open_screen(page, app, screen, token, "ui-small")
            page.wait_for_timeout(300)
            assert not _foreign_in_page(page), (screen, _foreign_in_page(page))
        page.goto(app.url + "/?study=brukermedvirkning")
        settle(page)
        _login(page, app)  # researcher pages, logged in
        for path in ("design", "responses", "analysis", "researcher"):
            page.goto(f"{app.url}/{path}?study=ui-small")
            settle(page)
            page.wait_for_timeout(300)
            assert not _foreign_in_page(page), (path, _foreign_in_page(page))
        foreign = [u for u in requests if not is_local(u)]
        assert not foreign, f"requests to other hosts: {sorted(set(foreign))}"
        assert len(requests) > 20  # the recording saw the pages load
    finally:
        ctx.close()


# ------------------------------------------------------------------ no English in a Norwegian study

TEXTS_JS = """() => {
    const out = [document.body.innerText];
    for (const el of document.querySelectorAll('[aria-label], [title], [placeholder]'))
        for (const a of ['aria-label', 'title', 'placeholder']) if (el.getAttribute(a)) out.push(el.getAttribute(a));
    return out.join('\\n');
}"""


def _english(page) -> list[str]:
    text = page.evaluate(TEXTS_JS)
    return [s for s in ENGLISH_CHROME if s in text]


@pytest.mark.parametrize("kind", ["phone", "desktop"])
def test_no_streamlit_english_in_a_norwegian_study(app, browser, kind):
    """Streamlit's own hints ("Press Enter to submit form", "Press Ctrl+Enter to apply"), the skip
    link and the heading links appear in bokmål, in the text and in aria-labels."""
    ctx, page = new_page(browser, kind)
    try:
        page.goto(f"{app.url}/?study=ui-small&lang=nb")
        settle(page)
        page.get_by_label("Koden din").fill("ABCDE")  # typing shows Streamlit's hint under the field
        page.wait_for_timeout(300)
        assert page.get_by_text("Trykk Enter for å sende").count() == 1
        assert not _english(page), _english(page)
        token = start_nb(page, app)
        assert not _english(page), _english(page)
        advance(app, token, "comments")
        open_screen(page, app, "comments", token, "ui-small")
        for box in page.get_by_role("textbox").all():
            box.fill("Fordi det er viktig")  # a text area: "Press Ctrl+Enter to apply"
        page.wait_for_timeout(300)  # Streamlit's hint under a changed box, if it shows, is bokmål (below)
        assert not _english(page), _english(page)
        assert page.evaluate("() => document.documentElement.lang") == "nb"
    finally:
        ctx.close()


# ------------------------------------------------------------------ first load on a slow line

def test_no_participant_page_fetches_a_script_file(app, browser):
    """Each participant screen, opened by its address (a reload, a resume link) or reached by
    Start, gets every script file it needs inside the page document: none is fetched (on a slow
    line each would be a round trip, most of them one after another)."""
    ctx, page = new_page(browser, "phone")
    scripts: list[str] = []
    page.on("request", lambda r: scripts.append(r.url) if re.search(r"^https?://.*/static/js/", r.url) else None)
    try:
        token = start_nb(page, app)
        for stage, screen in [("consent", "consent"), ("presort", "presort"), ("grid", "grid"),
                              ("comments", "comments"), ("survey", "survey"), ("done", "thanks")]:
            advance(app, token, stage)
            open_screen(page, app, screen, token, "ui-small")
            page.wait_for_timeout(500)
            assert scripts == [], (screen, scripts)
    finally:
        ctx.close()


@pytest.mark.parametrize("kind", ["phone", "desktop"])
def test_loading_text_at_once_and_scripts_in_the_page(app, browser, kind):
    """While the app is still starting, the page already says "Laster …" (bokmål unless ?lang= says
    otherwise); the page document arrives brotli-compressed and carries the script files the first
    page needs, so the browser fetches none of them (each is a round trip on a slow line); the files
    it does fetch (style sheet, font) may be cached for good; the text goes once the app shows."""
    ctx, page = new_page(browser, kind)
    documents, scripts = [], []
    try:
        def hold(route):  # a slow line: the app's first answer takes a while
            page.wait_for_timeout(1500)
            route.continue_()

        page.route(re.compile(r"/_stcore/health$"), hold)
        page.on("response", lambda r: documents.append(r) if r.request.resource_type == "document" else None)
        page.on("request", lambda r: scripts.append(r.url) if re.search(r"^https?://.*/static/js/", r.url) else None)
        static = []
        page.on("response", lambda r: static.append(r) if "/static/" in r.url and r.status == 200 else None)
        page.goto(f"{app.url}/?study=ui-small", wait_until="commit")
        loading = page.locator("#qm-loading")
        loading.wait_for(state="visible", timeout=5000)
        assert loading.inner_text() == "Laster …"
        assert page.evaluate("() => document.documentElement.lang") == "nb"
        page.get_by_role("button", name="Start", exact=True).wait_for()
        assert not loading.is_visible()
        assert documents and documents[0].header_value("content-encoding") == "br"
        assert scripts == []  # every script file of the first page came inside the document
        assert static and all("immutable" in (r.header_value("cache-control") or "") for r in static)
        page.unroute(re.compile(r"/_stcore/health$"))
        page.goto(f"{app.url}/?study=ui-small&lang=en", wait_until="commit")
        page.locator("#qm-loading").wait_for(state="attached", timeout=5000)
        assert page.locator("#qm-loading").inner_text() == "Loading …"
    finally:
        ctx.close()
