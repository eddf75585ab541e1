"""Simulated participants for the load benchmark and the load tests.

A participant follows a plan made from a seed (piles, a full valid grid, comments, survey answers)
and takes its next step from the *stored* state alone, so a participant whose serving process was
killed continues exactly where the database says it is. Every step goes through
:mod:`qmethod.service`, the layer the participant pages call.

Run as a script this module is the *serving process* of the benchmark (``worker``): it drives the
participants it is given, one thread each, and writes one JSON line per acknowledged step to stdout
(flushed, so a parent that kills it with SIGKILL knows exactly which steps were acknowledged)::

    python bench/loadlib.py worker URL STUDY_ID RUN_ID THINK SEED DEADLINE [STAGGER] < participants.jsonl

``participants.jsonl`` has one ``{"i": number, "token": token or null}`` per participant.
Acknowledgement lines: ``{"i", "k" (step kind), "v" (stored version), "p" (participant code),
"lat" (seconds), "t" (token, on start), "e" (error class, for a refused step that was retried)}``.
"""
from __future__ import annotations

import json
import random
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from qmethod import service as sv  # noqa: E402
from qmethod.errors import ConflictError, StorageBusyError  # noqa: E402
from qmethod.study import Study  # noqa: E402

DEMO = ROOT / "studies" / "brukermedvirkning"
#: steps a participant may take at most (bounded loops: a plan needs about 2 x statements + 15)
MAX_STEPS_FACTOR = 4


@dataclass(frozen=True)
class Plan:
    """What one simulated participant will do."""

    piles: dict[str, str]
    order: tuple[str, ...]  # the order in which statements are placed
    scores: dict[str, int]  # the final grid: statement -> column
    comments: dict[str, str]  # statement -> text (for statements in the comment columns)
    answers: dict[str, Any]


def make_plan(study: Study, seed: int) -> Plan:
    """A random but valid plan: every statement on a pile, a full grid, comments and answers."""
    rng = random.Random(seed)
    ids = list(study.statement_ids)
    piles = {sid: rng.choice(("disagree", "neutral", "agree")) for sid in ids}
    shuffled = ids[:]
    rng.shuffle(shuffled)
    scores: dict[str, int] = {}
    it = iter(shuffled)
    for col in study.grid.columns:
        for _ in range(col.count):
            scores[next(it)] = col.score
    order = ids[:]
    rng.shuffle(order)
    comment_cols = set(study.postsort.columns) if study.postsort.enabled else set()
    comments = {sid: f"Kommentar {seed}-{sid}: æøå" for sid, score in scores.items() if score in comment_cols}
    answers: dict[str, Any] = {}
    for q in study.survey:
        if q.type == "single":
            answers[q.id] = rng.choice(q.option_values())
        elif q.type == "multiple":
            answers[q.id] = sorted(rng.sample(list(q.option_values()), k=min(2, len(q.options))))
        elif q.type == "number":
            answers[q.id] = rng.randint(int(q.min or 0), int(min(q.max or 10, 60)))
        else:
            answers[q.id] = f"Svar {seed}"
    return Plan(piles, tuple(order), scores, comments, answers)


Step = tuple[str, Callable[[Any, str, int], Any]]


def next_step(study: Study, state, plan: Plan) -> Step | None:
    """The next step for this participant, decided from the stored ``state`` only (None: done)."""
    if state.submitted_at is not None:
        return None
    stages = state.stages
    if state.consent_version is None:
        return "consent", lambda db, tok, v: sv.give_consent(db, tok, study.consent.version, expected_version=v)
    if "presort" in stages and state.unpiled and state.stage == "consent":
        return "stage", lambda db, tok, v: sv.set_stage(db, tok, "presort", expected_version=v)
    if "presort" in stages and state.unpiled:
        sid = state.unpiled[0]
        return "pile", lambda db, tok, v: sv.set_pile(db, tok, sid, plan.piles[sid], expected_version=v)
    if state.stage in ("consent", "presort"):
        return "stage", lambda db, tok, v: sv.set_stage(db, tok, "grid", expected_version=v)
    if state.unplaced:
        unplaced = set(state.unplaced)
        sid = next(s for s in plan.order if s in unplaced)
        return "place", lambda db, tok, v: sv.place_statement(db, tok, sid, plan.scores[sid], expected_version=v)
    if "comments" in stages:
        if state.stage == "grid":
            return "stage", lambda db, tok, v: sv.set_stage(db, tok, "comments", expected_version=v)
        todo = [s for s in plan.comments if state.score_of(s) in study.postsort.columns and s not in state.comments]
        if todo:
            sid = todo[0]
            return "comment", lambda db, tok, v: sv.save_comment(db, tok, sid, plan.comments[sid], expected_version=v)
    if "survey" in stages:
        if state.stage != "survey":
            return "stage", lambda db, tok, v: sv.set_stage(db, tok, "survey", expected_version=v)
        todo = [q for q in plan.answers if q not in state.answers]
        if todo:
            qid = todo[0]
            return "answer", lambda db, tok, v: sv.save_answer(db, tok, qid, plan.answers[qid], expected_version=v)
    return "submit", lambda db, tok, v: sv.submit(db, tok, expected_version=v)


