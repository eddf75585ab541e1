"""Load benchmark: N simulated participants through the whole flow, concurrently, on SQLite or PostgreSQL.

Each participant consents, goes to the presort, puts every statement on a pile, places every statement
in the grid, comments on the extreme columns, answers the survey and submits: about 83 saves for the
demo study, each through :mod:`qmethod.service` (what the pages call), each acknowledged only after
its commit. The serving processes are separate OS processes (``bench/loadlib.py worker``), one thread
per participant, as Streamlit runs one thread per browser session.

    .venv/bin/python bench/bench_load.py --db sqlite --participants 200
    .venv/bin/python bench/bench_load.py --db postgres --participants 1000 --processes 2 --think 1
    .venv/bin/python bench/bench_load.py --db sqlite --participants 200 --fault   # SIGKILL mid-load
    .venv/bin/python bench/bench_load.py --db sqlite --participants 200 --think 5 --stagger 60

``--think`` is the mean pause before each step (exponential; 0 = every participant saves flat out,
far harsher than people, who pause 5-20 s between saves). PostgreSQL is a temporary cluster started
for the run (Debian's binaries, the same start-up code as the test suite, but with fsync on).
``--stagger S`` spreads the participants' starts uniformly over S seconds (default 0: all start in
the same second, the harshest case).
Prints throughput, latency percentiles per step kind and the correctness counts; asserts nothing.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import loadlib  # noqa: E402

from qmethod import service as sv  # noqa: E402


def postgres_cluster():
    """A temporary PostgreSQL cluster (tests/conftest.py's), durable: fsync and synchronous_commit on."""
    from tests.conftest import _pg_bindir, _PostgresCluster

    bindir = _pg_bindir()
    if bindir is None:
        sys.exit("PostgreSQL binaries not found (/usr/lib/postgresql/*/bin); install Debian's 'postgresql'.")

    class Durable(_PostgresCluster):
        def start(self) -> None:  # as the test cluster, without fsync=off: a benchmark pays for durability
            self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                      "-E", "UTF8", "--locale=C.UTF-8")
            opts = f"-k {self.base} -p {self.port} -c listen_addresses='' -c max_connections=300"
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.base / "log"), "-w",
                      "-o", opts, "start")

    cluster = Durable(bindir)
    cluster.start()
    return cluster


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    ap.add_argument("--participants", type=int, nargs="+", default=[50])
    ap.add_argument("--processes", type=int, default=1, help="serving processes (participants dealt round-robin)")
    ap.add_argument("--think", type=float, default=0.0, help="mean pause before each step, seconds")
    ap.add_argument("--stagger", type=float, default=0.0,
                    help="spread participants' starts uniformly over this many seconds (0 = all at once)")
    ap.add_argument("--fault", action="store_true", help="SIGKILL the serving processes mid-load, then restart")
    ap.add_argument("--timeout", type=float, default=600.0, help="give up after this many seconds per run")
    ap.add_argument("--replay-sample", type=int, default=50, help="participants replayed from the audit trail")
    args = ap.parse_args()

    print(f"python {platform.python_version()}, {os.cpu_count()} cores (shared with other work while measured), "
          f"database {args.db}, {args.processes} serving process(es), think {args.think:g} s, "
          f"starts {'spread over ' + format(args.stagger, 'g') + ' s' if args.stagger else 'all at once'}")
    cluster = postgres_cluster() if args.db == "postgres" else None
    tmp = Path(tempfile.mkdtemp(prefix="qmethod-load-"))
    try:
        for n in args.participants:
            url = (cluster.new_database() if cluster else f"sqlite:///{tmp / f'load-{n}.sqlite'}")
            db = sv.open_database(url, migrate=cluster is None)
            sv.publish_study_file(db, loadlib.DEMO)
            study = sv.get_study(db, "brukermedvirkning")
            steps_each = 1 + len(study.statement_ids) * 2 + 4 + 4 + 4 + 2  # about; printed exactly below
            kill_at = int(n * steps_each * 0.4) if args.fault else None
            run = loadlib.drive(url, study.id, n, run_id=f"n{n}", processes=args.processes, think=args.think,
                                kill_after_acks=kill_at, timeout=args.timeout, stagger=args.stagger)
            t = time.perf_counter()
            counts = loadlib.verify(db, study.id, f"n{n}", n, run.acks, replay_sample=args.replay_sample)
            check = time.perf_counter() - t
            saves = counts["acknowledged_steps"]
            print()
            print(f"== {n} participants{' with SIGKILL after ' + str(kill_at) + ' acknowledged steps' if kill_at else ''}"
                  f": {saves:,} acknowledged steps in {run.wall:.1f} s = {saves / run.wall:,.0f} steps/s, "
                  f"{counts['participants_with_one_submitted_sort'] / run.wall * 60:,.0f} completed sorts/min")
            print(f"   {'step':10s} {'count':>7s} {'p50 ms':>8s} {'p95 ms':>8s} {'p99 ms':>8s} {'max ms':>8s}")
            for kind, count, p50, p95, p99, mx in loadlib.latency_table(run.acks):
                print(f"   {kind:10s} {count:7,d} {p50:8.1f} {p95:8.1f} {p99:8.1f} {mx:8.1f}")
            if run.killed:
                print(f"   serving processes killed with SIGKILL: {run.killed}, restarted: {run.restarts}")
            print("   " + ", ".join(f"{k}={v}" for k, v in counts.items()) + f" (checked in {check:.1f} s)")
            db.dispose()
    finally:
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
