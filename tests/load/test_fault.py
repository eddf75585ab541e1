"""The fault run of the load benchmark, small: SIGKILL the serving process mid-load, restart it, and
every participant finishes with every acknowledged step stored and exactly one whole sort."""
from __future__ import annotations

import loadlib
import pytest

from qmethod import service as sv

pytestmark = pytest.mark.slow  # drives the load benchmark's serving processes; make test runs it


def test_sigkill_mid_load_loses_no_acknowledged_step(db, database_url):
    sv.publish_study_file(db, loadlib.DEMO)
    n = 4
    run = loadlib.drive(database_url, "brukermedvirkning", n, run_id="fault", kill_after_acks=120, think=0.0,
                        timeout=120)
    assert run.killed == 1 and run.restarts == 1
    counts = loadlib.verify(db, "brukermedvirkning", "fault", n, run.acks)
    assert counts["acknowledged_steps"] >= 120 + n * 40  # the restarted process finished the sorts
    assert counts["lost_steps"] == 0
    assert counts["stored_behind_ack"] == 0
    assert counts["worker_errors"] == 0
    assert counts["participants_with_one_submitted_sort"] == n
    assert counts["duplicated_sorts"] == 0
    assert counts["sorts_breaking_grid"] == 0
    assert counts["replay_mismatch"] == 0 and counts["replayed"] >= n
    # a start committed in the instant of the kill may be left behind unfinished, never more than one
    assert counts["abandoned_starts"] <= 1
    assert sv.completed_sorts(db, "brukermedvirkning").sorts.shape == (34, n)


def test_load_without_faults_completes_every_sort(db, database_url):
    sv.publish_study_file(db, loadlib.DEMO)
    n = 4
    run = loadlib.drive(database_url, "brukermedvirkning", n, run_id="plain", processes=2, timeout=120)
    counts = loadlib.verify(db, "brukermedvirkning", "plain", n, run.acks)
    assert counts["lost_steps"] == 0 and counts["worker_errors"] == 0
    assert counts["participants_with_one_submitted_sort"] == n and counts["abandoned_starts"] == 0
    assert counts["acknowledged_steps"] == counts["events_stored"]  # one event per acknowledged step, no more
    table = {row[0]: row[1] for row in loadlib.latency_table(run.acks)}
    assert table["place"] == 34 * n and table["pile"] == 34 * n and table["submit"] == n
