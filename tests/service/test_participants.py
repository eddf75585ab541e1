"""Participant steps through the service layer, on SQLite and PostgreSQL."""
from __future__ import annotations

import dataclasses
import random
from pathlib import Path
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from qmethod import service as sv
from qmethod.errors import (
    CompletedError,
    ConflictError,
    IncompleteError,
    PlacementError,
    QMethodError,
    ResumeCodeError,
    ResumeLimitError,
    StudyError,
)
from qmethod.store.models import AccessTokenRow, EventRow, ParticipantRow
from qmethod.store.tokens import ALPHABET
from service_helpers import complete, consented, fill_grid
from conftest import DEMO as DEMO_DIR, MINI as MINI_DIR


def _events(db) -> int:
    return db.read(lambda s: s.scalar(select(func.count()).select_from(EventRow)))


def _snapshot(db, study_id: str, code: str):
    """Stored state + number of audit events: what a failed step must leave unchanged."""
    return sv.participant_state(db, study_id, code), _events(db)


# -- the normal path -------------------------------------------------------------------------------

def test_start_gives_token_and_unambiguous_resume_code(db, mini):
    s = sv.start_participant(db, "mini")
    assert len(s.token) >= 43  # 32 random bytes, URL-safe base64
    raw = s.resume_code.replace("-", "")
    assert len(raw) == 10 and set(raw) <= set(ALPHABET)
    assert not set("0O1IL") & set(raw)
    assert s.state.stage == "consent" and s.state.version == 0 and s.state.participant == "P001"
    assert s.state.unplaced == mini.statement_ids and s.state.columns == {-2: (), -1: (), 0: (), 1: (), 2: ()}
    # stored hashed only
    stored = db.read(lambda ses: [t.token_hash for t in ses.scalars(select(AccessTokenRow))]
                     + [p.resume_hash for p in ses.scalars(select(ParticipantRow))])
    assert s.token not in stored and s.resume_code not in stored and raw not in stored


def test_full_flow_gives_statements_by_sorts_dataframe(db, mini):
    order_a = ["A", "B", "C", "D", "E", "F"]
    order_b = ["F", "E", "D", "C", "B", "A"]
    _, a = complete(db, mini, order=order_a, age=30)
    _, b = complete(db, mini, order=order_b, age="45")
    assert a.completed and a.stage == "done" and a.missing == ()
    cs = sv.completed_sorts(db, "mini")
    assert list(cs.sorts.index) == list(mini.statement_ids)
    assert list(cs.sorts.columns) == ["P001", "P002"]
    assert (cs.sorts.dtypes == "int64").all()
    assert cs.sorts["P001"].tolist() == [-2, -1, 0, 0, 1, 2]
    assert cs.sorts["P002"].tolist() == [2, 1, 0, 0, -1, -2]
    assert cs.participants.loc["P001", "age"] == 30 and cs.participants.loc["P002", "age"] == 45
    assert cs.participants.loc["P001", "consent_version"] == "v1"
    assert cs.participants.loc["P002", "language"] == "nb"
    comments = cs.long.dropna(subset=["comment"])
    assert set(zip(comments.participant, comments.statement)) == {("P001", "A"), ("P001", "F"),
                                                                  ("P002", "F"), ("P002", "A")}
    assert sorted(cs.long.score[cs.long.participant == "P001"]) == [-2, -1, 0, 0, 1, 2]


def test_only_completed_sorts_are_returned(db, mini):
    complete(db, mini)
    s, st = consented(db, mini)
    fill_grid(db, s.token, mini, st)
    cs = sv.completed_sorts(db, "mini")
    assert list(cs.sorts.columns) == ["P001"]
    assert list(cs.participants.index) == ["P001"]


def test_every_step_is_saved_and_resume_restores_exactly(db, mini):
    s, st = consented(db, mini)
    st = sv.set_pile(db, s.token, "A", "agree", expected_version=st.version)
    st = sv.set_pile(db, s.token, "B", "disagree", expected_version=st.version)
    st = sv.set_pile(db, s.token, "B", None, expected_version=st.version)  # undo
    st = sv.place_statement(db, s.token, "C", 0, expected_version=st.version)
    st = sv.place_statement(db, s.token, "D", 0, 0, expected_version=st.version)  # on top of C
    st = sv.save_comment(db, s.token, "D", "Viktig for meg – «sant»", expected_version=st.version)
    st = sv.save_answer(db, s.token, "areas", ["c", "a"], expected_version=st.version)
    st = sv.set_language(db, s.token, "en", expected_version=st.version)
    assert st.piles == {"A": "agree"} and st.columns[0] == ("D", "C") and st.answers == {"areas": ["a", "c"]}
    assert st.language == "en" and st.version == 9
    # a reload: the same token
    assert sv.resume(db, s.token) == st
    # another device: the resume code, typed sloppily
    typed = "  " + s.resume_code.lower().replace("-", " ") + " "
    other = sv.resume_by_code(db, typed)
    assert other.state == st and other.token != s.token
    # both devices keep working on the same sort
    st2 = sv.move_statement(db, other.token, "C", -2, expected_version=st.version)
    assert sv.resume(db, s.token) == st2


