"""Fixtures for service tests: published studies and small helpers to drive a participant."""
from __future__ import annotations

from pathlib import Path

import pytest

from qmethod import service as sv
from qmethod.study import Study, load_study

ROOT = Path(__file__).parents[2]
MINI = ROOT / "tests" / "data" / "studies" / "mini"
DEMO = ROOT / "studies" / "brukermedvirkning"


@pytest.fixture
def mini(db) -> Study:
    """The small test study (6 statements, grid 1-1-2-1-1, required comments and age), published."""
    sv.publish_study_file(db, MINI)
    return load_study(MINI)


@pytest.fixture
def demo(db) -> Study:
    """The demo study ``brukermedvirkning``, published."""
    sv.publish_study_file(db, DEMO)
    return load_study(DEMO)
