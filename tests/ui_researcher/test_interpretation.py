"""Co-interpretation in Debian's chromium: a researcher invites a co-researcher; the co-researcher logs
in, reads the viewpoint cards and the comments of the defining sorts, writes a note and proposes a
summary, and cannot reach participant data, design pages or another study, neither by URL nor by the
app's navigation. The researcher accepts the proposal and downloads the report (opened with
python-docx).

Data: the demo study with 8 seeded completed sorts (Norwegian comments), and a second study with three
completed sorts and a saved analysis the co-researcher is not invited to.
"""
from __future__ import annotations

import io
import re

import pytest
from docx import Document

from qmethod import service as sv
from qmethod.service import accounts
from qmethod.service import analysis as an
from qmethod.service import interpretation as it
from qmethod.service.demo import seed_demo

from .conftest import ADMIN_PASSWORD, ROOT, SCREENSHOTS, no_exception, settle, shot

pytestmark = pytest.mark.browser

CO_PASSWORD = "medforsker-2026"
STUDY = "brukermedvirkning"


@pytest.fixture(scope="module")
def data(app):
    from tests.service.service_helpers import complete

    db = app.db
    sv.publish_study_file(db, ROOT / "studies" / STUDY)
    seed_demo(db, n=8, seed=5)
    mini = sv.publish_study_file(db, ROOT / "tests" / "data" / "studies" / "mini")
    from qmethod.study import load_study

    ms = load_study(ROOT / "tests" / "data" / "studies" / "mini")
    for order in (None, list(reversed(ms.statement_ids)), None):
        complete(db, ms, order=order)
    accounts.ensure_admin_from_env(db, {"QMETHOD_ADMIN_PASSWORD": ADMIN_PASSWORD})
    admin = next(a for a in accounts.list_accounts(db) if a.username == "admin")
    md = an.study_data(db, mini.id)
    an.save_workspace(db, admin.id, md.source, "Mini: the other study", an.Plan(n_factors=2))
    return admin


def _login(page, url: str, name: str, password: str, heading: str) -> None:
    page.goto(url)
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name=heading).first.wait_for()
    settle(page)


def _analysis_options(page) -> list[str]:
    """The analyses offered in the page's first select box (opened, read, closed)."""
    page.get_by_test_id("stSelectbox").first.click()
    page.get_by_role("option").first.wait_for()
    names = [t.split(" · ")[0] for t in page.get_by_role("option").all_inner_texts()]
    page.keyboard.press("Escape")
    settle(page)
    return names


def _sidebar_links(page) -> list[str]:
    page.locator('[data-testid="stSidebar"] a').first.wait_for()
    return [t.strip().splitlines()[-1] for t in page.locator('[data-testid="stSidebar"] a').all_inner_texts()]


