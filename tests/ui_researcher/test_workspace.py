"""The researcher workspace in Debian's chromium: login gate, design and publish a study, responses,
analysis (flag by hand, rotation by hand), the Excel download opened with openpyxl.

Participants: each of the three completes the new study through the real participant pages in its
own browser context (phone-sized, list view, bokmål): consent, presort, grid, submit; the stored
sort is checked against what was chosen.
"""
from __future__ import annotations

import io
import re

import openpyxl
import pytest

from qmethod import service as sv

from tests.app_server import choose_in_list
from .conftest import ADMIN_PASSWORD, login, no_exception, settle, shot

pytestmark = pytest.mark.browser

STATEMENTS = [
    "Users take part in planning the services",
    "Staff listen to what I say",
    "Research should be done with, not on, people",
    "Lived experience counts as knowledge",
    "Meetings are held at times that suit us",
    "We are paid for our time in research",
    "Decisions are explained to us",
    "<b>Tags</b> & signs stay text",
    "I can say no without losing help",
]
ORDERS = [  # statement positions, filling the grid from the left
    [0, 1, 2, 3, 4, 5, 6, 7, 8],
    [1, 0, 2, 4, 3, 5, 6, 8, 7],
    [8, 7, 6, 5, 4, 3, 2, 1, 0],
]


def _sidebar(page, name: str) -> None:
    page.locator('[data-testid="stSidebar"]').get_by_role("link", name=name, exact=True).click()
    page.get_by_role("heading", name=re.compile(rf"^{name}")).first.wait_for()
    settle(page)