def test_replay_of_audit_trail_reproduces_stored_state(db, mini):
    """Random steps (many of them invalid) on several participants; the trail replays to the stored state."""
    rng = random.Random(20250901)
    ids = list(mini.statement_ids)
    people = [consented(db, mini) for _ in range(3)]
    for s, st in people:
        for _ in range(60):
            kind = rng.choice(["pile", "place", "move", "remove", "swap", "comment", "answer", "stage"])
            sid = rng.choice(ids)
            try:
                if kind == "pile":
                    st = sv.set_pile(db, s.token, sid, rng.choice(["agree", "neutral", "disagree", None]),
                                     expected_version=st.version)
                elif kind == "place":
                    st = sv.place_statement(db, s.token, sid, rng.randint(-2, 2), rng.choice([None, 0, 1]),
                                            expected_version=st.version)
                elif kind == "move":
                    st = sv.move_statement(db, s.token, sid, rng.randint(-2, 2), rng.choice([None, 0, 1]),
                                           expected_version=st.version)
                elif kind == "remove":
                    st = sv.remove_statement(db, s.token, sid, expected_version=st.version)
                elif kind == "swap":
                    st = sv.swap_statements(db, s.token, sid, rng.choice(ids), expected_version=st.version)
                elif kind == "comment":
                    st = sv.save_comment(db, s.token, sid, rng.choice(["", "ja", "nei"]), expected_version=st.version)
                elif kind == "answer":
                    st = sv.save_answer(db, s.token, "age", rng.choice([None, 20, "33", 200]),
                                        expected_version=st.version)
                else:
                    st = sv.set_stage(db, s.token, rng.choice(["presort", "grid", "comments"]),
                                      expected_version=st.version)
            except StudyError:
                pass
        stored = sv.participant_state(db, "mini", st.participant)
        assert stored == st
        assert sv.replay_participant(db, "mini", st.participant) == stored
        trail = sv.audit_trail(db, "mini", st.participant)
        assert [e.version for e in trail] == list(range(stored.version + 1))
        assert trail[0].kind == "start" and trail[1].kind == "consent"
        assert all(e.at.tzinfo is not None for e in trail)
        assert all(a.at <= b.at for a, b in zip(trail, trail[1:]))


def test_replay_holds_for_completed_sorts(db, mini):
    _, st = complete(db, mini)
    assert sv.replay_participant(db, "mini", st.participant) == sv.participant_state(db, "mini", st.participant)


# -- two tabs, duplicates, double submit -------------------------------------------------------------

def test_reordered_saves_from_two_tabs_end_at_last_acknowledged_state(db, mini):
    s, st = consented(db, mini)
    st = sv.place_statement(db, s.token, "A", 0, expected_version=st.version)
    tab1 = tab2 = st
    acked = sv.move_statement(db, s.token, "A", 2, expected_version=tab1.version)  # tab 1 saves first
    before = _snapshot(db, "mini", st.participant)
    with pytest.raises(ConflictError) as exc:  # tab 2's older view arrives later
        sv.move_statement(db, s.token, "A", -2, expected_version=tab2.version)
    assert exc.value.state == acked  # the page is given the stored state to redraw
    assert _snapshot(db, "mini", st.participant) == before
    assert sv.resume(db, s.token).score_of("A") == 2


def test_duplicated_save_is_applied_once(db, mini):
    s, st = consented(db, mini)
    first = sv.place_statement(db, s.token, "A", 1, expected_version=st.version)
    again = sv.place_statement(db, s.token, "A", 1, expected_version=st.version)  # the same request resent
    assert again == first
    pile1 = sv.set_pile(db, s.token, "B", "agree", expected_version=first.version)
    assert sv.set_pile(db, s.token, "B", "agree", expected_version=first.version) == pile1
    assert [e.kind for e in sv.audit_trail(db, "mini", st.participant)] == ["start", "consent", "place", "pile"]


def test_double_submit_makes_exactly_one_response(db, mini):
    s, st = complete(db, mini)
    again = sv.submit(db, s.token, expected_version=st.version - 1)
    third = sv.submit(db, s.token, expected_version=st.version)
    assert again == st == third
    kinds = [e.kind for e in sv.audit_trail(db, "mini", st.participant)]
    assert kinds.count("submit") == 1
    assert sv.completed_sorts(db, "mini").sorts.shape == (6, 1)


