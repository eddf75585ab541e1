"""Researcher accounts and login sessions.

* Passwords are hashed with Argon2id (argon2-cffi, RFC 9106 low-memory profile: m = 64 MiB, t = 3,
  p = 4; above OWASP's m = 19 MiB, t = 2, p = 1). Hashes made with weaker parameters are upgraded at
  the next login.
* After :data:`MAX_FAILURES` wrong passwords an account is locked for :data:`LOCK_TIME` (counted
  atomically, before hashing); while locked, only sources without failures of their own get one
  check a minute. A source (address) with :data:`SOURCE_MAX_FAILURES` failures is refused for a
  while. Every failure answers the same after the same hashing work (see :func:`login`).
* A login gives a session token of 256 random bits; only its SHA-256 is stored. A session ends after
  :data:`IDLE_TIMEOUT` without a page view, after :data:`MAX_SESSION` in any case, or at logout.

Accounts are created with ``qmethod user add NAME`` or, on a server without any account, from
``QMETHOD_ADMIN_PASSWORD`` (see :func:`ensure_admin_from_env`).
"""
from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..errors import NotFoundError, QMethodError, StorageBusyError
from ..store import repo
from ..store.db import Database
from ..store.models import utcnow
from ..store.tokens import digest
from ..store.models import ResearcherRow, ResearcherSessionRow
from .limits import address_key, limit_key
from .validate import check_text

__all__ = [
    "AuthenticationError", "AccountError", "Researcher", "ResearcherSession",
    "create_account", "set_password", "delete_account", "list_accounts", "has_accounts",
    "login", "session_user", "logout", "ensure_admin_from_env",
    "IDLE_TIMEOUT", "MAX_SESSION", "MAX_FAILURES", "LOCK_TIME", "SOURCE_MAX_FAILURES", "LOCKED_CHECK_EVERY",
    "MIN_PASSWORD_LENGTH", "HASHER", "RESEARCHER", "CO_RESEARCHER", "ROLES",
]

IDLE_TIMEOUT = timedelta(minutes=30)
MAX_SESSION = timedelta(hours=12)
MAX_FAILURES = 5
LOCK_TIME = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
#: how often a session's last-seen time is written (fewer writes; the idle timeout stays within this)
TOUCH_EVERY = timedelta(seconds=60)
HASHER = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4, hash_len=32, salt_len=16, type=Type.ID)
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@\-]{1,63}$")
_DUMMY_HASH = HASHER.hash("not a password of anyone " + secrets.token_hex(8))

#: the roles of an account: a researcher sees every study; a co-researcher only the studies it is invited
#: to, and there only anonymised results (see :mod:`qmethod.service.interpretation`)
RESEARCHER, CO_RESEARCHER = "researcher", "co-researcher"
ROLES = (RESEARCHER, CO_RESEARCHER)

ENV_ADMIN_PASSWORD = "QMETHOD_ADMIN_PASSWORD"
ENV_ADMIN_USER = "QMETHOD_ADMIN_USER"


class AuthenticationError(QMethodError):
    """A failed login: wrong name or password, or a locked account."""


class AccountError(QMethodError):
    """An account that cannot be created or changed (name taken, password too short...)."""


@dataclass(frozen=True)
class Researcher:
    """A researcher account as pages see it (never the hash)."""

    id: int
    username: str
    created_at: datetime
    last_login_at: datetime | None = None
    role: str = RESEARCHER

    @property
    def is_researcher(self) -> bool:
        return self.role == RESEARCHER


@dataclass(frozen=True)
class ResearcherSession:
    """A successful login: keep ``token`` in the browser session; it expires when idle."""

    token: str = field(repr=False)
    researcher: Researcher
    expires_at: datetime


def _researcher(row: ResearcherRow) -> Researcher:
    return Researcher(id=row.id, username=row.username, created_at=row.created_at, last_login_at=row.last_login_at,
                      role=row.role or RESEARCHER)


def _check_username(username: str) -> str:
    name = (username or "").strip()
    if not _USERNAME.match(name):
        raise AccountError(
            f"{username!r} is not a usable user name: use 2 to 64 letters, digits, '.', '_', '-' or '@', "
            "starting with a letter or digit."
        )
    return name


def _check_password(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"The password may have at most {MAX_PASSWORD_LENGTH} characters.")
    if not password.strip():
        raise AccountError("The password must not be only spaces.")


def _row(session: Session, username: str) -> ResearcherRow | None:
    return session.scalars(select(ResearcherRow).where(func.lower(ResearcherRow.username) == username.lower())
                           ).one_or_none()


