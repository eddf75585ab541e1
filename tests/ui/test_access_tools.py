"""Reading and seeing aids in Debian's chromium: read aloud (the browser's speech synthesis, recorded
since the test browser has no voice), larger text and high contrast, remembered for the whole sort."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from tests.app_server import running_app

from .conftest import ARTIFACTS, DESKTOP, PHONE, ROOT, WAIT_MS, axe_check, give_consent, press_continue, settle, start, wait_screen
from .flows import LIVE_GRID, LIVE_PRESORT

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app(chromium: str):
    """The demo study, the picture study ``ui-pictures`` and ``ui-recordings`` (statements with recordings)."""
    tmp = Path(tempfile.mkdtemp(prefix="qmethod-ui-access-"))
    studies = tmp / "studies"
    shutil.copytree(ROOT / "studies" / "brukermedvirkning", studies / "brukermedvirkning")
    for name in ("ui-pictures", "ui-recordings"):
        shutil.copytree(Path(__file__).parent / "studies" / name, studies / name)
    with running_app(tmp, QMETHOD_STUDIES_DIR=str(studies)) as server:
        yield server
    shutil.rmtree(tmp, ignore_errors=True)

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
    page.set_default_timeout(WAIT_MS)
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
    page.set_default_timeout(WAIT_MS)
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


def _picture_study_to_grid(page, app, *, tap: bool) -> None:
    """The picture study in bokmål with read aloud on, from the presort card of P1 (a picture
    without a text) into the grid; ``tap`` on a touch phone, else by click."""
    act = (lambda loc: loc.tap()) if tap else (lambda loc: loc.click())
    start(page, app, "ui-pictures", "nb")
    give_consent(page, "nb")
    act(page.get_by_test_id("access-speak").first)
    press_continue(page, "nb")
    wait_screen(page, "presort", "nb")
    card = page.locator(LIVE_PRESORT).get_by_test_id("presort-card")
    card.locator("img").wait_for()
    act(card)                                                           # a picture: its alt text is read
    assert _spoken(page)[-1] == {"text": "Et rødt rektangel", "lang": "nb-NO"}
    for pile in ("presort-disagree", "presort-neutral", "presort-neutral", "presort-agree"):
        page.wait_for_timeout(450)
        act(page.locator(LIVE_PRESORT).get_by_test_id(pile))
    settle(page)
    press_continue(page, "nb")
    wait_screen(page, "grid", "nb")


def test_read_aloud_reads_picture_cards_by_their_alt_text_and_the_statement_in_the_list_chooser(browser, app):
    """Phone: the presort's picture card, then the list view's place chooser (a picture, a picture
    with a text, a text) each read with one tap: the statement and the chosen place."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="nb-NO")
    context.add_init_script(FAKE_SPEECH)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    try:
        _picture_study_to_grid(page, app, tap=True)
        assert page.get_by_test_id("qsort-view-list").get_attribute("aria-pressed") == "true"
        said = {}
        for sid in ("P1", "P2", "P4"):
            page.locator(LIVE_GRID).get_by_test_id(f"select-{sid}").focus()                # one key or tap on the chooser
            said[sid] = _spoken(page)[-1]["text"]
        assert said == {"P1": "Et rødt rektangel. Ikke plassert",
                        "P2": "Et grønt rektangel Naturen hjelper meg. Ikke plassert",
                        "P4": "Et utsagn uten bilde. Ikke plassert"}
    finally:
        context.close()


def test_read_aloud_reads_a_picture_card_in_the_grid(browser, app):
    """Desktop: a picture statement's card in the grid is read by its alt text."""
    context = browser.new_context(viewport=DESKTOP, locale="nb-NO")
    context.add_init_script(FAKE_SPEECH)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    try:
        _picture_study_to_grid(page, app, tap=False)
        if page.get_by_test_id("qsort-view-grid").get_attribute("aria-pressed") != "true":
            page.get_by_test_id("qsort-view-grid").click()
        page.locator(LIVE_GRID).get_by_test_id("card-P3").click()
        assert _spoken(page)[-1]["text"].startswith("Et blått rektangel")
        page.locator(LIVE_GRID).get_by_test_id("card-P2").click()
        assert _spoken(page)[-1]["text"].startswith("Et grønt rektangel Naturen hjelper meg")
    finally:
        context.close()


