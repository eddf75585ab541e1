"""The screen a participant is due to see follows the stored stage (no browser needed)."""
from __future__ import annotations

from pathlib import Path

from qmethod import service
from qmethod.ui.flow import PAGE_FILES, SCREENS, screen_for

from .conftest import ROOT

SMALL = Path(__file__).parent / "studies" / "ui-small"


def test_every_screen_has_its_page_file():
    for screen in SCREENS:
        assert (ROOT / PAGE_FILES[screen]).is_file(), screen


def test_due_screen_follows_the_stored_state(tmp_path):
    db = service.open_database(f"sqlite:///{tmp_path / 'flow.sqlite'}")
    try:
        service.publish_study_file(db, SMALL)
        s = service.start_participant(db, "ui-small")
        tok = s.token
        state = s.state
        assert screen_for(state) == "consent"
        state = service.give_consent(db, tok, "test-1", expected_version=state.version)
        assert screen_for(state) == "instruction"
        state = service.set_stage(db, tok, "presort", expected_version=state.version)
        assert screen_for(state) == "presort"
        for sid in ("T1", "T2", "T3", "T4", "T5"):
            state = service.set_pile(db, tok, sid, "neutral", expected_version=state.version)
        state = service.set_stage(db, tok, "grid", expected_version=state.version)
        assert screen_for(state) == "grid"
        for sid, score in [("T1", -1), ("T2", 1), ("T3", 0), ("T4", 0), ("T5", 0)]:
            state = service.place_statement(db, tok, sid, score, expected_version=state.version)
        state = service.set_stage(db, tok, "comments", expected_version=state.version)
        assert screen_for(state) == "comments"
        state = service.save_comment(db, tok, "T1", "a", expected_version=state.version)
        state = service.save_comment(db, tok, "T2", "b", expected_version=state.version)
        state = service.set_stage(db, tok, "survey", expected_version=state.version)
        assert screen_for(state) == "survey"
        state = service.save_answer(db, tok, "age", "33", expected_version=state.version)
        state = service.submit(db, tok, expected_version=state.version)
        assert screen_for(state) == "thanks"
    finally:
        db.dispose()
