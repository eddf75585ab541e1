"""The cost of one participant save, one at a time (no concurrency), on SQLite and PostgreSQL.

Participants are driven one after another through the whole demo flow (start, consent, stages,
34 piles, 34 placements, comments, survey answers, submit) in this process, through
:mod:`qmethod.service`, the layer the pages call. For every call it records the wall time (commit
included) and the CPU time of this process, and prints per step kind and overall the mean and
median. SQLite: a file with WAL and ``synchronous=FULL``; PostgreSQL: a temporary cluster with
fsync and ``synchronous_commit`` on (as ``bench_load.py``). Asserts nothing.

    .venv/bin/python bench/bench_save.py                  # both databases, 20 sorts each
    .venv/bin/python bench/bench_save.py --db sqlite --sorts 50
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import loadlib  # noqa: E402

from qmethod import service as sv  # noqa: E402

STUDY_DIR = ROOT / "studies" / "brukermedvirkning"


def drive(db, sorts: int) -> dict[str, list[tuple[float, float]]]:
    """``sorts`` participants one after another; per step kind a list of (wall s, cpu s)."""
    study = sv.get_study(db, "brukermedvirkning")
    out: dict[str, list[tuple[float, float]]] = {}
    for i in range(sorts + 1):  # the first sort warms connections and caches and is not counted
        w0, c0 = time.perf_counter(), time.process_time()
        session = sv.start_participant(db, study.id, external_id=f"save-{i}")
        cost = {"start": [(time.perf_counter() - w0, time.process_time() - c0)]}
        token, state = session.token, session.state
        plan = loadlib.make_plan(study, i)
        while (step := loadlib.next_step(study, state, plan)) is not None:
            kind, fn = step
            w0, c0 = time.perf_counter(), time.process_time()
            state = fn(db, token, state.version)
            cost.setdefault(kind, []).append((time.perf_counter() - w0, time.process_time() - c0))
        if i:
            for kind, values in cost.items():
                out.setdefault(kind, []).extend(values)
    return out


def report(name: str, costs: dict[str, list[tuple[float, float]]]) -> None:
    saves = [c for kind, values in costs.items() if kind != "start" for c in values]
    print(f"\n== {name}: {len(costs['start'])} sorts one after another, {len(saves):,} saves")
    print(f"   {'step':<10} {'count':>6} {'wall mean':>10} {'wall p50':>9} {'cpu mean':>9}")
    rows = [(k, v) for k, v in costs.items() if k != "start"] + [("all saves", saves), ("start", costs["start"])]
    for kind, values in rows:
        wall = [w * 1000 for w, _ in values]
        cpu = [c * 1000 for _, c in values]
        print(f"   {kind:<10} {len(values):>6,} {statistics.fmean(wall):>8.2f}ms {statistics.median(wall):>7.2f}ms "
              f"{statistics.fmean(cpu):>7.2f}ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    ap.add_argument("--sorts", type=int, default=20)
    args = ap.parse_args()
    print(f"python {sys.version.split()[0]}; one participant at a time; wall includes the commit")
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="qmethod-save-") as tmp:
            db = sv.open_database(f"sqlite:///{tmp}/bench.sqlite")
            sv.publish_study_file(db, STUDY_DIR)
            report("SQLite (WAL, synchronous=FULL)", drive(db, args.sorts))
            db.dispose()
    if args.db in ("postgres", "both"):
        import bench_load

        cluster = bench_load.postgres_cluster()
        try:
            db = sv.open_database(cluster.new_database(), migrate=False)
            sv.publish_study_file(db, STUDY_DIR)
            report("PostgreSQL (local socket, fsync on)", drive(db, args.sorts))
            db.dispose()
        finally:
            cluster.stop()


if __name__ == "__main__":
    main()