def test_completed_sort_is_immutable(db, mini):
    s, st = complete(db, mini)
    before = _snapshot(db, "mini", st.participant)
    for call in (
        lambda: sv.move_statement(db, s.token, "A", 2, expected_version=st.version),
        lambda: sv.swap_statements(db, s.token, "A", "F", expected_version=st.version),
        lambda: sv.save_comment(db, s.token, "A", "endret", expected_version=st.version),
        lambda: sv.save_answer(db, s.token, "age", 50, expected_version=st.version),
        lambda: sv.set_stage(db, s.token, "grid", expected_version=st.version),
    ):
        with pytest.raises(CompletedError, match="submitted"):
            call()
    assert _snapshot(db, "mini", st.participant) == before


# -- bad input: a clear error and nothing stored changes ----------------------------------------------

def test_placement_outside_grid(db, mini):
    s, st = consented(db, mini)
    before = _snapshot(db, "mini", st.participant)
    with pytest.raises(PlacementError, match=r"Column 3 is outside the grid: columns run from -2 to \+2"):
        sv.place_statement(db, s.token, "A", 3, expected_version=st.version)
    with pytest.raises(PlacementError, match="outside the grid"):
        sv.place_statement(db, s.token, "A", "1", expected_version=st.version)
    with pytest.raises(StudyError, match="Statement 'Z' is not part of study 'mini'"):
        sv.place_statement(db, s.token, "Z", 0, expected_version=st.version)
    assert _snapshot(db, "mini", st.participant) == before


def test_full_column(db, mini):
    s, st = consented(db, mini)
    st = sv.place_statement(db, s.token, "A", 2, expected_version=st.version)
    st = sv.place_statement(db, s.token, "B", 0, expected_version=st.version)
    before = _snapshot(db, "mini", st.participant)
    with pytest.raises(PlacementError, match=r"Column \+2 is full \(1 of 1 places used\)"):
        sv.place_statement(db, s.token, "C", 2, expected_version=st.version)
    with pytest.raises(PlacementError, match=r"Column \+2 is full"):
        sv.move_statement(db, s.token, "B", 2, expected_version=st.version)
    assert _snapshot(db, "mini", st.participant) == before
    # a swap works between full columns
    st = sv.swap_statements(db, s.token, "A", "B", expected_version=st.version)
    assert st.columns[2] == ("B",) and st.columns[0] == ("A",)


def test_statement_placed_twice(db, mini):
    s, st = consented(db, mini)
    st = sv.place_statement(db, s.token, "A", 0, expected_version=st.version)
    before = _snapshot(db, "mini", st.participant)
    with pytest.raises(PlacementError, match=r"Statement A is already in column 0; move it"):
        sv.place_statement(db, s.token, "A", 1, expected_version=st.version)
    assert _snapshot(db, "mini", st.participant) == before


def test_submit_of_incomplete_grid_says_what_is_missing(db, mini):
    s, st = consented(db, mini)
    for sid in mini.statement_ids:
        st = sv.set_pile(db, s.token, sid, "agree", expected_version=st.version)
    st = sv.place_statement(db, s.token, "A", -2, expected_version=st.version)
    st = sv.place_statement(db, s.token, "B", 0, expected_version=st.version)
    before = _snapshot(db, "mini", st.participant)
    with pytest.raises(IncompleteError) as exc:
        sv.submit(db, s.token, expected_version=st.version)
    msg = str(exc.value)
    assert "4 statement(s) are not placed in the grid yet: C, D, E, F." in msg
    assert "Statement A in column -2 needs a comment." in msg
    assert "The question “Alder” is required and has no answer." in msg  # its text, in the participant's language
    assert {(m.kind, m.item) for m in exc.value.missing} == {("grid", None), ("comment", "A"), ("answer", "age")}
    assert exc.value.missing == st.missing
    assert _snapshot(db, "mini", st.participant) == before
    assert sv.completed_sorts(db, "mini").sorts.shape == (6, 0)


def test_unknown_resume_code_and_token(db, mini):
    s, st = consented(db, mini)
    before = _snapshot(db, "mini", st.participant)
    tokens = db.read(lambda ses: ses.scalar(select(func.count()).select_from(AccessTokenRow)))
    with pytest.raises(ResumeCodeError, match="No sort was found for resume code 22222-22222"):
        sv.resume_by_code(db, "22222-22222")
    with pytest.raises(ResumeCodeError, match="never contain 0, O, 1, I or L"):
        sv.resume_by_code(db, "OOOOO-11111")
    with pytest.raises(ResumeCodeError, match="not valid"):
        sv.resume(db, "no-such-token")
    with pytest.raises(ResumeCodeError, match="not valid"):
        sv.place_statement(db, "no-such-token", "A", 0, expected_version=0)
    assert db.read(lambda ses: ses.scalar(select(func.count()).select_from(AccessTokenRow))) == tokens
    assert _snapshot(db, "mini", st.participant) == before


