"""The database connection: one engine from a URL, transactions, retries, migrations.

SQLite (the default, a file under ``var/``) is opened in WAL mode with ``synchronous=FULL``,
foreign keys on and a busy timeout; write transactions start with ``BEGIN IMMEDIATE`` so two writers
queue up instead of failing half-way. PostgreSQL is used when ``QMETHOD_DATABASE_URL`` (or ``url``)
says so, e.g. ``postgresql+psycopg://user@host/dbname``. The schema is created and upgraded by the
Alembic migrations shipped in :mod:`qmethod.store.migrations` (:meth:`Database.migrate`).
"""
from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine, event, make_url
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ..errors import StorageBusyError, StorageUnavailableError

__all__ = ["Database", "open_database", "database_url", "storage_fault", "unavailable", "DEFAULT_SQLITE_PATH",
           "ENV_URL"]

ENV_URL = "QMETHOD_DATABASE_URL"
DEFAULT_SQLITE_PATH = Path("var") / "qmethod.sqlite"
#: how long one attempt waits for SQLite's write lock; with the retries in ``Database.write`` a
#: participant gets an answer (saved, or a clear "busy, try again") within about 5 seconds
BUSY_TIMEOUT_S = 2.0
#: PostgreSQL: longest wait for a new connection (a server or network that does not answer at all would
#: otherwise hold a page for minutes, until the operating system gives up on the TCP connection), and
#: for data sent to the server to be acknowledged (a network that goes silent under an open connection).
#: A ``connect_timeout`` or ``tcp_user_timeout`` in the database URL wins.
PG_CONNECT_TIMEOUT_S = 3
PG_TCP_USER_TIMEOUT_MS = 5_000
#: the longest a write waits for an answer (stored, or :class:`~qmethod.errors.StorageBusyError`) while
#: the database is busy: the time in this process's queue of SQLite writers plus SQLite's own busy
#: wait, over all attempts. A participant whose save meets a held lock sees the "busy, trying again"
#: message within about this long, however many of this process's writers wait in the same queue.
WRITE_ANSWER_S = 4.5
T = TypeVar("T")

_SQLITE_WRITE_LOCKS: dict[str, threading.Lock] = {}
_SQLITE_WRITE_LOCKS_GUARD = threading.Lock()


def _sqlite_write_lock(url: str) -> threading.Lock | None:
    """One lock per SQLite file shared by all threads of this process (``None`` for other databases).

    SQLite admits one writer at a time and its busy handler polls with growing sleeps, which is unfair
    under many threads: a writer can starve past any timeout. Queueing this process's writers on a lock
    first leaves the busy timeout for other processes only.
    """
    u = make_url(url)
    if u.get_backend_name() != "sqlite":
        return None
    key = str(Path(u.database).resolve()) if u.database and u.database != ":memory:" else url
    with _SQLITE_WRITE_LOCKS_GUARD:
        return _SQLITE_WRITE_LOCKS.setdefault(key, threading.Lock())


