"""Researcher side: progress overview, completed sorts as DataFrames, audit trail, GDPR export/delete."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..errors import NotFoundError
from ..store import repo
from ..store.db import Database
from ..store.models import (
    AccessTokenRow,
    AnswerRow,
    DeletionRow,
    EventRow,
    ParticipantRow,
    SortItemRow,
    StudyRow,
    utcnow,
)
from ..study.response import Response, apply
from .participants import state_of
from .types import AuditEvent, CompletedSorts, ParticipantProgress, ParticipantState

__all__ = ["participant_progress", "participant_state", "audit_trail", "replay_participant", "completed_sorts",
           "export_participant", "export_participant_json", "delete_participant"]


def _participant(session: Session, study_id: str, code: str) -> tuple[StudyRow, ParticipantRow]:
    srow = repo.study_row(session, study_id)
    p = repo.participant_by_code(session, srow.id, code)
    if p is None:
        raise NotFoundError(f"Study {study_id!r} has no participant {code!r}.")
    return srow, p


def participant_progress(db: Database, study_id: str) -> tuple[ParticipantProgress, ...]:
    """Every participant of a study with stage, statements placed and times, by participant code."""

    def work(session: Session) -> tuple[ParticipantProgress, ...]:
        srow = repo.study_row(session, study_id)
        study = repo.study_from_row(session, srow)
        placed = dict(session.execute(
            select(SortItemRow.participant_id, func.count())
            .join(ParticipantRow, ParticipantRow.id == SortItemRow.participant_id)
            .where(ParticipantRow.study_id == srow.id, SortItemRow.score.is_not(None))
            .group_by(SortItemRow.participant_id)
        ).all())
        rows = session.scalars(select(ParticipantRow).where(ParticipantRow.study_id == srow.id)
                               .order_by(ParticipantRow.id))
        facilitated = {pid: payload.get("facilitated_by") for pid, payload in session.execute(
            select(EventRow.participant_id, EventRow.payload)
            .join(ParticipantRow, ParticipantRow.id == EventRow.participant_id)
            .where(ParticipantRow.study_id == srow.id, EventRow.kind == "start"))}
        return tuple(
            ParticipantProgress(
                participant=p.code, external_id=p.external_id, language=p.language, stage=p.stage,
                placed=placed.get(p.id, 0), n_statements=len(study.statements), version=p.version,
                consent_version=p.consent_version, created_at=p.created_at, updated_at=p.updated_at,
                consented_at=p.consented_at, submitted_at=p.submitted_at,
                facilitated_by=facilitated.get(p.id) or None, condition=p.condition,
                person=p.code[: len(p.code) - len(p.condition) - 1] if p.condition else p.code,
            )
            for p in rows
        )

    return db.read(work)


def participant_state(db: Database, study_id: str, participant: str) -> ParticipantState:
    """The stored state of one participant, looked up by its code (researcher view)."""

    def work(session: Session) -> ParticipantState:
        srow, p = _participant(session, study_id, participant)
        study = repo.study_from_row(session, srow).for_condition(p.condition)
        return state_of(study, p, repo.load_response(session, p, study), srow.revision)

    return db.read(work)


def audit_trail(db: Database, study_id: str, participant: str) -> tuple[AuditEvent, ...]:
    """The participant's steps in order, each with its time (UTC) and the version it produced."""

    def work(session: Session) -> tuple[AuditEvent, ...]:
        _srow, p = _participant(session, study_id, participant)
        return tuple(AuditEvent(e.version, e.at, e.kind, dict(e.payload)) for e in repo.events_of(session, p.id))

    return db.read(work)


