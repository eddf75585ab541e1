"""Coming back in the same browser (phone and desktop, bokmål): re-opening the study or invitation
link continues the participant's own sort, "Start en ny sortering" is there for a shared computer,
one invitation id never makes two participants, the resume code is on every page with what it is
for, and the thank-you page says what happens next and whom to contact."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from qmethod import service
from qmethod.store.models import ParticipantRow

from .conftest import axe_check, settle, token_of
from .shell_helpers import advance, app_with_admin, new_page, open_screen

pytestmark = pytest.mark.browser

STUDY = "brukermedvirkning"


@pytest.fixture(scope="module")
def app(chromium):
    yield from app_with_admin("qmethod-resume-")


def _with_invite(app, invite: str) -> int:
    return app.db.read(lambda s: s.scalar(select(func.count()).select_from(ParticipantRow)
                                          .where(ParticipantRow.external_id == invite)))


def _code_line(page) -> str:
    line = page.get_by_test_id("resume-code-line")
    line.wait_for()
    return line.inner_text()


@pytest.mark.parametrize("kind", ["phone", "desktop"])
def test_reopening_the_link_continues_the_own_sort(app, browser, kind):
    invite = f"inv-{kind}"
    link = f"{app.url}/?study={STUDY}&invite={invite}"
    ctx, page = new_page(browser, kind)
    try:
        page.goto(link)
        page.get_by_role("button", name="Start", exact=True).click()
        page.wait_for_url("**/consent?**")
        settle(page)
        token = token_of(page)
        # the code, and what it is for, in the page header from the first page on
        line = _code_line(page)
        code = re.search(r"[A-Z0-9]{5}-[A-Z0-9]{5}", line).group(0)
        assert "fortsette senere" in line and "trekke deg" in line
        advance(app, token, "grid")
        open_screen(page, app, "grid", token, STUDY)  # a reload: only the browser remembers the code
        assert code in _code_line(page)
        # ... in a cookie no page script can read (before: document.cookie held the token and code)
        kept = next(c for c in page.context.cookies() if c["name"] == f"qmethod_p_{STUDY}")
        assert kept["httpOnly"] and token in kept["value"] and code in kept["value"]
        assert token not in page.evaluate("() => document.cookie")

        # the same link again, in the same browser: continue, no new participant
        page.goto(link)
        box = page.get_by_test_id("stVerticalBlock").filter(has_text="Du har begynt på en sortering")
        box.first.wait_for()
        assert code in page.get_by_text("Koden til sorteringen er").inner_text()
        assert axe_check(page, f"welcome-own-sort-{kind}") == []
        page.get_by_role("button", name="Fortsett der du slapp").click()
        page.wait_for_url("**/grid?**")
        settle(page)
        assert token_of(page) == token
        assert _with_invite(app, invite) == 1

        # another person's invitation link on this computer: not offered this sort
        page.goto(f"{app.url}/?study={STUDY}&invite=someone-else-{kind}")
        page.get_by_role("button", name="Start", exact=True).wait_for()
        assert page.get_by_text("Du har begynt på en sortering").count() == 0

        # a shared computer: the next person chooses a new sort; the invitation is not used twice
        page.goto(link)
        page.get_by_role("button", name="Start en ny sortering").click()
        page.get_by_role("button", name="Start", exact=True).click()
        page.get_by_text("Denne invitasjonen er allerede brukt").wait_for()
        assert _with_invite(app, invite) == 1
        page.goto(f"{app.url}/?study={STUDY}")
        page.get_by_role("button", name="Start en ny sortering").click()
        page.get_by_role("button", name="Start", exact=True).click()
        page.wait_for_url("**/consent?**")
        settle(page)
        # the new participant's token replaces the old one in the cookie (set by a request of its own)
        for _ in range(100):
            if token_of(page) != token:
                break
            page.wait_for_timeout(100)
        assert token_of(page) != token
        assert service.resume(app.db, token).stage == "grid"  # the first sort is untouched
    finally:
        ctx.close()


def test_thank_you_page_says_what_happens_next_whom_to_contact_and_shows_the_code(app, browser):
    ctx, page = new_page(browser, "phone")
    try:
        page.goto(f"{app.url}/?study={STUDY}")
        page.get_by_role("button", name="Start", exact=True).click()
        page.wait_for_url("**/consent?**")
        settle(page)
        token = token_of(page)
        code = re.search(r"[A-Z0-9]{5}-[A-Z0-9]{5}", _code_line(page)).group(0)
        advance(app, token, "done")
        open_screen(page, app, "thanks", token, STUDY)
        main = page.get_by_test_id("stMain")
        text = main.inner_text()
        assert "Hva skjer nå?" in text and "forskergruppen" in text
        assert "Spørsmål?" in text and "brukermedvirkning@example.org" in text
        assert page.get_by_test_id("resume-code").inner_text() == code
        assert "trekke deg" in text
        assert axe_check(page, "thanks-next-steps") == []
        # re-opening the link after sending in: no silent new sort, the choice is offered
        page.goto(f"{app.url}/?study={STUDY}")
        page.get_by_text("Du har sendt inn en sortering fra denne nettleseren").wait_for()
        page.get_by_role("button", name="Start en ny sortering").wait_for()
    finally:
        ctx.close()
