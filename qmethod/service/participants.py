"""Participant side: start, resume, and every step of a Q-sort, each saved the moment it happens.

Every saving function takes the participant's ``token`` and ``expected_version`` (the ``version`` of
the :class:`ParticipantState` the page last showed), runs in one write transaction, appends the step to
the audit trail and returns the new state. If the stored version differs (another tab or device saved
in between, or a request was sent twice) the step is applied only if it changes nothing; otherwise a
:class:`~qmethod.errors.ConflictError` carrying the current state is raised, so the page redraws the
last acknowledged state instead of silently overwriting it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
import threading
import time
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import (ConflictError, InvitationUsedError, PlacementError, QMethodError, ResumeCodeError, ResumeLimitError,
                      StudyError)
from ..store import repo
from ..store.db import Database
from ..store.models import AccessTokenRow, ParticipantRow, StudyRow, utcnow
from ..store.repo import ParticipantRecord
from ..store.tokens import digest, new_resume_code, new_token, normalize_resume_code
from ..study.model import Study
from ..study.response import Response, apply, missing, stages
from .limits import address_key, limit_key
from .types import ParticipantSession, ParticipantState
from .validate import check_text

__all__ = [
    "start_participant", "resume", "resume_by_code", "give_consent", "set_language", "set_stage", "set_pile",
    "place_statement", "move_statement", "remove_statement", "swap_statements", "save_comment", "save_answer",
    "submit", "apply_operation", "Operation", "OperationOutcome", "parse_operation", "OP_KINDS", "state_of",
    "RESUME_MAX_FAILURES", "RESUME_WINDOW", "RESUME_MAX_FAILURES_ALL", "RESUME_GLOBAL_WINDOW",
    "RESUME_SLOWDOWN_FROM", "RESUME_SLOWDOWN_S",
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
        condition=getattr(p, "condition", None),
    )


def _load(conn: Connection, token: str, *, for_update: bool) -> tuple[ParticipantRecord, Study, Response]:
    """The participant holding ``token`` (row locked with ``for_update``), the study and the response."""
    p = repo.participant_record(conn, token, for_update=for_update)
    if p is None:
        raise ResumeCodeError(_INVALID_TOKEN)
    study = repo.study_by_id(conn, p.study_id, p.study_revision).for_condition(p.condition)
    return p, study, repo.read_response(conn, p, study)


def start_participant(db: Database, study_id: str, *, language: str | None = None,
                      external_id: str | None = None, facilitated_by: str | None = None,
                      now: datetime | None = None) -> ParticipantSession:
    """Create a participant in a published, open study.

    Returns the token (>= 128 random bits, stored hashed), the resume code and the initial state
    (stage ``consent``). ``external_id`` is an optional id from the invitation link; one invitation
    id starts at most one participant of a study (:class:`~qmethod.errors.InvitationUsedError` for a
    second start, which the database enforces too: two starts at the same moment make one participant).
    ``facilitated_by`` names the researcher running the sort together with the participant (a
    facilitated sort); it is recorded in the start event and shown on the Responses page.
    """
    if facilitated_by is not None and (not isinstance(facilitated_by, str) or not 0 < len(facilitated_by) <= 200):
        raise StudyError("facilitated_by must be a researcher's name of at most 200 characters.")
    if external_id is not None and (not isinstance(external_id, str) or len(external_id) > 200):
        raise StudyError("external_id must be a text of at most 200 characters.")
    check_text(study_id, "The study id", StudyError)
    check_text(external_id, "The invitation id", StudyError)

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
        condition = study.condition_ids[0] if study.conditions else None
        study = study.for_condition(condition)
        number, pcode = free_code(conn, study, sid, number, condition)
        p, token, code = new_participant(
            conn, study, sid, revision, number=number, code=pcode,
            language=lang, external_id=external_id, condition=condition, when=when,
            start={"language": lang, "study_revision": revision, "external_id": external_id,
                   **({"facilitated_by": facilitated_by} if facilitated_by else {})})
        r = Response.new(study, lang)
        return ParticipantSession(token=token, resume_code=code, state=state_of(study, p, r, revision))

    for attempt in range(5):
        try:
            return db.write_connection(work)
        except IntegrityError:  # a resume-code collision or a concurrent participant number: try again
            if attempt == 4:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def free_code(conn: Connection, study: Study, study_row_id: int, number: int,
              condition: str | None) -> tuple[int, str]:
    """``(number, code)`` of a new participant of ``study``: ``P012`` from the allocated ``number``
    (``P012-now`` under a condition), or from the next numbers if a researcher already stored a paper
    sort under that code (or under the same person's code for another condition)."""
    while True:
        base = f"P{number:03d}"
        code = f"{base}-{condition}" if condition else base
        if not repo.participants_with_codes(conn, study_row_id, [base, *(f"{base}-{c}" for c in study.condition_ids)]):
            return number, code
        _sid, _revision, number = repo.allocate_participant_number(conn, study.id)


def new_participant(conn: Connection, study: Study, study_row_id: int, revision: int, *, number: int, code: str,
                    language: str, external_id: str | None, condition: str | None, when: datetime,
                    start: dict[str, Any], person_id: int | None = None) -> tuple[ParticipantRecord, str, str]:
    """Insert a new participant of ``study`` (stage ``consent``, version 0): its row with a fresh resume
    code, an access token, an empty sort item per statement and the ``start`` event (payload ``start``).

    The one place a participant row is created for a person's first sort: online starts
    (:func:`start_participant`) and sorts entered by a researcher (:mod:`qmethod.service.paper`).
    Returns ``(record, token, resume code)``; the token and code are stored only hashed.
    """
    token, resume_code = new_token(), new_resume_code()
    values = dict(study_id=study_row_id, number=number, code=code, resume_hash=digest(resume_code),
                  external_id=external_id, language=language, stage="consent", version=0, created_at=when,
                  updated_at=when, condition=condition, person_id=person_id)
    pid = repo.add_participant(conn, values)
    repo.add_token(conn, digest(token), pid, when)
    repo.add_sort_items(conn, pid, study.statement_ids)
    repo.append_event(conn, pid, 0, when, "start", start)
    p = ParticipantRecord(id=pid, study_id=study_row_id, study_revision=revision, code=code, language=language,
                          stage="consent", version=0, consent_version=None, consented_at=None, created_at=when,
                          updated_at=when, submitted_at=None, condition=condition, person_id=person_id)
    return p, token, resume_code


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


#: wrong resume codes one address (IPv6: one /64) or one browser may try in :data:`RESUME_WINDOW`
#: before it has to wait
RESUME_MAX_FAILURES = 5
RESUME_WINDOW = timedelta(minutes=15)
#: from this many wrong resume codes from everyone together per :data:`RESUME_GLOBAL_WINDOW`, each
#: code check waits :data:`RESUME_SLOWDOWN_S` and a server process checks one code at a time (at most
#: 1,800 checks an hour per process: guessing one of 1,000 codes of about 49.5 bits would take more
#: than 10^8 years), but a right code is still accepted: nobody's wrong codes lock a participant out
RESUME_SLOWDOWN_FROM = 1000
RESUME_GLOBAL_WINDOW = timedelta(hours=1)
RESUME_SLOWDOWN_S = 2.0
#: kept for callers of earlier versions: the number of wrong codes from everyone at which checking slows
RESUME_MAX_FAILURES_ALL = RESUME_SLOWDOWN_FROM


class _FifoLane:
    """One check at a time, in the order they arrived (a plain lock lets a newcomer overtake, so a
    participant could wait behind an endless stream of other requests)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._next = 0
        self._serving = 0

    def __enter__(self) -> None:
        with self._cond:
            ticket, self._next = self._next, self._next + 1
            while ticket != self._serving:
                self._cond.wait()

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self._serving += 1
            self._cond.notify_all()


_SLOW_LANE = _FifoLane()
_ALL = limit_key("resume-all", "")


def resume_by_code(db: Database, code: str, *, client: str | None = None, browser: str | None = None,
                   now: datetime | None = None) -> ParticipantSession:
    """Continue on another device: a valid resume code gives a new token for this device.

    ``client`` is the address asking (IPv6 addresses count by /64) and ``browser`` an id the browser
    keeps (a cookie); only SHA-256 digests are stored. Raises :class:`~qmethod.errors.ResumeCodeError`
    if the code matches no one (the attempt is recorded, nothing else is stored) and
    :class:`~qmethod.errors.ResumeLimitError`, without checking the code, after
    :data:`RESUME_MAX_FAILURES` wrong codes from the address or from the browser within
    :data:`RESUME_WINDOW`. Many wrong codes from everyone together (:data:`RESUME_SLOWDOWN_FROM` per
    :data:`RESUME_GLOBAL_WINDOW`) only slow checking down; they never refuse a right code. A code that
    is not shaped like a resume code is refused without counting (it cannot match anyone), and so is
    the same wrong code sent again from the same address and browser within :data:`RESUME_WINDOW`.
    """
    canonical = normalize_resume_code(code)
    if canonical is None:
        raise ResumeCodeError(
            f"{check_text(code, 'The resume code', ResumeCodeError)!r} is not a resume code. Resume codes have "
            "10 letters and digits, like ABCDE-23456 (they never contain 0, O, 1, I or L)."
        )
    keys = [limit_key("resume-client", address_key(client))]
    if browser:
        keys.append(limit_key("resume-browser", browser))
    # the same wrong code again from the same device (Enter then a click, a double click, a resend) is
    # not a new guess: it is answered as before and not counted again
    guess = limit_key("resume-guess", f"{address_key(client)}|{browser or ''}|{canonical}")

    def over_limit(session: Session, when: datetime) -> ResumeLimitError | None:
        for key in keys:
            mine = repo.failure_times(session, key, since=when - RESUME_WINDOW)
            if len(mine) >= RESUME_MAX_FAILURES:
                return ResumeLimitError.for_client(mine[-RESUME_MAX_FAILURES] + RESUME_WINDOW, when)
        return None

    def work(session: Session) -> ParticipantSession | QMethodError:
        when = now or utcnow()
        repo.forget_failures(session, now=when)
        refused = over_limit(session, when)
        if refused is not None:
            return refused
        p = repo.participant_by_resume_code(session, canonical)
        if p is None:
            if not repo.count_failures(session, guess, since=when - RESUME_WINDOW):
                repo.add_failures(session, [*keys, _ALL, guess], when)
            return ResumeCodeError(f"No sort was found for resume code {canonical}. Check the code and try again.")
        token = new_token()
        session.add(AccessTokenRow(token_hash=digest(token), participant_id=p.id, created_at=when))
        session.flush()
        row = session.get(StudyRow, p.study_id)
        study = repo.study_from_row(session, row).for_condition(p.condition)
        r = repo.load_response(session, p, study)
        return ParticipantSession(token=token, resume_code=canonical, state=state_of(study, p, r, row.revision))

    since = (now or utcnow()) - RESUME_GLOBAL_WINDOW
    if db.read(lambda s: repo.count_failures(s, _ALL, since=since)) >= RESUME_SLOWDOWN_FROM:
        # A device over its own limit is refused at once: it never takes a place in the slow lane
        # that a participant with the right code waits in.
        refused = db.read(lambda s: over_limit(s, now or utcnow()))
        if refused is not None:
            raise refused
        with _SLOW_LANE:  # many wrong codes lately: one slow check at a time in this process, in turn
            time.sleep(RESUME_SLOWDOWN_S)
            outcome = db.write(work)
    else:
        outcome = db.write(work)  # a wrong code is committed (counted) before it is reported
    if isinstance(outcome, QMethodError):
        raise outcome
    return outcome


def _step(db: Database, token: str, kind: str, payload: dict[str, Any], expected_version: int,
          now: datetime | None = None) -> ParticipantState:
    if isinstance(expected_version, bool) or not isinstance(expected_version, int):
        raise StudyError(f"expected_version must be the version number of the shown state, got {expected_version!r}.")
    check_text(payload, "The text", StudyError)

    def work(conn: Connection) -> ParticipantState:
        when = now or utcnow()
        p, study, r = _load(conn, token, for_update=True)
        rev = p.study_revision
        if kind == "submit" and r.submitted:
            return state_of(study, p, r, rev)  # a double submit: still exactly one response
        if kind == "submit" and p.person_id is not None and p.version == 1 != expected_version \
                and r.stage == "consent":
            return state_of(study, p, r, rev)  # a double submit of the previous condition's sort
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
        p = _store_step(conn, p, study, before, r, kind, payload, when)
        if kind == "submit" and study.next_condition(p.condition) is not None:
            return _next_condition(conn, p, study, when)
        return state_of(study, p, r, rev)

    return db.write_connection(work)


def _store_step(conn: Connection, p: ParticipantRecord, study: Study, before: Response, r: Response, kind: str,
                payload: dict[str, Any], when: datetime) -> ParticipantRecord:
    """Store an applied step (``before`` -> ``r``): the changed rows, the version bump and one audit
    event, in the caller's transaction. A step that changed nothing stores nothing."""
    if r == before:
        return p
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
    return p


def _next_condition(conn: Connection, p: ParticipantRecord, study: Study, when: datetime) -> ParticipantState:
    """After the sort under one condition is submitted: the row of the person's next condition, with
    the consent carried over (one ``consent`` step) and the person's resume code and tokens moved to
    it, so every device of the person goes on with the next sort. Returns its state (instruction due)."""
    condition = study.next_condition(p.condition)
    sid, revision = p.study_id, p.study_revision
    nstudy = repo.study_by_id(conn, sid, revision).for_condition(condition)
    code = f"{p.code[: len(p.code) - len(p.condition or '') - 1]}-{condition}"
    person = p.person_id or p.id
    # the person keeps one number (P007): the further sorts take -(7 * 100 + condition index), which
    # no other row of the study can hold, so the study's participant numbers are not used up
    number = -(repo.participant_number(conn, person) * 100 + study.condition_ids.index(condition))
    values = dict(study_id=sid, number=number, code=code, external_id=None, language=p.language,
                  stage="consent", version=0, created_at=when, updated_at=when, condition=condition,
                  person_id=person)
    pid = repo.hand_over(conn, p.id, values, digest(new_token()))
    repo.add_sort_items(conn, pid, nstudy.statement_ids)
    repo.append_event(conn, pid, 0, when, "start", {"language": p.language, "study_revision": revision,
                                                    "external_id": None, "condition": condition,
                                                    "after": p.code})
    q = ParticipantRecord(id=pid, study_id=sid, study_revision=revision, code=code, language=p.language,
                          stage="consent", version=0, consent_version=None, consented_at=None, created_at=when,
                          updated_at=when, submitted_at=None, condition=condition, person_id=values["person_id"])
    r = Response.new(nstudy, p.language)
    before = r.copy()
    apply(nstudy, r, "consent", {"version": p.consent_version})
    q = _store_step(conn, q, nstudy, before, r, "consent", {"version": p.consent_version}, when)
    return state_of(nstudy, q, r, revision)


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


# -- operations: one participant action, posted by the browser -----------------------------------------

#: what a participant page can post (``place`` and ``move`` both mean "this statement goes there")
OP_KINDS: tuple[str, ...] = ("place", "move", "remove", "swap", "pile")
_OP_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
_OP_FIELDS = frozenset({"op_id", "kind", "statement", "other", "column", "position", "pile", "expected_version"})


@dataclass(frozen=True)
class Operation:
    """One participant action as the page posts it (see :func:`parse_operation`).

    ``stage`` is the stage it belongs to (``presort`` for ``pile``, else ``grid``); ``payload`` is the
    step's payload (``score`` for the column, ``a``/``b`` for a swap)."""

    op_id: str
    kind: str
    payload: dict[str, Any]
    expected_version: int

    @property
    def stage(self) -> str:
        return "presort" if self.kind == "pile" else "grid"


@dataclass(frozen=True)
class OperationOutcome:
    """What became of an operation.

    ``result``: ``applied`` (stored, one audit event; ``state`` is the new state), ``refused`` (not
    allowed, e.g. a full forced column: ``reason``, ``message``, and for a full column ``column`` and
    ``capacity``; nothing changed) or ``stale`` (``expected_version`` is not the stored version:
    nothing changed, ``state`` is the stored state to re-apply pending operations on).
    ``repeated`` is true when the same ``op_id`` had been posted before: its first outcome is
    returned and nothing is applied again (``state`` is the current state).
    """

    result: str
    op_id: str
    state: ParticipantState
    repeated: bool = False
    reason: str | None = None
    message: str | None = None
    column: int | None = None
    capacity: int | None = None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_operation(raw: Any) -> Operation:
    """Check an operation posted by a page: ``{op_id, kind, statement, column, position, other, pile,
    expected_version}``.

    ``op_id``: 8-64 letters, digits, ``-`` or ``_`` (chosen by the browser, unique per action);
    ``kind``: one of :data:`OP_KINDS`; ``place``/``move`` need ``statement``, ``column`` and
    ``position`` (``null`` = bottom), ``remove`` ``statement``, ``swap`` ``statement`` and ``other``,
    ``pile`` ``statement`` and ``pile`` (``null`` undoes). Raises :class:`~qmethod.errors.StudyError`
    naming the first field that is wrong; whether the statement and column exist is checked when it
    is applied.
    """
    if not isinstance(raw, dict):
        raise StudyError("An operation must be a JSON object.")
    unknown = set(raw) - _OP_FIELDS
    if unknown:
        raise StudyError(f"Unknown operation field(s): {', '.join(sorted(map(str, unknown)))}.")
    op_id, kind, version = raw.get("op_id"), raw.get("kind"), raw.get("expected_version")
    if not isinstance(op_id, str) or not _OP_ID.fullmatch(op_id):
        raise StudyError("op_id must be 8 to 64 letters, digits, '-' or '_'.")
    if kind not in OP_KINDS:
        raise StudyError(f"kind must be one of {', '.join(OP_KINDS)}, got {kind!r}.")
    if not _is_int(version) or version < 0:
        raise StudyError(f"expected_version must be the version number of the shown state, got {version!r}.")
    sid = raw.get("statement")
    if not isinstance(sid, str) or not 0 < len(sid) <= 64:
        raise StudyError("statement must be a statement id.")
    if kind in ("place", "move"):
        column, position = raw.get("column"), raw.get("position")
        if not _is_int(column):
            raise StudyError(f"column must be a whole number, got {column!r}.")
        if position is not None and (not _is_int(position) or position < 0):
            raise StudyError(f"position must be a whole number >= 0 or null, got {position!r}.")
        payload: dict[str, Any] = {"statement": sid, "score": column, "position": position}
    elif kind == "remove":
        payload = {"statement": sid}
    elif kind == "swap":
        other = raw.get("other")
        if not isinstance(other, str) or not 0 < len(other) <= 64:
            raise StudyError("other must be the id of the statement to swap with.")
        payload = {"a": sid, "b": other}
    else:
        pile = raw.get("pile")
        if pile is not None and not isinstance(pile, str):
            raise StudyError(f"pile must be a pile name or null, got {pile!r}.")
        payload = {"statement": sid, "pile": pile}
    return Operation(op_id=op_id, kind=kind, payload=payload, expected_version=version)


def _refusal(study: Study, r: Response, kind: str, payload: dict[str, Any], exc: QMethodError) -> dict[str, Any]:
    """Why a step was refused, as stored with the operation and shown by the page."""
    score = payload.get("score")
    if kind in ("place", "move") and isinstance(exc, PlacementError) and score in r.columns \
            and r.score_of(payload["statement"]) != score:
        cap = study.grid.capacity(score)
        if cap is not None and len(r.columns[score]) >= cap:
            return {"reason": "column_full", "message": str(exc), "column": score, "capacity": cap}
    return {"reason": "not_allowed", "message": str(exc)}


def apply_operation(db: Database, token: str, operation: Operation | dict[str, Any], *,
                    now: datetime | None = None) -> OperationOutcome:
    """Apply one participant action in one transaction: the version check, the step, one audit event
    and the record of ``op_id``.

    Idempotent on ``op_id``: an operation posted again returns its first outcome and changes nothing
    (a lost answer, a retry after a reload). An operation for another stage than the stored one (a
    late post from a page the participant has left) and a step the study does not allow (a full
    forced column, a statement not in the grid, a submitted sort) are refused and recorded as
    refused. A stale ``expected_version`` changes nothing and records nothing: the caller gets the
    stored state and posts the operation again on top of it.

    Raises :class:`~qmethod.errors.ResumeCodeError` for an unknown token,
    :class:`~qmethod.errors.StudyError` for a malformed operation and
    :class:`~qmethod.errors.StorageBusyError` if the database stays busy (nothing stored).
    """
    op = operation if isinstance(operation, Operation) else parse_operation(operation)

    def work(conn: Connection) -> OperationOutcome:
        when = now or utcnow()
        p, study, r = _load(conn, token, for_update=True)
        rev = p.study_revision
        prior = repo.operation_outcome(conn, p.id, op.op_id)
        if prior is not None:
            result, _version, detail = prior
            return OperationOutcome(result, op.op_id, state_of(study, p, r, rev), repeated=True, **detail)
        if p.version != op.expected_version:
            return OperationOutcome("stale", op.op_id, state_of(study, p, r, rev))
        kind = op.kind
        if kind in ("place", "move"):
            kind = "place" if r.score_of(op.payload["statement"]) is None else "move"
        before = r.copy()
        try:
            if r.stage != op.stage and not r.submitted:
                raise StudyError(f"This action belongs to the {op.stage} page, but the sort is at {r.stage!r}.")
            apply(study, r, kind, op.payload)
        except QMethodError as exc:
            detail = _refusal(study, before, kind, op.payload, exc)
            if r.submitted or before.submitted:
                detail["reason"] = "completed"
            repo.add_operation(conn, p.id, op.op_id, "refused", p.version, detail, when)
            return OperationOutcome("refused", op.op_id, state_of(study, p, before, rev), **detail)
        p = _store_step(conn, p, study, before, r, kind, {**op.payload, "op": op.op_id}, when)
        repo.add_operation(conn, p.id, op.op_id, "applied", p.version, {}, when)
        return OperationOutcome("applied", op.op_id, state_of(study, p, r, rev))

    return db.write_connection(work)
