"""Researcher accounts: Argon2id hashing, lockout after wrong passwords, session expiry, admin from env."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from argon2 import extract_parameters
from sqlalchemy import select

from qmethod.errors import QMethodError
from qmethod.service import accounts as ac
from qmethod.store.models import ResearcherRow, ResearcherSessionRow
from qmethod.store.models import utcnow

PASSWORD = "correct horse battery"


@pytest.mark.production_hasher
def test_password_is_hashed_with_argon2id_at_or_above_owasp(db):
    ac.create_account(db, "anna", PASSWORD)
    stored = db.read(lambda s: s.scalars(select(ResearcherRow.password_hash)).one())
    assert PASSWORD not in stored and stored.startswith("$argon2id$")
    p = extract_parameters(stored)
    assert p.memory_cost >= 19456 and p.time_cost >= 2 and p.parallelism >= 1


@pytest.mark.production_hasher
def test_production_hasher_is_not_the_cheap_test_one():
    """The hasher the app uses (module attribute, untouched in a test marked production_hasher) is Argon2id
    at or above OWASP's minimum, far above the parameters the other tests use to save time."""
    from tests.conftest import TEST_HASHER_PARAMS

    p = extract_parameters(ac.HASHER.hash(PASSWORD))
    assert p.type.name == "ID" and p.memory_cost >= 19456 and p.time_cost >= 2 and p.parallelism >= 1
    assert p.memory_cost > 1000 * TEST_HASHER_PARAMS["memory_cost"]
    assert extract_parameters(ac._DUMMY_HASH) == p  # unknown user names cost as much as known ones


def test_tests_hash_with_the_cheap_parameters(db):
    ac.create_account(db, "anna", PASSWORD)
    p = extract_parameters(db.read(lambda s: s.scalars(select(ResearcherRow.password_hash)).one()))
    assert p.memory_cost == 8 and p.time_cost == 1
    assert ac.login(db, "anna", PASSWORD).researcher.username == "anna"


def test_account_rules(db):
    ac.create_account(db, "anna", PASSWORD)
    with pytest.raises(ac.AccountError, match="already"):
        ac.create_account(db, "ANNA", PASSWORD)
    with pytest.raises(ac.AccountError, match="at least 10"):
        ac.create_account(db, "bob", "short")
    with pytest.raises(ac.AccountError, match="user name"):
        ac.create_account(db, "bad name!", PASSWORD)
    assert isinstance(ac.AccountError("x"), QMethodError)
    assert [r.username for r in ac.list_accounts(db)] == ["anna"]


def test_login_session_and_logout(db):
    ac.create_account(db, "anna", PASSWORD)
    with pytest.raises(ac.AuthenticationError, match="Wrong user name or password"):
        ac.login(db, "anna", "wrong password!")
    with pytest.raises(ac.AuthenticationError, match="Wrong user name or password"):
        ac.login(db, "nobody", PASSWORD)
    s = ac.login(db, "anna", PASSWORD)
    assert len(s.token) >= 43  # 256 bits, URL-safe base64
    stored = db.read(lambda x: x.scalars(select(ResearcherSessionRow.token_hash)).all())
    assert s.token not in stored and len(stored) == 1
    assert ac.session_user(db, s.token).username == "anna"
    assert ac.session_user(db, "forged") is None
    ac.logout(db, s.token)
    assert ac.session_user(db, s.token) is None


def test_lockout_after_five_failures(db):
    ac.create_account(db, "anna", PASSWORD)
    t0 = utcnow()
    for _ in range(ac.MAX_FAILURES):
        with pytest.raises(ac.AuthenticationError, match="Wrong"):
            ac.login(db, "anna", "not the password", now=t0)
    # even the right password is refused while locked (the same answer as a wrong one)
    with pytest.raises(ac.AuthenticationError, match="Wrong user name or password"):
        ac.login(db, "anna", PASSWORD, now=t0 + timedelta(minutes=5))
    assert ac.login(db, "anna", PASSWORD, now=t0 + ac.LOCK_TIME + timedelta(seconds=1)).researcher.username == "anna"


def test_success_resets_failure_count(db):
    ac.create_account(db, "anna", PASSWORD)
    for _ in range(3):
        with pytest.raises(ac.AuthenticationError):
            ac.login(db, "anna", "not the password")
    ac.login(db, "anna", PASSWORD)
    for _ in range(3):
        with pytest.raises(ac.AuthenticationError, match="Wrong"):
            ac.login(db, "anna", "not the password")


