"""Load and fault benchmark of the participant operation endpoint (``POST /api/participant/op``).

N participants, each at the grid of the demo study, place all 34 statements (plus a move to the
top of a column after every fifth placement) as operations posted over HTTP to ``--processes`` app
processes on one database, as the browser's queue does: one operation at a time, the next one
after the answer, a lost answer retried with the same ``op_id`` (on another process). The processes
serve the routes of ``qmethod.web`` with uvicorn (the HTTP side of ``app.py`` without the pages).

    .venv/bin/python bench/bench_ops.py --db sqlite --participants 50 200 --processes 2
    .venv/bin/python bench/bench_ops.py --db postgres --participants 200 --processes 2 --fault

``--fault`` kills one app process with SIGKILL when 40 % of the operations are acknowledged and
starts it again half a second later; ``--kills K`` kills K times per run at random points instead
(a random process each time, each at a random share of the acknowledged operations), ``--runs R``
repeats the whole run R times on fresh databases, ``--ops N`` gives every participant N operations
(all statements placed, the rest moves within their planned column). Reliability target 1 (20 runs,
50 participants x 60 moves, killed at random points, ``PRAGMA integrity_check`` after each run):

    .venv/bin/python bench/bench_ops.py --participants 50 --ops 60 --runs 20 --kills 3 ``--think`` is the mean pause between a participant's
operations (exponential). At the end every participant's audit trail is compared with what the
clients were told: ``lost`` = acknowledged operations missing from the trail, ``twice`` =
operations applied more than once, ``layout_differs`` = stored layout not the planned one.
Server time per operation is the ``Server-Timing`` of each answer (parsed body to committed step).
Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import loadlib  # noqa: E402

from qmethod import service as sv  # noqa: E402
from qmethod.web.participant import OP_PATH, STATE_PATH, TOKEN_HEADER  # noqa: E402


def make_app():
    """The app's HTTP routes and middleware without the pages (``uvicorn bench_ops:make_app --factory``)."""
    from starlette.applications import Starlette

    from qmethod.web import middleware, routes

    return Starlette(routes=routes(), middleware=middleware())


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One app process (uvicorn) on a free port."""

    def __init__(self, url: str, studies: Path, log: Path) -> None:
        self.port = free_port()
        self.env = dict(os.environ, QMETHOD_DATABASE_URL=url, QMETHOD_STUDIES_DIR=str(studies),
                        PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "bench")]))
        self.log = log
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log, "a") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "bench_ops:make_app", "--factory", "--host", "127.0.0.1",
                 "--port", str(self.port), "--log-level", "warning", "--no-access-log"],
                cwd=ROOT / "bench", env=self.env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", STATE_PATH)
                if conn.getresponse().status == 401:  # up: it wants a token
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the app process did not start:\n" + self.log.read_text()[-2000:])

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def at_grid(db, study, n: int, seed: int) -> list[tuple[str, int, loadlib.Plan]]:
    """``n`` participants at the grid (consent, piles from their plan): ``(token, version, plan)``."""
    out = []
    for i in range(n):
        plan = loadlib.make_plan(study, seed + i)
        s = sv.start_participant(db, study.id, external_id=f"ops-{i}")
        st = sv.give_consent(db, s.token, study.consent.version, expected_version=0)
        st = sv.set_stage(db, s.token, "presort", expected_version=st.version)
        for sid, pile in plan.piles.items():
            st = sv.set_pile(db, s.token, sid, pile, expected_version=st.version)
        st = sv.set_stage(db, s.token, "grid", expected_version=st.version)
        out.append((s.token, st.version, plan))
    return out


def operations(plan: loadlib.Plan, rng: random.Random, total: int | None = None) -> list[dict]:
    """The participant's operations: every statement to its planned column, and after every fifth
    placement a move of a placed statement to the top of its column; with ``total``, more moves
    (to the top or the end of the statement's planned column) until there are ``total``."""
    ops: list[dict] = []
    placed: list[str] = []
    for k, sid in enumerate(plan.order, 1):
        ops.append({"kind": "place", "statement": sid, "column": plan.scores[sid], "position": None})
        placed.append(sid)
        if k % 5 == 0:
            m = rng.choice(placed)
            ops.append({"kind": "move", "statement": m, "column": plan.scores[m], "position": 0})
    while total is not None and len(ops) < total:
        m = rng.choice(placed)
        ops.append({"kind": "move", "statement": m, "column": plan.scores[m], "position": rng.choice((0, None))})
    for j, op in enumerate(ops):
        op["op_id"] = f"{rng.getrandbits(64):016x}-{j:04d}"
    return ops


class Totals:
    def __init__(self, total_ops: int) -> None:
        self.lock = threading.Lock()
        self.total = total_ops
        self.acked = 0
        self.server_ms: list[float] = []
        self.client_ms: list[float] = []
        self.retries = 0
        self.stale = 0
        self.refused = 0
        self.half = threading.Event()
        self.kill_at: list[float] = []  # shares of the operations at which the next kills are due
        self.kills_due = 0  # kill points passed and not yet acted on


def participant(servers: list[Server], token: str, version: int, ops: list[dict], totals: Totals,
                acked: list[str], think: float, rng: random.Random) -> None:
    """Post ``ops`` one at a time as the browser's queue does; record the acknowledged op ids."""
    conns: dict[int, http.client.HTTPConnection] = {}
    k = rng.randrange(len(servers))
    for op in ops:
        if think:
            time.sleep(rng.expovariate(1 / think))
        failures = 0
        while True:
            server = servers[k % len(servers)]
            t0 = time.perf_counter()
            try:
                conn = conns.get(server.port)
                if conn is None:
                    conn = conns[server.port] = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
                conn.request("POST", OP_PATH, body=json.dumps({**op, "expected_version": version}),
                             headers={"Content-Type": "application/json", TOKEN_HEADER: token})
                res = conn.getresponse()
                body = json.loads(res.read() or b"{}")
                status = res.status
            except (OSError, http.client.HTTPException, ValueError):
                conns.pop(server.port, None)
                status, body = None, {}
            took = (time.perf_counter() - t0) * 1000
            if status in (200, 422):
                version = body["state"]["version"]
                timing = res.getheader("Server-Timing") or ""
                with totals.lock:
                    totals.acked += 1
                    totals.client_ms.append(took)
                    if timing.startswith("app;dur="):
                        totals.server_ms.append(float(timing.split("=", 1)[1]))
                    totals.refused += status == 422
                    if totals.acked >= 0.4 * totals.total:
                        totals.half.set()
                    if totals.kill_at and totals.acked >= totals.kill_at[0] * totals.total:
                        totals.kill_at.pop(0)
                        totals.kills_due += 1
                if status == 200:
                    acked.append(op["op_id"])
                break
            if status == 409:
                version = body["state"]["version"]
                with totals.lock:
                    totals.stale += 1
                continue
            failures += 1  # the process is gone or busy: the same op_id again, on the next process
            with totals.lock:
                totals.retries += 1
            k += 1
            time.sleep(min(2.0, 0.05 * 2 ** failures) * (0.5 + rng.random()))


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def verify(db, study_id: str, people: list[tuple[str, int, loadlib.Plan]], acked: list[list[str]]) -> dict:
    """Compare what the clients were told with what is stored (the operation records and the trail)."""
    from sqlalchemy import select

    from qmethod.store.models import OperationRow, ParticipantRow

    lost = twice = differs = unchanged = 0
    for (token, _v, plan), mine in zip(people, acked):
        state = sv.resume(db, token)
        trail = [e.payload.get("op") for e in sv.audit_trail(db, study_id, state.participant) if "op" in e.payload]
        recorded = set(db.read(lambda s: s.scalars(
            select(OperationRow.op_id).join(ParticipantRow, ParticipantRow.id == OperationRow.participant_id)
            .where(ParticipantRow.code == state.participant, OperationRow.result == "applied")).all()))
        lost += len(set(mine) - recorded)
        twice += len(trail) - len(set(trail))
        unchanged += len(recorded - set(trail))  # applied but changed nothing (a card already at the top)
        differs += state.sort() != plan.scores
    return {"lost": lost, "twice": twice, "layout_differs": differs, "applied_without_change": unchanged}


def integrity(url: str) -> str:
    """``PRAGMA integrity_check`` of a SQLite database ("ok" when sound); "-" for PostgreSQL."""
    if not url.startswith("sqlite"):
        return "-"
    import sqlite3

    conn = sqlite3.connect(url.split("///", 1)[1])
    try:
        return "; ".join(r[0] for r in conn.execute("PRAGMA integrity_check").fetchall())
    finally:
        conn.close()


def run(url: str, studies: Path, n: int, *, processes: int, think: float, fault: bool, seed: int,
        tmp: Path, quiet: bool = False, ops: int | None = None, kills: int = 0) -> dict:
    """One run; returns the counts of :func:`verify` with ``operations``, ``applied``, ``killed``,
    ``retried`` and ``integrity`` (and prints the figures unless ``quiet``)."""
    db = sv.open_database(url)
    sv.publish_study_file(db, loadlib.DEMO)
    study = sv.get_study(db, "brukermedvirkning")
    people = at_grid(db, study, n, seed)
    rngs = [random.Random(seed * 1000 + i) for i in range(n)]
    plans = [operations(plan, rngs[i], ops) for i, (_t, _v, plan) in enumerate(people)]
    totals = Totals(sum(len(p) for p in plans))
    chance = random.Random(seed)
    totals.kill_at = sorted(chance.uniform(0.05, 0.95) for _ in range(kills))
    servers = [Server(url, studies, tmp / f"server-{j}.log") for j in range(processes)]
    for s in servers:
        s.start()
    acked: list[list[str]] = [[] for _ in range(n)]
    killed = 0
    try:
        threads = [threading.Thread(target=participant, args=(servers, tok, v, plans[i], totals, acked[i], think,
                                                              rngs[i]), daemon=True)
                   for i, (tok, v, _plan) in enumerate(people)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        if fault:
            totals.half.wait(600)
            servers[0].kill()
            killed = 1
            time.sleep(0.5)
            servers[0].start()
        while killed < kills and any(t.is_alive() for t in threads):
            with totals.lock:
                due = totals.kills_due > 0
                totals.kills_due -= due
            if not due:
                time.sleep(0.02)
            else:
                victim = chance.choice(servers)
                victim.kill()
                killed += 1
                time.sleep(0.5)
                victim.start()
        for t in threads:
            t.join(900)
        wall = time.perf_counter() - t0
    finally:
        for s in servers:
            s.stop()
    counts = verify(db, study.id, people, acked)
    applied = sum(len(a) for a in acked)
    db.dispose()
    counts["integrity"] = integrity(url)
    if not quiet:
        print(f"\n== {n} participants, {processes} app process(es), killed with SIGKILL {killed} time(s): "
              f"{totals.total:,} operations, {applied:,} applied in {wall:.1f} s = {applied / wall:,.0f} ops/s")
        print(f"   server per operation: p50 {pct(totals.server_ms, .5):.1f} ms, p95 {pct(totals.server_ms, .95):.1f} ms, "
              f"p99 {pct(totals.server_ms, .99):.1f} ms, max {max(totals.server_ms, default=float('nan')):.1f} ms")
        print(f"   client round trip:    p50 {pct(totals.client_ms, .5):.1f} ms, p95 {pct(totals.client_ms, .95):.1f} ms")
        print(f"   retried posts {totals.retries}, stale (409) {totals.stale}, refused (422) {totals.refused}; "
              + ", ".join(f"{k}={v}" for k, v in counts.items()))
    return {**counts, "operations": totals.total, "applied": applied, "killed": killed, "retried": totals.retries,
            "refused": totals.refused}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    ap.add_argument("--participants", type=int, nargs="+", default=[50])
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--think", type=float, default=0.05, help="mean pause between operations, seconds")
    ap.add_argument("--fault", action="store_true", help="SIGKILL one app process at 40 %% and restart it")
    ap.add_argument("--kills", type=int, default=0, help="SIGKILLs per run at random points (a random process)")
    ap.add_argument("--ops", type=int, default=None, help="operations per participant (default: places + a move per 5)")
    ap.add_argument("--runs", type=int, default=1, help="repeat each run on a fresh database")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    print(f"python {platform.python_version()}, {os.cpu_count()} cores (shared with other work while measured), "
          f"database {args.db}, {args.processes} app process(es), think {args.think:g} s")
    from bench_load import postgres_cluster

    cluster = postgres_cluster() if args.db == "postgres" else None
    tmp = Path(tempfile.mkdtemp(prefix="qmethod-ops-"))
    studies = tmp / "studies"
    shutil.copytree(loadlib.DEMO, studies / loadlib.DEMO.name)
    try:
        for n in args.participants:
            results = []
            for r in range(args.runs):
                url = cluster.new_database() if cluster else f"sqlite:///{tmp / f'ops-{n}-{r}.sqlite'}"
                results.append(run(url, studies, n, processes=args.processes, think=args.think, fault=args.fault,
                                   seed=args.seed + r, tmp=tmp, ops=args.ops, kills=args.kills))
            if args.runs > 1:
                total = {k: sum(x[k] for x in results) for k in ("operations", "applied", "killed", "retried",
                                                                  "lost", "twice", "layout_differs")}
                sound = sum(x["integrity"] in ("ok", "-") for x in results)
                print(f"\n== {args.runs} runs of {n} participants: " + ", ".join(f"{k}={v:,}" for k, v in total.items())
                      + f"; integrity_check ok in {sound} of {args.runs}")
    finally:
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
