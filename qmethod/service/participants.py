"""Participant side: start, resume, and every step of a Q-sort, each saved the moment it happens.

Every saving function takes the participant's ``token`` and ``expected_version`` (the ``version`` of
the :class:`ParticipantState` the page last showed), runs in one write transaction, appends the step to
the audit trail and returns the new state. If the stored version differs (another tab or device saved
in between, or a request was sent twice) the step is applied only if it changes nothing; otherwise a
:class:`~qmethod.errors.ConflictError` carrying the current state is raised, so the page redraws the
last acknowledged state instead of silently overwriting it.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import ConflictError, InvitationUsedError, QMethodError, ResumeCodeError, ResumeLimitError, StudyError
from ..store import repo
from ..store.db import Database
from ..store.models import AccessTokenRow, ParticipantRow, StudyRow, utcnow
from ..store.repo import ParticipantRecord
from ..store.tokens import digest, new_resume_code, new_token, normalize_resume_code
from ..study.model import Study
from ..study.response import Response, apply, missing, stages
from .types import ParticipantSession, ParticipantState

__all__ = [
    "start_participant", "resume", "resume_by_code", "give_consent", "set_language", "set_stage", "set_pile",
    "place_statement", "move_statement", "remove_statement", "swap_statements", "save_comment", "save_answer",
    "submit", "state_of", "RESUME_MAX_FAILURES", "RESUME_WINDOW", "RESUME_MAX_FAILURES_ALL", "RESUME_GLOBAL_WINDOW",
]

_INVALID_TOKEN = ("This participant link is not valid (it may have been deleted). If you have a resume code, "
                  "use it to continue.")


def state_of(study: Study, p: ParticipantRow | ParticipantRecord, r: Response, study_revision: int) -> ParticipantState:
    """Build the frozen state a page draws from a participant row (or record) and its response."""
    placed = r.placements()
    return ParticipantState(
        study_id=study.id,
        study_revision=study_revision,
        participant=p.code,
        version=p.version,
        language=r.language,
        stage=r.stage,
        stages=stages(study),
        consent_version=r.consent_version,
        consented_at=p.consented_at,
        piles=dict(r.piles),
        columns={score: tuple(r.columns.get(score, ())) for score in study.grid.scores},
        unplaced=tuple(s for s in study.statement_ids if s not in placed),
        unpiled=tuple(s for s in study.statement_ids if s not in r.piles),
        comments=dict(r.comments),
        answers={k: (list(v) if isinstance(v, list) else v) for k, v in r.answers.items()},
        missing=tuple(missing(study, r)),
        created_at=p.created_at,
        updated_at=p.updated_at,
        submitted_at=p.submitted_at,
    )


def _load(conn: Connection, token: str, *, for_update: bool) -> tuple[ParticipantRecord, Study, Response]:
    """The participant holding ``token`` (row locked with ``for_update``), the study and the response."""
    p = repo.participant_record(conn, token, for_update=for_update)
    if p is None:
        raise ResumeCodeError(_INVALID_TOKEN)
    study = repo.study_by_id(conn, p.study_id, p.study_revision)
    return p, study, repo.read_response(conn, p, study)


def start_participant(db: Database, study_id: str, *, language: str | None = None,
                      external_id: str | None = None, now: datetime | None = None) -> ParticipantSession:
    """Create a participant in a published, open study.

    Returns the token (>= 128 random bits, stored hashed), the resume code and the initial state
    (stage ``consent``). ``external_id`` is an optional id from the invitation link; one invitation
    id starts at most one participant of a study (:class:`~qmethod.errors.InvitationUsedError` for a
    second start, which the database enforces too: two starts at the same moment make one participant).
    """
    if external_id is not None and (not isinstance(external_id, str) or len(external_id) > 200):
        raise StudyError("external_id must be a text of at most 200 characters.")

    when = now or utcnow()

    def work(conn: Connection) -> ParticipantSession:
        # One UPDATE ... RETURNING takes the number and locks the study row until this start commits;
        # a refusal below rolls it back, so no number is used up.
        sid, revision, number = repo.allocate_participant_number(conn, study_id)
        study = repo.study_by_id(conn, sid, revision)
        lang = _startable(study, study_id, language, when)
        if external_id is not None and repo.participant_by_external_id(conn, sid, external_id) is not None:
            raise InvitationUsedError(f"Invitation {external_id!r} has already been used to start a sort in "
                                      f"study {study_id!r}. Continue it with its resume code.")
        token, code = new_token(), new_resume_code()
        values = dict(study_id=sid, number=number, code=f"P{number:03d}", resume_hash=digest(code),
                      external_id=external_id, language=lang, stage="consent", version=0, created_at=when,
                      updated_at=when)
        pid = repo.add_participant(conn, values)
        repo.add_token(conn, digest(token), pid, when)
        repo.add_sort_items(conn, pid, study.statement_ids)
        repo.append_event(conn, pid, 0, when, "start",
                          {"language": lang, "study_revision": revision, "external_id": external_id})
        p = ParticipantRecord(id=pid, study_id=sid, study_revision=revision, code=values["code"], language=lang,
                              stage="consent", version=0, consent_version=None, consented_at=None,
                              created_at=when, updated_at=when, submitted_at=None)
        r = Response.new(study, lang)
        return ParticipantSession(token=token, resume_code=code, state=state_of(study, p, r, revision))

    for attempt in range(5):
        try:
            return db.write_connection(work)
        except IntegrityError:  # a resume-code collision or a concurrent participant number: try again
            if attempt == 4:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _startable(study: Study, study_id: str, language: str | None, when: datetime) -> str:
    """The language a new participant of ``study`` starts in; :class:`StudyError` if the study is not
    open at ``when`` or ``language`` is not offered."""
    if not study.is_open(when):
        if study.opens is not None and when < study.opens:
            raise StudyError(f"Study {study_id!r} opens on {study.opens:%Y-%m-%d %H:%M} UTC.")
        raise StudyError(f"Study {study_id!r} closed on {study.closes:%Y-%m-%d %H:%M} UTC.")  # type: ignore[union-attr]
    lang = language or study.default_language
    if lang not in study.languages:
        raise StudyError(f"Language {lang!r} is not offered; choose one of {', '.join(study.languages)}.")
    return lang


def resume(db: Database, token: str) -> ParticipantState:
    """The current state of the participant holding ``token`` (after a reload, for example)."""

    def work(conn: Connection) -> ParticipantState:
        p, study, r = _load(conn, token, for_update=False)
        return state_of(study, p, r, p.study_revision)

    return db.read_connection(work)


#: wrong resume codes one client may try in :data:`RESUME_WINDOW` before it has to wait
RESUME_MAX_FAILURES = 5
RESUME_WINDOW = timedelta(minutes=15)
#: wrong resume codes from all clients together per :data:`RESUME_GLOBAL_WINDOW` (bounds guessing
#: from many addresses: at this rate a guess of one of 1,000 codes succeeds about once in 90,000 years)
RESUME_MAX_FAILURES_ALL = 1000
RESUME_GLOBAL_WINDOW = timedelta(hours=1)


def resume_by_code(db: Database, code: str, *, client: str | None = None,
                   now: datetime | None = None) -> ParticipantSession:
    """Continue on another device: a valid resume code gives a new token for this device.

    ``client`` identifies who is asking (the page passes the browser's address); only its SHA-256 is
    stored. Raises :class:`~qmethod.errors.ResumeCodeError` if the code matches no one (the attempt is
    recorded, nothing else is stored) and :class:`~qmethod.errors.ResumeLimitError`, without checking
    the code, after :data:`RESUME_MAX_FAILURES` wrong codes from ``client`` within
    :data:`RESUME_WINDOW`, or :data:`RESUME_MAX_FAILURES_ALL` from everyone within
    :data:`RESUME_GLOBAL_WINDOW`. A code that is not shaped like a resume code is refused without
    counting (it cannot match anyone).
    """
    canonical = normalize_resume_code(code)
    if canonical is None:
        raise ResumeCodeError(
            f"{code!r} is not a resume code. Resume codes have 10 letters and digits, like ABCDE-23456 "
            "(they never contain 0, O, 1, I or L)."
        )
    who = digest(f"resume-client:{client or ''}")

    def work(session: Session) -> ParticipantSession | QMethodError:
        when = now or utcnow()
        repo.forget_resume_attempts(session, before=when - max(RESUME_WINDOW, RESUME_GLOBAL_WINDOW))
        mine = repo.resume_attempts(session, since=when - RESUME_WINDOW, client_hash=who)
        if len(mine) >= RESUME_MAX_FAILURES:
            return ResumeLimitError.for_client(mine[-RESUME_MAX_FAILURES] + RESUME_WINDOW, when)
        if repo.count_resume_attempts(session, since=when - RESUME_GLOBAL_WINDOW) >= RESUME_MAX_FAILURES_ALL:
            return ResumeLimitError(
                "Resuming by code is paused for a while because of many wrong codes. Use the link you "
                "started with, or try again later.", retry_at=when + timedelta(minutes=10), scope="all")
        p = repo.participant_by_resume_code(session, canonical)
        if p is None:
            repo.add_resume_attempt(session, who, when)
            return ResumeCodeError(f"No sort was found for resume code {canonical}. Check the code and try again.")
        token = new_token()
        session.add(AccessTokenRow(token_hash=digest(token), participant_id=p.id, created_at=when))
        session.flush()
        row = session.get(StudyRow, p.study_id)
        study = repo.study_from_row(session, row)
        r = repo.load_response(session, p, study)
        return ParticipantSession(token=token, resume_code=canonical, state=state_of(study, p, r, row.revision))

    outcome = db.write(work)  # a wrong code is committed (counted) before it is reported
    if isinstance(outcome, QMethodError):
        raise outcome
    return outcome


def _step(db: Database, token: str, kind: str, payload: dict[str, Any], expected_version: int,
          now: datetime | None = None) -> ParticipantState:
    if isinstance(expected_version, bool) or not isinstance(expected_version, int):
        raise StudyError(f"expected_version must be the version number of the shown state, got {expected_version!r}.")

    def work(conn: Connection) -> ParticipantState:
        when = now or utcnow()
        p, study, r = _load(conn, token, for_update=True)
        rev = p.study_revision
        if kind == "submit" and r.submitted:
            return state_of(study, p, r, rev)  # a double submit: still exactly one response
        if p.version != expected_version:
            trial = r.copy()
            trial_kind = kind
            if kind == "place" and r.score_of(payload.get("statement")) is not None:  # type: ignore[arg-type]
                trial_kind = "move"  # a repeated "place": harmless if it is already exactly there
            try:
                apply(study, trial, trial_kind, payload)
            except QMethodError:
                trial = None  # type: ignore[assignment]
            if trial == r:  # the same step arriving twice: already stored, nothing to do
                return state_of(study, p, r, rev)
            raise ConflictError(
                f"This page showed version {expected_version} of the sort, but version {p.version} is stored "
                "(it was changed in another tab or device). The page now shows the stored state; please "
                "repeat the last step if it is missing.",
                state=state_of(study, p, r, rev),
            )
        before = r.copy()
        apply(study, r, kind, payload)  # raises (and nothing is written) if the step is not allowed
        if r == before:
            return state_of(study, p, r, rev)
        repo.write_response(conn, p.id, study, before, r, when)
        values: dict[str, Any] = {"updated_at": when, "stage": r.stage, "language": r.language}
        if r.consent_version != before.consent_version:
            values.update(consent_version=r.consent_version, consented_at=when)
        if r.submitted:
            values["submitted_at"] = when
        p = repo.bump_version(conn, p, values)
        stored = dict(payload)
        if kind == "answer":
            stored["value"] = r.answers.get(payload["question"])
        repo.append_event(conn, p.id, p.version, when, kind, stored)
        return state_of(study, p, r, rev)

    return db.write_connection(work)


def give_consent(db: Database, token: str, consent_version: str, *, expected_version: int,
                 now: datetime | None = None) -> ParticipantState:
    """Record consent to the consent text of ``consent_version`` (must be the study's current one)."""
    return _step(db, token, "consent", {"version": consent_version}, expected_version, now)


def set_language(db: Database, token: str, language: str, *, expected_version: int) -> ParticipantState:
    """Switch the participant's language (one of the study languages)."""
    return _step(db, token, "language", {"language": language}, expected_version)


def set_stage(db: Database, token: str, stage: str, *, expected_version: int) -> ParticipantState:
    """Go to a stage (``consent``, ``presort``, ``grid``, ``comments``, ``survey``).

    Going back is always allowed before submitting; going forward needs the earlier stages complete
    (:class:`~qmethod.errors.IncompleteError` lists what is missing).
    """
    return _step(db, token, "stage", {"stage": stage}, expected_version)


def set_pile(db: Database, token: str, statement_id: str, pile: str | None, *,
             expected_version: int) -> ParticipantState:
    """Put a statement on a presort pile (``disagree``, ``neutral``, ``agree``); ``None`` undoes it."""
    return _step(db, token, "pile", {"statement": statement_id, "pile": pile}, expected_version)


def place_statement(db: Database, token: str, statement_id: str, score: int, position: int | None = None, *,
                    expected_version: int) -> ParticipantState:
    """Place an unplaced statement in column ``score`` at ``position`` (0 = top; ``None`` = bottom).

    Errors: a column outside the grid, a full column (forced grids), a statement already placed.
    """
    return _step(db, token, "place", {"statement": statement_id, "score": score, "position": position},
                 expected_version)


def move_statement(db: Database, token: str, statement_id: str, score: int, position: int | None = None, *,
                   expected_version: int) -> ParticipantState:
    """Move a placed statement to column ``score`` / ``position`` (also within its own column)."""
    return _step(db, token, "move", {"statement": statement_id, "score": score, "position": position},
                 expected_version)


def remove_statement(db: Database, token: str, statement_id: str, *, expected_version: int) -> ParticipantState:
    """Take a statement out of the grid (back to the unplaced statements)."""
    return _step(db, token, "remove", {"statement": statement_id}, expected_version)


def swap_statements(db: Database, token: str, a: str, b: str, *, expected_version: int) -> ParticipantState:
    """Swap two placed statements (works between full columns of a forced grid)."""
    return _step(db, token, "swap", {"a": a, "b": b}, expected_version)


def save_comment(db: Database, token: str, statement_id: str, text: str, *,
                 expected_version: int) -> ParticipantState:
    """Save the participant's comment on a statement (an empty text deletes it)."""
    return _step(db, token, "comment", {"statement": statement_id, "text": text}, expected_version)


def save_answer(db: Database, token: str, question_id: str, value: Any, *, expected_version: int) -> ParticipantState:
    """Save a survey answer: text, a number (``"3,5"`` is read as 3.5), one option value or a list of them.
    ``None`` or an empty text deletes the answer."""
    return _step(db, token, "answer", {"question": question_id, "value": value}, expected_version)


def submit(db: Database, token: str, *, expected_version: int, now: datetime | None = None) -> ParticipantState:
    """Submit the sort. Raises :class:`~qmethod.errors.IncompleteError` listing what is missing.

    A submitted sort can no longer change; submitting again returns the same state.
    """
    return _step(db, token, "submit", {}, expected_version, now)