def test_other_invalid_steps_change_nothing(db, mini):
    s = sv.start_participant(db, "mini")
    with pytest.raises(StudyError, match="Consent must be given before answers are saved"):
        sv.place_statement(db, s.token, "A", 0, expected_version=0)
    with pytest.raises(StudyError, match="Consent version 'v0' is not the current consent text"):
        sv.give_consent(db, s.token, "v0", expected_version=0)
    st = sv.give_consent(db, s.token, "v1", expected_version=0)
    before = _snapshot(db, "mini", st.participant)
    with pytest.raises(StudyError, match="'age': 12 is below the minimum 16"):
        sv.save_answer(db, s.token, "age", 12, expected_version=st.version)
    with pytest.raises(StudyError, match="'age': expected a whole number"):
        sv.save_answer(db, s.token, "age", "33,5", expected_version=st.version)
    with pytest.raises(StudyError, match="'role': 'admin' is not one of the options user, staff"):
        sv.save_answer(db, s.token, "role", "admin", expected_version=st.version)
    with pytest.raises(StudyError, match="'note': the answer has 51 characters; at most 50"):
        sv.save_answer(db, s.token, "note", "x" * 51, expected_version=st.version)
    with pytest.raises(StudyError, match="Pile 'maybe' does not exist"):
        sv.set_pile(db, s.token, "A", "maybe", expected_version=st.version)
    with pytest.raises(IncompleteError, match="Cannot go to 'grid' yet: 6 statement"):
        sv.set_stage(db, s.token, "grid", expected_version=st.version)
    with pytest.raises(StudyError, match="Language 'de' is not offered"):
        sv.set_language(db, s.token, "de", expected_version=st.version)
    with pytest.raises(StudyError, match="expected_version must be"):
        sv.set_pile(db, s.token, "A", "agree", expected_version=None)  # type: ignore[arg-type]
    assert _snapshot(db, "mini", st.participant) == before


def test_stages_follow_the_study(db, mini):
    s, st = consented(db, mini)
    assert st.stages == ("consent", "presort", "grid", "comments", "survey", "done")
    for sid in mini.statement_ids:
        st = sv.set_pile(db, s.token, sid, "neutral", expected_version=st.version)
    st = sv.set_stage(db, s.token, "grid", expected_version=st.version)
    with pytest.raises(IncompleteError, match="not placed in the grid"):
        sv.set_stage(db, s.token, "comments", expected_version=st.version)
    st = fill_grid(db, s.token, mini, st)
    st = sv.set_stage(db, s.token, "survey", expected_version=st.version)
    st = sv.set_stage(db, s.token, "presort", expected_version=st.version)  # going back is fine
    assert sv.resume(db, s.token).stage == "presort"
    assert sv.participant_progress(db, "mini")[0].stage == "presort"


# -- researcher side ------------------------------------------------------------------------------------

def test_progress_overview(db, mini):
    complete(db, mini)
    s, st = consented(db, mini)
    st = sv.place_statement(db, s.token, "A", 0, expected_version=st.version)
    sv.start_participant(db, "mini", external_id="inv-17")
    rows = sv.participant_progress(db, "mini")
    assert [(r.participant, r.stage, r.placed, r.external_id) for r in rows] == [
        ("P001", "done", 6, None), ("P002", "consent", 1, None), ("P003", "consent", 0, "inv-17")]
    assert rows[0].submitted_at is not None and rows[1].submitted_at is None
    assert rows[1].consented_at is not None and rows[2].consented_at is None
    info = sv.study_info(db, "mini")
    assert (info.participants, info.completed) == (3, 1)


def test_export_and_delete_one_participant(db, mini):
    s, st = complete(db, mini)
    other, _ = complete(db, mini)
    data = sv.export_participant(db, "mini", st.participant)
    assert data["participant"]["code"] == "P001"
    assert data["consent"]["version"] == "v1" and data["consent"]["text"]["nb"] == "Jeg samtykker."
    assert data["sort"] == st.sort() and data["answers"] == {"age": 40}
    assert data["comments"] == {"A": "fordi A", "F": "fordi F"}
    assert [e["kind"] for e in data["events"]][:2] == ["start", "consent"]
    text = sv.export_participant_json(db, "mini", st.participant)
    assert s.token not in text and s.resume_code not in text and '"fordi A"' in text

    sv.delete_participant(db, "mini", st.participant)
    with pytest.raises(ResumeCodeError):
        sv.resume(db, s.token)
    with pytest.raises(ResumeCodeError):
        sv.resume_by_code(db, s.resume_code)
    assert [r.participant for r in sv.participant_progress(db, "mini")] == ["P002"]
    assert list(sv.completed_sorts(db, "mini").sorts.columns) == ["P002"]
    assert sv.resume(db, other.token).completed
    # no rows of the deleted participant remain anywhere
    left = db.read(lambda ses: ses.scalar(select(func.count()).select_from(EventRow)))
    assert left == len(sv.audit_trail(db, "mini", "P002"))
    # codes are never reused
    assert sv.start_participant(db, "mini").state.participant == "P003"


