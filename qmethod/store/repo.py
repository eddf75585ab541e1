"""Data functions: read and write rows inside a caller's session or connection (they never commit).

A participant's save runs on the lean path: one Core ``select`` for the participant row (locked on
PostgreSQL) with its study revision, one for the sort items and answers, the changed rows, the version
bump and the audit event as prebuilt Core statements; the parsed :class:`Study` is cached per database
engine, study and revision (immutable data).
"""
from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from ..errors import ConflictError, NotFoundError
from ..study.load import parse_study
from ..study.model import Study
from ..study.response import Response
from .models import (
    AccessTokenRow,
    AnswerRow,
    EventRow,
    OperationRow,
    ParticipantRow,
    ResumeAttemptRow,
    SortItemRow,
    StudyRow,
)
from .tokens import digest

__all__ = ["ParticipantRecord", "study_row", "study_from_row", "study_by_id", "participant_by_token",
           "participant_record", "participant_by_resume_code", "participant_by_code", "load_response",
           "read_response", "write_response", "append_event", "add_sort_items", "events_of", "bump_version",
           "allocate_participant_number", "add_participant", "hand_over", "participant_number", "forget_failures", "failure_times",
           "count_failures", "add_failures", "drop_failures", "FAILURES_KEPT", "add_token", "operation_outcome",
           "add_operation"]

_P = ParticipantRow.__table__
_T = AccessTokenRow.__table__
_S = StudyRow.__table__
_I = SortItemRow.__table__
_A = AnswerRow.__table__
_E = EventRow.__table__
_O = OperationRow.__table__

#: parsed studies per engine (dropped with the engine), keyed by (study row id, revision)
_STUDIES: "weakref.WeakKeyDictionary[Engine, dict[tuple[int, int], Study]]" = weakref.WeakKeyDictionary()
_STUDIES_GUARD = threading.Lock()
_STUDIES_PER_ENGINE = 256


@dataclass(frozen=True)
class ParticipantRecord:
    """A participant row as plain values (plus its study's revision), read for one step."""

    id: int
    study_id: int
    study_revision: int
    code: str
    language: str
    stage: str
    version: int
    consent_version: str | None
    consented_at: datetime | None
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    condition: str | None = None
    person_id: int | None = None


_RECORD = select(
    _P.c.id, _P.c.study_id, _S.c.revision, _P.c.code, _P.c.language, _P.c.stage, _P.c.version,
    _P.c.consent_version, _P.c.consented_at, _P.c.created_at, _P.c.updated_at, _P.c.submitted_at,
    _P.c.condition, _P.c.person_id,
).select_from(_T.join(_P, _P.c.id == _T.c.participant_id).join(_S, _S.c.id == _P.c.study_id)).where(
    _T.c.token_hash == bindparam("token_hash")
)
_RECORD_LOCKED = _RECORD.with_for_update(of=_P)
_DEFINITION = select(_S.c.slug, _S.c.revision, _S.c.definition).where(_S.c.id == bindparam("study_id"))
_ITEMS = select(_I.c.statement, _I.c.pile, _I.c.score, _I.c.position, _I.c.comment).where(
    _I.c.participant_id == bindparam("pid"))
_ANSWERS = select(_A.c.question, _A.c.value).where(_A.c.participant_id == bindparam("pid"))
_SET_ITEM = update(_I).where(_I.c.participant_id == bindparam("pid"), _I.c.statement == bindparam("sid")).values(
    pile=bindparam("v_pile"), score=bindparam("v_score"), position=bindparam("v_position"),
    comment=bindparam("v_comment"))
_ADD_ITEMS = insert(_I)
_ADD_ANSWER = insert(_A)
_SET_ANSWER = update(_A).where(_A.c.participant_id == bindparam("pid"), _A.c.question == bindparam("qid")).values(
    value=bindparam("v_value"), answered_at=bindparam("v_at"))