def _tab(page, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()
    settle(page)


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the select box ``label``. (Right after the flag table is mounted, the grid
    component takes the first click outside it, so the box may need a second click to open.)"""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    opt = page.get_by_role("option", name=option, exact=True)
    for _ in range(3):
        page.get_by_role("combobox", name=label, exact=True).click()
        try:
            opt.wait_for(timeout=3000)
            break
        except PlaywrightTimeout:
            continue
    opt.click()


def _login(page, app) -> None:
    login(page, app.url)


def _complete_in_browser(browser, link: str, study_id: str, order: list[int], db) -> str:
    """One participant through the real pages, on a phone-sized screen (list view), in bokmål."""
    study = sv.get_study(db, study_id)
    ids = list(study.statement_ids)
    scores = [col.score for col in study.grid.columns for _ in range(col.count)]
    target = {ids[k]: score for k, score in zip(order, scores)}
    context = browser.new_context(viewport={"width": 390, "height": 800}, has_touch=True)
    p = context.new_page()
    p.set_default_timeout(30_000)
    p.goto(link)
    p.get_by_role("heading", name="Pilot: brukermedvirkning").wait_for()
    nxt = p.get_by_role("button", name="Gå videre").locator("visible=true")
    p.get_by_role("button", name="Start", exact=True).click()
    p.wait_for_url("**/consent?**")
    p.get_by_text("Jeg har lest teksten over").click()
    nxt.click()
    p.wait_for_url("**/instruction?**")
    settle(p)
    assert "p=" not in p.url  # the token is kept in an HttpOnly cookie, not in the address
    token = next(c["value"] for c in p.context.cookies() if c["name"] == "qmethod_participant")
    nxt.click()
    p.wait_for_url("**/presort?**")
    settle(p)
    for n in range(1, len(ids) + 1):
        p.wait_for_timeout(450)  # a reading pace: a second tap within 0.4 s is a double tap
        p.get_by_test_id("presort-neutral").click()
        p.get_by_test_id("count-neutral").filter(has_text=re.compile(rf"\b{n}$")).wait_for()
    settle(p)
    nxt.click()
    p.wait_for_url("**/grid?**")
    settle(p)
    for sid, score in target.items():
        choose_in_list(p, sid, score)
    p.get_by_test_id("qsort-counter").filter(has_text=f"{len(ids)} av {len(ids)}").wait_for()
    settle(p)
    nxt.click()
    p.wait_for_url(re.compile(r"/(comments|survey)\?"))
    settle(p)
    p.get_by_role("button", name=re.compile("^(Send inn|Gå videre)$")).locator("visible=true").first.wait_for()
    submit = p.get_by_role("button", name="Send inn")
    if "/comments?" in p.url and submit.count() == 0:  # a survey follows the comments
        nxt.click()
        p.wait_for_url("**/survey?**")
        settle(p)
    submit.click()
    p.wait_for_url("**/thanks?**")
    context.close()
    state = sv.resume(db, token)
    assert state.completed
    assert {sid: state.score_of(sid) for sid in ids} == target
    return state.participant


def test_researcher_pages_need_login(app, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    for path in ("researcher", "design?study=x", "responses", "analysis"):
        page.goto(f"{app.url}/{path}")
        page.get_by_role("heading", name="Researcher login").wait_for()
        settle(page)
        assert page.get_by_role("heading", name="Analysis").count() == 0
    page.get_by_label("User name").fill("admin")
    page.get_by_label("Password", exact=True).fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("Wrong user name or password").wait_for()
    shot(page, "login")

    # A login survives a reload and holds in a second tab; logging out ends it everywhere.
    page.get_by_label("Password", exact=True).fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Analysis").first.wait_for()  # the page that asked for the login
    settle(page)
    for _ in range(50):  # the server sets the cookie in answer to the page's request
        if any(c["name"] == "qmethod_researcher" for c in context.cookies()):
            break
        page.wait_for_timeout(100)
    # HttpOnly, set by the server: no script on the page can read the token (fails on the old code)
    assert any(c["name"] == "qmethod_researcher" and c["sameSite"] == "Strict" and c["httpOnly"]
               for c in context.cookies())
    assert "qmethod_researcher" not in page.evaluate("document.cookie")
    page.reload()
    page.get_by_role("heading", name="Analysis").first.wait_for()
    second = context.new_page()
    second.goto(f"{app.url}/researcher")
    second.get_by_role("heading", name="Studies").wait_for()
    settle(second)
    page.get_by_role("button", name="Log out").click()
    page.get_by_role("heading", name="Researcher login").wait_for()
    settle(page)
    assert not any(c["name"] == "qmethod_researcher" for c in context.cookies())
    page.reload()
    page.get_by_role("heading", name="Researcher login").wait_for()
    second.reload()
    second.get_by_role("heading", name="Researcher login").wait_for()

    # A session that timed out on the server is not revived by the cookie.
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import update

    from qmethod.store.models import ResearcherSessionRow

    page.get_by_label("User name").fill("admin")
    page.get_by_label("Password", exact=True).fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Analysis").first.wait_for()
    settle(page)
    long_ago = datetime.now(timezone.utc) - timedelta(hours=1)
    app.db.write(lambda ses: ses.execute(update(ResearcherSessionRow).values(last_seen_at=long_ago)))
    page.reload()
    page.get_by_text("Your session has ended").wait_for()
    page.get_by_role("heading", name="Researcher login").wait_for()
    settle(page)
    assert not any(c["name"] == "qmethod_researcher" for c in context.cookies())
    context.close()


def test_design_collect_analyse_export(app, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    js_errors: list[str] = []
    page.on("pageerror", lambda e: js_errors.append(str(e)))
    page.set_default_timeout(30_000)
    _login(page, app)

    # ---- create and design a small study (Norwegian only)
    page.get_by_label("Study id (in the participant link)").fill("pilot")
    page.get_by_label("Title").fill("Pilot: brukermedvirkning")
    page.locator('[data-testid="stMultiSelect"]').get_by_role("button", name="Remove English (en)").first.click()
    page.get_by_role("button", name="Create study").click()
    page.get_by_role("heading", name=re.compile("^Design")).wait_for()
    settle(page)
    page.get_by_label(re.compile("^Statements, one per line")).fill("\n".join(f"{i + 1}. {t}" for i, t in enumerate(STATEMENTS)))
    page.get_by_role("button", name="Use these statements").click()
    page.get_by_text("9 statements.").first.wait_for()
    settle(page)
    no_exception(page)
    _tab(page, "Grid")
    page.get_by_label("Columns from −k to +k, k =").fill("2")
    page.get_by_label("Columns from −k to +k, k =").press("Enter")
    settle(page)
    page.get_by_role("button", name="Suggest a grid").click()
    page.get_by_text("The grid has 9 cells for 9 statements.").wait_for()
    settle(page)
    shot(page, "design-grid")
    _tab(page, "Preview")
    page.get_by_text("What participants see").wait_for()
    assert page.get_by_text("<b>Tags</b> & signs stay text").count() >= 1  # shown as text, not HTML
    _tab(page, "Publish & link")
    page.get_by_text("The design is complete and can be published.").wait_for()
    page.get_by_role("button", name="Publish").click()
    page.get_by_text("Participant link").wait_for()
    settle(page)
    no_exception(page)
    shot(page, "design-publish")
    link = page.locator("code", has_text="study=pilot").first.inner_text().strip()
    assert link.endswith("/?study=pilot")

    # ---- three participants, each in their own browser context
    codes = []
    for order in ORDERS:
        codes.append(_complete_in_browser(browser, link, "pilot", order, app.db))
    assert len(set(codes)) == 3

    # ---- responses
    _sidebar(page, "Responses")
    page.get_by_text("Completed").first.wait_for()
    settle(page)
    no_exception(page)
    assert sv.study_info(app.db, "pilot").completed == 3
    shot(page, "responses")

    # ---- analysis
    _sidebar(page, "Analysis")
    page.get_by_text("3 Q-sorts · 9 statements").wait_for()
    settle(page)
    no_exception(page)
    page.get_by_label("Number of factors").fill("2")
    page.get_by_role("button", name="Apply").click()
    settle(page)
    # (for a moment while the page is redrawn the old and the new input are both in the page)
    page.get_by_label("Number of factors").and_(page.locator('[value="2"]')).first.wait_for()
    settle(page)
    no_exception(page)
    shot(page, "analysis-factors")

    # rotate by hand: +5 twice, apply, log shows the step
    _tab(page, "Rotation")
    page.get_by_role("button", name="+5°").click()
    settle(page)
    page.get_by_role("button", name="+5°").click()
    settle(page)
    page.get_by_text("turning +10°").first.wait_for()
    page.get_by_role("button", name="Apply rotation").click()
    settle(page)
    page.get_by_text("F1 and F2 rotated 10 degrees clockwise").wait_for()
    no_exception(page)
    shot(page, "analysis-rotation")

    # toggle a flag by hand
    _tab(page, "Flags")
    page.get_by_text("Flags are automatic.").wait_for()
    choose(page, "Flag on", "(none)")
    page.get_by_role("button", name="Set flag").click()
    page.get_by_text("Flags are set by hand.").wait_for()
    settle(page)
    no_exception(page)
    shot(page, "analysis-flags")

    _tab(page, "Results")
    settle(page)
    no_exception(page)
    shot(page, "analysis-results")

    # the Excel workbook
    _tab(page, "Downloads")
    with page.expect_download() as dl:
        page.get_by_role("button", name="Excel workbook").click()
    data = open(dl.value.path(), "rb").read()
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert len(wb.sheetnames) > 5
    text = " ".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None)
    assert "Staff listen to what I say" in text
    assert not js_errors, js_errors
    context.close()
