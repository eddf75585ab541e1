"""What the Interpretation, Viewpoints and Guide pages show, in Debian's chromium: the HTML report as
downloaded, the page's language, the composite Q-sort (text alternative, readable size on a desktop
and a phone), the crib sheet and History tables with their texts in full, and the printed viewpoint
cards (one page per card, with the study's title and the date).

Data: the demo study with 8 seeded completed sorts and a saved three-factor analysis.
"""
from __future__ import annotations

import datetime
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
