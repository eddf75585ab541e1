"""The operation endpoint's fault run, small (``bench/bench_ops.py``): participants post their grid as
operations to two app processes, one is killed with SIGKILL mid-run and started again; the posts
cut off by the kill are retried with the same op_id, and every acknowledged operation is stored
exactly once (SQLite and PostgreSQL)."""
from __future__ import annotations

import shutil

import bench_ops
import loadlib
import pytest

pytestmark = pytest.mark.slow  # two app processes started twice: about 30 s per database


def test_sigkill_of_an_app_process_loses_no_operation_and_applies_none_twice(database_url, tmp_path):
    studies = tmp_path / "studies"
    shutil.copytree(loadlib.DEMO, studies / loadlib.DEMO.name)
    counts = bench_ops.run(database_url, studies, 4, processes=2, think=0.0, fault=True, seed=7, tmp=tmp_path,
                           quiet=True)
    assert counts["killed"] == 1
    assert counts["applied"] == counts["operations"]  # every operation acknowledged in the end
    assert counts["lost"] == 0 and counts["twice"] == 0 and counts["refused"] == 0
    assert counts["layout_differs"] == 0  # every stored grid is the planned one