def database_url(url: str | None = None) -> str:
    """``url``, else ``$QMETHOD_DATABASE_URL``, else a SQLite file ``var/qmethod.sqlite``."""
    if url:
        return url
    env = os.environ.get(ENV_URL, "").strip()
    if env:
        return env
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def _is_transient(exc: BaseException) -> bool:
    """A lock / serialization / deadlock / dropped-connection error worth retrying."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    orig = getattr(exc, "orig", None)
    code = getattr(orig, "sqlstate", None)
    if code in ("40001", "40P01", "55P03"):  # serialization failure, deadlock, lock not available
        return True
    if isinstance(exc, OperationalError):
        msg = str(orig or exc).lower()
        return "database is locked" in msg or "database is busy" in msg or "database table is locked" in msg
    return False


_FAULT_MESSAGES = {
    "full": ("disk is full", "disk full", "no space left", "database or disk is full"),
    "read-only": ("readonly database", "read-only", "read only"),
    "io": ("disk i/o error", "i/o error", "unable to open database file", "input/output error"),
}
_FAULT_SQLSTATES = {"53100": "full", "25006": "read-only", "58030": "io"}


def storage_fault(exc: BaseException) -> str | None:
    """The kind of storage fault ``exc`` is (``"unreachable"``, ``"full"``, ``"read-only"``,
    ``"io"``), or ``None`` for an error of the statement itself (a constraint, a bug).

    Covers PostgreSQL stopped or unreachable (connection errors, SQLSTATE classes 08 and 57P),
    out of disk (SQLITE_FULL, 53100, class 53), a read-only database (SQLITE_READONLY, 25006) and I/O
    errors (SQLITE_IOERR, 58030)."""
    if not isinstance(exc, DBAPIError):
        return None
    orig = getattr(exc, "orig", None)
    code = getattr(orig, "sqlstate", None) or ""
    msg = str(orig or exc).lower()
    if code in _FAULT_SQLSTATES:
        return _FAULT_SQLSTATES[code]
    for kind, needles in _FAULT_MESSAGES.items():
        if isinstance(exc, OperationalError) and any(n in msg for n in needles):
            return kind
    if exc.connection_invalidated or code[:2] in ("08", "53", "58") or code.startswith("57P"):
        return "unreachable"
    if isinstance(exc, InterfaceError):
        return "unreachable"
    if isinstance(exc, OperationalError) and not code and not any(
            n in msg for n in ("no such table", "no such column", "syntax error", "has no column")):
        return "unreachable"  # a driver-level failure to connect or to talk to the server
    return None


_FAULT_TEXT = {
    "unreachable": "The database cannot be reached just now",
    "full": "The database's disk is full",
    "read-only": "The database is read-only just now",
    "io": "The database's storage reports an error",
}


def unavailable(exc: BaseException) -> StorageUnavailableError | None:
    """A :class:`~qmethod.errors.StorageUnavailableError` for a storage fault, else ``None``."""
    kind = storage_fault(exc)
    if kind is None:
        return None
    return StorageUnavailableError(f"{_FAULT_TEXT[kind]}; nothing of this step was saved. It can be tried again "
                                   "as soon as storage is back.", kind=kind)


def _is_lock(exc: BaseException) -> bool:
    """A lock, serialization or deadlock error (the database is up, but busy)."""
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    msg = str(getattr(exc, "orig", None) or exc).lower()
    return code in ("40001", "40P01", "55P03") or "locked" in msg or "busy" in msg


def _reconnecting(read: Callable[[], T]) -> T:
    """Run a read; if its pooled connection turns out to be broken (the database server restarted
    since it was opened), run it once more: the pool has then replaced its connections. A storage
    fault that persists raises :class:`~qmethod.errors.StorageUnavailableError`."""
    try:
        return read()
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            fault = unavailable(exc)
            if fault is None:
                raise
            raise fault from exc
    try:
        return read()
    except DBAPIError as exc:
        fault = unavailable(exc)
        if fault is None:
            raise
        raise fault from exc


@dataclass
class Database:
    """An engine plus session factories. Build it with :func:`open_database`.

    ``write(fn)`` runs ``fn(session)`` in a write transaction (``BEGIN IMMEDIATE`` on SQLite) and
    retries it on transient lock errors; ``read(fn)`` runs it in a read-only unit of work.
    ``write_connection`` / ``read_connection`` do the same with a Core connection instead of an ORM
    session (the participant's saves: less work per step).
    """

    engine: Engine
    url: str

    def __post_init__(self) -> None:
        self._write_engine = self.engine.execution_options(qmethod_write=True)
        self.WriteSession = sessionmaker(bind=self._write_engine, expire_on_commit=False)
        self.ReadSession = sessionmaker(bind=self.engine, expire_on_commit=False)
        self._local_lock = _sqlite_write_lock(self.url)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def write(self, fn: Callable[[Session], T], *, attempts: int = 2) -> T:
        """Run ``fn`` in one write transaction; commit, or roll back and re-raise.

        Transient lock/serialization errors are retried with a short random back-off; if the database
        stays busy a :class:`~qmethod.errors.StorageBusyError` is raised (nothing was saved).
        """
        return self._write(self.WriteSession.begin, fn, attempts)

    def write_connection(self, fn: Callable[[Connection], T], *, attempts: int = 2) -> T:
        """As :meth:`write`, but ``fn`` gets a Core connection (no ORM session): the lean path of a
        participant's save. Same transaction (``BEGIN IMMEDIATE`` on SQLite), retries and errors."""
        return self._write(self._write_engine.begin, fn, attempts)

    def _write(self, begin: Callable[[], Any], fn: Callable[[Any], T], attempts: int) -> T:
        last: BaseException | None = None
        deadline = time.monotonic() + WRITE_ANSWER_S
        for attempt in range(attempts):
            lock = self._local_lock
            # wait in this process's queue only as long as leaves SQLite its busy wait before the deadline
            queue_s = max(deadline - time.monotonic() - BUSY_TIMEOUT_S, 0.0)
            if lock is not None and not lock.acquire(timeout=queue_s):
                if last is not None:
                    break
                raise StorageBusyError(
                    "The database is busy right now and this step was not saved. Please try again in a moment."
                )
            try:
                with begin() as handle:
                    return fn(handle)
            except (OperationalError, DBAPIError) as exc:
                if not _is_transient(exc):
                    fault = unavailable(exc)
                    if fault is None:
                        raise
                    raise fault from exc
                last = exc
            finally:
                if lock is not None:
                    lock.release()
            if attempt + 1 < attempts:
                pause = min(0.05 * 2**attempt, 1.0) * (0.5 + random.random())
                if lock is not None and time.monotonic() + pause + BUSY_TIMEOUT_S > deadline:
                    break  # no time left for another full attempt: answer now
                time.sleep(pause)
        fault = unavailable(last) if last is not None and not _is_lock(last) else None
        if fault is not None:  # the connection broke on every attempt: the server is down
            raise fault from last
        raise StorageBusyError(
            "The database is busy right now and this step was not saved. Please try again in a moment."
        ) from last

    def read(self, fn: Callable[[Session], T]) -> T:
        """Run ``fn`` in a read transaction (no writes are committed)."""

        def once() -> T:
            with self.ReadSession() as session:
                with session.begin():
                    return fn(session)

        return _reconnecting(once)

    def read_connection(self, fn: Callable[[Connection], T]) -> T:
        """Run ``fn`` with a Core connection in a read transaction (nothing is committed)."""

        def once() -> T:
            with self.engine.connect() as conn:
                with conn.begin():
                    return fn(conn)

        return _reconnecting(once)

    def migrate(self) -> None:
        """Create or upgrade the schema to the newest Alembic revision."""
        from .migrate import upgrade

        upgrade(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_engine(url: str, **kwargs: Any) -> Engine:
    u = make_url(url)
    if u.database and u.database != ":memory:" and not u.database.startswith("file:"):
        Path(u.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        u, connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False},
        pool_size=10, max_overflow=40, pool_timeout=60, **kwargs,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # pysqlite's own transaction handling is switched off; "begin" below issues BEGIN itself.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = FULL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get("qmethod_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


def open_database(url: str | None = None, *, migrate: bool = True, echo: bool = False) -> Database:
    """Open the database at ``url`` (see :func:`database_url`) and, by default, migrate it."""
    resolved = database_url(url)
    backend = make_url(resolved).get_backend_name()
    if backend == "sqlite":
        engine = _sqlite_engine(resolved, echo=echo)
    else:
        # No pool_pre_ping (one more round trip per transaction, a third of a save's time): a
        # connection broken by a server restart is noticed when used, and writes and reads retry.
        given = make_url(resolved).query
        timeouts = {"connect_timeout": PG_CONNECT_TIMEOUT_S, "tcp_user_timeout": PG_TCP_USER_TIMEOUT_MS}
        engine = create_engine(resolved, echo=echo, pool_size=10, max_overflow=40,
                               connect_args={k: v for k, v in timeouts.items() if k not in given})
    db = Database(engine=engine, url=resolved)
    if migrate:
        db.migrate()
    return db
