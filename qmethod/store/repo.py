"""Data functions: read and write rows inside a caller's session (they never commit)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ..errors import ConflictError, NotFoundError
from ..study.load import parse_study
from ..study.model import Study
from ..study.response import Response
from .models import (
    AccessTokenRow,
    AnswerRow,
    EventRow,
    ParticipantRow,
    SortItemRow,
    StudyRow,
)
from .tokens import digest

__all__ = ["study_row", "study_from_row", "participant_by_token", "participant_by_resume_code",
           "participant_by_code", "load_response", "write_response", "append_event", "events_of",
           "bump_version", "next_participant_number"]

_STUDY_CACHE: dict[tuple[int, int, int], Study] = {}


def study_row(session: Session, slug: str, *, for_update: bool = False) -> StudyRow:
    q = select(StudyRow).where(StudyRow.slug == slug)
    if for_update:
        q = q.with_for_update()
    row = session.scalars(q).one_or_none()
    if row is None:
        raise NotFoundError(f"Study {slug!r} is not published.")
    return row


def study_from_row(session: Session, row: StudyRow) -> Study:
    """The validated :class:`Study` of a row (parsed once per revision and database)."""
    key = (id(session.get_bind().engine), row.id, row.revision)
    study = _STUDY_CACHE.get(key)
    if study is None:
        study = parse_study(row.definition, source=f"study {row.slug!r} (stored revision {row.revision})")
        if len(_STUDY_CACHE) > 256:
            _STUDY_CACHE.clear()
        _STUDY_CACHE[key] = study
    return study


def participant_by_token(session: Session, token: str, *, for_update: bool = False) -> ParticipantRow | None:
    if not isinstance(token, str) or not token:
        return None
    q = (select(ParticipantRow).join(AccessTokenRow, AccessTokenRow.participant_id == ParticipantRow.id)
         .where(AccessTokenRow.token_hash == digest(token)))
    if for_update:
        q = q.with_for_update(of=ParticipantRow)
    return session.scalars(q).one_or_none()


def participant_by_resume_code(session: Session, code: str) -> ParticipantRow | None:
    return session.scalars(select(ParticipantRow).where(ParticipantRow.resume_hash == digest(code))).one_or_none()


def participant_by_code(session: Session, study_id: int, code: str) -> ParticipantRow | None:
    return session.scalars(
        select(ParticipantRow).where(ParticipantRow.study_id == study_id, ParticipantRow.code == code)
    ).one_or_none()


def next_participant_number(session: Session, study: StudyRow) -> int:
    """Take the next participant number of a study (lock the study row first)."""
    number = study.next_number
    study.next_number = number + 1
    return number


def load_response(session: Session, p: ParticipantRow, study: Study) -> Response:
    """Rebuild the working :class:`Response` from the stored rows."""
    r = Response.new(study, p.language)
    r.stage = p.stage
    r.consent_version = p.consent_version
    r.submitted = p.submitted_at is not None
    placed: list[tuple[int, int, str]] = []
    for item in session.scalars(select(SortItemRow).where(SortItemRow.participant_id == p.id)):
        if item.pile is not None:
            r.piles[item.statement] = item.pile
        if item.score is not None:
            placed.append((item.score, item.position if item.position is not None else 0, item.statement))
        if item.comment is not None:
            r.comments[item.statement] = item.comment
    for score, _pos, sid in sorted(placed):
        r.columns.setdefault(score, []).append(sid)
    for a in session.scalars(select(AnswerRow).where(AnswerRow.participant_id == p.id)):
        r.answers[a.question] = a.value
    # keep the study's pile / statement order in dicts so equal states compare and print alike
    r.piles = {s: r.piles[s] for s in study.statement_ids if s in r.piles}
    r.comments = {s: r.comments[s] for s in study.statement_ids if s in r.comments}
    return r


def _item_values(r: Response, sid: str, placements: dict[str, tuple[int, int]]) -> tuple[Any, ...]:
    score, pos = placements.get(sid, (None, None))
    return (r.piles.get(sid), score, pos, r.comments.get(sid))


def write_response(session: Session, p: ParticipantRow, study: Study, before: Response, after: Response,
                   now: datetime) -> None:
    """Store the difference between ``before`` and ``after`` (rows of sort_item and answer)."""
    pb, pa = before.placements(), after.placements()
    for sid in study.statement_ids:
        old, new = _item_values(before, sid, pb), _item_values(after, sid, pa)
        if old != new:
            session.execute(
                update(SortItemRow)
                .where(SortItemRow.participant_id == p.id, SortItemRow.statement == sid)
                .values(pile=new[0], score=new[1], position=new[2], comment=new[3])
            )
    for qid in set(before.answers) | set(after.answers):
        old, new = before.answers.get(qid), after.answers.get(qid)
        if old == new:
            continue
        if new is None:
            session.execute(delete(AnswerRow).where(AnswerRow.participant_id == p.id, AnswerRow.question == qid))
        elif old is None:
            session.add(AnswerRow(participant_id=p.id, question=qid, value=new, answered_at=now))
        else:
            session.execute(update(AnswerRow)
                            .where(AnswerRow.participant_id == p.id, AnswerRow.question == qid)
                            .values(value=new, answered_at=now))


def bump_version(session: Session, p: ParticipantRow, values: dict[str, Any]) -> int:
    """Set ``values`` on the participant and increase its version by one, only if nobody else did.

    Returns the new version; raises :class:`ConflictError` if the stored version moved meanwhile.
    """
    new_version = p.version + 1
    res = session.execute(
        update(ParticipantRow)
        .where(ParticipantRow.id == p.id, ParticipantRow.version == p.version)
        .values(version=new_version, **values)
        .execution_options(synchronize_session=False)
    )
    if res.rowcount != 1:
        raise ConflictError("Another tab or device saved at the same moment; the page shows the latest state.")
    session.expire(p)
    return new_version


def append_event(session: Session, participant_id: int, version: int, at: datetime, kind: str,
                 payload: dict[str, Any]) -> None:
    session.add(EventRow(participant_id=participant_id, version=version, at=at, kind=kind, payload=payload))
    session.flush()


def events_of(session: Session, participant_id: int) -> list[EventRow]:
    return list(session.scalars(
        select(EventRow).where(EventRow.participant_id == participant_id).order_by(EventRow.version)
    ))