def replay_participant(db: Database, study_id: str, participant: str) -> ParticipantState:
    """Rebuild a participant's state from the audit trail alone (to verify it against the stored state).

    The result's ``version`` is the number of replayed steps and its times are the times of the
    steps, so for an intact trail it equals :func:`participant_state`.
    """

    def work(session: Session) -> ParticipantState:
        srow, p = _participant(session, study_id, participant)
        study = repo.study_from_row(session, srow).for_condition(p.condition)
        events = repo.events_of(session, p.id)
        if not events or events[0].kind != "start":
            raise NotFoundError(f"Participant {participant!r} has no start step in the audit trail.")
        r = Response.new(study, events[0].payload["language"])
        consented_at = submitted_at = None
        for e in events[1:]:
            apply(study, r, e.kind, dict(e.payload))
            if e.kind == "consent":
                consented_at = e.at
            if e.kind == "submit":
                submitted_at = e.at
        replayed = ParticipantRow(
            code=p.code, version=events[-1].version, created_at=events[0].at, updated_at=events[-1].at,
            consented_at=consented_at, submitted_at=submitted_at, condition=p.condition,
        )
        return state_of(study, replayed, r, srow.revision)

    return db.read(work)


def completed_sorts(db: Database, study_id: str, *, condition: str | None = None) -> CompletedSorts:
    """The submitted Q-sorts of a study as DataFrames (see :class:`CompletedSorts`).

    In a study with conditions of instruction each condition's sort is its own Q-sort (``P007-now``,
    ``P007-ideal``); ``condition`` keeps only the sorts under that condition (default: all). The
    participant table then has the columns ``person`` (the code without the condition) and
    ``condition``, and every sort of a person carries the person's survey answers and invitation id.
    Raises :class:`~qmethod.errors.NotFoundError` for a condition the study does not have.
    """

    def work(session: Session) -> CompletedSorts:
        srow = repo.study_row(session, study_id)
        study = repo.study_from_row(session, srow)
        if condition is not None and condition not in study.condition_ids:
            raise NotFoundError(f"Study {study_id!r} has no condition {condition!r}; its conditions are: "
                                f"{', '.join(study.condition_ids) or 'none'}.")
        query = (select(ParticipantRow)
                 .where(ParticipantRow.study_id == srow.id, ParticipantRow.submitted_at.is_not(None))
                 .order_by(ParticipantRow.submitted_at, ParticipantRow.number))
        if condition is not None:
            query = query.where(ParticipantRow.condition == condition)
        people = list(session.scalars(query))
        ids = [p.id for p in people]
        code = {p.id: p.code for p in people}
        items = session.scalars(select(SortItemRow).where(SortItemRow.participant_id.in_(ids))).all() if ids else []
        person = {p.id: p.person_id or p.id for p in people}
        if study.conditions:  # the survey and the invitation id belong to the person, asked once
            kin = list(session.scalars(select(ParticipantRow).where(
                ParticipantRow.study_id == srow.id, ParticipantRow.submitted_at.is_not(None),
                (ParticipantRow.person_id.in_(set(person.values()))) | ParticipantRow.id.in_(set(person.values())))))
            person.update({k.id: k.person_id or k.id for k in kin})
            first = {k.id: k for k in kin if k.person_id is None}
        answer_ids = list(person)
        answers = session.scalars(select(AnswerRow).where(AnswerRow.participant_id.in_(answer_ids))).all() \
            if answer_ids else []
        codes = [p.code for p in people]
        sorts = pd.DataFrame(0, index=pd.Index(list(study.statement_ids), name="statement"),
                             columns=pd.Index(codes, name="participant"), dtype="int64")
        long_rows = []
        for it in items:
            sorts.loc[it.statement, code[it.participant_id]] = int(it.score)  # type: ignore[arg-type]
            long_rows.append({"participant": code[it.participant_id], "statement": it.statement,
                              "score": it.score, "pile": it.pile, "comment": it.comment})
        long = pd.DataFrame(long_rows, columns=["participant", "statement", "score", "pile", "comment"])
        if len(long):
            order = {s: i for i, s in enumerate(study.statement_ids)}
            porder = {c: i for i, c in enumerate(codes)}
            long = long.sort_values(by=["participant", "statement"],
                                    key=lambda col: col.map(porder if col.name == "participant" else order))
            long = long.reset_index(drop=True)
        long["score"] = long["score"].astype("int64")
        by_person: dict[int, dict[str, Any]] = {pid: {} for pid in person.values()}
        for a in answers:
            by_person[person[a.participant_id]][a.question] = \
                ";".join(a.value) if isinstance(a.value, list) else a.value
        extra: list[str] = []
        if study.conditions:
            extra = ["person", "condition"]
        table = pd.DataFrame(
            [
                {"external_id": first[person[p.id]].external_id if study.conditions and person[p.id] in first
                 else p.external_id,
                 "language": p.language, "consent_version": p.consent_version,
                 "started_at": p.created_at, "submitted_at": p.submitted_at,
                 **({"person": p.code[: len(p.code) - len(p.condition) - 1], "condition": p.condition}
                    if extra and p.condition else {}),
                 **{q.id: by_person[person[p.id]].get(q.id) for q in study.survey}}
                for p in people
            ],
            index=pd.Index(codes, name="participant"),
            columns=["external_id", "language", "consent_version", "started_at", "submitted_at", *extra,
                     *[q.id for q in study.survey]],
        )
        return CompletedSorts(study_id=study.id, sorts=sorts, participants=table, long=long)

    return db.read(work)


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t is not None else None