def test_co_researcher_interprets_and_sees_only_what_is_shared(app, browser, data):
    admin = data
    db = app.db
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # the researcher opens the analysis (its choices are saved), then invites a co-researcher
    _login(page, f"{app.url}/analysis?study={STUDY}", "admin", ADMIN_PASSWORD, "Analysis")
    page.get_by_role("tab", name="Factors").wait_for()
    settle(page)
    page.locator('[data-testid="stSidebar"]').get_by_role("link", name="Interpretation").click()
    page.get_by_role("heading", name="Interpretation").wait_for()
    settle(page)
    no_exception(page)
    page.get_by_text("Team: co-researchers of this study").click()
    page.get_by_label("User name").fill("kari")
    page.get_by_label("First password (for a new account)").fill(CO_PASSWORD)
    page.get_by_role("button", name="Invite").click()
    page.get_by_text("kari · invited by admin").wait_for()
    settle(page)
    (member,) = it.members(db, admin, STUDY)
    assert (member.username, member.added_by, member.active) == ("kari", "admin", True)

    # the co-researcher, in a browser of their own
    kctx = browser.new_context(viewport={"width": 1280, "height": 1000})
    kp = kctx.new_page()
    kp.set_default_timeout(60_000)
    kp.on("pageerror", lambda e: errors.append(str(e)))
    _login(kp, f"{app.url}/interpret", "kari", CO_PASSWORD, "Interpretation")
    kp.locator("blockquote").first.wait_for()
    settle(kp)
    no_exception(kp)
    shot(kp, "interpretation")
    assert _sidebar_links(kp) == ["Interpretation", "Viewpoints", "Guide"]  # the app's own navigation
    kari = next(a for a in accounts.list_accounts(db) if a.username == "kari")
    view = it.interpretation(db, kari, it.analyses(db, kari)[0].id)
    fv = view.factor_views["F1"]
    assert fv.defining == () and fv.quotes
    body = kp.locator("main").inner_text()
    quoted = [q.text for s in fv.statements for q in s.quotes]
    missing = [t for t in quoted if f"“{t}”" not in body]
    assert quoted and not missing, (missing, body[-3000:])  # the comments of the defining sorts
    codes = sv.completed_sorts(db, STUDY).sorts.columns
    assert not any(re.search(rf"\b{c}\b", body) for c in codes)  # no participant code anywhere
    assert _analysis_options(kp) == [next(a for a in it.analyses(db, admin, STUDY)).name]
    # a note and a proposal, attributed
    kp.get_by_label("Add a note").fill("Kommentarene om møter sier mest om dette synet.")
    kp.get_by_role("button", name="Add note").click()
    kp.get_by_text("Kommentarene om møter sier mest om dette synet.").wait_for()
    settle(kp)
    kp.get_by_label("Short summary").fill("De har sett at medvirkning blir brukt som pynt.")
    kp.get_by_role("button", name="Propose").click()
    kp.get_by_text("Proposals").wait_for()
    settle(kp)
    team = it.factor_texts(db, admin, view.analysis.id)["F1"]
    assert [(n.author, n.text) for n in team.notes] == [("kari", "Kommentarene om møter sier mest om dette synet.")]
    assert [(p.author, p.field, p.status) for p in team.proposals] == [("kari", "summary", "proposed")]
    assert team.summary == ""
    # the viewpoint cards: plain language, no numbers outside the details
    kp.locator('[data-testid="stSidebar"]').get_by_role("link", name="Viewpoints").click()
    kp.get_by_role("heading", name="Synspunkter").wait_for()
    settle(kp)
    no_exception(kp)
    cards = kp.locator("article.qcard")
    assert cards.count() == len(view.factors) and cards.first.get_attribute("lang") == "nb"
    first = cards.first
    assert first.get_by_role("heading", name="Folk som deler dette synet, er mest enige i").count() == 1
    assert first.locator("li").count() >= 6
    card = it.viewpoint_card(view, "F1", "nb")
    text = first.inner_text()
    assert all(s in text for s in card.agree + card.disagree) and all(q.text in text for q in card.words)
    assert not re.search(r"\d\.\d", text)  # no z-scores on the card
    kp.get_by_text("Detaljer (tall for den som vil se dem)").first.click()
    settle(kp)
    kp.get_by_text("Kolonne: plassen i den samlede sorteringen").first.wait_for()
    kp.emulate_media(media="print")
    assert kp.locator('[data-testid="stSidebar"]').first.is_visible() is False
    kp.emulate_media(media="screen")
    kp.get_by_text("English").first.click()
    kp.get_by_role("heading", name="Viewpoints").wait_for()
    kp.get_by_role("heading", name="People who share this view agree most with").first.wait_for()
    settle(kp)
    kp.get_by_text("Norsk (bokmål)").first.click()
    kp.get_by_role("heading", name="Synspunkter").wait_for()
    settle(kp)
    kp.locator('[data-testid="stSidebar"]').get_by_role("link", name="Guide").click()
    kp.get_by_role("heading", name="Hva er en faktor (et synspunkt)?").wait_for()
    settle(kp)

    # what stays closed: participant data, design, analysis, studies, another study; by URL
    for path in ("responses?study=" + STUDY, "design?study=" + STUDY, "analysis?study=" + STUDY, "researcher"):
        kp.goto(f"{app.url}/{path}")
        kp.get_by_text("This page is for researchers only.").wait_for()
        settle(kp)
        main = kp.locator("main").inner_text()
        assert not any(re.search(rf"\b{c}\b", main) for c in codes), path
        assert "Download" not in main and "Publish" not in main
        assert _sidebar_links(kp)[-3:] == ["Interpretation", "Viewpoints", "Guide"]
    kp.goto(f"{app.url}/interpret?study=mini")
    kp.get_by_role("heading", name="Interpretation").wait_for()
    settle(kp)
    assert "Mini" not in kp.locator("main").inner_text()
    assert _analysis_options(kp) == [next(a for a in it.analyses(db, admin, STUDY)).name]

    # the researcher accepts the proposal and downloads the report with the team's texts
    page.reload()
    page.get_by_role("heading", name="Interpretation").wait_for()
    settle(page)
    page.get_by_role("button", name="Accept").click()
    settle(page)
    page.get_by_label("Name", exact=True).fill("Mer pynt enn medvirkning")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("heading", name="F1: Mer pynt enn medvirkning").wait_for()
    settle(page)
    page.get_by_text("Why these factors (for the methods paragraph of the report)").click()
    page.get_by_label("The team's reason for keeping these factors").fill("Both viewpoints were recognised by the team")
    page.get_by_role("button", name="Save the reason").click()
    settle(page)
    # Save with nothing changed says so (before, nothing at all happened)
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("Nothing to save: the name, summary and narrative are as already saved.").wait_for()
    settle(page)
    # one click on the report button downloads it (before, a first click only built it)
    with page.expect_download(timeout=120_000) as dl:
        page.get_by_role("button", name="Report (Word, .docx)").click()
    doc = Document(io.BytesIO(open(dl.value.path(), "rb").read()))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "F1: Mer pynt enn medvirkning" in text and "De har sett at medvirkning blir brukt som pynt." in text
    assert "Name by admin" in text and "summary by kari" in text  # each text credited to its writer
    assert "8 of 8 participants who started completed the sort" in text and len(doc.tables) >= 7
    assert "Both viewpoints were recognised by the team." in text

    # the named card as the co-researcher sees it (the README's picture)
    kp.goto(f"{app.url}/viewpoints")
    kp.get_by_role("heading", name="Mer pynt enn medvirkning").wait_for()
    settle(kp)
    assert kp.get_by_label("Analyse", exact=True).count() >= 1  # the chooser speaks the card's language
    assert "De har sett at medvirkning blir brukt som pynt." in kp.locator("article.qcard").first.inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    kp.locator("article.qcard").first.screenshot(path=str(SCREENSHOTS / "researcher-viewpoint-card.png"))

    # removed from the team, the co-researcher no longer sees the study
    page.get_by_text("Team: co-researchers of this study").click()
    page.get_by_role("button", name="Remove").click()
    settle(page)
    kp.goto(f"{app.url}/interpret")
    kp.get_by_text("No analysis has been shared with you yet").wait_for()
    assert not errors, errors
    kctx.close()
    ctx.close()


