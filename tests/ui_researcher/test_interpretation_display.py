"""What the Interpretation, Viewpoints and Guide pages show, in Debian's chromium: the HTML report as
downloaded, the page's language, the composite Q-sort (text alternative, readable size on a desktop
and a phone), the crib sheet and History tables with their texts in full, and the printed viewpoint
cards (one page per card, with the study's title and the date).

Data: the demo study with 8 seeded completed sorts and a saved three-factor analysis.
"""
from __future__ import annotations

import datetime
import re
import subprocess
from pathlib import Path

import pytest

from qmethod import service as sv
from qmethod.service import accounts
from qmethod.service import analysis as an
from qmethod.service import interpretation as it
from qmethod.service.demo import seed_demo

from .conftest import ADMIN_PASSWORD, ROOT, SCREENSHOTS, login, no_exception, settle

pytestmark = pytest.mark.browser

STUDY = "brukermedvirkning"
#: a narrative longer than any table cell is wide, its last words far beyond the right edge
NARRATIVE = ("Dette synet handler om å bli tatt på alvor. " * 14 + "Siste ord: SLUTTEN AV FORTELLINGEN.").strip()


@pytest.fixture(scope="module")
def data(app):
    db = app.db
    sv.publish_study_file(db, ROOT / "studies" / STUDY)
    seed_demo(db, n=8, seed=5)
    accounts.ensure_admin_from_env(db, {"QMETHOD_ADMIN_PASSWORD": ADMIN_PASSWORD})
    admin = next(a for a in accounts.list_accounts(db) if a.username == "admin")
    md = an.study_data(db, STUDY)
    ws = an.save_workspace(db, admin.id, md.source, "Demo: three viewpoints", an.Plan(n_factors=3))
    it.write_text(db, admin, ws.id, "F1", "narrative", NARRATIVE)
    return admin, ws.id


def _page(browser, width: int = 1280, height: int = 1000):
    ctx = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    return ctx, page


def _open_interpretation(page, url: str) -> None:
    login(page, url, f"interpret?study={STUDY}", "Interpretation")
    page.locator("blockquote").first.wait_for()
    settle(page)
    no_exception(page)


def _language(page) -> tuple[str, str]:
    """``<html lang>`` and the text of Streamlit's skip link."""
    return page.evaluate("""() => [document.documentElement.lang,
        (document.querySelector('[data-testid="stSkipToContent"]') || {}).textContent || '']""")


def _wait_language(page, lang: str, skip: str) -> None:
    try:
        page.wait_for_function("""([lang, skip]) => document.documentElement.lang === lang && (document.querySelector(
            '[data-testid="stSkipToContent"]') || {}).textContent === skip""", arg=[lang, skip], timeout=10_000)
    except Exception:
        pass
    assert tuple(_language(page)) == (lang, skip)


def test_the_downloaded_html_report_is_the_report_itself(app, browser, data, tmp_path):
    """The HTML file as the browser downloads it is exactly the report: its own title and
    ``lang``, no "Laster …" overlay and nothing else of the app's page."""
    admin, ws = data
    ctx, page = _page(browser)
    _open_interpretation(page, app.url)
    with page.expect_download(timeout=120_000) as dl:
        page.get_by_role("button", name="Report (HTML, for the web)").click()
    got = Path(dl.value.path()).read_bytes()
    expected, name, _ = it.report(app.db, admin, ws, "html")
    assert dl.value.suggested_filename.endswith("-report.html")
    assert b"qm-loading" not in got and b"Sortering av utsagn" not in got and b"qm-modules" not in got
    assert got == expected
    # opened in the browser: the report's title and language, no status overlay
    path = tmp_path / "report.html"
    path.write_bytes(got)
    page.goto(path.as_uri())
    assert page.title() == "Brukermedvirkning: hvordan ser du på det?"
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.locator("#qm-loading, [role=status]").count() == 0
    ctx.close()


