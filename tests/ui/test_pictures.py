"""A picture study sorted on a phone (360 x 740) in real Chromium: the pictures load from the app's
own host, carry their alt texts in the study language, and the sort is stored."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from qmethod import service
from qmethod.study import load_study

from tests.app_server import choose_in_list, running_app
from .conftest import ROOT, no_page_hscroll, settle, shot, token_of, wait_screen
from .flows import LIVE_GRID, LIVE_PRESORT, stored_layout

pytestmark = pytest.mark.browser

PICTURES = Path(__file__).parent / "studies" / "ui-pictures"
STUDY = load_study(PICTURES)

IMAGES_JS = """els => els.map(i => ({src: i.getAttribute('src'), alt: i.alt, loaded: i.complete && i.naturalWidth > 0,
                                   width: i.getBoundingClientRect().width}))"""


@pytest.fixture(scope="module")
def app(chromium: str):
    tmp = Path(tempfile.mkdtemp(prefix="qmethod-ui-pictures-"))
    studies = tmp / "studies"
    shutil.copytree(PICTURES, studies / "ui-pictures")
    with running_app(tmp, QMETHOD_STUDIES_DIR=str(studies), QMETHOD_DEV="1") as server:
        yield server
    shutil.rmtree(tmp, ignore_errors=True)


def _images(page, root: str) -> list[dict]:
    imgs = page.locator(f"{root} img.q-stmt-img")
    imgs.first.wait_for()
    for _ in range(100):  # until every picture has finished loading
        found = imgs.evaluate_all(IMAGES_JS)
        if all(i["loaded"] for i in found):
            break
        page.wait_for_timeout(100)
    return found


def test_picture_study_on_a_phone(app, phone):
    page = phone
    hosts: set[str] = set()
    page.on("request", lambda r: hosts.add(urlsplit(r.url).netloc) if r.url.startswith("http") else None)
    page.goto(f"{app.url}/?study=ui-pictures&lang=nb")
    page.get_by_role("button", name="Start", exact=True).tap()
    wait_screen(page, "consent", "nb")
    page.get_by_text("Jeg har lest teksten over").tap()
    page.get_by_role("button", name="Gå videre").tap()
    wait_screen(page, "instruction", "nb")
    page.get_by_role("button", name="Gå videre").tap()
    wait_screen(page, "presort", "nb")

    # presort: the first card is a picture with its bokmål alt text, and no text under it
    card = page.locator(LIVE_PRESORT).get_by_test_id("presort-card")
    card.wait_for()
    [first] = _images(page, LIVE_PRESORT)
    assert first["alt"] == "Et rødt rektangel" and first["loaded"], first
    assert first["src"] == f"/pictures/ui-pictures/{STUDY.statements[0].image.name}"
    assert card.inner_text().strip() == ""
    assert 0 < first["width"] <= 360
    shot(page, "pictures-phone-presort", full=False)
    for pile in ("presort-disagree", "presort-neutral", "presort-neutral", "presort-agree"):
        page.locator(LIVE_PRESORT).get_by_test_id(pile).tap()
        page.wait_for_timeout(450)  # a reading pace: a second tap on one pile within 0.4 s counts once
        if pile == "presort-disagree":
            # the picture with a text shows the text under the picture
            page.locator(LIVE_PRESORT).get_by_test_id("presort-card").get_by_text("Naturen hjelper meg").wait_for()
            [second] = _images(page, LIVE_PRESORT)
            assert second["alt"] == "Et grønt rektangel" and second["loaded"]
    settle(page)
    page.get_by_role("button", name="Gå videre").tap()
    wait_screen(page, "grid", "nb")

    # the list view (a phone opens it): three pictures, all loaded, alt texts in bokmål
    assert page.get_by_test_id("qsort-view-list").get_attribute("aria-pressed") == "true"
    images = _images(page, LIVE_GRID)
    assert sorted(i["alt"] for i in images) == ["Et blått rektangel", "Et grønt rektangel", "Et rødt rektangel"]
    assert all(i["loaded"] and i["width"] <= 360 for i in images), images
    assert page.get_by_test_id("select-P1").evaluate("s => s.labels[0].querySelector('img').alt") == "Et rødt rektangel"
    shot(page, "pictures-phone-list", full=False)
    assert no_page_hscroll(page)
    plan = {"P1": -1, "P2": 0, "P3": 0}
    for sid, score in plan.items():
        choose_in_list(page, sid, score)
    # the last one by touch in the grid view, where the cards show the pictures too
    page.get_by_test_id("qsort-view-grid").tap()
    settle(page)
    assert len(_images(page, LIVE_GRID)) == 3
    page.get_by_test_id("card-P4").tap()
    page.get_by_test_id("col-1").locator(".qg-colhead").tap()
    page.get_by_test_id("col-1").get_by_test_id("card-P4").wait_for()
    settle(page)
    assert all(i["loaded"] for i in _images(page, LIVE_GRID))
    assert page.get_by_test_id("col--1").locator("img").get_attribute("alt") == "Et rødt rektangel"
    shot(page, "pictures-phone-grid", full=False)
    assert no_page_hscroll(page)
    assert stored_layout(service.resume(app.db, token_of(page))) == {**plan, "P4": 1}

    # the comments page shows the picture placed at -1, with its alt text, and no text under it
    page.get_by_role("button", name="Gå videre").tap()
    wait_screen(page, "comments", "nb")
    img = page.locator("img.statement-img")
    img.wait_for()
    page.wait_for_function("() => { const i = document.querySelector('img.statement-img'); "
                           "return i && i.complete && i.naturalWidth > 0; }")
    assert img.count() == 1 and img.get_attribute("alt") == "Et rødt rektangel"
    assert page.locator("p.statement", has_text="Et utsagn uten bilde").is_visible()  # the text statement at +1
    shot(page, "pictures-phone-comments", full=False)

    # nothing came from another host
    assert hosts == {urlsplit(app.url).netloc}, hosts