# -- studies ---------------------------------------------------------------------------------------------

def test_publish_is_idempotent_and_protects_collected_data(db, mini):
    from dataclasses import replace

    assert sv.publish_study(db, mini).changed is False
    fixed = replace(mini, title={"nb": "Ny tittel", "en": "New title"})
    info = sv.publish_study(db, fixed)
    assert info.changed and info.revision == 2
    assert sv.get_study(db, "mini").title["nb"] == "Ny tittel"
    complete(db, mini)
    with pytest.raises(StudyError, match=r"already has 1 participant\(s\); its distribution \(forced/free\) cannot"):
        sv.publish_study(db, replace(fixed, grid=replace(fixed.grid, forced=False)))
    broken = replace(fixed, statements=fixed.statements[:5])
    with pytest.raises(StudyError, match="the column counts sum to 6 but the study has 5 statements"):
        sv.publish_study(db, broken)
    new_consent = replace(fixed, consent=replace(fixed.consent, text={"nb": "Nytt", "en": "New"}))
    with pytest.raises(StudyError, match="give the new text a new version"):
        sv.publish_study(db, new_consent)
    assert sv.get_study(db, "mini") == fixed
    assert [i.id for i in sv.list_studies(db)] == ["mini"]


def test_closed_and_not_yet_open_studies_refuse_new_participants(db, mini):
    from dataclasses import replace

    now = datetime(2025, 6, 1, tzinfo=timezone.utc)
    sv.publish_study(db, replace(mini, opens=now + timedelta(days=1), closes=now + timedelta(days=30)))
    with pytest.raises(StudyError, match="opens on 2025-06-02"):
        sv.start_participant(db, "mini", now=now)
    with pytest.raises(StudyError, match="closed on 2025-07-01"):
        sv.start_participant(db, "mini", now=now + timedelta(days=31))
    assert sv.start_participant(db, "mini", now=now + timedelta(days=2)).state.participant == "P001"


def test_unknown_study(db):
    from qmethod.errors import NotFoundError

    with pytest.raises(NotFoundError, match="Study 'nope' is not published"):
        sv.start_participant(db, "nope")


def test_demo_study_publishes_from_studies_dir(db):
    infos = sv.publish_studies_dir(db, "studies")
    assert "brukermedvirkning" in [i.id for i in infos]
    assert sv.publish_studies_dir(db, "studies")[0].changed is False


# -- the lean save path: returned state = stored state; parsed studies kept apart per database ----------

def test_returned_state_equals_stored_state_after_every_kind_of_step(db, mini):
    s = sv.start_participant(db, mini.id)
    berlin = timezone(timedelta(hours=2))
    st = sv.give_consent(db, s.token, mini.consent.version, expected_version=s.state.version,
                         now=datetime(2026, 3, 1, 14, 0, 0, 123456, tzinfo=berlin))
    assert st.consented_at == datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=timezone.utc)
    assert st.consented_at.tzinfo == timezone.utc and st.updated_at.tzinfo == timezone.utc
    assert st == sv.resume(db, s.token) == sv.participant_state(db, mini.id, st.participant)
    steps = [
        lambda v: sv.set_stage(db, s.token, "presort", expected_version=v),
        lambda v: sv.set_pile(db, s.token, "A", "agree", expected_version=v),
        lambda v: sv.place_statement(db, s.token, "A", 0, expected_version=v),
        lambda v: sv.place_statement(db, s.token, "B", 0, 0, expected_version=v),
        lambda v: sv.swap_statements(db, s.token, "A", "B", expected_version=v),
        lambda v: sv.move_statement(db, s.token, "A", 1, expected_version=v),
        lambda v: sv.remove_statement(db, s.token, "B", expected_version=v),
        lambda v: sv.save_comment(db, s.token, "A", "fordi", expected_version=v),
        lambda v: sv.save_answer(db, s.token, "areas", ["c", "a"], expected_version=v),
        lambda v: sv.save_answer(db, s.token, "areas", ["b"], expected_version=v),
        lambda v: sv.save_answer(db, s.token, "areas", None, expected_version=v),
        lambda v: sv.set_language(db, s.token, "en", expected_version=v),
    ]
    for step in steps:
        before = st
        st = step(st.version)
        assert st.version == before.version + 1
        assert st == sv.resume(db, s.token) == sv.participant_state(db, mini.id, st.participant)
    assert sv.replay_participant(db, mini.id, st.participant) == st


