"""Shared fixtures.

``db`` (and ``database_url``) give a freshly migrated, empty database, parametrized over a SQLite file
and a PostgreSQL server: every test that uses them runs on both. The PostgreSQL server is a temporary
cluster made with Debian's ``postgresql`` binaries (``/usr/lib/postgresql/*/bin``), started once per
test session as an unprivileged user on a unix socket in a temporary directory and stopped at the end.
Without those binaries the PostgreSQL variants are skipped with a reason, except when ``CI=true``:
then they fail, so CI never passes without having run them.

Passwords: tests hash with :data:`TEST_HASHER_PARAMS` (Argon2id at its lowest cost, microseconds per
hash) instead of the production parameters of :data:`qmethod.service.accounts.HASHER` (about 0.2 s of
CPU per hash). ``cheap_password_hasher`` does it, automatically for every test that uses a database
or has the accounts module loaded; a test marked ``production_hasher`` keeps the production hasher. The
production parameters are never changed by this: the hasher is swapped in the test process only.
"""
from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
STUDIES = Path(__file__).parent.parent / "studies"


def _pg_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


class _PostgresCluster:
    """A throw-away PostgreSQL cluster; databases are cloned from a migrated template."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.base = Path(tempfile.mkdtemp(prefix="qmethod-pg-"))
        self.data = self.base / "data"
        self.port = 5432  # only the unix socket in self.base is used, so the number cannot clash
        self.user: str | None = None
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            self.user = "postgres"
            try:
                pw = pwd.getpwnam(self.user)
            except KeyError:
                raise RuntimeError("running as root but there is no 'postgres' user to run the test server") from None
            os.chown(self.base, pw.pw_uid, pw.pw_gid)
        self.counter = itertools.count(1)
        self.template_ready = False

    def _run(self, *args: str) -> None:
        cmd = list(args)
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if res.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed:\n{res.stdout}\n{res.stderr}")

    def start(self) -> None:
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--no-sync", "--locale=C.UTF-8")
        # fsync off only speeds up the test server; the tests kill clients, never this server
        opts = f"-k {self.base} -p {self.port} -c listen_addresses='' -c fsync=off -c max_connections=200"
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.base / "log"), "-w",
                  "-o", opts, "start")

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://postgres@/{dbname}?host={self.base}&port={self.port}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(host=str(self.base), port=self.port, user="postgres", dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(sql)

    def new_database(self) -> str:
        """A new, migrated database (cloned from a template migrated once)."""
        from qmethod.store import open_database

        if not self.template_ready:
            self._admin("CREATE DATABASE qmethod_template")
            db = open_database(self.url("qmethod_template"), migrate=True)
            db.dispose()
            self.template_ready = True
        name = f"qmethod_test_{next(self.counter)}"
        self._admin(f"CREATE DATABASE {name} TEMPLATE qmethod_template")
        return self.url(name)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[_PostgresCluster]:
    bindir = _pg_bindir()
    if bindir is None:
        msg = ("PostgreSQL binaries not found (/usr/lib/postgresql/*/bin/initdb); install Debian's "
               "'postgresql' package (scripts/test-deps.sh does it)")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    cluster = _PostgresCluster(bindir)
    try:
        cluster.start()
    except Exception:
        cluster.stop()
        raise
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of a new, migrated, empty database: a SQLite file, or a database on the test PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'qmethod.sqlite'}"
        from qmethod.store import open_database

        open_database(url, migrate=True).dispose()
        return url
    cluster = request.getfixturevalue("postgres_cluster")
    return cluster.new_database()


@pytest.fixture
def db(database_url: str):
    """A :class:`qmethod.store.Database` on ``database_url`` (disposed after the test)."""
    from qmethod.store import open_database

    database = open_database(database_url, migrate=False)
    yield database
    database.dispose()


#: Argon2id parameters for tests only: the lowest cost argon2 accepts (never used outside tests).
TEST_HASHER_PARAMS = {"time_cost": 1, "memory_cost": 8, "parallelism": 1, "hash_len": 16, "salt_len": 16}


@pytest.fixture(scope="session")
def _test_hasher():
    from argon2 import PasswordHasher, Type

    hasher = PasswordHasher(type=Type.ID, **TEST_HASHER_PARAMS)
    return hasher, hasher.hash("not a password of anyone")


@pytest.fixture
def cheap_password_hasher(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, _test_hasher):
    """Researcher passwords hashed with :data:`TEST_HASHER_PARAMS` in this test (unless it is marked
    ``production_hasher``). Yields the hasher in use."""
    from qmethod.service import accounts

    if request.node.get_closest_marker("production_hasher"):
        yield accounts.HASHER
        return
    hasher, dummy = _test_hasher
    monkeypatch.setattr(accounts, "HASHER", hasher)
    monkeypatch.setattr(accounts, "_DUMMY_HASH", dummy)
    yield hasher


@pytest.fixture(autouse=True)
def _cheap_hasher_where_accounts_are_used(request: pytest.FixtureRequest) -> None:
    if "qmethod.service.accounts" in sys.modules or {"db", "database_url"} & set(request.fixturenames):
        request.getfixturevalue("cheap_password_hasher")
