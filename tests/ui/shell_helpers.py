"""Helpers of the page-shell browser tests (layout, privacy, language, resuming): an app with an
admin account, contexts for a Norwegian phone and a desktop, and moving a participant on through
the service layer (so that these tests do not depend on how the grid and presort are drawn)."""
from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

from qmethod import service

from tests.app_server import App, running_app
from tests.ui_researcher.conftest import ADMIN_PASSWORD  # the researcher tests' login helper uses it
from .conftest import DESKTOP, PHONE, ROOT, settle


def app_with_admin(tmp_prefix: str) -> Iterator[App]:
    """The app with the demo study, ``ui-small`` and an admin account (for researcher pages)."""
    tmp = Path(tempfile.mkdtemp(prefix=tmp_prefix))
    studies = tmp / "studies"
    shutil.copytree(ROOT / "studies" / "brukermedvirkning", studies / "brukermedvirkning")
    shutil.copytree(Path(__file__).parent / "studies" / "ui-small", studies / "ui-small")
    with running_app(tmp, QMETHOD_STUDIES_DIR=str(studies), QMETHOD_ADMIN_PASSWORD=ADMIN_PASSWORD) as server:
        yield server
    shutil.rmtree(tmp, ignore_errors=True)


def new_page(browser, kind: str, locale: str = "nb-NO"):
    """A page in a fresh context: ``phone`` (360 x 740, touch) or ``desktop``."""
    if kind == "phone":
        ctx = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale=locale)
    else:
        ctx = browser.new_context(viewport=DESKTOP, locale=locale)
    pg = ctx.new_page()
    pg.set_default_timeout(30_000)
    return ctx, pg


def is_local(url: str) -> bool:
    """True for this machine's addresses and for URLs that need no network (data:, blob:, about:)."""
    parts = urlparse(url)
    if parts.scheme in ("data", "blob", "about", "chrome-extension"):
        return True
    return parts.hostname in ("127.0.0.1", "localhost", "::1")


def advance(app: App, token: str, to: str) -> None:
    """Move the participant holding ``token`` on to stage ``to`` through the service layer: consent,
    every statement on a pile, and for ``comments``/``survey``/``done`` a complete grid."""
    db = app.db
    state = service.resume(db, token)
    study = service.get_study(db, state.study_id)
    if state.consent_version is None:
        state = service.give_consent(db, token, study.consent.version, expected_version=state.version)
    order = ["consent", "presort", "grid", "comments", "survey", "done"]
    if to == "presort":
        service.set_stage(db, token, "presort", expected_version=state.version)
        return
    if to == "consent":
        return
    for sid in state.unpiled if study.presort else ():
        state = service.set_pile(db, token, sid, "neutral", expected_version=state.version)
    state = service.set_stage(db, token, "grid", expected_version=state.version)
    if to == "grid":
        return
    slots = [c.score for c in study.grid.columns for _ in range(c.count)]
    for sid, score in zip(state.unplaced, slots):
        state = service.place_statement(db, token, sid, score, expected_version=state.version)
    for stage in order[order.index("grid") + 1:order.index(to) + 1]:
        if stage in ("survey", "done"):
            for m in state.missing:  # required comments and answers
                if m.kind == "comment":
                    state = service.save_comment(db, token, str(m.item), "Fordi.", expected_version=state.version)
                elif m.kind == "answer" and stage == "done":
                    q = study.question(str(m.item))
                    value = 30 if q.type == "number" else (q.options[0].value if q.options else "Svar")
                    value = [value] if q.type == "multiple" else value
                    state = service.save_answer(db, token, q.id, value, expected_version=state.version)
        if stage == "done":
            state = service.submit(db, token, expected_version=state.version)
        elif stage in state.stages:
            state = service.set_stage(db, token, stage, expected_version=state.version)


@contextmanager
def participant_on(browser, app: App, kind: str, screen: str, study: str = "ui-small") -> Iterator[tuple]:
    """A new bokmål participant (phone or desktop context) moved on to ``screen`` through the
    service layer and shown there: yields ``(page, token)``; the context is closed afterwards."""
    ctx, page = new_page(browser, kind)
    try:
        token = start_nb(page, app, study)
        advance(app, token, screen)
        open_screen(page, app, screen, token, study)
        yield page, token
    finally:
        ctx.close()


def open_screen(page, app: App, screen: str, token: str, study: str) -> None:
    """Open ``screen`` directly by its address (as a reload would)."""
    path = "" if screen == "welcome" else screen
    page.goto(f"{app.url}/{path}?study={study}&p={token}")
    page.wait_for_url(f"**/{screen}?**")
    settle(page)


def start_nb(page, app: App, study: str = "ui-small", extra: str = "") -> str:
    """Open the study in bokmål, press Start; return the token once the consent page shows."""
    page.goto(f"{app.url}/?study={study}&lang=nb{extra}")
    page.get_by_role("button", name="Start", exact=True).click()
    page.wait_for_url("**/consent?**")
    settle(page)
    from .conftest import token_of

    return token_of(page)
