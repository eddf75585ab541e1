"""One invitation id starts at most one participant of a study (SQLite and PostgreSQL), also when
two starts with the same id arrive at the same moment."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from qmethod import service as sv
from qmethod.errors import InvitationUsedError
from qmethod.store.models import ParticipantRow


def _participants(db, external_id: str) -> int:
    return db.read(lambda s: s.scalar(select(func.count()).select_from(ParticipantRow)
                                      .where(ParticipantRow.external_id == external_id)))


def test_second_start_with_the_same_invitation_is_refused(db, mini):
    first = sv.start_participant(db, "mini", external_id="inv-1")
    with pytest.raises(InvitationUsedError, match="inv-1"):
        sv.start_participant(db, "mini", external_id="inv-1")
    assert _participants(db, "inv-1") == 1
    assert [r.participant for r in sv.participant_progress(db, "mini")] == [first.state.participant]
    # other invitations and starts without one are not affected
    sv.start_participant(db, "mini", external_id="inv-2")
    sv.start_participant(db, "mini")
    sv.start_participant(db, "mini")
    assert len(sv.participant_progress(db, "mini")) == 4


def test_same_invitation_id_in_another_study_is_another_person(db, mini, demo):
    sv.start_participant(db, "mini", external_id="inv-1")
    sv.start_participant(db, demo.id, external_id="inv-1")
    assert _participants(db, "inv-1") == 2


def test_simultaneous_starts_with_one_invitation_make_one_participant(db, mini):
    n = 8
    barrier = threading.Barrier(n)
    outcomes: list[object] = []

    def start() -> None:
        barrier.wait()
        try:
            outcomes.append(sv.start_participant(db, "mini", external_id="same"))
        except Exception as exc:  # noqa: BLE001 - every outcome is checked below
            outcomes.append(exc)

    threads = [threading.Thread(target=start) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    started = [o for o in outcomes if not isinstance(o, Exception)]
    refused = [o for o in outcomes if isinstance(o, InvitationUsedError)]
    assert (len(started), len(refused)) == (1, n - 1), outcomes
    assert _participants(db, "same") == 1
