"""Helpers that drive a participant through the service layer (imported by the service tests)."""
from __future__ import annotations

from qmethod import service as sv
from qmethod.study import Study


def fill_grid(db, token: str, study: Study, state, order=None):
    """Place every unplaced statement, filling columns from the left in ``order`` (default study order)."""
    ids = list(order or study.statement_ids)
    ids = [s for s in ids if s in state.unplaced]
    for col in study.grid.columns:
        free = col.count - len(state.columns[col.score])
        for _ in range(free):
            if not ids:
                break
            state = sv.place_statement(db, token, ids.pop(0), col.score, expected_version=state.version)
    return state


def consented(db, study: Study):
    """A started participant who has consented: (session, state)."""
    s = sv.start_participant(db, study.id)
    st = sv.give_consent(db, s.token, study.consent.version, expected_version=s.state.version)
    return s, st


def complete(db, study: Study, *, order=None, age=40, comment="fordi"):
    """A participant who completes the mini study; returns (session, submitted state)."""
    s, st = consented(db, study)
    for sid in study.statement_ids:
        st = sv.set_pile(db, s.token, sid, "neutral", expected_version=st.version)
    st = fill_grid(db, s.token, study, st, order)
    for score in study.postsort.columns:
        for sid in st.columns[score]:
            st = sv.save_comment(db, s.token, sid, f"{comment} {sid}", expected_version=st.version)
    for q in study.survey:
        if q.required:
            st = sv.save_answer(db, s.token, q.id, age, expected_version=st.version)
    st = sv.submit(db, s.token, expected_version=st.version)
    return s, st
