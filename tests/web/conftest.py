"""Fixtures for the HTTP routes: a Starlette app with the routes of ``qmethod.web`` on the ``db``
fixture's database (SQLite and PostgreSQL), driven by Starlette's test client."""
from __future__ import annotations

from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from qmethod import service as sv
from qmethod.study import Study, load_study
from qmethod.web import participant as web_participant
from qmethod.web import routes

MINI = Path(__file__).parents[1] / "data" / "studies" / "mini"


@pytest.fixture
def mini(db) -> Study:
    sv.publish_study_file(db, MINI)
    return load_study(MINI)


@pytest.fixture
def client(db, monkeypatch) -> TestClient:
    """A client of the app's routes (``base_url`` http://testserver) on the test database."""
    monkeypatch.setattr(web_participant, "app_database", lambda: db)
    return TestClient(Starlette(routes=routes()))
