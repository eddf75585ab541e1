"""The database layer: SQLite settings, migrations, the append-only audit trail, busy handling."""
from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import OperationalError

from qmethod import service as sv
from qmethod.errors import StorageBusyError
from qmethod.store import database_url, open_database
from qmethod.store.migrate import current_revision, head_revision
from qmethod.store.models import EventRow
from qmethod.store.tokens import ALPHABET, new_resume_code, normalize_resume_code


def test_sqlite_is_wal_full_sync_with_foreign_keys_and_busy_timeout(tmp_path):
    db = open_database(f"sqlite:///{tmp_path / 'x' / 'q.sqlite'}")  # the folder is created
    try:
        def pragmas(s):
            return [s.execute(text(f"PRAGMA {p}")).scalar() for p in
                    ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")]
        assert db.read(pragmas) == ["wal", 2, 1, 2000]  # synchronous 2 = FULL
    finally:
        db.dispose()


def test_default_url_and_environment(monkeypatch):
    monkeypatch.delenv("QMETHOD_DATABASE_URL", raising=False)
    assert database_url() == "sqlite:///var/qmethod.sqlite"
    monkeypatch.setenv("QMETHOD_DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert database_url() == "postgresql+psycopg://u@h/db"
    assert database_url("sqlite:///x.sqlite") == "sqlite:///x.sqlite"


def test_migrations_reach_head_and_rerun_is_harmless(db):
    assert current_revision(db.engine) == head_revision() is not None
    db.migrate()
    assert current_revision(db.engine) == head_revision()


def test_audit_trail_rows_cannot_be_updated(db):
    sv.publish_study_file(db, "tests/data/studies/mini")
    sv.start_participant(db, "mini")
    with pytest.raises(Exception, match="append-only"):
        db.write(lambda s: s.execute(update(EventRow).values(kind="forged")))
    assert [e.kind for e in sv.audit_trail(db, "mini", "P001")] == ["start"]


def test_write_lock_held_elsewhere_waits_instead_of_failing(tmp_path):
    path = tmp_path / "q.sqlite"
    db = open_database(f"sqlite:///{path}")
    sv.publish_study_file(db, "tests/data/studies/mini")
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock for a moment
    threading.Timer(0.5, other.rollback).start()
    try:
        assert sv.start_participant(db, "mini").state.participant == "P001"
    finally:
        other.close()
        db.dispose()


def test_a_held_lock_is_answered_within_5_s_however_many_writers_queue(tmp_path):
    """Reliability target 5: with the write lock held elsewhere, every one of five participants saving
    at once in this process is told "busy" within 5 s (each waited in the queue behind the others)."""
    import time

    path = tmp_path / "q.sqlite"
    db = open_database(f"sqlite:///{path}")
    sv.publish_study_file(db, "tests/data/studies/mini")
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock and does not let go
    answers: list[tuple[str, float]] = []

    def participant():
        t0 = time.monotonic()
        try:
            sv.start_participant(db, "mini")
            answers.append(("stored", time.monotonic() - t0))
        except StorageBusyError:
            answers.append(("busy", time.monotonic() - t0))

    threads = [threading.Thread(target=participant) for _ in range(5)]
    try:
        for th in threads:
            th.start()
        for th in threads:
            th.join(60)
    finally:
        other.rollback()
        other.close()
        db.dispose()
    assert [a for a, _ in answers] == ["busy"] * 5
    assert max(s for _, s in answers) < 5.0, answers


def test_lock_errors_are_retried_then_reported_clearly(tmp_path):
    db = open_database(f"sqlite:///{tmp_path / 'q.sqlite'}")
    calls = []

    def locked(session):
        calls.append(1)
        raise OperationalError("BEGIN", {}, sqlite3.OperationalError("database is locked"))

    with pytest.raises(StorageBusyError, match="busy right now and this step was not saved") as exc:
        db.write(locked, attempts=3)
    assert len(calls) == 3 and "database is locked" not in str(exc.value)

    def flaky(session):
        calls.append(1)
        if len(calls) < 5:  # 3 calls above + 1 failing here, then success on the retry
            raise OperationalError("BEGIN", {}, sqlite3.OperationalError("database is locked"))
        return "saved"

    assert db.write(flaky) == "saved"
    db.dispose()


def test_resume_codes():
    codes = {new_resume_code() for _ in range(2000)}
    assert len(codes) == 2000
    for c in codes:
        assert len(c) == 11 and c[5] == "-" and set(c.replace("-", "")) <= set(ALPHABET)
    assert normalize_resume_code("abcde fghjk") == "ABCDE-FGHJK"
    assert normalize_resume_code("ABCDE-FGHJ0") is None  # 0 never appears
    assert normalize_resume_code("ABCD") is None


def test_migrations_create_exactly_the_tables_of_the_models(db):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from qmethod.store.models import Base

    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_the_store_models_alone_are_the_whole_schema(db):
    """What Alembic's env.py sees (qmethod.store.models, nothing else imported) names every table the
    migrations create, so autogenerate never proposes dropping one."""
    import subprocess
    import sys

    import sqlalchemy as sa

    out = subprocess.run([sys.executable, "-c", "import qmethod.store.models as m; "
                          "print(' '.join(sorted(m.Base.metadata.tables)))"],
                         capture_output=True, text=True, check=True).stdout.split()
    migrated = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert sorted(migrated) == out


@pytest.mark.postgres
def test_postgres_restart_under_open_connections_costs_no_step(postgres_cluster):
    """The server restarts while the pool holds connections: the next read and the next save work
    (the broken connections are replaced), and nothing acknowledged before is lost."""
    from pathlib import Path

    db = open_database(postgres_cluster.new_database(), migrate=False)
    try:
        sv.publish_study_file(db, Path(__file__).parents[1] / "data" / "studies" / "mini")
        s = sv.start_participant(db, "mini")
        st = sv.give_consent(db, s.token, sv.get_study(db, "mini").consent.version, expected_version=0)
        postgres_cluster._run(str(postgres_cluster.bindir / "pg_ctl"), "-D", str(postgres_cluster.data),
                              "-l", str(postgres_cluster.base / "log"), "-m", "fast", "-w", "restart")
        assert sv.resume(db, s.token) == st  # a page reload right after the restart
        st = sv.set_stage(db, s.token, "presort", expected_version=st.version)
        st = sv.set_pile(db, s.token, st.unpiled[0], "agree", expected_version=st.version)
        assert sv.resume(db, s.token) == st and st.version == 3
        # again, and this time an ORM write transaction comes first (another device resumes by code)
        postgres_cluster._run(str(postgres_cluster.bindir / "pg_ctl"), "-D", str(postgres_cluster.data),
                              "-l", str(postgres_cluster.base / "log"), "-m", "fast", "-w", "restart")
        assert sv.resume_by_code(db, s.resume_code).state == st
    finally:
        db.dispose()