def external_id(run_id: str, i: int) -> str:
    return f"{run_id}-{i}"


def run_participant(db, study: Study, run_id: str, i: int, token: str | None, *, think: float, seed: int,
                    deadline: float, emit: Callable[[dict], None], stagger: float = 0.0) -> None:
    """Drive participant ``i`` to a submitted sort (starting it if ``token`` is None).

    ``stagger`` > 0: a new participant first waits a uniformly random 0..stagger seconds, as people do
    not all press Start in the same second (the wait is not part of any latency).
    """
    rng = random.Random(seed * 1_000_003 + i)
    plan = make_plan(study, seed * 1_000_003 + i)
    if token is None and stagger > 0:
        time.sleep(min(random.Random(-(seed * 1_000_003 + i)).uniform(0.0, stagger),
                       max(0.0, deadline - time.monotonic())))
    if token is None:
        t0 = time.perf_counter()
        session = sv.start_participant(db, study.id, external_id=external_id(run_id, i))
        token, state = session.token, session.state
        emit({"i": i, "k": "start", "v": state.version, "p": state.participant, "t": token,
              "lat": time.perf_counter() - t0})
    else:
        state = sv.resume(db, token)
    for _ in range(MAX_STEPS_FACTOR * len(study.statement_ids) + 50):
        if time.monotonic() > deadline:
            return
        step = next_step(study, state, plan)
        if step is None:
            return
        if think > 0:
            time.sleep(min(rng.expovariate(1.0 / think), 20 * think))
        kind, fn = step
        t0 = time.perf_counter()
        try:
            state = fn(db, token, state.version)
        except StorageBusyError:
            emit({"i": i, "k": kind, "e": "busy", "lat": time.perf_counter() - t0})
            continue  # nothing was saved: the same step is sent again
        except ConflictError as exc:  # not expected from a single driver; redraw from the stored state
            emit({"i": i, "k": kind, "e": "conflict", "lat": time.perf_counter() - t0})
            state = exc.state
            continue
        emit({"i": i, "k": kind, "v": state.version, "p": state.participant, "lat": time.perf_counter() - t0})


def worker(url: str, study_id: str, run_id: str, think: float, seed: int, deadline_s: float,
           people: Iterable[dict], stagger: float = 0.0) -> None:
    """The serving process: one thread per participant, acknowledgements as JSON lines on stdout."""
    db = sv.open_database(url, migrate=False)
    study = sv.get_study(db, study_id)
    out = sys.stdout
    lock = threading.Lock()

    def emit(rec: dict) -> None:
        line = json.dumps(rec, separators=(",", ":")) + "\n"
        with lock:
            out.write(line)
            out.flush()

    deadline = time.monotonic() + deadline_s
    errors: list[str] = []

    def one(p: dict) -> None:
        try:
            run_participant(db, study, run_id, p["i"], p.get("token"), think=think, seed=seed, deadline=deadline,
                            emit=emit, stagger=stagger)
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which counts it
            errors.append(repr(exc))
            emit({"i": p["i"], "k": "error", "e": repr(exc)[:300]})

    threads = [threading.Thread(target=one, args=(p,), daemon=True) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()) + 5)
    db.dispose()


# ---- the parent side: start serving processes, kill them, restart them, check the database ----------


