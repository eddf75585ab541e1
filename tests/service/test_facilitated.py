"""A facilitated sort: the researcher who ran it is recorded in the start event and listed with
the participant's progress; an ordinary start is not marked."""
from __future__ import annotations

import pytest

from qmethod import service as sv
from qmethod.errors import StudyError


def test_facilitated_start_is_marked(db, mini):
    s = sv.start_participant(db, mini.id, language="nb", facilitated_by="anna")
    plain = sv.start_participant(db, mini.id)
    [start] = [e for e in sv.audit_trail(db, mini.id, s.state.participant) if e.kind == "start"]
    assert start.payload["facilitated_by"] == "anna"
    [start2] = [e for e in sv.audit_trail(db, mini.id, plain.state.participant) if e.kind == "start"]
    assert "facilitated_by" not in start2.payload
    by = {p.participant: p.facilitated_by for p in sv.participant_progress(db, mini.id)}
    assert by == {s.state.participant: "anna", plain.state.participant: None}


def test_facilitated_by_must_be_a_name(db, mini):
    with pytest.raises(StudyError, match="facilitated_by"):
        sv.start_participant(db, mini.id, facilitated_by="x" * 201)
    assert sv.participant_progress(db, mini.id) == ()