def create_account(db: Database, username: str, password: str, *, now: datetime | None = None,
                   role: str = RESEARCHER) -> Researcher:
    """Create an account (user names are unique, ignoring letter case); ``role`` is one of :data:`ROLES`."""
    if role not in ROLES:
        raise AccountError(f"Unknown role {role!r}; choose {' or '.join(ROLES)}.")
    name = _check_username(username)
    _check_password(password)
    hashed = HASHER.hash(password)

    def work(session: Session) -> Researcher:
        if _row(session, name) is not None:
            raise AccountError(f"There is already an account called {name!r}.")
        row = ResearcherRow(username=name, password_hash=hashed, created_at=now or utcnow(), failed_logins=0,
                            role=role)
        session.add(row)
        session.flush()
        return _researcher(row)

    return db.write(work)


def set_password(db: Database, username: str, password: str) -> None:
    """Give an account a new password; this also unlocks it and ends its sessions."""
    _check_password(password)
    hashed = HASHER.hash(password)

    def work(session: Session) -> None:
        row = _row(session, username)
        if row is None:
            raise NotFoundError(f"There is no account called {username!r}.")
        row.password_hash, row.failed_logins, row.locked_until = hashed, 0, None
        session.execute(delete(ResearcherSessionRow).where(ResearcherSessionRow.researcher_id == row.id))

    db.write(work)


def delete_account(db: Database, username: str) -> None:
    """Delete an account and its sessions and analysis workspaces."""

    def work(session: Session) -> None:
        row = _row(session, username)
        if row is None:
            raise NotFoundError(f"There is no account called {username!r}.")
        session.execute(delete(ResearcherSessionRow).where(ResearcherSessionRow.researcher_id == row.id))
        from ..store.models import WorkspaceRow

        session.execute(delete(WorkspaceRow).where(WorkspaceRow.researcher_id == row.id))
        session.delete(row)

    db.write(work)


def list_accounts(db: Database) -> tuple[Researcher, ...]:
    return db.read(lambda s: tuple(_researcher(r) for r in s.scalars(select(ResearcherRow).order_by(ResearcherRow.username))))


def has_accounts(db: Database) -> bool:
    return bool(db.read(lambda s: s.scalar(select(func.count()).select_from(ResearcherRow))))


#: failed logins one source (an address; IPv6 by /64) may cause in :data:`LOCK_TIME`, on any
#: accounts, before its attempts are refused without checking anything
SOURCE_MAX_FAILURES = 10
#: while an account is locked, a source without recent failures still gets one password check per
#: this interval (so a lock set off by someone else delays its owner instead of shutting them out)
LOCKED_CHECK_EVERY = timedelta(minutes=1)
WRONG_LOGIN = (f"Wrong user name or password. After {MAX_FAILURES} wrong passwords an account waits "
               f"{int(LOCK_TIME.total_seconds() // 60)} minutes before it accepts more tries.")


def _source_key(source: str | None) -> str:
    return limit_key("login-source", address_key(source))