TOGGLE_JS = """b => ({pressed: b.getAttribute('aria-pressed'), shown: b.innerText.trim(),
                     border: getComputedStyle(b).borderTopWidth})"""


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_each_switched_on_aid_shows_it_by_a_check_mark_and_border_not_colour_alone(browser, app, viewport):
    """Read aloud, larger text and high contrast: an aid that is on says so with a check mark before
    its name and a thicker border (also in high contrast), and its name stays the same for a screen
    reader (aria-pressed carries the state)."""
    phone = viewport == "phone"
    context = browser.new_context(viewport=PHONE if phone else DESKTOP, is_mobile=phone, has_touch=phone,
                                  locale="nb-NO")
    context.add_init_script(FAKE_SPEECH)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    names = {"large": "Større tekst", "contrast": "Sterkere kontrast", "speak": "Les opp"}
    try:
        start(page, app, "brukermedvirkning", "nb")
        state = lambda name: page.get_by_test_id(f"access-{name}").first.evaluate(TOGGLE_JS)  # noqa: E731
        for name, label in names.items():
            assert state(name) == {"pressed": "false", "shown": label, "border": "2px"}
        for name, label in names.items():
            page.get_by_role("button", name=label, exact=True).first.click()   # the name is unchanged
            assert state(name) == {"pressed": "true", "shown": f"✓{label}", "border": "3px"}
        bg = page.get_by_test_id("access-large").first.evaluate("b => getComputedStyle(b).backgroundColor")
        assert bg == "rgb(0, 0, 0)"                                           # high contrast: black, white text
        bar = page.get_by_test_id("access-tools").first
        bar.screenshot(path=str(ARTIFACTS / f"access-toggles-on-{viewport}.png"))
        page.get_by_role("button", name=names["contrast"], exact=True).first.click()  # off again
        assert state("contrast") == {"pressed": "false", "shown": names["contrast"], "border": "2px"}
        assert state("large")["shown"] == f"✓{names['large']}"
    finally:
        context.close()


# Playing a recording is recorded too (the test browser has no sound card).
FAKE_AUDIO = """
window.__played = [];
HTMLMediaElement.prototype.play = function () { window.__played.push(new URL(this.src).pathname); return Promise.resolve(); };
HTMLMediaElement.prototype.pause = function () {};
"""


def test_read_aloud_plays_a_statements_recording_instead_of_the_devices_voice(browser, app):
    """Phone: a statement the researcher gave a recording is read by that recording, from the app's
    own host (in the list view's chooser and on the grid's card, a picture too); a statement without
    one by the device's voice."""
    from qmethod.study import load_study

    study = load_study(Path(__file__).parent / "studies" / "ui-recordings")
    r1, r2 = (f"/recordings/ui-recordings/{s.audio.name}" for s in study.statements[:2])
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="nb-NO")
    context.add_init_script(FAKE_SPEECH + FAKE_AUDIO)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    played = lambda: page.evaluate("() => window.__played")  # noqa: E731
    try:
        start(page, app, "ui-recordings", "nb")
        give_consent(page, "nb")
        page.get_by_test_id("access-speak").first.tap()
        press_continue(page, "nb")
        wait_screen(page, "grid", "nb")
        spoken = len(_spoken(page))
        page.locator(LIVE_GRID).get_by_test_id("select-R1").focus()
        assert played() == [r1] and len(_spoken(page)) == spoken            # the recording, not the voice
        page.locator(LIVE_GRID).get_by_test_id("select-R3").focus()
        assert _spoken(page)[-1]["text"] == "Jeg får velge. Ikke plassert" and played() == [r1]
        page.get_by_test_id("qsort-view-grid").tap()
        settle(page)
        page.locator(LIVE_GRID).get_by_test_id("card-R2").tap()             # a picture with a recording
        assert played() == [r1, r2]
        # the recording comes from the app itself, as a sound
        got = page.evaluate("async u => { const r = await fetch(u); return [r.status, r.headers.get('content-type'), "
                            "(await r.arrayBuffer()).byteLength]; }", r2)
        assert got == [200, "audio/wav", (Path(__file__).parent / "studies" / "ui-recordings" / "audio" / "r2.wav")
                       .stat().st_size]
    finally:
        context.close()