_DROP_ANSWER = _A.delete().where(_A.c.participant_id == bindparam("pid"), _A.c.question == bindparam("qid"))
_BUMP = update(_P).where(_P.c.id == bindparam("pid"), _P.c.version == bindparam("expected")).values(
    version=bindparam("v_version"), updated_at=bindparam("v_updated_at"), stage=bindparam("v_stage"),
    language=bindparam("v_language"), consent_version=bindparam("v_consent_version"),
    consented_at=bindparam("v_consented_at"), submitted_at=bindparam("v_submitted_at"))
_ADD_EVENT = insert(_E)
_OUTCOME = select(_O.c.result, _O.c.version, _O.c.detail).where(
    _O.c.participant_id == bindparam("pid"), _O.c.op_id == bindparam("op_id"))
_ADD_OPERATION = insert(_O)
_ALLOCATE_NUMBER = (update(_S).where(_S.c.slug == bindparam("w_slug")).values(next_number=_S.c.next_number + 1)
                    .returning(_S.c.id, _S.c.revision, _S.c.next_number))
_ADD_PARTICIPANT = insert(_P)
_ADD_TOKEN = insert(_T)
_BUMP_FIELDS = ("updated_at", "stage", "language", "consent_version", "consented_at", "submitted_at")


def _cached_study(engine: Engine, study_id: int, revision: int, load: Callable[[], tuple[str, int, Any]]) -> Study:
    """The parsed study (study row ``study_id``, ``revision``) of this engine's database; ``load`` gives
    ``(slug, revision, definition)`` when it is not cached yet."""
    with _STUDIES_GUARD:
        per = _STUDIES.get(engine)
        study = per.get((study_id, revision)) if per is not None else None
    if study is not None:
        return study
    slug, rev, definition = load()
    study = parse_study(definition, source=f"study {slug!r} (stored revision {rev})")
    with _STUDIES_GUARD:
        per = _STUDIES.setdefault(engine, {})
        if len(per) >= _STUDIES_PER_ENGINE:
            per.clear()
        per[(study_id, rev)] = study
    return study


def study_row(session: Session, slug: str) -> StudyRow:
    row = session.scalars(select(StudyRow).where(StudyRow.slug == slug)).one_or_none()
    if row is None:
        raise NotFoundError(f"Study {slug!r} is not published.")
    return row


def study_from_row(session: Session, row: StudyRow) -> Study:
    """The validated :class:`Study` of a row (parsed once per revision and database engine)."""
    engine = session.get_bind().engine
    return _cached_study(engine, row.id, row.revision, lambda: (row.slug, row.revision, row.definition))


def study_by_id(conn: Connection, study_id: int, revision: int) -> Study:
    """The validated :class:`Study` of study row ``study_id`` at ``revision`` (its definition is read
    only when this revision is not cached yet)."""

    def load() -> tuple[str, int, Any]:
        slug, rev, definition = conn.execute(_DEFINITION, {"study_id": study_id}).one()
        return slug, rev, definition

    return _cached_study(conn.engine, study_id, revision, load)


def participant_by_token(session: Session, token: str, *, for_update: bool = False) -> ParticipantRow | None:
    if not isinstance(token, str) or not token:
        return None
    q = (select(ParticipantRow).join(AccessTokenRow, AccessTokenRow.participant_id == ParticipantRow.id)
         .where(AccessTokenRow.token_hash == digest(token)))
    if for_update:
        q = q.with_for_update(of=ParticipantRow)
    return session.scalars(q).one_or_none()


def participant_record(conn: Connection, token: str, *, for_update: bool = False) -> ParticipantRecord | None:
    """The participant holding ``token`` as a :class:`ParticipantRecord` (row locked with ``for_update``
    on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already excludes other writers)."""
    if not isinstance(token, str) or not token:
        return None
    row = conn.execute(_RECORD_LOCKED if for_update else _RECORD, {"token_hash": digest(token)}).first()
    return None if row is None else ParticipantRecord(*row)