def test_the_page_language_follows_the_page_shown(app, browser, data):
    """English researcher pages are ``lang="en"`` with an English skip link; Viewpoints and Guide
    follow their language choice (bokmål first), and switch both when English is chosen."""
    ctx, page = _page(browser)
    _open_interpretation(page, app.url)
    _wait_language(page, "en", "Skip to the content")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "researcher-interpretation-top.png"))
    for link, heading_nb, heading_en in (("Viewpoints", "Synspunkter", "Viewpoints"),
                                         ("Guide", "Veiledning: å tolke synspunkter sammen",
                                          "Guide: interpreting viewpoints together")):
        page.locator('[data-testid="stSidebar"]').get_by_role("link", name=link).click()
        page.get_by_role("heading", name=heading_nb).wait_for()
        settle(page)
        _wait_language(page, "nb", "Hopp til innholdet")
        page.get_by_text("English").first.click()
        page.get_by_role("heading", name=heading_en).first.wait_for()
        settle(page)
        _wait_language(page, "en", "Skip to the content")
        page.get_by_text("Norsk (bokmål)").first.click()
        page.get_by_role("heading", name=heading_nb).wait_for()
        settle(page)
        _wait_language(page, "nb", "Hopp til innholdet")
    page.locator('[data-testid="stSidebar"]').get_by_role("link", name="Interpretation").click()
    page.get_by_role("heading", name="Interpretation").wait_for()
    settle(page)
    _wait_language(page, "en", "Skip to the content")
    ctx.close()


COMPOSITE_WIDTH = 1244  # the SVG's own width (nine columns): its statement texts at the size drawn


@pytest.mark.parametrize("width", [1280, 360])
def test_the_composite_has_a_text_alternative_and_a_readable_size(app, browser, data, width):
    """The composite Q-sort is an image named for its factor that says its statements are listed
    below; it spans the page's content on a desktop and is never drawn smaller than its own size
    (on a phone it scrolls sideways in a region the keyboard can reach)."""
    ctx, page = _page(browser, width, 900 if width > 400 else 780)
    _open_interpretation(page, app.url)
    main = page.locator('[data-testid="stMain"]')
    snapshot = main.aria_snapshot()
    found = re.search(r'img "(Composite Q-sort of F1[^"]*)"', snapshot)
    assert found and "listed as text below" in found.group(1), snapshot[:2000]
    image = main.get_by_role("img", name=re.compile("^Composite Q-sort of F1"))
    box = image.bounding_box()
    content = page.locator('[data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"]').first.bounding_box()
    region = main.get_by_role("region", name="Composite Q-sort of F1")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    region.screenshot(path=str(SCREENSHOTS / f"researcher-composite-{width}.png"))
    page.screenshot(path=str(SCREENSHOTS / f"researcher-composite-page-{width}.png"))
    assert box["width"] >= COMPOSITE_WIDTH - 1  # text at the size drawn, not scaled down
    view = region.bounding_box()
    assert view["width"] >= content["width"] - 1  # the whole width of the content
    if width < 400:
        assert view["width"] <= width
        scroll = region.evaluate("el => [el.scrollWidth, el.clientWidth, el.tabIndex]")
        assert scroll[0] > scroll[1] and scroll[2] == 0  # scrolls sideways; reachable by keyboard
    ctx.close()