def test_parsed_study_follows_revisions_and_databases(db, mini, tmp_path):
    s, st = consented(db, mini)
    renamed = dataclasses.replace(mini, consent=dataclasses.replace(mini.consent, version="v-next",
                                                                     text={"nb": "Nytt samtykke.",
                                                                           "en": "New consent."}))
    assert sv.publish_study(db, renamed).changed
    fresh = sv.start_participant(db, mini.id)
    assert fresh.state.study_revision == 2
    with pytest.raises(StudyError, match="v-next"):  # the stored revision 2 is used, not a cached revision 1
        sv.give_consent(db, fresh.token, mini.consent.version, expected_version=0)
    assert sv.give_consent(db, fresh.token, "v-next", expected_version=0).consent_version == "v-next"
    # another database with the same study id and revision 1, but another definition
    other = sv.open_database(f"sqlite:///{tmp_path / 'other.sqlite'}")
    try:
        sv.publish_study(other, renamed)
        o = sv.start_participant(other, mini.id)
        assert o.state.study_revision == 1
        assert sv.give_consent(other, o.token, "v-next", expected_version=0).consent_version == "v-next"
    finally:
        other.dispose()
    assert sv.resume(db, s.token).consent_version == mini.consent.version


def _wrong_code(i: int) -> str:
    return f"{ALPHABET[i % len(ALPHABET)] * 5}-{ALPHABET[(i * 7 + 3) % len(ALPHABET)] * 5}"


def test_wrong_resume_codes_are_rate_limited_per_client(db, mini):
    s, _ = consented(db, mini)
    t0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
    for i in range(sv.RESUME_MAX_FAILURES):
        with pytest.raises(ResumeCodeError, match="No sort was found") as info:
            sv.resume_by_code(db, _wrong_code(i), client="10.0.0.1", now=t0 + timedelta(minutes=i))
        assert not isinstance(info.value, ResumeLimitError)
    # a sixth try from the same address is refused without looking at the code, even a right one
    tokens = db.read(lambda ses: ses.scalar(select(func.count()).select_from(AccessTokenRow)))
    with pytest.raises(ResumeLimitError, match="Try again in 10 minutes") as info:
        sv.resume_by_code(db, s.resume_code, client="10.0.0.1", now=t0 + timedelta(minutes=5))
    assert info.value.scope == "client" and info.value.retry_at == t0 + sv.RESUME_WINDOW
    assert db.read(lambda ses: ses.scalar(select(func.count()).select_from(AccessTokenRow))) == tokens
    # malformed codes are refused as before and do not count; other addresses are not affected
    with pytest.raises(ResumeCodeError, match="never contain"):
        sv.resume_by_code(db, "OOOOO-11111", client="10.0.0.2", now=t0 + timedelta(minutes=5))
    assert sv.resume_by_code(db, s.resume_code, client="10.0.0.2", now=t0 + timedelta(minutes=5)).state.participant == "P001"
    # once the oldest failure is older than the window, one more try is allowed
    assert sv.resume_by_code(db, s.resume_code, client="10.0.0.1",
                             now=t0 + sv.RESUME_WINDOW + timedelta(seconds=1)).state.participant == "P001"
    # only hashes of the addresses are stored, and records older than the look-back are deleted
    from qmethod.store.models import ResumeAttemptRow
    rows = db.read(lambda ses: list(ses.scalars(select(ResumeAttemptRow.client_hash))))
    # address, everyone, and each code from that address
    assert len(set(rows)) == 2 + sv.RESUME_MAX_FAILURES and all("10.0.0" not in h and len(h) == 64 for h in rows)
    with pytest.raises(ResumeCodeError):
        sv.resume_by_code(db, _wrong_code(99), client="10.0.0.3", now=t0 + timedelta(hours=2))
    assert db.read(lambda ses: ses.scalar(select(func.count()).select_from(ResumeAttemptRow))) == 3


def test_the_same_wrong_code_sent_again_is_not_another_try(db, mini):
    """Fails on the old code: Enter and then a click on "Continue with code" counted one wrong code as
    two tries, so a participant got 3 answers instead of 5 before being locked out."""
    s, _ = consented(db, mini)
    t0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
    for i in range(sv.RESUME_MAX_FAILURES):
        for again in range(2):  # each code sent twice (Enter, then the button)
            with pytest.raises(ResumeCodeError, match="No sort was found") as info:
                sv.resume_by_code(db, _wrong_code(i), client="10.0.0.1", browser="b-1",
                                  now=t0 + timedelta(minutes=i, seconds=again))
            assert not isinstance(info.value, ResumeLimitError)
    # the sixth different code is the sixth guess: refused, even a right one
    with pytest.raises(ResumeLimitError):
        sv.resume_by_code(db, s.resume_code, client="10.0.0.1", browser="b-1", now=t0 + timedelta(minutes=6))


