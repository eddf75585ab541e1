"""Several conditions of instruction: one Q-sort per condition, one consent, one resume code, one survey."""
from __future__ import annotations

from pathlib import Path

import pytest

from qmethod import service as sv
from qmethod.errors import NotFoundError, StudyError
from qmethod.study import load_study
from service_helpers import fill_grid

COND = Path(__file__).parents[2] / "tests" / "data" / "studies" / "conditions"


@pytest.fixture
def cond(db):
    sv.publish_study_file(db, COND)
    return load_study(COND)


def _sort(db, token, study, st, order):
    """Presort, grid in ``order`` and the required comments of the sort in progress; returns the state."""
    for sid in study.statement_ids:
        st = sv.set_pile(db, token, sid, "neutral", expected_version=st.version)
    st = fill_grid(db, token, study, st, order)
    for score in study.postsort.columns:
        for sid in st.columns[score]:
            st = sv.save_comment(db, token, sid, f"om {sid}", expected_version=st.version)
    return st


def test_each_condition_is_its_own_sort_with_one_consent_code_and_survey(db, cond):
    s = sv.start_participant(db, "conditions")
    assert s.state.participant == "P001-now" and s.state.condition == "now"
    st = sv.give_consent(db, s.token, cond.consent.version, expected_version=s.state.version)
    st = _sort(db, s.token, cond, st, list("ABCDEF"))
    assert "survey" not in st.stages  # the survey is asked once, after the last condition
    nxt = sv.submit(db, s.token, expected_version=st.version)
    # the same token now holds the next condition, consented, with the instruction due
    assert nxt.participant == "P001-ideal" and nxt.condition == "ideal" and not nxt.completed
    assert nxt.consent_version == cond.consent.version and nxt.stage == "consent"
    assert sv.resume(db, s.token) == nxt
    # a double click on the first sort's Submit changes nothing
    assert sv.submit(db, s.token, expected_version=st.version) == nxt
    # the resume code opens the condition in progress on another device
    other = sv.resume_by_code(db, s.resume_code, client="10.0.0.9")
    assert other.state.participant == "P001-ideal"
    st = sv.set_stage(db, other.token, "presort", expected_version=nxt.version)
    st = _sort(db, other.token, cond, st, list("FEDCBA"))
    assert "survey" in st.stages
    st = sv.save_answer(db, other.token, "age", 33, expected_version=st.version)
    done = sv.submit(db, s.token, expected_version=st.version)
    assert done.completed and done.participant == "P001-ideal"
    # the next person is P002: a further condition's sort uses up no participant number
    assert sv.start_participant(db, "conditions").state.participant == "P002-now"
    assert [p.participant for p in sv.participant_progress(db, "conditions")] == ["P001-now", "P001-ideal",
                                                                                 "P002-now"]

    everything = sv.completed_sorts(db, "conditions")
    assert list(everything.sorts.columns) == ["P001-now", "P001-ideal"]
    assert everything.sorts["P001-now"].to_dict() == {"A": -2, "B": -1, "C": 0, "D": 0, "E": 1, "F": 2}
    assert everything.sorts["P001-ideal"].to_dict() == {"F": -2, "E": -1, "D": 0, "C": 0, "B": 1, "A": 2}
    table = everything.participants
    assert table.loc["P001-now", "person"] == table.loc["P001-ideal", "person"] == "P001"
    assert table["condition"].tolist() == ["now", "ideal"]
    assert table["age"].tolist() == [33, 33]  # asked once, belongs to both sorts
    ideal = sv.completed_sorts(db, "conditions", condition="ideal")
    assert list(ideal.sorts.columns) == ["P001-ideal"]
    with pytest.raises(NotFoundError, match="no condition 'later'"):
        sv.completed_sorts(db, "conditions", condition="later")
    # the audit trail of the second sort replays to its stored state
    assert sv.replay_participant(db, "conditions", "P001-ideal") == sv.participant_state(db, "conditions",
                                                                                         "P001-ideal")


def test_study_without_conditions_keeps_one_sort_and_plain_codes(db, mini):
    s = sv.start_participant(db, "mini")
    assert s.state.participant == "P001" and s.state.condition is None
    assert "person" not in sv.completed_sorts(db, "mini").participants.columns


def test_conditions_cannot_change_once_someone_has_started(db, cond, tmp_path):
    sv.start_participant(db, "conditions")
    changed = tmp_path / "conditions"
    changed.mkdir()
    (changed / "study.toml").write_text((COND / "study.toml").read_text(encoding="utf-8").replace(
        'id = "ideal"', 'id = "wish"'), encoding="utf-8")
    with pytest.raises(StudyError, match="conditions of instruction cannot change"):
        sv.publish_study_file(db, changed)
