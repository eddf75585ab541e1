"""Two serving processes, one database: a participant moves from one to the other mid-sort.

The app keeps no participant state in process memory that another process needs: the token (or the
resume code) and the database are enough. Each process here is a separate OS process calling the
service layer, as two app servers behind a load balancer would; version checks stop a stale process
from overwriting what the other saved.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import loadlib
import pytest

from qmethod import service as sv

pytestmark = pytest.mark.slow  # spawns serving processes; make test runs it, make test-fast does not
CHILD = Path(__file__).with_name("step_child.py")
SEED = 11


class Server:
    """One serving process driven over a pipe."""

    def __init__(self, url: str) -> None:
        env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
        self.proc = subprocess.Popen([sys.executable, str(CHILD), url, "brukermedvirkning", str(SEED)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)

    def send(self, **cmd) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()

    def recv(self) -> dict:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line, "the serving process stopped"
        return json.loads(line)

    def __call__(self, **cmd) -> dict:
        self.send(**cmd)
        return self.recv()

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        assert self.proc.returncode == 0


@pytest.fixture
def servers(db, database_url):
    sv.publish_study_file(db, loadlib.DEMO)
    a, b = Server(database_url), Server(database_url)
    yield a, b
    a.close()
    b.close()


def test_participant_moves_between_processes_mid_sort(db, servers):
    a, b = servers
    study = sv.get_study(db, "brukermedvirkning")
    session = sv.start_participant(db, study.id, external_id="moving")
    tok = session.token
    assert a(op="resume", token=tok)["v"] == 0
    v = 0
    for _ in range(20):  # consent, presort, some piles on server A
        r = a(op="step", token=tok, v=v)
        assert "error" not in r and r["v"] == v + 1
        v = r["v"]
    # the same browser tab is now routed to server B (another process, nothing shared but the database)
    assert b(op="resume", token=tok)["v"] == v
    for _ in range(10):
        v = b(op="step", token=tok, v=v)["v"]
    # server A still shows the older state (version 20). Its planned next step is one B already
    # stored, so it arrives as a resend: accepted, nothing new written
    stored = sv.resume(db, tok)
    resent = a(op="step", token=tok, v=20)
    assert resent == {"k": "pile", "v": v}
    # a different step from that stale page is refused, not written over B's work
    sid = next(iter(stored.piles))
    other = "agree" if stored.piles[sid] != "agree" else "disagree"
    a(op="resume", token=tok)
    assert a(op="step", token=tok, v=v)["v"] == v + 1  # A is current again and saves
    v += 1
    stale = b(op="pile", token=tok, v=v - 1, statement=sid, pile=other)
    assert stale == {"k": "pile", "error": "ConflictError", "stored": v}
    assert sv.resume(db, tok).version == v and sv.resume(db, tok).piles[sid] == stored.piles[sid]
    # another device continues with the resume code on server A (a new token for the same sort)
    moved = a(op="resume_code", code=session.resume_code)
    tok2 = moved["token"]
    assert moved["v"] == v and tok2 != tok
    # then every step alternates between the servers, each on the token its device holds
    for n in range(200):
        server, token = (a, tok2) if n % 2 else (b, tok)
        server(op="resume", token=token)  # a page load on that server: the stored state
        r = server(op="step", token=token, v=v)
        assert "error" not in r, r
        v = r["v"]
        if r["k"] == "submit":
            break
    else:
        raise AssertionError("the sort was not submitted within 200 steps")
    state = sv.resume(db, tok)
    assert state.submitted_at is not None and not state.unplaced and state.version == v
    assert sv.replay_participant(db, study.id, state.participant) == sv.participant_state(db, study.id, state.participant)
    trail = sv.audit_trail(db, study.id, state.participant)
    assert [e.version for e in trail] == list(range(v + 1))  # every step once, in order, none lost
    assert sv.completed_sorts(db, study.id).sorts.shape == (34, 1)


def test_two_processes_racing_on_one_version_store_exactly_one_step(db, servers):
    a, b = servers
    study = sv.get_study(db, "brukermedvirkning")
    session = sv.start_participant(db, study.id)
    tok = session.token
    a(op="resume", token=tok)
    b(op="resume", token=tok)
    v = 0
    for round_ in range(15):
        # both processes send their next step for the same shown version at the same moment
        a.send(op="step", token=tok, v=v)
        b.send(op="step", token=tok, v=v)
        ra, rb = a.recv(), b.recv()
        ok = [r for r in (ra, rb) if "error" not in r]
        # the same step from both (a resend) is stored once; otherwise the loser gets a conflict
        assert len(ok) >= 1 and all(r["v"] == v + 1 for r in ok), (ra, rb)
        v += 1
        for server, r in ((a, ra), (b, rb)):
            if "error" in r:
                assert r["stored"] == v
            server(op="resume", token=tok)
    trail = sv.audit_trail(db, study.id, session.state.participant)
    assert [e.version for e in trail] == list(range(v + 1))
    assert sv.resume(db, tok).version == v