def test_wrong_resume_codes_from_everyone_slow_checking_but_never_refuse_a_right_code(db, mini, monkeypatch):
    """Fails on the old code: 1,000 wrong codes an hour from anyone paused resuming for everyone,
    so an anonymous attacker could switch resuming off for every participant."""
    from qmethod.service import participants

    s, _ = consented(db, mini)
    monkeypatch.setattr(participants, "RESUME_MAX_FAILURES_ALL", 3)
    monkeypatch.setattr(participants, "RESUME_SLOWDOWN_FROM", 3)
    slept: list[float] = []
    monkeypatch.setattr(participants.time, "sleep", slept.append)
    t0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
    for i in range(3):  # three addresses, one wrong code each
        with pytest.raises(ResumeCodeError, match="No sort was found"):
            sv.resume_by_code(db, _wrong_code(i), client=f"192.0.2.{i}", now=t0)
    assert slept == []
    # the participant with the right code still gets in (after a short wait) ...
    assert sv.resume_by_code(db, s.resume_code, client="192.0.2.200",
                             now=t0 + timedelta(minutes=1)).state.participant == "P001"
    # ... and wrong codes are still checked, slowly
    with pytest.raises(ResumeCodeError, match="No sort was found"):
        sv.resume_by_code(db, _wrong_code(7), client="192.0.2.201", now=t0 + timedelta(minutes=1))
    assert slept == [participants.RESUME_SLOWDOWN_S] * 2


def test_resume_code_limit_holds_per_ipv6_network_and_per_browser(db, mini):
    """Fails on the old code: every IPv6 address of one /64 and every new address of one browser
    got five fresh tries."""
    s, _ = consented(db, mini)
    t0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
    for i in range(sv.RESUME_MAX_FAILURES):  # five addresses of one /64 network
        with pytest.raises(ResumeCodeError, match="No sort was found"):
            sv.resume_by_code(db, _wrong_code(i), client=f"2001:db8:1:2::{i + 1:x}", now=t0)
    with pytest.raises(ResumeLimitError, match="Try again in 15 minutes"):
        sv.resume_by_code(db, s.resume_code, client="2001:db8:1:2:ffff::9", now=t0)
    assert sv.resume_by_code(db, s.resume_code, client="2001:db8:1:3::1", now=t0).state.participant == "P001"
    # one browser (cookie id) moving between addresses
    for i in range(sv.RESUME_MAX_FAILURES):
        with pytest.raises(ResumeCodeError, match="No sort was found"):
            sv.resume_by_code(db, _wrong_code(10 + i), client=f"198.51.100.{i}", browser="b-1", now=t0)
    with pytest.raises(ResumeLimitError):
        sv.resume_by_code(db, s.resume_code, client="198.51.100.99", browser="b-1", now=t0)
    assert sv.resume_by_code(db, s.resume_code, client="198.51.100.99", browser="b-2",
                             now=t0).state.participant == "P001"


def test_nul_characters_are_refused_with_a_clear_message(db, mini):
    """Fails on the old code on PostgreSQL: raw database errors ("A string literal cannot contain
    NUL") for ?study=, ?invite=, a comment and a resume code."""
    with pytest.raises(StudyError, match="NUL"):
        sv.start_participant(db, "mi\x00ni")
    with pytest.raises(StudyError, match="NUL"):
        sv.start_participant(db, mini.id, external_id="abc\x00")
    with pytest.raises(QMethodError, match="NUL"):
        sv.study_info(db, "mi\x00ni")
    s, st = consented(db, mini)
    with pytest.raises(QMethodError, match="NUL"):
        sv.save_comment(db, s.token, mini.statement_ids[0], "fordi\x00", expected_version=st.version)
    with pytest.raises(QMethodError, match="NUL"):
        sv.save_answer(db, s.token, "age", "4\x002", expected_version=st.version)
    with pytest.raises(ResumeCodeError, match="NUL"):
        sv.resume_by_code(db, "ABCDE\x0023456")
    assert sv.resume(db, s.token) == st  # nothing was stored


def test_one_bad_study_file_does_not_take_the_others_offline(db, mini, tmp_path):
    """Fails on the old code: publishing at start-up stopped at the first bad study.toml (and every
    page then failed), here a malformed file sorted before the good ones and a study whose
    statements changed after participants started."""
    import shutil

    from qmethod.service.studies import publishing_problems

    base = tmp_path / "studies"
    shutil.copytree(MINI_DIR, base / "b-mini")
    (base / "a-broken").mkdir()
    (base / "a-broken" / "study.toml").write_text('[study]\nid = "broken"\ntitle.en = [[[[\n', encoding="utf-8")
    shutil.copytree(DEMO_DIR, base / "c-demo")
    consented(db, mini)  # mini has a participant now: its statements may no longer change
    changed = (base / "b-mini" / "study.toml").read_text(encoding="utf-8").replace('id = "A"', 'id = "A2"', 1)
    assert changed != (base / "b-mini" / "study.toml").read_text(encoding="utf-8")
    (base / "b-mini" / "study.toml").write_text(changed, encoding="utf-8")
    infos = sv.publish_studies_dir(db, base)
    assert [i.id for i in infos] == ["brukermedvirkning"]
    assert sv.get_study(db, "brukermedvirkning").id == "brukermedvirkning"
    problems = {Path(p.path).parent.name: p.message for p in publishing_problems()}
    assert set(problems) == {"a-broken", "b-mini"}
    assert "statements" in problems["b-mini"] and "cannot change" in problems["b-mini"]
    assert "study.toml" in problems["a-broken"]
    assert sv.get_study(db, mini.id).statement_ids == mini.statement_ids  # the collected data are untouched


