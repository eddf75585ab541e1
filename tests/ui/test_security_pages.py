"""Limits and fences of the running app in Debian's chromium: the resume-code limit holds across new
websocket sessions, browsers and spoofed X-Forwarded-For; the headers; no public metrics or demo page.

The app is started with ``QMETHOD_TRUSTED_PROXIES`` naming a proxy that is not the test browser, as
when the app port is reachable directly: the browser's own X-Forwarded-For must then count for
nothing. (The old code, with ``QMETHOD_BEHIND_PROXY=1``, believed it.)
"""
from __future__ import annotations

import re
import shutil
import tempfile
import urllib.request
from pathlib import Path

import pytest

from qmethod import service
from tests.app_server import running_app
from .conftest import ROOT, settle

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def fenced_app(chromium):
    tmp = Path(tempfile.mkdtemp(prefix="qmethod-sec-"))
    studies = tmp / "studies"
    shutil.copytree(Path(__file__).parent / "studies" / "ui-small", studies / "ui-small")
    with running_app(tmp, QMETHOD_STUDIES_DIR=str(studies), QMETHOD_TRUSTED_PROXIES="192.0.2.1",
                     QMETHOD_BEHIND_PROXY="1") as server:
        yield server
    shutil.rmtree(tmp, ignore_errors=True)


def _try_code(page, url: str, code: str) -> str:
    page.goto(url)
    page.get_by_label("Your code").fill(code)
    page.get_by_role("button", name="Continue with code").click()
    alert = page.get_by_text(re.compile(r"We found no sort|Too many wrong codes"))
    alert.wait_for()
    settle(page)
    return alert.inner_text()


def test_resume_code_limit_holds_across_sessions_browsers_and_spoofed_addresses(fenced_app, browser):
    """Fails on the old code: each new websocket session from 127.0.0.1 (no address seen) and each
    spoofed X-Forwarded-For got five fresh tries (40 of 40 codes were checked)."""
    url = f"{fenced_app.url}/?study=ui-small&lang=en"
    answers = []
    for i in range(7):
        # a fresh browser (no cookies) with a made-up forwarded address each time, as a script would
        context = browser.new_context(extra_http_headers={"X-Forwarded-For": f"198.51.100.{i + 1}"})
        page = context.new_page()
        page.set_default_timeout(30_000)
        answers.append(_try_code(page, url, f"{'ABCDEFGH'[i]}2345-6789A"))
        context.close()
    assert all(a.startswith("We found no sort") for a in answers[:5]), answers
    assert all(a.startswith("Too many wrong codes") for a in answers[5:]), answers


def test_headers_metrics_and_demo_page_in_production(fenced_app, browser):
    """Fails on the old code: no security headers, /_stcore/metrics public, the component demo page
    reachable by anyone."""
    with urllib.request.urlopen(fenced_app.url + "/") as r:
        assert r.headers["Content-Security-Policy"].startswith("frame-ancestors 'self';")
        assert r.headers["Referrer-Policy"] == "no-referrer" and r.headers["X-Content-Type-Options"] == "nosniff"
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(fenced_app.url + "/_stcore/metrics")
    assert info.value.code == 404
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{fenced_app.url}/component-demo?lang=en")
    settle(page)
    page.wait_for_timeout(500)
    assert "Component demo" not in page.title()
    assert page.locator(".qg").count() == 0 and page.locator(".ps").count() == 0
    context.close()


def started_on_consent(browser, app_url: str):
    """A new browser context whose participant has just started ``ui-small`` (English): its page,
    on the consent screen."""
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{app_url}/?study=ui-small&lang=en")
    page.get_by_role("button", name="Start").click()
    page.get_by_role("heading", name="Consent").wait_for()
    settle(page)
    return page


def test_participant_token_stays_out_of_the_address(fenced_app, browser):
    """Fails on the old code: the token was in every participant page's address (``?p=``), which a
    reverse proxy writes to its access log at each reload."""
    page = started_on_consent(browser, fenced_app.url)
    context = page.context
    assert "p=" not in page.url
    cookie = next(c for c in context.cookies() if c["name"] == "qmethod_participant")
    assert cookie["httpOnly"] and "qmethod_participant" not in page.evaluate("document.cookie")
    page.reload()  # the same sort continues
    page.get_by_role("heading", name="Consent").wait_for()
    page.get_by_text("I have read the text above and want to take part").click()
    page.get_by_role("button", name="Continue").click()
    page.get_by_text("Thank you. Your consent is saved.").wait_for()
    assert "p=" not in page.url
    assert service.resume(fenced_app.db, cookie["value"]).consent_version is not None
    # an old link holding the token still opens the sort, and the token leaves the address
    page.goto(f"{fenced_app.url}/consent?study=ui-small&p={cookie['value']}")
    page.get_by_role("heading", name="Sorting").or_(page.get_by_text("Sort from disagree to agree")).first.wait_for()
    settle(page)
    assert "p=" not in page.url
    context.close()


