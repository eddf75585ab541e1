"""The app's database: opened once per server process (the composition root for pages and routes).

Both the Streamlit pages (``qmethod.ui.flow.database``) and the HTTP routes of :mod:`qmethod.web`
use :func:`app_database`, so one process has one engine and one SQLite writer queue.
"""
from __future__ import annotations

import functools
import os
from pathlib import Path

from ..service import Database, open_database, publish_studies_dir

__all__ = ["app_database"]

ROOT = Path(__file__).resolve().parents[2]


@functools.cache
def app_database() -> Database:
    """The app's database (``QMETHOD_DATABASE_URL`` or SQLite under ``var/``), migrated, with every
    study under ``studies/`` (or ``QMETHOD_STUDIES_DIR``) published."""
    url = os.environ.get("QMETHOD_DATABASE_URL") or None
    if url is None:
        (Path.cwd() / "var").mkdir(exist_ok=True)
    db = open_database(url)
    studies = Path(os.environ.get("QMETHOD_STUDIES_DIR") or (Path.cwd() / "studies"))
    if not studies.is_dir():
        studies = ROOT / "studies"
    publish_studies_dir(db, studies)
    return db
