"""What the participant sees in a field is what is stored (bokmål, phone and desktop): a number out of
range says so (not "er ikke et tall") and blocks "Send inn" instead of submitting the earlier
answer; a comment pasted over the length limit keeps what fits and says what was cut; a comment on
a statement moved out of the extreme columns is shown and can be deleted, never sent in unseen."""
from __future__ import annotations

import re

import pytest

from qmethod import service
from qmethod.study.response import MAX_COMMENT

from .conftest import eventually, settle
from .shell_helpers import app_with_admin, open_screen, participant_on

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app(chromium):
    yield from app_with_admin("qmethod-answers-")


def _age(page):
    return page.get_by_label(re.compile("^Alder"))


def _enter(page, field, value: str) -> None:
    field.fill(value)
    field.press("Tab")  # leaving the field saves it
    page.wait_for_timeout(300)
    settle(page)


@pytest.mark.parametrize("kind", ["phone", "desktop"])
def test_number_out_of_range_is_named_and_blocks_submit(app, browser, kind):
    with participant_on(browser, app, kind, "survey") as (page, token):
        _enter(page, _age(page), "7")
        assert eventually(lambda: service.resume(app.db, token).answers.get("age") == 7)
        _enter(page, _age(page), "130")
        message = page.get_by_text("«130» går ikke. Skriv et tall fra 0 til 120.")
        message.first.wait_for()
        assert page.get_by_text("er ikke et tall").count() == 0
        assert eventually(lambda: service.resume(app.db, token).answers.get("age") is None)  # not the 7 any more
        page.get_by_role("button", name="Send inn").click()
        settle(page)
        page.get_by_text("Rett opp dette før du sender inn").wait_for()
        state = service.resume(app.db, token)
        assert not state.completed and state.stage == "survey"
        _enter(page, _age(page), "abc")
        page.get_by_text("«abc» er ikke et tall.").first.wait_for()
        _enter(page, _age(page), "45")
        page.get_by_role("button", name="Send inn").click()
        page.wait_for_url("**/thanks?**")
        state = service.resume(app.db, token)
        assert state.completed and state.answers["age"] == 45


@pytest.mark.parametrize("kind", ["phone", "desktop"])
def test_long_paste_keeps_what_fits_and_moved_comment_is_shown(app, browser, kind):
    with participant_on(browser, app, kind, "comments") as (page, token):
        extreme = service.resume(app.db, token).columns[-1][0]
        box = page.get_by_role("textbox").first
        box.click()
        long_text = ("Dette er viktig for meg. " * 500)[:MAX_COMMENT + 500]
        page.keyboard.insert_text(long_text)  # as a paste does
        box.press("Tab")
        settle(page)
        page.get_by_text("Teksten var for lang. Vi har lagret de første 10 000 tegnene. "
                         "De siste 500 tegnene er tatt bort.").wait_for()
        assert eventually(lambda: service.resume(app.db, token).comments.get(extreme) == long_text[:MAX_COMMENT])
        stored = long_text[:MAX_COMMENT]
        assert box.input_value() == stored

        # back to the grid: the commented statement moves to the middle; its comment is not hidden
        state = service.resume(app.db, token)
        state = service.set_stage(app.db, token, "grid", expected_version=state.version)
        middle = state.columns[0][0]
        state = service.swap_statements(app.db, token, extreme, middle, expected_version=state.version)
        service.set_stage(app.db, token, "comments", expected_version=state.version)
        open_screen(page, app, "comments", token, "ui-small")
        section = page.get_by_test_id("stVerticalBlock").filter(has_text="Slett kommentaren").last
        page.get_by_text("Kommentarer til utsagn du har flyttet").wait_for()
        assert "Plassert i kolonne 0" in section.inner_text()
        page.get_by_role("button", name="Slett kommentaren").click()
        settle(page)
        assert eventually(lambda: extreme not in service.resume(app.db, token).comments)
        page.get_by_text("Kommentarer til utsagn du har flyttet").wait_for(state="detached")


def test_only_plain_numbers_are_taken_and_no_counter(app, browser):
    """"1e1" would be stored as 10 while the field shows "1e1": it is refused as not a number, and
    nothing is stored; the field shows no unexplained "2/32" character counter."""
    with participant_on(browser, app, "phone", "survey") as (page, token):
        _enter(page, _age(page), "7")
        assert eventually(lambda: service.resume(app.db, token).answers.get("age") == 7)
        _age(page).click()
        page.wait_for_timeout(300)
        assert not re.search(r"\b1/\d+\b", page.evaluate("() => document.body.innerText"))
        for raw in ("1e1", "0x10", "inf"):
            _enter(page, _age(page), raw)
            page.get_by_text(f"«{raw}» er ikke et tall.").first.wait_for()
            assert eventually(lambda: service.resume(app.db, token).answers.get("age") is None)
        _enter(page, _age(page), "4 5")
        assert eventually(lambda: service.resume(app.db, token).answers.get("age") == 45)


def test_submit_lists_every_problem_naming_each_question(app, browser):
    """A number out of range and a required question unanswered: "Send inn" names both at once."""
    with participant_on(browser, app, "phone", "survey", study="brukermedvirkning") as (page, token):
        years = page.get_by_label(re.compile("^Hvor mange år"))
        _enter(page, years, "99")
        page.get_by_role("button", name="Send inn").click()
        settle(page)
        alert = page.get_by_test_id("stAlert").filter(has_text="før du sender inn")
        alert.wait_for()
        text = alert.inner_text()
        assert "«Hvor mange år har du vært brukerrepresentant eller medforsker? (0 hvis aldri)»" in text
        assert "«99» går ikke" in text
        assert "«Hvilken erfaring har du først og fremst?»" in text
        assert not service.resume(app.db, token).completed
