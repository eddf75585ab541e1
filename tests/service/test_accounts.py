"""Researcher accounts: Argon2id hashing, lockout after wrong passwords, session expiry, admin from env."""
from __future__ import annotations

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
    for _ in range(ac.MAX_FAILURES - 1):
        with pytest.raises(ac.AuthenticationError, match="Wrong"):
            ac.login(db, "anna", "not the password", now=t0)
    with pytest.raises(ac.AuthenticationError, match="locked until"):
        ac.login(db, "anna", "not the password", now=t0)
    # even the right password is refused while locked
    with pytest.raises(ac.AuthenticationError, match="locked until"):
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
