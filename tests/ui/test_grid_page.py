"""The grid page in Debian's chromium: the instruction stays in view while sorting."""
from __future__ import annotations

from pathlib import Path

import pytest

from qmethod import service as sv

from .conftest import PHONE, settle

pytestmark = pytest.mark.browser


def _at_grid(app) -> str:
    """A participant of ``ui-small`` whose presort is done; returns the token."""
    sv.publish_study_file(app.db, Path(__file__).parent / "studies" / "ui-small")  # (the app publishes it too)
    study = sv.get_study(app.db, "ui-small")
    s = sv.start_participant(app.db, "ui-small", language="nb")
    st = sv.give_consent(app.db, s.token, study.consent.version, expected_version=s.state.version)
    for sid in study.statement_ids:
        st = sv.set_pile(app.db, s.token, sid, "neutral", expected_version=st.version)
    sv.set_stage(app.db, s.token, "grid", expected_version=st.version)
    return s.token


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, PHONE], ids=["desktop", "phone"])
def test_the_instruction_is_shown_while_sorting_without_opening_anything(browser, app, viewport):
    context = browser.new_context(viewport=viewport, locale="nb-NO")
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(f"{app.url}/?study=ui-small&p={_at_grid(app)}")
        page.wait_for_url("**/grid?**")
        settle(page)
        text = page.get_by_text("Sorter fra uenig til enig.")
        assert text.is_visible()  # before: inside a folded "Instruksjon" expander
    finally:
        context.close()