@pytest.mark.parametrize("width", [1280, 360])
def test_crib_sheet_and_history_show_every_text_in_full(app, browser, data, width):
    """The History and crib-sheet tables show long texts whole, wrapped in their cells, none cut
    off at the right edge, on a desktop and on a phone."""
    admin, ws = data
    ctx, page = _page(browser, width, 900 if width > 400 else 780)
    _open_interpretation(page, app.url)
    page.get_by_text(re.compile(r"^History \(\d+ versions?\)")).click()
    cell = page.get_by_role("cell", name=re.compile("SLUTTEN AV FORTELLINGEN"))
    cell.wait_for()
    assert cell.inner_text().strip() == NARRATIVE
    assert cell.evaluate("el => el.scrollWidth <= el.clientWidth + 1")  # nothing hidden beyond the edge
    assert cell.bounding_box()["height"] > 40  # wrapped over several lines
    page.get_by_role("tab", name="Crib sheet").click()
    settle(page)
    view = it.interpretation(app.db, admin, ws)
    statements = list(view.factor_views["F1"].crib["statement"])
    longest = max(statements, key=len)
    table = page.get_by_role("region", name="Crib sheet of F1")
    table.scroll_into_view_if_needed()
    crib = page.get_by_role("cell", name=longest, exact=True)
    assert crib.count() == 1 and crib.inner_text().strip() == longest
    assert crib.evaluate("el => el.scrollWidth <= el.clientWidth + 1")
    shown = table.inner_text()
    assert all(s in shown for s in statements)
    table.screenshot(path=str(SCREENSHOTS / f"researcher-crib-{width}.png"))
    ctx.close()


def _pdf_pages(path: Path) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    pages = out.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


@pytest.mark.parametrize("language", ["nb", "en"])
def test_printed_cards_one_page_each_with_title_and_date(app, browser, data, tmp_path, language):
    """Printing the viewpoint cards gives one page per card (no blank page after the last), each
    with its card's heading, and the study's title and the date at its foot."""
    import shutil

    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    admin, ws = data
    ctx, page = _page(browser)
    login(page, app.url, f"viewpoints?study={STUDY}", "Synspunkter")
    page.locator("article.qcard").first.wait_for()
    if language == "en":
        page.get_by_text("English").first.click()
        page.get_by_role("heading", name="Viewpoints").wait_for()
    settle(page)
    no_exception(page)
    view = it.interpretation(app.db, admin, ws, language=language)
    assert page.locator("article.qcard").count() == len(view.factors) == 3
    page.emulate_media(media="print")
    pdf = tmp_path / f"cards-{language}.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    pages = _pdf_pages(pdf)
    assert len(pages) == len(view.factors), [p[:200] for p in pages]
    today = datetime.date.today()
    date = f"{today.day}.{today:%m.%Y}" if language == "nb" else f"{today.day} {today:%B %Y}"
    unnamed = "Synspunkt {f} (uten navn ennå)" if language == "nb" else "Viewpoint {f} (not named yet)"
    for f, text in zip(view.factors, pages):
        flat = " ".join(text.split())
        assert unnamed.format(f=f) in flat, flat[:300]
        assert view.title in flat and date in flat, flat[-300:]
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(pdf),
                    str(SCREENSHOTS / f"researcher-cards-print-{language}")], check=False)
    ctx.close()


def test_card_details_show_every_statement_in_full(app, browser, data):
    """A viewpoint card's "Details" table shows each statement whole, wrapped in its cell, on a phone."""
    admin, ws = data
    ctx, page = _page(browser, 360, 780)
    login(page, app.url, f"viewpoints?study={STUDY}", "Synspunkter")
    page.locator("article.qcard").first.wait_for()
    settle(page)
    page.get_by_text("Detaljer (tall for den som vil se dem)").first.click()
    table = page.get_by_role("region", name="Detaljer (tall for den som vil se dem): F1")
    table.wait_for()
    card = it.viewpoint_card(it.interpretation(app.db, admin, ws, language="nb"), "F1", "nb")
    for statement in card.details["statement"]:
        cell = table.get_by_role("cell", name=statement, exact=True)
        assert cell.inner_text().strip() == statement
        assert cell.evaluate("el => el.scrollWidth <= el.clientWidth + 1")
    ctx.close()