def test_nul_in_the_study_or_invitation_link_gets_a_clear_message(fenced_app, browser):
    """Fails on the old code on PostgreSQL (raw errors); on SQLite a damaged invitation was stored
    with its NUL or reported as "study not open". Now: no study for a damaged ?study=, and a
    damaged ?invite= is refused with its own message, nothing stored."""
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{fenced_app.url}/?study=ui-small&lang=en&invite=abc%00def")
    page.get_by_role("button", name="Start").wait_for()  # the app has published its studies
    before = len(service.participant_progress(fenced_app.db, "ui-small"))
    page.get_by_role("button", name="Start").click()
    page.get_by_text("The invitation link is damaged").wait_for()
    assert len(service.participant_progress(fenced_app.db, "ui-small")) == before
    page.goto(f"{fenced_app.url}/?study=ui-sm%00all&lang=en")
    settle(page)
    body = page.inner_text("body")
    assert "Traceback" not in body and "encountered an error" not in body
    context.close()


def _prøv_kode(page, url: str, code: str) -> str:
    page.goto(url)
    page.get_by_label("Koden din").fill(code)
    page.get_by_role("button", name="Fortsett med kode").click()
    alert = page.get_by_test_id("stAlert")
    alert.first.wait_for()
    settle(page)
    return alert.first.inner_text()


def test_resume_code_limit_is_what_the_page_and_docs_say(chromium, browser):
    """The rule (docs/participant.md, docs/security.md): 5 wrong codes in code format per address
    and per browser within 15 minutes; something not shaped like a code (``12345``) is told apart
    and not counted. Fails on the old code: ``12345`` got the same "no sort found" message as a
    counted wrong code, so a participant could not know that four tries, not five, had counted."""
    tmp = Path(tempfile.mkdtemp(prefix="qmethod-sec-"))
    shutil.copytree(Path(__file__).parent / "studies" / "ui-small", tmp / "studies" / "ui-small")
    try:
        with running_app(tmp, QMETHOD_STUDIES_DIR=str(tmp / "studies")) as app:
            url = f"{app.url}/?study=ui-small&lang=nb"
            first = browser.new_context()
            page = first.new_page()
            page.set_default_timeout(30_000)
            wrong = [_prøv_kode(page, url, f"{'ABCD'[i]}2345-6789A") for i in range(4)]
            assert all(a.startswith("Vi fant ingen sortering") and "Etter 5 feil koder på 15 minutter" in a
                       for a in wrong), wrong
            odd = _prøv_kode(page, url, "12345")
            assert odd.startswith("«12345» er ikke en kode") and "telles ikke" in odd, odd
            assert _prøv_kode(page, url, "E2345-6789A").startswith("Vi fant ingen sortering")  # the 5th
            assert _prøv_kode(page, url, "F2345-6789A").startswith("Det er prøvd for mange feil koder")
            first.close()
            second = browser.new_context()  # another browser at the same address: the address counts
            page = second.new_page()
            page.set_default_timeout(30_000)
            assert _prøv_kode(page, url, "G2345-6789A").startswith("Det er prøvd for mange feil koder")
            second.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_a_picture_address_of_another_host_is_never_fetched(fenced_app, browser):
    """Fails on the old code: a picture address slipped into a page (as a Markdown picture in a study
    text did) made the participant's browser fetch it from the other host."""
    import http.server
    import threading

    hits: list[str] = []

    class Beacon(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args):
            pass

    beacon = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Beacon)
    threading.Thread(target=beacon.serve_forever, daemon=True).start()
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(f"{fenced_app.url}/?study=ui-small&lang=en")
        page.get_by_role("button", name="Start").wait_for()
        address = f"http://127.0.0.1:{beacon.server_address[1]}"
        page.evaluate("""a => { const i = document.createElement('img'); i.src = a + '/picture.png';
                                document.body.appendChild(i);
                                const s = document.createElement('audio'); s.src = a + '/sound.mp3';
                                s.preload = 'auto'; document.body.appendChild(s); }""", address)
        page.wait_for_timeout(1500)
        assert page.get_by_role("button", name="Start").is_visible()  # the page itself still works
    finally:
        context.close()
        beacon.shutdown()
    assert hits == []