def participant_by_resume_code(session: Session, code: str) -> ParticipantRow | None:
    return session.scalars(select(ParticipantRow).where(ParticipantRow.resume_hash == digest(code))).one_or_none()


#: how long failure records are kept (the longest look-back of any limit)
FAILURES_KEPT = timedelta(hours=1)


def forget_failures(session: Session, *, now: datetime) -> None:
    """Delete the failure records (wrong resume codes, failed logins) older than :data:`FAILURES_KEPT`."""
    session.execute(delete(ResumeAttemptRow).where(ResumeAttemptRow.at < now - FAILURES_KEPT))


def failure_times(session: Session, key_hash: str, *, since: datetime, lock: bool = True) -> list[datetime]:
    """Times of the failures recorded under ``key_hash`` since ``since``, oldest first.

    ``key_hash`` is the SHA-256 of what is limited (an address, a browser, a resume code, a login
    source). With ``lock`` on PostgreSQL the key is locked first (a transaction-level advisory lock),
    so that attempts sent at the same moment are counted one after another, as SQLite's single writer
    does anyway."""
    if lock and session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(int(key_hash[:15], 16))))
    return list(session.scalars(select(ResumeAttemptRow.at).where(
        ResumeAttemptRow.client_hash == key_hash, ResumeAttemptRow.at >= since).order_by(ResumeAttemptRow.at)))


def count_failures(session: Session, key_hash: str, *, since: datetime) -> int:
    """How many failures are recorded under ``key_hash`` since ``since`` (no lock)."""
    return int(session.scalar(select(func.count()).select_from(ResumeAttemptRow).where(
        ResumeAttemptRow.client_hash == key_hash, ResumeAttemptRow.at >= since)) or 0)


def add_failures(session: Session, key_hashes: Iterable[str], at: datetime) -> list[int]:
    """Record one failure under each of ``key_hashes``; the ids of the new records."""
    rows = [ResumeAttemptRow(client_hash=k, at=at) for k in dict.fromkeys(key_hashes)]
    session.add_all(rows)
    session.flush()
    return [r.id for r in rows]


def drop_failures(session: Session, ids: Iterable[int]) -> None:
    """Delete failure records by id (an attempt counted in advance that turned out right)."""
    session.execute(delete(ResumeAttemptRow).where(ResumeAttemptRow.id.in_(list(ids))))


def participant_by_external_id(conn: Connection, study_id: int, external_id: str) -> int | None:
    """The id of study ``study_id``'s participant started from invitation id ``external_id``, if any."""
    return conn.execute(select(ParticipantRow.id).where(ParticipantRow.study_id == study_id,
                                                        ParticipantRow.external_id == external_id)).scalar()


def participants_with_codes(conn: Connection, study_id: int, codes: Iterable[str]) -> dict[str, ParticipantRecord]:
    """Study ``study_id``'s participants whose code is one of ``codes``, by code."""
    rows = conn.execute(select(*_RECORD.selected_columns).select_from(_P.join(_S, _S.c.id == _P.c.study_id)).where(
        _P.c.study_id == study_id, _P.c.code.in_(list(codes)))).all()
    return {r.code: ParticipantRecord(*r) for r in rows}


def participant_by_code(session: Session, study_id: int, code: str) -> ParticipantRow | None:
    return session.scalars(
        select(ParticipantRow).where(ParticipantRow.study_id == study_id, ParticipantRow.code == code)
    ).one_or_none()