def test_history_lists_versions_in_the_order_they_became_the_teams_text(app, browser, data):
    """Fails on the old code: History listed versions by when they were written, so a proposal written
    first and accepted last stood above the version it replaced, and nothing said which was current."""
    admin, ws = data
    t0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.timezone.utc)
    it.invite(app.db, admin, STUDY, "liv", password="Liv-passord-2026", now=t0)
    liv = next(a for a in accounts.list_accounts(app.db) if a.username == "liv")
    proposal = it.write_text(app.db, liv, ws, "F3", "summary", "Livs forslag, skrevet først", now=t0)
    it.write_text(app.db, admin, ws, "F3", "summary", "Forskerens tekst, skrevet etter", now=t0 + datetime.timedelta(hours=1))
    it.accept(app.db, admin, proposal.id, now=t0 + datetime.timedelta(hours=2))
    ctx, page = _page(browser)
    _open_interpretation(page, app.url)
    page.get_by_role("radiogroup", name="Factor").get_by_role("radio", name="F3", exact=True).click()
    page.get_by_role("heading", name=re.compile(r"^F3\b")).first.wait_for()
    settle(page)
    page.get_by_text(re.compile(r"^History \(\d+ versions?\)")).click()
    table = page.get_by_role("region", name="History of F3")
    table.wait_for()
    rows = [r.inner_text() for r in table.get_by_role("row").all()]
    summaries = [r for r in rows if "skrevet" in r]
    assert len(summaries) == 2, rows
    assert "Forskerens tekst" in summaries[0] and "Livs forslag" in summaries[1], summaries
    assert "current" in summaries[1] and "earlier" in summaries[0] and "accepted" not in summaries[0]
    assert "2026-03-02 11:00 by admin" in summaries[1]  # when and by whom it was accepted
    ctx.close()


def _english_cards(app, browser):
    ctx, page = _page(browser)
    login(page, app.url, f"viewpoints?study={STUDY}", "Synspunkter")
    page.locator("article.qcard").first.wait_for()
    page.get_by_text("English").first.click()
    page.get_by_role("heading", name="Viewpoints").wait_for()
    page.locator("article.qcard[lang=en]").first.wait_for()
    settle(page)
    no_exception(page)
    return ctx, page


def test_english_cards_mark_the_norwegian_quotes_as_norwegian(app, browser, data):
    """On an English viewpoint card the participants' words (written in the study's language, bokmål)
    are marked lang="nb" for screen readers; the English statements stay English."""
    ctx, page = _english_cards(app, browser)
    langs = page.evaluate("""() => [...document.querySelectorAll('article.qcard')].map(a => [
        [...a.querySelectorAll('blockquote')].map(q => q.closest('[lang]').lang),
        [...a.querySelectorAll('li')].map(li => li.closest('[lang]').lang)])""")
    assert len(langs) == 3
    assert sum(len(quotes) for quotes, _ in langs) > 0
    for quotes, items in langs:
        assert set(quotes) <= {"nb"}, quotes
        assert items and set(items) == {"en"}, items
    ctx.close()


def test_each_card_is_named_by_its_heading_and_no_id_repeats(app, browser, data):
    """Each card (``<article aria-labelledby>``) is named by its own heading (the element the label
    points to exists, in the card); the headings repeated on every card have ids of their own."""
    ctx, page = _english_cards(app, browser)
    cards = page.evaluate("""() => [...document.querySelectorAll('article.qcard')].map(a => {
        const h = document.getElementById(a.getAttribute('aria-labelledby'));
        return [h && a.contains(h) ? h.tagName + ' ' + h.textContent : null,
                [...a.querySelectorAll('[id]')].map(x => x.id)]})""")
    assert len(cards) == 3
    for heading, _ in cards:
        assert heading is not None and heading.startswith("H2 "), heading
    ids = [i for _, card_ids in cards for i in card_ids]
    assert ids and len(ids) == len(set(ids)), sorted(ids)
    ctx.close()


def test_interpretation_page_writes_a_negative_place_with_the_minus_sign(app, browser, data):
    """The participants' words on the Interpretation page say "placed at −4" (minus sign), as the reports."""
    ctx, page = _page(browser)
    _open_interpretation(page, app.url)
    places = [re.search(r"placed at (\S+)", t).group(1)
              for t in page.locator("blockquote small").all_inner_texts() if "placed at" in t]
    assert any(p.startswith("−") for p in places), places
    assert not any(p.startswith("-") for p in places), places
    ctx.close()