def test_a_bootstrap_run_on_the_analysis_page_is_stated_in_the_report(app, browser, data):
    """The bootstrap is kept with the saved analysis, so the Interpretation page's report states it
    (method, resamples, seed, reference, figures); before, it lived only in the browser session."""
    admin = data
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    _login(page, f"{app.url}/analysis?study={STUDY}", "admin", ADMIN_PASSWORD, "Analysis")
    page.get_by_role("tab", name="Bootstrap").click()
    settle(page)
    page.get_by_label("Resamples").fill("60")
    page.get_by_label("Seed (for a repeatable run)").fill("7")
    page.get_by_label("Seed (for a repeatable run)").press("Enter")
    settle(page)
    page.get_by_role("button", name="Run bootstrap").click()
    page.get_by_text("Kept with this analysis (its report states it): 60 resamples, seed 7").wait_for(timeout=120_000)
    settle(page)
    no_exception(page)
    kept = an.load_workspace(app.db, admin.id, f"study:{STUDY}").bootstrap
    assert (kept["n_resamples"], kept["seed"]) == (60, 7)
    page.locator('[data-testid="stSidebar"]').get_by_role("link", name="Interpretation").click()
    page.get_by_role("heading", name="Interpretation").wait_for()
    settle(page)
    page.get_by_text("The methods state the bootstrap kept with this analysis (60 resamples, seed 7).").wait_for()
    with page.expect_download(timeout=120_000) as dl:
        page.get_by_role("button", name="Report (Word, .docx)").click()
    doc = Document(io.BytesIO(open(dl.value.path(), "rb").read()))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "checked with 60 bootstrap resamples (seed 7)" in text
    assert "Zabala, A. & Pascual, U. (2016). Bootstrapping Q methodology" in text  # in the references
    assert "balanced bootstrap of the Q-sorts with replacement (Zabala & Pascual, 2016)" in text
    first = next(iter(kept["factors"]))
    assert f"Mean standard error of the z-scores: {first} {kept['factors'][first]['mean_se']:.2f}" in text
    ctx.close()


def test_a_note_added_during_a_held_lock_is_stored_once_when_it_is_released(app, browser, data):
    """Fails on the old code: Add note met the lock, the page said "what you just clicked was not done
    ... click it again", and the note was not stored without another click (and the form had emptied
    its field). (The other buttons of the page that write go through the same storage.click.)"""
    from tests.app_server import sqlite_write_lock

    admin, db = data, app.db
    source = an.study_data(db, STUDY).source
    if an.load_workspace(db, admin.id, source) is None:
        an.save_workspace(db, admin.id, source, "Brukermedvirkning", an.Plan(n_factors=2))
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    _login(page, f"{app.url}/interpret?study={STUDY}", "admin", ADMIN_PASSWORD, "Interpretation")
    aid = next(a for a in it.analyses(db, admin, STUDY)).id
    with sqlite_write_lock(app):
        page.get_by_label("Add a note").fill("Notat skrevet under låsen")
        page.get_by_role("button", name="Add note").click()
        page.get_by_text("cannot store anything just now").wait_for()
        assert "click it again" not in page.inner_text("body")
    # shown with the notes, nothing clicked
    page.get_by_test_id("stText").filter(has_text="Notat skrevet under låsen").wait_for(timeout=40_000)
    settle(page)
    no_exception(page)
    team = it.factor_texts(db, admin, aid)["F1"]
    assert [n.text for n in team.notes].count("Notat skrevet under låsen") == 1
    assert page.get_by_label("Add a note").input_value() == ""  # and the field is free for the next
    ctx.close()
