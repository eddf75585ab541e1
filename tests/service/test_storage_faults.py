"""Storage faults at the service level: a read-only database, a full disk, a stopped PostgreSQL.

Each fault raises :class:`~qmethod.errors.StorageUnavailableError` (a kind of StorageBusyError, the
error pages already answer calmly and retry), never a raw driver error; nothing is half-saved; and the
same Database object works again, by itself, once storage is back.
"""
from __future__ import annotations

import pytest
from sqlalchemy import event

from qmethod import service as sv
from qmethod.errors import StorageBusyError, StorageUnavailableError
from qmethod.study import load_study

from service_helpers import consented
from conftest import MINI


def _sqlite_with_fault(tmp_path, pragma_on: str, pragma_off: str):
    """A SQLite database whose transactions run with ``pragma_on`` while ``switch["on"]``."""
    db = sv.open_database(f"sqlite:///{tmp_path / 'q.sqlite'}")
    switch = {"on": False}

    @event.listens_for(db.engine, "checkout")
    def _fault(dbapi_conn, _record, _proxy) -> None:
        dbapi_conn.execute(pragma_on if switch["on"] else pragma_off)

    return db, switch


@pytest.mark.parametrize("fault, on, off", [
    ("read-only", "PRAGMA query_only = 1", "PRAGMA query_only = 0"),
])
def test_read_only_sqlite_gives_storage_unavailable_and_recovers(tmp_path, fault, on, off):
    """Fails on the old code: the raw sqlite3 OperationalError ("attempt to write a readonly
    database") reached the page, which Streamlit shows as its generic error."""
    db, switch = _sqlite_with_fault(tmp_path, on, off)
    sv.publish_study_file(db, MINI)
    study = load_study(MINI)
    s, st = consented(db, study)
    switch["on"] = True
    with pytest.raises(StorageUnavailableError) as info:
        sv.save_comment(db, s.token, study.statement_ids[0], "fordi", expected_version=st.version)
    assert info.value.kind == fault and isinstance(info.value, StorageBusyError)
    assert sv.resume(db, s.token) == st  # reading still works; nothing was half-saved
    switch["on"] = False
    after = sv.save_comment(db, s.token, study.statement_ids[0], "fordi", expected_version=st.version)
    assert after.comments == {study.statement_ids[0]: "fordi"}
    db.dispose()


def test_full_disk_gives_storage_unavailable_and_recovers(tmp_path):
    """Fails on the old code: "database or disk is full" reached the page as a raw error."""
    db = sv.open_database(f"sqlite:///{tmp_path / 'q.sqlite'}")
    switch = {"on": False}

    @event.listens_for(db.engine, "checkout")
    def _full(dbapi_conn, _record, _proxy) -> None:  # no page may be added while "on" (a disk with no room)
        pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages if switch['on'] else 1073741823}")

    sv.publish_study_file(db, MINI)
    study = load_study(MINI)
    s, st = consented(db, study)
    switch["on"] = True
    long_text = "x" * 3000
    with pytest.raises(StorageUnavailableError) as info:
        for i in range(200):  # comments that need new pages sooner or later
            st = sv.save_comment(db, s.token, study.statement_ids[i % 6], f"{i} {long_text}",
                                 expected_version=st.version)
    assert info.value.kind == "full"
    assert sv.resume(db, s.token) == st  # the last acknowledged state, nothing half-saved
    switch["on"] = False
    after = sv.save_comment(db, s.token, study.statement_ids[0], "back", expected_version=st.version)
    assert after.comments[study.statement_ids[0]] == "back"
    db.dispose()


@pytest.mark.postgres
def test_stopped_postgresql_gives_storage_unavailable_and_recovers(tmp_path):
    """Fails on the old code: psycopg's OperationalError ("connection refused" / "server closed the
    connection") reached the page as a raw error."""
    from tests.conftest import _pg_bindir, _PostgresCluster

    bindir = _pg_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL binaries not found")
    cluster = _PostgresCluster(bindir)
    cluster.start()
    try:
        db = sv.open_database(cluster.new_database())
        sv.publish_study_file(db, MINI)
        study = load_study(MINI)
        s, st = consented(db, study)
        cluster._run(str(bindir / "pg_ctl"), "-D", str(cluster.data), "-m", "fast", "-w", "stop")
        with pytest.raises(StorageUnavailableError) as info:
            sv.save_comment(db, s.token, study.statement_ids[0], "fordi", expected_version=st.version)
        assert info.value.kind == "unreachable"
        with pytest.raises(StorageUnavailableError):
            sv.resume(db, s.token)
        with pytest.raises(StorageUnavailableError):
            sv.start_participant(db, study.id)
        opts = f"-k {cluster.base} -p {cluster.port} -c listen_addresses='' -c fsync=off"
        cluster._run(str(bindir / "pg_ctl"), "-D", str(cluster.data), "-l", str(cluster.base / "log"), "-w",
                     "-o", opts, "start")
        assert sv.resume(db, s.token) == st  # the same Database object, no restart of the app
        after = sv.save_comment(db, s.token, study.statement_ids[0], "fordi", expected_version=st.version)
        assert after.comments == {study.statement_ids[0]: "fordi"}
        db.dispose()
    finally:
        cluster.stop()


def test_a_postgresql_server_that_never_answers_is_a_storage_fault_not_a_hang():
    """Reliability target 5 (a clear message within 5 s): a server or network that takes the connection
    but never answers (here a socket nobody reads) held the page until the operating system gave up.
    Fails on the old code: no answer within 60 s (psycopg waited without a connect timeout)."""
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # connections complete in the kernel; nothing is ever read or answered
    port = listener.getsockname()[1]
    outcome: list[BaseException | str] = []

    def attempt() -> None:
        db = sv.open_database(f"postgresql+psycopg://u:p@127.0.0.1:{port}/qmethod", migrate=False)
        try:
            sv.resume(db, "any-token")
            outcome.append("answered")
        except BaseException as exc:  # noqa: BLE001 - the outcome is checked below
            outcome.append(exc)
        finally:
            db.dispose()

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(60)
    listener.close()
    assert outcome, "no answer within 60 s: the page would wait without a message"
    assert isinstance(outcome[0], StorageUnavailableError) and outcome[0].kind == "unreachable", outcome