def _response(study: Study, language: str, stage: str, consent_version: str | None, submitted: bool,
              items: Iterable[Sequence[Any]], answers: Iterable[Sequence[Any]]) -> Response:
    r = Response.new(study, language)
    r.stage = stage
    r.consent_version = consent_version
    r.submitted = submitted
    piles: dict[str, str] = {}
    comments: dict[str, str] = {}
    placed: list[tuple[int, int, str]] = []
    for sid, pile, score, position, comment in items:
        if pile is not None:
            piles[sid] = pile
        if score is not None:
            placed.append((score, position if position is not None else 0, sid))
        if comment is not None:
            comments[sid] = comment
    for score, _pos, sid in sorted(placed):
        r.columns.setdefault(score, []).append(sid)
    for qid, value in answers:
        r.answers[qid] = value
    # keep the study's pile / statement order in dicts so equal states compare and print alike
    r.piles = {s: piles[s] for s in study.statement_ids if s in piles}
    r.comments = {s: comments[s] for s in study.statement_ids if s in comments}
    return r


def allocate_participant_number(conn: Connection, slug: str) -> tuple[int, int, int]:
    """Take the next participant number of study ``slug``: ``(study row id, revision, number)``.

    One ``UPDATE ... RETURNING``: the study row stays locked until the transaction ends (SQLite's
    ``BEGIN IMMEDIATE`` already excludes other writers), so two starts never get the same number,
    and a rolled-back start gives its number back.
    """
    row = conn.execute(_ALLOCATE_NUMBER, {"w_slug": slug}).first()
    if row is None:
        raise NotFoundError(f"Study {slug!r} is not published.")
    return row[0], row[1], row[2] - 1


def add_participant(conn: Connection, values: dict[str, Any]) -> int:
    """Insert a participant row; returns its id."""
    return int(conn.execute(_ADD_PARTICIPANT, values).inserted_primary_key[0])


def participant_number(conn: Connection, participant_id: int) -> int:
    """The number of participant row ``participant_id`` (``P007``: 7)."""
    return int(conn.execute(select(_P.c.number).where(_P.c.id == participant_id)).scalar_one())


def hand_over(conn: Connection, participant_id: int, values: dict[str, Any], spare_hash: str) -> int:
    """Insert the participant row of a person's next condition (``values``) and move the person's resume
    code and access tokens from row ``participant_id`` to it (the old row keeps ``spare_hash``, the
    hash of a code nobody knows). Returns the new row's id."""
    code_hash = conn.execute(select(_P.c.resume_hash).where(_P.c.id == participant_id)).scalar_one()
    conn.execute(update(_P).where(_P.c.id == participant_id).values(resume_hash=spare_hash))
    pid = add_participant(conn, {**values, "resume_hash": code_hash})
    conn.execute(update(_T).where(_T.c.participant_id == participant_id).values(participant_id=pid))
    return pid


def add_token(conn: Connection, token_hash: str, participant_id: int, at: datetime) -> None:
    """Store the hash of a participant's access token."""
    conn.execute(_ADD_TOKEN, {"token_hash": token_hash, "participant_id": participant_id, "created_at": at})


def load_response(session: Session, p: ParticipantRow, study: Study) -> Response:
    """Rebuild the working :class:`Response` from the stored rows."""
    conn = session.connection()
    return _response(study, p.language, p.stage, p.consent_version, p.submitted_at is not None,
                     conn.execute(_ITEMS, {"pid": p.id}), conn.execute(_ANSWERS, {"pid": p.id}))


def read_response(conn: Connection, p: ParticipantRecord, study: Study) -> Response:
    """:func:`load_response` for a :class:`ParticipantRecord` on a Core connection."""
    return _response(study, p.language, p.stage, p.consent_version, p.submitted_at is not None,
                     conn.execute(_ITEMS, {"pid": p.id}), conn.execute(_ANSWERS, {"pid": p.id}))


def _item_values(r: Response, sid: str, placements: dict[str, tuple[int, int]]) -> tuple[Any, ...]:
    score, pos = placements.get(sid, (None, None))
    return (r.piles.get(sid), score, pos, r.comments.get(sid))


