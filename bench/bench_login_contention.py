"""Participant saves while anonymous login attempts run (SQLite): p50/p95 of a save, with and without
three threads trying wrong passwords for unknown names in a loop.

Before the fix Argon2id ran inside the write transaction, so every save queued behind a hash.
Run: ``.venv/bin/python bench/bench_login_contention.py [--seconds 8]``.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path

from qmethod import service as sv
from qmethod.service import accounts
from qmethod.study import load_study

MINI = Path(__file__).resolve().parents[1] / "tests" / "data" / "studies" / "mini"


def _saves(db, seconds: float) -> list[float]:
    study = load_study(MINI)
    s = sv.start_participant(db, study.id)
    st = sv.give_consent(db, s.token, study.consent.version, expected_version=s.state.version)
    times = []
    end = time.monotonic() + seconds
    i = 0
    while time.monotonic() < end:
        t0 = time.perf_counter()
        st = sv.save_comment(db, s.token, study.statement_ids[0], f"comment {i}", expected_version=st.version)
        times.append((time.perf_counter() - t0) * 1000)
        i += 1
        time.sleep(0.02)
    return times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=8.0)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    db = sv.open_database(f"sqlite:///{tmp / 'b.sqlite'}")
    sv.publish_study_file(db, MINI)
    accounts.create_account(db, "anna", "a good password 1")
    quiet = _saves(db, args.seconds)
    stop = threading.Event()

    def attack(n: int) -> None:
        while not stop.is_set():
            try:
                accounts.login(db, f"nobody{n}", "wrong password")
            except accounts.AuthenticationError:
                pass

    threads = [threading.Thread(target=attack, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    busy = _saves(db, args.seconds)
    stop.set()
    for t in threads:
        t.join()

    def q(xs, p):
        return statistics.quantiles(xs, n=100)[p - 1]

    print(f"saves without logins: n={len(quiet)} p50={q(quiet, 50):.1f} ms p95={q(quiet, 95):.1f} ms")
    print(f"saves with 3 login loops: n={len(busy)} p50={q(busy, 50):.1f} ms p95={q(busy, 95):.1f} ms")
    print(f"ratio p50 {q(busy, 50) / q(quiet, 50):.1f}x, p95 {q(busy, 95) / q(quiet, 95):.1f}x")


if __name__ == "__main__":
    main()