def login(db: Database, username: str, password: str, *, source: str | None = None,
          now: datetime | None = None) -> ResearcherSession:
    """Check a user name and password and open a session.

    ``source`` names where the attempt comes from (the page passes the client's address, IPv6 by
    /64); only its SHA-256 is stored. Every failure (unknown name, wrong password, locked account)
    raises :class:`AuthenticationError` with the same message after the same work (one Argon2id
    verification: a dummy hash for unknown names and locked accounts). Limits:

    * per account: :data:`MAX_FAILURES` password checks that fail lock the account for
      :data:`LOCK_TIME`; the checks are counted before hashing, atomically (a row lock), so parallel
      attempts cannot check more. While locked, a source that has no failure of its own in
      :data:`LOCK_TIME` still gets one check per :data:`LOCKED_CHECK_EVERY`.
    * per source: after :data:`SOURCE_MAX_FAILURES` failures within :data:`LOCK_TIME` the source is
      refused (with the waiting time) without checking anything.

    Argon2id runs outside any database transaction (other writers never wait for it).
    """
    when = now or utcnow()
    if not isinstance(password, str) or not isinstance(username, str) or len(password) > MAX_PASSWORD_LENGTH:
        raise AuthenticationError(WRONG_LOGIN)
    check_text(username, "The user name", AuthenticationError)
    name = username.strip()
    src = _source_key(source)

    def reserve(session: Session) -> tuple[str, Any]:
        """Count this attempt in advance (as a failure of the source and, if a password will be
        checked, of the account) and say what to verify."""
        repo.forget_failures(session, now=when)
        mine = repo.failure_times(session, src, since=when - LOCK_TIME)
        if len(mine) >= SOURCE_MAX_FAILURES:
            return "source", mine[-SOURCE_MAX_FAILURES] + LOCK_TIME
        (failure_id,) = repo.add_failures(session, [src], when)
        row = session.scalars(select(ResearcherRow).where(func.lower(ResearcherRow.username) == name.lower())
                              .with_for_update()).one_or_none() if _USERNAME.match(name) else None
        if row is None:
            return "dummy", None
        if row.locked_until is not None and when >= row.locked_until:
            row.failed_logins, row.locked_until = 0, None
        if row.locked_until is not None:
            locked_at = row.locked_until - LOCK_TIME
            allowed = MAX_FAILURES + int((when - locked_at) / LOCKED_CHECK_EVERY)
            if mine or (row.failed_logins or 0) >= allowed:
                return "dummy", None
        row.failed_logins = (row.failed_logins or 0) + 1
        if row.failed_logins >= MAX_FAILURES and row.locked_until is None:
            row.locked_until = when + LOCK_TIME
        return "check", (row.id, row.password_hash, failure_id)

    outcome, value = db.write(reserve)
    if outcome == "source":
        minutes = max(1, -(-int((value - when).total_seconds()) // 60))
        raise AuthenticationError(f"Too many failed logins from this address. Try again in {minutes} minute"
                                  f"{'s' if minutes != 1 else ''}.")
    target = value[1] if outcome == "check" else _DUMMY_HASH
    try:
        right = HASHER.verify(target, password) and outcome == "check"
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        right = False
    if not right:
        raise AuthenticationError(WRONG_LOGIN)
    researcher_id, old_hash, failure_id = value
    new_hash = HASHER.hash(password) if HASHER.check_needs_rehash(old_hash) else None

    def record(session: Session) -> ResearcherSession | None:
        row = session.get(ResearcherRow, researcher_id, with_for_update=True)
        if row is None or row.password_hash != old_hash:  # deleted or given a new password meanwhile
            return None
        repo.drop_failures(session, [failure_id])
        if new_hash is not None:
            row.password_hash = new_hash
        row.failed_logins, row.locked_until, row.last_login_at = 0, None, when
        session.execute(delete(ResearcherSessionRow).where(
            ResearcherSessionRow.last_seen_at < when - IDLE_TIMEOUT))
        token = secrets.token_urlsafe(32)
        session.add(ResearcherSessionRow(token_hash=digest(token), researcher_id=row.id, created_at=when,
                                         last_seen_at=when))
        return ResearcherSession(token=token, researcher=_researcher(row), expires_at=when + IDLE_TIMEOUT)

    opened = db.write(record)
    if opened is None:
        raise AuthenticationError(WRONG_LOGIN)
    return opened


def session_user(db: Database, token: str | None, *, now: datetime | None = None) -> Researcher | None:
    """The researcher holding ``token``, or ``None`` if the session is unknown, expired or ended.

    A valid call counts as activity (the idle timer restarts).
    """
    if not isinstance(token, str) or not token or len(token) > 200:
        return None
    when = now or utcnow()
    key = digest(token)

    def expired(row: ResearcherSessionRow) -> bool:
        return when - row.last_seen_at > IDLE_TIMEOUT or when - row.created_at > MAX_SESSION

    def look(session: Session) -> tuple[Researcher | None, bool]:
        """(the researcher of a valid session, whether the session row must be written)"""
        row = session.get(ResearcherSessionRow, key)
        if row is None:
            return None, False
        if expired(row):
            return None, True
        user = session.get(ResearcherRow, row.researcher_id)
        return (_researcher(user) if user is not None else None), when - row.last_seen_at >= TOUCH_EVERY

    def work(session: Session) -> None:
        row = session.get(ResearcherSessionRow, key)
        if row is None:
            return
        if expired(row):
            session.delete(row)
        elif when - row.last_seen_at >= TOUCH_EVERY:
            row.last_seen_at = when

    # Read first: most page runs need no write, and a page must still be drawn while storage refuses
    # writes (a held lock, a full disk); recording the activity then waits for a later run.
    user, stale = db.read(look)
    if stale:
        try:
            db.write(work)
        except StorageBusyError:
            pass
    return user


def logout(db: Database, token: str | None) -> None:
    """End a session (nothing happens for an unknown token)."""
    if not isinstance(token, str) or not token:
        return
    db.write(lambda s: s.execute(delete(ResearcherSessionRow).where(ResearcherSessionRow.token_hash == digest(token))))


def ensure_admin_from_env(db: Database, env: Mapping[str, str] | None = None) -> Researcher | None:
    """On a server without any account, create one from ``QMETHOD_ADMIN_PASSWORD``.

    The user name is ``QMETHOD_ADMIN_USER`` (default ``admin``). Once any account exists the
    variable is ignored (it never resets a password), so it is safe to leave set.
    """
    env = os.environ if env is None else env
    password = env.get(ENV_ADMIN_PASSWORD) or ""
    if not password or has_accounts(db):
        return None
    try:
        return create_account(db, env.get(ENV_ADMIN_USER) or "admin", password)
    except AccountError as exc:
        if "already" in str(exc):  # a second server process created it a moment ago
            return None
        raise