@dataclass
class LoadRun:
    """Acknowledgements and timings of one load run (possibly over several serving processes)."""

    acks: list[dict]
    wall: float
    killed: int = 0  # serving processes killed with SIGKILL
    restarts: int = 0


def _spawn(url: str, study_id: str, run_id: str, think: float, seed: int, deadline: float, people: list[dict],
           stagger: float = 0.0):
    import os
    import subprocess

    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "worker", url, study_id, run_id, str(think), str(seed),
         str(deadline), str(stagger)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    assert proc.stdin is not None
    proc.stdin.write("".join(json.dumps(p) + "\n" for p in people))
    proc.stdin.close()
    return proc


def drive(url: str, study_id: str, n: int, *, run_id: str = "load", processes: int = 1, think: float = 0.0,
          seed: int = 1, kill_after_acks: int | None = None, timeout: float = 600.0,
          stagger: float = 0.0) -> LoadRun:
    """Run ``n`` participants through serving processes (``processes`` of them, participants dealt
    round-robin) until every one has submitted.

    With ``kill_after_acks`` the serving processes are killed with SIGKILL once that many steps have
    been acknowledged, then started again with the tokens acknowledged so far: participants with a
    token resume from the database, the others start (again). ``stagger``: participants start at
    uniformly random moments over that many seconds instead of all at once.
    """
    import signal

    acks: list[dict] = []
    lock = threading.Lock()
    hit = threading.Event()
    tokens: dict[int, str] = {}
    start = time.perf_counter()
    stop_at = time.monotonic() + timeout
    killed = restarts = 0

    def reader(proc) -> None:
        for line in proc.stdout:
            if not line.endswith("\n"):
                break  # a line cut by the kill was never acknowledged
            rec = json.loads(line)
            with lock:
                acks.append(rec)
                if "t" in rec:
                    tokens[rec["i"]] = rec["t"]
                if kill_after_acks is not None and len(acks) >= kill_after_acks:
                    hit.set()

    def round_(people: list[dict], kill: bool) -> bool:
        shares = [people[j::processes] for j in range(processes)]
        procs = [_spawn(url, study_id, run_id, think, seed, max(1.0, stop_at - time.monotonic()), share, stagger)
                 for share in shares if share]
        readers = [threading.Thread(target=reader, args=(p,), daemon=True) for p in procs]
        for r in readers:
            r.start()
        was_killed = False
        if kill:
            while not hit.wait(0.05):
                if all(p.poll() is not None for p in procs) or time.monotonic() > stop_at:
                    break
            if hit.is_set():
                for p in procs:
                    p.send_signal(signal.SIGKILL)
                was_killed = True
        for p in procs:
            try:
                p.wait(timeout=max(1.0, stop_at - time.monotonic()) + 10)
            except Exception:  # noqa: BLE001 - a stuck process is killed and reported by the counts
                p.kill()
                p.wait()
        for r in readers:
            r.join(10)
        for p in procs:
            err = p.stderr.read() if p.stderr else ""
            if p.returncode not in (0, -signal.SIGKILL) and err:
                print(err[-2000:], file=sys.stderr)
        return was_killed

    people = [{"i": i, "token": None} for i in range(n)]
    if kill_after_acks is not None and round_(people, kill=True):
        killed += processes
        restarts += 1
        people = [{"i": i, "token": tokens.get(i)} for i in range(n)]
    round_(people, kill=False)
    return LoadRun(acks=acks, wall=time.perf_counter() - start, killed=killed, restarts=restarts)