def write_response(conn: Connection, participant_id: int, study: Study, before: Response, after: Response,
                   now: datetime) -> None:
    """Store the difference between ``before`` and ``after`` (rows of sort_item and answer)."""
    pb, pa = before.placements(), after.placements()
    changed = []
    for sid in study.statement_ids:
        old, new = _item_values(before, sid, pb), _item_values(after, sid, pa)
        if old != new:
            changed.append({"pid": participant_id, "sid": sid, "v_pile": new[0], "v_score": new[1],
                            "v_position": new[2], "v_comment": new[3]})
    if changed:
        conn.execute(_SET_ITEM, changed)
    for qid in sorted(set(before.answers) | set(after.answers)):
        old, new = before.answers.get(qid), after.answers.get(qid)
        if old == new:
            continue
        if new is None:
            conn.execute(_DROP_ANSWER, {"pid": participant_id, "qid": qid})
        elif old is None:
            conn.execute(_ADD_ANSWER, {"participant_id": participant_id, "question": qid, "value": new,
                                       "answered_at": now})
        else:
            conn.execute(_SET_ANSWER, {"pid": participant_id, "qid": qid, "v_value": new, "v_at": now})


def add_sort_items(conn: Connection, participant_id: int, statement_ids: Iterable[str]) -> None:
    """One empty ``sort_item`` row per statement of a new participant."""
    conn.execute(_ADD_ITEMS, [{"participant_id": participant_id, "statement": sid} for sid in statement_ids])


def bump_version(conn: Connection, p: ParticipantRecord, values: dict[str, Any]) -> ParticipantRecord:
    """Set ``values`` (fields of :data:`_BUMP_FIELDS`) on the participant and increase its version by one,
    only if nobody else did.

    Returns the record as now stored; raises :class:`ConflictError` if the stored version moved meanwhile.
    """
    unknown = set(values) - set(_BUMP_FIELDS)
    if unknown:
        raise ValueError(f"bump_version cannot set {', '.join(sorted(unknown))}")
    values = {k: (v.astimezone(timezone.utc) if isinstance(v, datetime) and v.tzinfo is not None else v)
              for k, v in values.items()}
    new = {f: values.get(f, getattr(p, f)) for f in _BUMP_FIELDS}
    params = {"pid": p.id, "expected": p.version, "v_version": p.version + 1}
    params.update({f"v_{f}": v for f, v in new.items()})
    res = conn.execute(_BUMP, params)
    if res.rowcount != 1:
        raise ConflictError("Another tab or device saved at the same moment; the page shows the latest state.")
    return replace(p, version=p.version + 1, **new)


def append_event(conn: Connection, participant_id: int, version: int, at: datetime, kind: str,
                 payload: dict[str, Any]) -> None:
    """Append one step to the audit trail."""
    conn.execute(_ADD_EVENT, {"participant_id": participant_id, "version": version, "at": at, "kind": kind,
                              "payload": payload})


def events_of(session: Session, participant_id: int) -> list[EventRow]:
    return list(session.scalars(
        select(EventRow).where(EventRow.participant_id == participant_id).order_by(EventRow.version)
    ))


def operation_outcome(conn: Connection, participant_id: int, op_id: str) -> tuple[str, int, dict[str, Any]] | None:
    """The stored outcome ``(result, version, detail)`` of operation ``op_id``, or ``None`` if it is new."""
    row = conn.execute(_OUTCOME, {"pid": participant_id, "op_id": op_id}).first()
    return None if row is None else (row[0], row[1], dict(row[2] or {}))


def add_operation(conn: Connection, participant_id: int, op_id: str, result: str, version: int,
                  detail: dict[str, Any], at: datetime) -> None:
    """Record the outcome of operation ``op_id`` (in the transaction that applied or refused it)."""
    conn.execute(_ADD_OPERATION, {"participant_id": participant_id, "op_id": op_id, "result": result,
                                  "version": version, "detail": detail, "at": at})
