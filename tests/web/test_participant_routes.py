"""The participant's operation endpoint: one action = one operation = one transaction = one audit
event, idempotent on op_id, the version check (409 with the stored state), refusals the page can
show, authentication by header, same-origin only and a size limit; on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

from qmethod import service as sv
from qmethod.web.participant import MAX_BODY, OP_PATH, STATE_PATH, TOKEN_HEADER

ORIGIN = "http://testserver"


def _at_grid(db, study):
    s = sv.start_participant(db, study.id)
    st = sv.give_consent(db, s.token, study.consent.version, expected_version=0)
    for sid in study.statement_ids:
        st = sv.set_pile(db, s.token, sid, "neutral", expected_version=st.version)
    st = sv.set_stage(db, s.token, "grid", expected_version=st.version)
    return s.token, st


def _post(client, token, op, **headers):
    h = {TOKEN_HEADER: token, "Origin": ORIGIN, "Sec-Fetch-Site": "same-origin"}
    h.update(headers)
    return client.post(OP_PATH, json=op, headers={k: v for k, v in h.items() if v is not None})


def _trail(db, study_id, code):
    return [(e.kind, {k: v for k, v in e.payload.items() if k != "op"}) for e in sv.audit_trail(db, study_id, code)]


def test_a_placement_is_one_operation_one_event_and_a_repeat_applies_nothing(db, mini, client):
    token, st = _at_grid(db, mini)
    before = len(sv.audit_trail(db, "mini", st.participant))
    op = {"op_id": "op-0001-aaaa", "kind": "place", "statement": "A", "column": -2, "position": 0,
          "expected_version": st.version}
    r = _post(client, token, op)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["result"] == "applied" and body["state"]["columns"]["-2"] == ["A"]
    assert body["state"]["version"] == st.version + 1
    trail = _trail(db, "mini", st.participant)
    assert len(trail) == before + 1 and trail[-1] == ("place", {"statement": "A", "score": -2, "position": 0})

    again = _post(client, token, op)  # the answer was lost; the browser posts the same operation
    assert again.status_code == 200 and again.json()["repeated"] is True
    assert len(sv.audit_trail(db, "mini", st.participant)) == before + 1
    assert sv.resume(db, token).version == st.version + 1


def test_a_swap_between_full_columns_is_one_event(db, mini, client):
    token, st = _at_grid(db, mini)
    st = sv.place_statement(db, token, "A", -2, expected_version=st.version)
    st = sv.place_statement(db, token, "B", 2, expected_version=st.version)
    n = len(sv.audit_trail(db, "mini", st.participant))
    r = _post(client, token, {"op_id": "swap-0001", "kind": "swap", "statement": "A", "other": "B",
                              "expected_version": st.version})
    assert r.status_code == 200, r.text
    assert r.json()["state"]["columns"]["-2"] == ["B"] and r.json()["state"]["columns"]["2"] == ["A"]
    trail = _trail(db, "mini", st.participant)
    assert len(trail) == n + 1 and trail[-1] == ("swap", {"a": "A", "b": "B"})


def test_a_stale_version_gets_409_with_the_stored_state_and_changes_nothing(db, mini, client):
    token, st = _at_grid(db, mini)
    other = sv.place_statement(db, token, "C", 0, expected_version=st.version)  # another device
    r = _post(client, token, {"op_id": "stale-0001", "kind": "place", "statement": "A", "column": -2,
                              "position": None, "expected_version": st.version})
    assert r.status_code == 409
    body = r.json()
    assert body["result"] == "stale" and body["state"]["version"] == other.version
    assert body["state"]["columns"]["0"] == ["C"] and body["state"]["columns"]["-2"] == []
    assert sv.resume(db, token).version == other.version
    # the browser re-applies its operation on the stored state: the same op_id, the new version
    r = _post(client, token, {"op_id": "stale-0001", "kind": "place", "statement": "A", "column": -2,
                              "position": None, "expected_version": other.version})
    assert r.status_code == 200 and r.json()["state"]["columns"] == {
        "-2": ["A"], "-1": [], "0": ["C"], "1": [], "2": []}


def test_a_full_forced_column_is_refused_with_the_column_and_the_refusal_is_kept(db, mini, client):
    token, st = _at_grid(db, mini)
    st = sv.place_statement(db, token, "A", 2, expected_version=st.version)
    n = len(sv.audit_trail(db, "mini", st.participant))
    op = {"op_id": "full-0001", "kind": "place", "statement": "B", "column": 2, "position": None,
          "expected_version": st.version}
    r = _post(client, token, op)
    assert r.status_code == 422
    body = r.json()
    assert (body["result"], body["reason"], body["column"], body["capacity"]) == ("refused", "column_full", 2, 1)
    assert "full" in body["message"] and body["state"]["columns"]["2"] == ["A"]
    assert len(sv.audit_trail(db, "mini", st.participant)) == n and sv.resume(db, token).version == st.version
    assert _post(client, token, op).json()["repeated"] is True  # the same refusal, nothing applied


def test_a_late_operation_from_a_page_already_left_is_refused(db, mini, client):
    token, st = _at_grid(db, mini)
    r = _post(client, token, {"op_id": "late-pile-1", "kind": "pile", "statement": "A", "pile": "agree",
                              "expected_version": st.version})
    assert r.status_code == 422 and r.json()["reason"] == "not_allowed"
    assert sv.resume(db, token).piles["A"] == "neutral"


@pytest.mark.parametrize("headers", [{TOKEN_HEADER: None}, {TOKEN_HEADER: "not-a-token"}])
def test_the_token_header_authenticates(db, mini, client, headers):
    token, st = _at_grid(db, mini)
    r = _post(client, token, {"op_id": "auth-00001", "kind": "remove", "statement": "A",
                              "expected_version": st.version}, **headers)
    assert r.status_code == 401
    # a token in the address is not accepted either
    r = client.post(OP_PATH + f"?p={token}", json={"op_id": "auth-00002", "kind": "place", "statement": "A",
                                                   "column": 0, "position": None, "expected_version": st.version})
    assert r.status_code == 401
    assert sv.resume(db, token).version == st.version


@pytest.mark.parametrize("headers", [{"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "cross-site"},
                                     {"Origin": "null"}, {"Sec-Fetch-Site": "same-site"}])
def test_other_origins_are_refused(db, mini, client, headers):
    token, st = _at_grid(db, mini)
    op = {"op_id": "cross-0001", "kind": "place", "statement": "A", "column": 0, "position": None,
          "expected_version": st.version}
    assert _post(client, token, op, **headers).status_code == 403
    assert client.get(STATE_PATH, headers={TOKEN_HEADER: token, **headers}).status_code == 403
    assert sv.resume(db, token).version == st.version


def test_size_limit_and_malformed_bodies(db, mini, client):
    token, st = _at_grid(db, mini)
    big = {"op_id": "big-00001", "kind": "place", "statement": "A" * (MAX_BODY + 10), "column": 0,
           "position": None, "expected_version": st.version}
    assert _post(client, token, big).status_code == 413
    h = {TOKEN_HEADER: token, "Origin": ORIGIN}
    assert client.post(OP_PATH, content=b"{" * 10, headers={**h, "Content-Type": "application/json"}).status_code == 400
    # nested deeper than the JSON reader recurses (a 500 and a traceback before): a plain 400
    deep = b"[" * 2000 + b"]" * 2000
    r = client.post(OP_PATH, content=deep, headers={**h, "Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["message"] == "The body is not valid JSON."
    assert client.post(OP_PATH, content=b"kind=place", headers={
        **h, "Content-Type": "application/x-www-form-urlencoded"}).status_code == 415
    for bad in ({"op_id": "x", "kind": "place"}, {"op_id": "ok-000001", "kind": "teleport", "statement": "A",
                                                  "expected_version": 0},
                {"op_id": "ok-000002", "kind": "place", "statement": "A", "column": "0", "expected_version": 0},
                {"op_id": "ok-000003", "kind": "remove", "statement": "A", "expected_version": True}):
        r = _post(client, token, bad)
        assert r.status_code == 400, (bad, r.text)
        assert r.json()["message"]
    assert sv.resume(db, token).version == st.version


def test_state_is_read_by_header(db, mini, client):
    token, st = _at_grid(db, mini)
    st = sv.place_statement(db, token, "D", 1, expected_version=st.version)
    r = client.get(STATE_PATH, headers={TOKEN_HEADER: token, "Sec-Fetch-Site": "same-origin"})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    assert r.json()["state"]["version"] == st.version and r.json()["state"]["columns"]["1"] == ["D"]
    assert client.get(STATE_PATH).status_code == 401


def test_replaying_the_trail_of_operations_gives_the_stored_state(db, mini, client):
    token, st = _at_grid(db, mini)
    version = st.version
    ops = [("place", "A", -2), ("place", "B", 0), ("move", "B", 2), ("place", "C", 0), ("remove", "C", None),
           ("place", "D", -1)]
    for i, (kind, sid, col) in enumerate(ops):
        op = {"op_id": f"replay-{i:04d}", "kind": kind, "statement": sid, "expected_version": version}
        if kind != "remove":
            op.update(column=col, position=None)
        r = _post(client, token, op)
        assert r.status_code == 200, r.text
        version = r.json()["state"]["version"]
    assert sv.replay_participant(db, "mini", st.participant) == sv.participant_state(db, "mini", st.participant)
    assert [k for k, _ in _trail(db, "mini", st.participant)][-6:] == ["place", "place", "move", "place", "remove",
                                                                        "place"]


def test_a_busy_database_is_503_and_the_retry_is_stored_once(db, mini, client, monkeypatch):
    from qmethod.errors import StorageBusyError
    from qmethod.web import participant as web

    token, st = _at_grid(db, mini)
    real, calls = web.apply_operation, []

    def busy_once(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise StorageBusyError("The database is busy right now and this step was not saved.")
        return real(*args, **kwargs)

    monkeypatch.setattr(web, "apply_operation", busy_once)
    op = {"op_id": "busy-00001", "kind": "place", "statement": "A", "column": 0, "position": None,
          "expected_version": st.version}
    r = _post(client, token, op)
    assert r.status_code == 503 and r.headers["retry-after"] == "1"
    assert sv.resume(db, token).version == st.version
    r = _post(client, token, op)  # the browser's retry
    assert r.status_code == 200 and r.json()["state"]["columns"]["0"] == ["A"]
    assert [k for k, _ in _trail(db, "mini", st.participant)].count("place") == 1