def test_idle_and_absolute_expiry(db):
    ac.create_account(db, "anna", PASSWORD)
    t0 = utcnow()
    s = ac.login(db, "anna", PASSWORD, now=t0)
    # activity keeps it alive
    t = t0
    for _ in range(3):
        t += timedelta(minutes=20)
        assert ac.session_user(db, s.token, now=t) is not None
    assert ac.session_user(db, s.token, now=t + ac.IDLE_TIMEOUT + timedelta(seconds=1)) is None
    assert ac.session_user(db, s.token, now=t) is None  # deleted when found expired
    s2 = ac.login(db, "anna", PASSWORD, now=t0)
    t = t0
    while t - t0 < ac.MAX_SESSION - timedelta(minutes=20):
        t += timedelta(minutes=20)
        assert ac.session_user(db, s2.token, now=t) is not None
    assert ac.session_user(db, s2.token, now=t0 + ac.MAX_SESSION + timedelta(minutes=1)) is None


def test_set_password_ends_sessions_and_unlocks(db):
    ac.create_account(db, "anna", PASSWORD)
    s = ac.login(db, "anna", PASSWORD)
    ac.set_password(db, "anna", "another good password")
    assert ac.session_user(db, s.token) is None
    assert ac.login(db, "anna", "another good password")


def test_admin_from_environment_only_when_no_account(db):
    assert ac.ensure_admin_from_env(db, {}) is None
    made = ac.ensure_admin_from_env(db, {"QMETHOD_ADMIN_PASSWORD": PASSWORD})
    assert made.username == "admin"
    assert ac.ensure_admin_from_env(db, {"QMETHOD_ADMIN_PASSWORD": "a different password"}) is None
    assert ac.login(db, "admin", PASSWORD)
    ac.delete_account(db, "admin")
    assert not ac.has_accounts(db)


class _CountingHasher:
    """A cheap Argon2id hasher (the tests run many verifications at once) that counts which hashes
    were verified; everything else is the real PasswordHasher's."""

    def __init__(self) -> None:
        from argon2 import PasswordHasher, Type

        self._real = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID)
        self.verified: list[str] = []
        self.lock = threading.Lock()

    def __getattr__(self, name):
        return getattr(self._real, name)

    def verify(self, hash_, password):
        with self.lock:
            self.verified.append(hash_)
        return self._real.verify(hash_, password)


@pytest.fixture
def hasher(monkeypatch) -> _CountingHasher:
    h = _CountingHasher()
    monkeypatch.setattr(ac, "HASHER", h)
    monkeypatch.setattr(ac, "_DUMMY_HASH", h.hash("dummy password of no one"))
    return h


def _stored_hash(db, name: str) -> str:
    return db.read(lambda s: s.scalars(select(ResearcherRow.password_hash).where(ResearcherRow.username == name)).one())


@pytest.mark.parametrize("sources", ["one source", "20 sources"])
def test_twenty_parallel_wrong_passwords_check_exactly_five(db, hasher, sources):
    """Fails on the old code on PostgreSQL: the failure count was read, raised and written back by
    each attempt, so parallel attempts overwrote each other (20 at once left it at 1)."""
    ac.create_account(db, "anna", PASSWORD)
    real = _stored_hash(db, "anna")
    t0 = utcnow()
    barrier = threading.Barrier(20)
    answers: list[str] = []

    def attempt(i: int) -> None:
        barrier.wait()
        try:
            ac.login(db, "anna", f"wrong password {i}", now=t0,
                     source="203.0.113.9" if sources == "one source" else f"203.0.113.{i}")
        except ac.AuthenticationError as exc:
            answers.append(str(exc))

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(answers) == 20
    assert hasher.verified.count(real) == ac.MAX_FAILURES
    # the account is now locked: even the right password is not checked in this window
    with pytest.raises(ac.AuthenticationError):
        ac.login(db, "anna", PASSWORD, now=t0, source="203.0.113.9")
    assert hasher.verified.count(real) == ac.MAX_FAILURES


def test_every_failure_answers_the_same_after_one_verification(db, hasher):
    """Fails on the old code: a locked account answered differently ("locked until ...") and
    instantly (no hashing), which told that the user name exists."""
    ac.create_account(db, "anna", PASSWORD)
    ac.create_account(db, "bruno", PASSWORD)
    t0 = utcnow()
    for i in range(ac.MAX_FAILURES):
        with pytest.raises(ac.AuthenticationError):
            ac.login(db, "bruno", f"wrong {i}", now=t0, source="198.51.100.1")
    answers = []
    for name, password in [("nobody", PASSWORD), ("anna", "wrong password"), ("bruno", "wrong password"),
                           ("bruno", PASSWORD)]:
        before = len(hasher.verified)
        with pytest.raises(ac.AuthenticationError) as info:
            ac.login(db, name, password, now=t0 + timedelta(seconds=10), source="192.0.2.50")
        assert len(hasher.verified) == before + 1  # one Argon2id verification whatever the case
        answers.append(str(info.value))
    assert len(set(answers)) == 1 and answers[0].startswith("Wrong user name or password")