def verify(db, study_id: str, run_id: str, n: int, acks: list[dict], *, replay_sample: int | None = None) -> dict:
    """Check the database against the acknowledgements; returns counts (``lost_steps`` etc. must be 0).

    * every acknowledged step is in its participant's audit trail with the acknowledged version and kind;
    * every simulated participant (external id) has exactly one submitted sort, valid for the grid;
    * the stored state equals the state replayed from the audit trail (nothing half-written).
    """
    from sqlalchemy import select

    from qmethod.store.models import EventRow, ParticipantRow, StudyRow

    study = sv.get_study(db, study_id)

    def rows(session):
        sid = session.scalars(select(StudyRow.id).where(StudyRow.slug == study_id)).one()
        ps = session.execute(select(ParticipantRow.id, ParticipantRow.code, ParticipantRow.external_id,
                                    ParticipantRow.version, ParticipantRow.submitted_at)
                             .where(ParticipantRow.study_id == sid)).all()
        ev = session.execute(select(ParticipantRow.code, EventRow.version, EventRow.kind)
                             .join(EventRow, EventRow.participant_id == ParticipantRow.id)
                             .where(ParticipantRow.study_id == sid)).all()
        return ps, ev

    participants, events = db.read(rows)
    trail = {(code, version): kind for code, version, kind in events}
    kind_of_event = {"start": "start", "consent": "consent", "stage": "stage", "pile": "pile", "place": "place",
                     "comment": "comment", "answer": "answer", "submit": "submit"}
    ok = [a for a in acks if "v" in a]
    lost = [a for a in ok if trail.get((a["p"], a["v"])) != kind_of_event[a["k"]]]
    by_ext: dict[str, list] = {}
    for p in participants:
        if p.external_id and p.external_id.startswith(run_id + "-"):
            by_ext.setdefault(p.external_id, []).append(p)
    submitted_per = [sum(1 for p in ps if p.submitted_at is not None) for ps in by_ext.values()]
    done = sv.completed_sorts(db, study_id)
    grid = sorted(c.score for c in study.grid.columns for _ in range(c.count))
    mine = [p.code for ps in by_ext.values() for p in ps if p.submitted_at is not None]
    bad_grid = [c for c in mine if sorted(done.sorts[c].tolist()) != grid]
    last_ack: dict[str, int] = {}
    for a in ok:
        last_ack[a["p"]] = max(a["v"], last_ack.get(a["p"], -1))
    stored_version = {p.code: p.version for ps in by_ext.values() for p in ps}
    behind = [c for c, v in last_ack.items() if stored_version.get(c, -1) < v]
    codes = sorted(stored_version)
    if replay_sample is not None and len(codes) > replay_sample:
        codes = random.Random(0).sample(codes, replay_sample)
    not_replayed = [c for c in codes if sv.replay_participant(db, study_id, c) != sv.participant_state(db, study_id, c)]
    return {
        "participants_simulated": n,
        "acknowledged_steps": len(ok),
        "lost_steps": len(lost),
        "stored_behind_ack": len(behind),
        "refused_then_resent": sum(1 for a in acks if "e" in a and a.get("k") != "error"),
        "worker_errors": sum(1 for a in acks if a.get("k") == "error"),
        "participants_with_one_submitted_sort": sum(1 for c in submitted_per if c == 1),
        "participants_with_no_submitted_sort": n - len(by_ext) + sum(1 for c in submitted_per if c == 0),
        "duplicated_sorts": sum(c - 1 for c in submitted_per if c > 1),
        "abandoned_starts": sum(len(ps) - 1 for ps in by_ext.values()),
        "sorts_breaking_grid": len(bad_grid),
        "replayed": len(codes),
        "replay_mismatch": len(not_replayed),
        "events_stored": len(events),
    }


def latency_table(acks: list[dict]) -> list[tuple[str, int, float, float, float, float]]:
    """Per step kind: (kind, count, p50, p95, p99, max) in milliseconds, plus a row "all saves"."""
    import numpy as np

    groups: dict[str, list[float]] = {}
    for a in acks:
        if "v" in a:
            groups.setdefault(a["k"], []).append(a["lat"] * 1e3)
    order = ["start", "consent", "stage", "pile", "place", "comment", "answer", "submit"]
    out = []
    saves = [x for k, xs in groups.items() if k != "start" for x in xs]
    for k, xs in [(k, groups[k]) for k in order if k in groups] + [("all saves", saves)]:
        if xs:
            q = np.percentile(xs, [50, 95, 99])
            out.append((k, len(xs), float(q[0]), float(q[1]), float(q[2]), float(max(xs))))
    return out


if __name__ == "__main__":
    if len(sys.argv) not in (8, 9) or sys.argv[1] != "worker":
        sys.exit(__doc__)
    _, _, url_, study_, run_, think_, seed_, deadline_ = sys.argv[:8]
    worker(url_, study_, run_, float(think_), int(seed_), float(deadline_),
           [json.loads(line) for line in sys.stdin if line.strip()],
           stagger=float(sys.argv[8]) if len(sys.argv) == 9 else 0.0)