def export_participant(db: Database, study_id: str, participant: str) -> dict[str, Any]:
    """Everything stored about one participant, as JSON-able data (GDPR access request).

    Holds the participant record, consent (version and time), the sort, piles, comments, survey
    answers and the full audit trail. Tokens and resume codes are stored only hashed and are not included.
    """

    def work(session: Session) -> dict[str, Any]:
        srow, p = _participant(session, study_id, participant)
        study = repo.study_from_row(session, srow)
        r = repo.load_response(session, p, study)
        return {
            "format": "qmethod-participant-export",
            "format_version": 1,
            "exported_at": utcnow().isoformat(),
            "study": {"id": study.id, "revision": srow.revision, "title": dict(study.title)},
            "participant": {
                "code": p.code, "external_id": p.external_id, "language": p.language, "stage": p.stage,
                "version": p.version, "created_at": _iso(p.created_at), "updated_at": _iso(p.updated_at),
                "submitted_at": _iso(p.submitted_at),
            },
            "consent": {"version": p.consent_version, "given_at": _iso(p.consented_at),
                        "text": dict(study.consent.text) if p.consent_version == study.consent.version else None},
            "sort": {sid: score for sid, (score, _pos) in r.placements().items()},
            "columns": {str(k): list(v) for k, v in r.columns.items()},
            "piles": dict(r.piles),
            "comments": dict(r.comments),
            "answers": dict(r.answers),
            "events": [{"version": e.version, "at": _iso(e.at), "kind": e.kind, "payload": e.payload}
                       for e in repo.events_of(session, p.id)],
        }

    return db.read(work)


def export_participant_json(db: Database, study_id: str, participant: str) -> str:
    """:func:`export_participant` as an indented UTF-8 JSON text."""
    return json.dumps(export_participant(db, study_id, participant), ensure_ascii=False, indent=2)


def delete_participant(db: Database, study_id: str, participant: str, *, now: datetime | None = None) -> None:
    """Erase a participant and all their data (GDPR). Only the code and time of deletion are kept."""

    def work(session: Session) -> None:
        srow, p = _participant(session, study_id, participant)
        pid = p.id
        for table in (EventRow, AnswerRow, SortItemRow, AccessTokenRow):
            session.execute(delete(table).where(table.participant_id == pid))
        session.execute(delete(ParticipantRow).where(ParticipantRow.id == pid))
        session.add(DeletionRow(study_id=srow.id, participant_code=participant, deleted_at=now or utcnow()))

    db.write(work)