# -- operations (one participant action each) ----------------------------------------------------------

def test_an_operation_on_a_submitted_sort_is_refused_as_completed_and_recorded(db, mini):
    from qmethod.service.participants import apply_operation

    s, st = complete(db, mini)
    op = {"op_id": "after-submit-1", "kind": "remove", "statement": "A", "expected_version": st.version}
    out = apply_operation(db, s.token, op)
    assert (out.result, out.reason) == ("refused", "completed") and out.state.completed
    again = apply_operation(db, s.token, {**op, "expected_version": 0})  # the record answers, not the version
    assert again.repeated and again.reason == "completed"
    assert sv.resume(db, s.token).version == st.version


def test_operations_are_checked_before_anything_is_read(db, mini):
    from qmethod.service.participants import apply_operation, parse_operation

    s, st = consented(db, mini)
    bad = [{"op_id": "short", "kind": "pile", "statement": "A", "pile": "agree", "expected_version": 0},
           {"op_id": "ok-0000001", "kind": "pile", "statement": "A", "pile": 3, "expected_version": 0},
           {"op_id": "ok-0000002", "kind": "swap", "statement": "A", "expected_version": 0},
           {"op_id": "ok-0000003", "kind": "place", "statement": "A", "column": 1, "position": -1,
            "expected_version": 0},
           {"op_id": "ok-0000004", "kind": "place", "statement": "A", "column": 1, "position": None,
            "expected_version": 0, "token": "x"}]
    for raw in bad:
        with pytest.raises(StudyError):
            parse_operation(raw)
    n = _events(db)
    with pytest.raises(StudyError):
        apply_operation(db, s.token, bad[0])
    with pytest.raises(ResumeCodeError):
        apply_operation(db, "no-such-token", {"op_id": "ok-0000005", "kind": "remove", "statement": "A",
                                              "expected_version": 0})
    assert _events(db) == n and sv.resume(db, s.token).version == st.version


def test_a_device_over_its_own_limit_never_waits_in_the_slow_lane(db, mini, monkeypatch):
    """Fails on the old code: while checking was slowed down, requests from an address already over
    its limit still took the process's slow lane (2 s each) before being refused, so an attacker
    could keep a participant with the right code waiting as long as it liked."""
    from qmethod.service import participants

    s, _ = consented(db, mini)
    monkeypatch.setattr(participants, "RESUME_SLOWDOWN_FROM", 1)
    slept: list[float] = []
    monkeypatch.setattr(participants.time, "sleep", slept.append)
    t0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
    for i in range(sv.RESUME_MAX_FAILURES):  # one address uses up its tries (slowly)
        with pytest.raises(ResumeCodeError, match="No sort was found"):
            sv.resume_by_code(db, _wrong_code(i), client="203.0.113.9", now=t0)
    waited = len(slept)
    for i in range(20):  # ... and keeps asking: refused at once, no place in the lane
        with pytest.raises(ResumeLimitError):
            sv.resume_by_code(db, _wrong_code(50 + i), client="203.0.113.9", now=t0)
    assert len(slept) == waited
    assert sv.resume_by_code(db, s.resume_code, client="198.51.100.4", now=t0).state.participant == "P001"


def test_the_slow_lane_serves_in_arrival_order():
    """A plain lock lets a newcomer overtake; the lane serves tickets in turn."""
    import threading as th

    from qmethod.service.participants import _FifoLane

    lane, order, started = _FifoLane(), [], []
    gate = th.Event()

    def worker(k: int) -> None:
        with lane:
            order.append(k)
            if k == 0:
                gate.wait(5)

    first = th.Thread(target=worker, args=(0,))
    first.start()
    while not order:
        pass
    threads = []
    for k in range(1, 8):
        t = th.Thread(target=worker, args=(k,))
        t.start()
        threads.append(t)
        while lane._next != k + 1:  # each has drawn its ticket before the next one arrives
            pass
    gate.set()
    for t in [first, *threads]:
        t.join(5)
    assert order == list(range(8))