def test_a_lock_set_off_from_elsewhere_delays_the_owner_only_briefly(db, hasher):
    """Fails on the old code: five wrong passwords from anywhere locked the account for everyone
    for 15 minutes, so 5 requests per 15 minutes kept its owner out."""
    ac.create_account(db, "anna", PASSWORD)
    t0 = utcnow()
    for i in range(ac.MAX_FAILURES):
        with pytest.raises(ac.AuthenticationError):
            ac.login(db, "anna", f"wrong {i}", now=t0, source="203.0.113.66")
    # the attacker's own source keeps getting refused, even with the right password
    with pytest.raises(ac.AuthenticationError):
        ac.login(db, "anna", PASSWORD, now=t0 + timedelta(minutes=2), source="203.0.113.66")
    # the owner, from an address without failures, gets in a minute later
    s = ac.login(db, "anna", PASSWORD, now=t0 + ac.LOCKED_CHECK_EVERY, source="198.51.100.20")
    assert s.researcher.username == "anna"


def test_a_source_with_many_failures_is_refused_for_every_account(db, hasher):
    """Fails on the old code: one address could try 5 passwords on each of any number of accounts."""
    for name in ("anna", "bruno", "carla"):
        ac.create_account(db, name, PASSWORD)
    t0 = utcnow()
    names = ["anna", "bruno", "carla", "nobody"] * 3
    for i in range(ac.SOURCE_MAX_FAILURES):
        with pytest.raises(ac.AuthenticationError, match="Wrong"):
            ac.login(db, names[i], "wrong password", now=t0, source="203.0.113.7")
    checked = len(hasher.verified)
    with pytest.raises(ac.AuthenticationError, match="Too many failed logins from this address. Try again in 15"):
        ac.login(db, "carla", PASSWORD, now=t0 + timedelta(seconds=1), source="203.0.113.7")
    assert len(hasher.verified) == checked
    # other addresses are not affected, and the address gets in again after the window
    assert ac.login(db, "carla", PASSWORD, now=t0 + timedelta(seconds=1), source="198.51.100.3")
    assert ac.login(db, "anna", PASSWORD, now=t0 + ac.LOCK_TIME + timedelta(seconds=1), source="203.0.113.7")


def test_password_hashing_holds_no_write_transaction(db, hasher, monkeypatch):
    """Fails on the old code on SQLite: Argon2id ran inside the write transaction, so every
    participant's save waited for each (even anonymous) login attempt."""
    ac.create_account(db, "anna", PASSWORD)
    other_writes: list[bool] = []

    def verify_while_writing(hash_, password):
        t = threading.Thread(target=lambda: other_writes.append(db.write(lambda s: True)))
        t.start()
        t.join(timeout=5)
        return _CountingHasher.verify(hasher, hash_, password)

    monkeypatch.setattr(hasher, "verify", verify_while_writing, raising=False)
    for name, password in [("nobody", PASSWORD), ("anna", "wrong password"), ("anna", PASSWORD)]:
        try:
            ac.login(db, name, password, source="192.0.2.1")
        except ac.AuthenticationError:
            pass
        assert other_writes and other_writes.pop() is True, f"a write waited for the login of {name!r}"


def test_nul_in_user_name_is_refused_clearly(db):
    """Fails on the old code on PostgreSQL: a raw database error instead of an answer."""
    ac.create_account(db, "anna", PASSWORD)
    with pytest.raises(ac.AuthenticationError, match="NUL"):
        ac.login(db, "an\x00na", PASSWORD)


def test_a_session_is_recognised_while_storage_refuses_writes(tmp_path):
    """Fails on the old code: with SQLite's write lock held elsewhere, every researcher page run failed
    at the login check (it always opened a write transaction), so the whole page was replaced by the
    storage message; now the page is drawn, and the activity is recorded on a later run."""
    import sqlite3

    from qmethod.errors import StorageBusyError
    from qmethod.store import open_database

    path = tmp_path / "q.sqlite"
    db = open_database(f"sqlite:///{path}")
    db.migrate()
    try:
        ac.create_account(db, "anna", PASSWORD)
        t0 = utcnow()
        s = ac.login(db, "anna", PASSWORD, now=t0)
        other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        try:
            assert ac.session_user(db, s.token, now=t0 + timedelta(seconds=5)).username == "anna"
            assert ac.session_user(db, s.token, now=t0 + timedelta(minutes=5)).username == "anna"  # touch waits
            with pytest.raises(StorageBusyError):  # (a real write still meets the lock)
                ac.create_account(db, "bert", PASSWORD)
        finally:
            other.rollback()
            other.close()
        # the activity is recorded once storage answers: the idle timer restarts from the later run
        assert ac.session_user(db, s.token, now=t0 + timedelta(minutes=25)) is not None
        assert ac.session_user(db, s.token, now=t0 + timedelta(minutes=50)) is not None
    finally:
        db.dispose()
