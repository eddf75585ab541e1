"""Interpreting the factors of a saved analysis as a team: researchers and invited co-researchers.

* **Texts**: per factor a name, a short summary and a longer narrative. Every change is a new version
  (author, time, and a digest of the analysis choices it was written for), so the history is kept. A
  researcher's text is the current version at once; a co-researcher *proposes* (name, summary or
  narrative) and a researcher accepts the proposal, which becomes the current version with the
  proposer as author.
* **Notes**: anyone on the team writes notes on a factor (attributed and timed, never changed).
* **Team**: a researcher invites co-researchers to a study (creating the account if needed) and removes
  them; removal is recorded, not erased.
* **Co-researchers** see only the studies they are invited to, and there only anonymised results: factor
  arrays, z-scores, statements, comments without participant codes, summaries of survey answers. Never
  loadings or sorts per participant, participant codes, exports or the study design.

Every function takes the acting account (:class:`~qmethod.service.accounts.Researcher`) and checks
what it may do against the database (the role stored there, active invitations), so a page cannot
show or change more than this module allows. Refusals raise :class:`AccessDenied`.
"""
from __future__ import annotations

import hashlib
import json
import re
import statistics
import warnings
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..analysis import AnalysisResult
from ..errors import NotFoundError, QMethodError
from ..store import repo
from ..store.db import Database
from ..store.models import (
    FactorNoteRow,
    FactorTextRow,
    ResearcherRow,
    StudyMemberRow,
    WorkspaceRow,
    utcnow,
)
from ..study import Study
from . import accounts
from .accounts import CO_RESEARCHER, RESEARCHER, Researcher

__all__ = [
    "AccessDenied", "TextChanged", "FIELDS", "ALL", "Member", "SharedAnalysis", "TextVersion", "Note", "FactorTexts", "Quote",
    "Statement", "SurveySummary", "FactorView", "Interpretation", "ViewpointCard",
    "can_see_study", "visible_studies", "removals", "invite", "remove_member", "members", "analyses",
    "PER_LANGUAGE", "LANGUAGES", "field_in", "field_label", "text_problem", "write_text", "accept", "add_note", "factor_texts", "interpretation", "viewpoint_card", "report_content",
    "REPORTS", "report",
]

#: the texts that may also be given in another study language than the study's default one, for the
#: viewpoint cards in that language: stored as ``name_en``, ``summary_nb``, ... (see :func:`field_in`)
PER_LANGUAGE = ("name", "summary")
#: the study languages a name and summary may be given in
LANGUAGES = {"nb": "Norwegian (bokmål)", "en": "English"}
_BASE_FIELDS = {"name": 200, "summary": 2000, "narrative": 50_000}
#: the texts of a factor, with their longest length in characters: name, summary and narrative in the
#: study's default language, and the name and summary per other language (``name_en``, ...)
FIELDS: dict[str, int] = {**_BASE_FIELDS, **{f"{f}_{lg}": _BASE_FIELDS[f] for lg in LANGUAGES for f in PER_LANGUAGE}}
NOTE_LENGTH = 10_000
#: co-researchers see the survey answers of a factor's defining participants (those who share its view)
#: only when at least this many share it (fewer could single a person out)
MIN_GROUP = 3
_FACTOR = re.compile(r"^(F[1-9][0-9]?[ab]?|all)$")
#: the pseudo-factor of texts about the whole solution; its ``summary`` is the team's reason for the
#: number of factors (it goes into the methods paragraph of the report)
ALL = "all"


class AccessDenied(QMethodError):
    """The account may not see or do this (a co-researcher outside its studies, or a researcher-only step)."""


class TextChanged(QMethodError):
    """Someone else saved the text since the writer's page showed it (see :func:`write_text`).

    ``current`` is the :class:`TextVersion` now current; nothing was stored, and the writer's own text
    is theirs to keep: show them the other text, then save theirs over it (``based_on=current.id``)
    or take the other one.
    """

    def __init__(self, current: TextVersion):
        self.current = current
        when = f"{current.accepted_at or current.created_at:%Y-%m-%d %H:%M} UTC"
        by = current.author if current.accepted_by in (None, current.author) else (
            f"{current.accepted_by} (accepting {current.author}'s proposal)")
        super().__init__(f"{by} changed the {field_label(current.field)} at {when}, after your page showed it.")


# ---------------------------------------------------------------- plain result types


@dataclass(frozen=True)
class Member:
    """A co-researcher's invitation to a study (``removed_at`` set once removed)."""

    username: str
    added_by: str
    added_at: datetime
    removed_by: str | None = None
    removed_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.removed_at is None


@dataclass(frozen=True)
class SharedAnalysis:
    """A saved analysis of a study that the team interprets."""

    id: int
    study_id: str
    name: str
    owner: str
    updated_at: datetime
    n_factors: int
    #: the bootstrap kept with the analysis for its current choices (its report states it), or None
    bootstrap: dict[str, Any] | None = None


@dataclass(frozen=True)
class TextVersion:
    """One version of a factor's name, summary or narrative.

    ``status``: ``accepted`` (a version of the team's text) or ``proposed`` (by a co-researcher, not yet
    accepted). ``same_analysis``: written for the analysis choices now stored (False once the factors
    were changed afterwards, for example rotated again).
    """

    id: int
    factor: str
    field: str
    text: str
    status: str
    author: str
    created_at: datetime
    accepted_by: str | None = None
    accepted_at: datetime | None = None
    same_analysis: bool = True


@dataclass(frozen=True)
class Note:
    id: int
    factor: str
    author: str
    text: str
    created_at: datetime


@dataclass(frozen=True)
class FactorTexts:
    """Everything the team wrote about one factor: current texts, open proposals, history, notes."""

    factor: str
    current: dict[str, TextVersion] = field(default_factory=dict)
    proposals: tuple[TextVersion, ...] = ()
    history: tuple[TextVersion, ...] = ()
    notes: tuple[Note, ...] = ()

    def text(self, name: str) -> str:
        v = self.current.get(name)
        return v.text if v is not None else ""

    @property
    def name(self) -> str:
        return self.text("name")

    @property
    def summary(self) -> str:
        return self.text("summary")

    @property
    def narrative(self) -> str:
        return self.text("narrative")


@dataclass(frozen=True)
class Quote:
    """A defining participant's comment on a statement placed at an extreme column.

    ``participant`` is the participant code for researchers and None for co-researchers.
    """

    statement: str
    score: int
    text: str
    participant: str | None = None


@dataclass(frozen=True)
class Statement:
    """A statement that characterises a factor.

    ``kind``: ``highest`` / ``lowest`` (the two top / bottom columns of the factor array),
    ``distinguishing`` (``level`` ``*`` p < .05 or ``**`` p < .01; ``direction`` ``higher`` / ``lower``
    than in every other factor, or ``""``) or ``consensus``. ``quotes``: comments on it by the
    factor's defining participants who placed it at an extreme.
    """

    id: str
    number: int
    text: str
    array: int
    z: float
    kind: str
    level: str = ""
    direction: str = ""
    quotes: tuple[Quote, ...] = ()


@dataclass(frozen=True)
class SurveySummary:
    """The defining participants' answers to one survey question: counts per answer (choices) or the
    median (numbers); free-text answers are only counted (they may name people). Co-researchers get
    none for a factor with fewer than :data:`MIN_GROUP` defining participants."""

    question: str
    text: str
    type: str
    n: int
    counts: dict[str, int] = field(default_factory=dict)
    median: float | None = None


@dataclass(frozen=True)
class FactorView:
    """One factor for interpretation. ``defining`` lists participant codes (empty for co-researchers)."""

    factor: str
    n_defining: int
    defining: tuple[str, ...]
    statements: tuple[Statement, ...]
    quotes: tuple[Quote, ...]
    survey: tuple[SurveySummary, ...]
    crib: pd.DataFrame | None
    composite: dict[int, list[str]]
    survey_hidden: bool = False
    #: defining sorts that load negatively (flagged with ``negative="include"``): they hold the opposite
    #: view, so their comments and survey answers are not among the factor's; codes only for researchers
    n_opposite: int = 0
    opposite: tuple[str, ...] = ()

    @property
    def n_sharing(self) -> int:
        """How many defining participants share the view (load positively)."""
        return self.n_defining - self.n_opposite

    def of_kind(self, kind: str) -> tuple[Statement, ...]:
        return tuple(s for s in self.statements if s.kind == kind)


@dataclass(frozen=True)
class Interpretation:
    """A saved analysis ready to interpret, anonymised for co-researchers.

    ``zscores`` / ``arrays``: statements x factors (factors with a factor array only); ``texts``:
    statement texts per study language; ``result`` is the full :class:`AnalysisResult` for researchers
    and None for co-researchers (it holds participant-level loadings).
    """

    analysis: SharedAnalysis
    study_id: str | None
    title: str
    languages: tuple[str, ...]
    factors: tuple[str, ...]
    zscores: pd.DataFrame
    arrays: pd.DataFrame
    texts: dict[str, pd.Series]
    grid_labels: dict[str, dict[int, str]]
    factor_views: dict[str, FactorView]
    team: dict[str, FactorTexts]
    result: AnalysisResult | None = None
    n_sorts: int = 0
    full: bool = False
    #: the study's default language (the language of the team's name, summary and narrative)
    default_language: str = "en"


@dataclass(frozen=True)
class ViewpointCard:
    """A factor in plain language (see :func:`viewpoint_card`); no numbers except in ``details``."""

    factor: str
    language: str
    name: str
    summary: str
    agree: tuple[str, ...]
    disagree: tuple[str, ...]
    higher: tuple[str, ...]
    lower: tuple[str, ...]
    words: tuple[Quote, ...]
    n_people: int
    details: pd.DataFrame
    #: the language the name / summary is in when none was given in ``language`` (the study's default
    #: language, shown instead), else ""
    name_from: str = ""
    summary_from: str = ""
    #: defining participants who sorted the other way round (they hold the opposite view)
    n_opposite: int = 0
    #: the language the statements are shown in (``language``, or the study's first language when the
    #: study has no texts in ``language``) and the one the participants' words are in (the study's
    #: default language); "" for ``language``
    statements_language: str = ""
    words_language: str = ""


# ---------------------------------------------------------------- who may do what


def _account(session: Session, actor: Researcher) -> ResearcherRow:
    row = session.get(ResearcherRow, getattr(actor, "id", None))
    if row is None:
        raise AccessDenied("This account no longer exists.")
    return row


def _active_member(session: Session, study_pk: int, researcher_id: int) -> StudyMemberRow | None:
    return session.scalars(select(StudyMemberRow).where(
        StudyMemberRow.study_id == study_pk, StudyMemberRow.researcher_id == researcher_id,
        StudyMemberRow.removed_at.is_(None))).first()


def _require_researcher(row: ResearcherRow, what: str) -> None:
    if (row.role or RESEARCHER) != RESEARCHER:
        raise AccessDenied(f"Only researchers can {what}.")


def _require_study(session: Session, row: ResearcherRow, study_id: str):
    try:
        srow = repo.study_row(session, study_id)
    except NotFoundError:
        if (row.role or RESEARCHER) != RESEARCHER:
            raise AccessDenied("You have not been invited to this study.") from None
        raise
    if (row.role or RESEARCHER) != RESEARCHER and _active_member(session, srow.id, row.id) is None:
        gone = _removal(session, srow.id, row.id)
        if gone is not None:
            raise AccessDenied(_removed_message(study_id, gone))
        raise AccessDenied("You have not been invited to this study.")
    return srow


def _removal(session: Session, study_pk: int, researcher_id: int) -> StudyMemberRow | None:
    """The latest ended invitation of the account to the study, if any."""
    return session.scalars(select(StudyMemberRow).where(
        StudyMemberRow.study_id == study_pk, StudyMemberRow.researcher_id == researcher_id,
        StudyMemberRow.removed_at.is_not(None)).order_by(StudyMemberRow.removed_at.desc())).first()


def _removed_message(study_id: str, m: StudyMemberRow) -> str:
    return (f"You were removed from the team of study {study_id!r} by {m.removed_by} on "
            f"{m.removed_at:%Y-%m-%d %H:%M} UTC, so you can no longer read or write there. Ask a researcher "
            "of the study if you think this is a mistake.")


def removals(db: Database, actor: Researcher) -> dict[str, str]:
    """The studies ``actor`` was removed from and is not on the team of again: study id -> a message
    saying who removed them and when (empty for researchers)."""
    from ..store.models import StudyRow

    def work(session: Session) -> dict[str, str]:
        row = _account(session, actor)
        if (row.role or RESEARCHER) == RESEARCHER:
            return {}
        out: dict[str, str] = {}
        rows = session.execute(select(StudyMemberRow, StudyRow.slug).join(StudyRow, StudyRow.id == StudyMemberRow.study_id)
                               .where(StudyMemberRow.researcher_id == row.id)
                               .order_by(StudyMemberRow.id)).all()
        for m, slug in rows:
            if m.removed_at is None:
                out.pop(slug, None)
            elif _active_member(session, m.study_id, row.id) is None:
                out[slug] = _removed_message(slug, m)
        return out

    return db.read(work)


def _study_of(ws: WorkspaceRow) -> str | None:
    return ws.source.split(":", 1)[1] if ws.source.startswith("study:") else None


def _require_workspace(session: Session, row: ResearcherRow, workspace_id: int) -> WorkspaceRow:
    ws = session.get(WorkspaceRow, int(workspace_id))
    if ws is None:
        raise NotFoundError(f"There is no saved analysis {workspace_id}.")
    sid = _study_of(ws)
    if sid is None:  # an uploaded file: its owner's only
        if ws.researcher_id != row.id:
            raise AccessDenied("This analysis of an uploaded file belongs to another account.")
        return ws
    _require_study(session, row, sid)
    return ws


def can_see_study(db: Database, actor: Researcher, study_id: str) -> bool:
    """Whether ``actor`` may open ``study_id`` (researchers: every study; co-researchers: invited ones)."""

    def work(session: Session) -> bool:
        try:
            _require_study(session, _account(session, actor), study_id)
        except (AccessDenied, NotFoundError):
            return False
        return True

    return db.read(work)


def visible_studies(db: Database, actor: Researcher) -> tuple[str, ...]:
    """The ids of the published studies ``actor`` may open, in id order."""
    from ..store.models import StudyRow

    def work(session: Session) -> tuple[str, ...]:
        row = _account(session, actor)
        q = select(StudyRow.slug).order_by(StudyRow.slug)
        if (row.role or RESEARCHER) != RESEARCHER:
            q = q.join(StudyMemberRow, StudyMemberRow.study_id == StudyRow.id).where(
                StudyMemberRow.researcher_id == row.id, StudyMemberRow.removed_at.is_(None)).distinct()
        return tuple(session.scalars(q))

    return db.read(work)


# ---------------------------------------------------------------- the team


def _member(m: StudyMemberRow, username: str) -> Member:
    return Member(username=username, added_by=m.added_by, added_at=m.added_at, removed_by=m.removed_by,
                  removed_at=m.removed_at)


def invite(db: Database, actor: Researcher, study_id: str, username: str, *, password: str | None = None,
           now: datetime | None = None) -> Member:
    """Invite the co-researcher ``username`` to ``study_id`` (researchers only).

    Without such an account one is created with ``password`` (then required, at least 10 characters)
    and the role co-researcher. Inviting someone already on the team changes nothing. Researcher
    accounts cannot be invited: they see every study already.
    """
    if not (username or "").strip():
        raise QMethodError("Give the user name of the co-researcher to invite (their account's name, or a new "
                           "one to create).")
    def check(session: Session) -> bool:
        me = _account(session, actor)
        _require_researcher(me, "invite co-researchers")
        repo.study_row(session, study_id)
        other = accounts._row(session, (username or "").strip())
        if other is not None and (other.role or RESEARCHER) == RESEARCHER:
            raise QMethodError(f"{other.username!r} is a researcher account and sees every study already.")
        return other is None

    if db.read(check):
        if not password:
            raise QMethodError(f"There is no account called {username!r} yet: give a first password "
                               f"(at least {accounts.MIN_PASSWORD_LENGTH} characters) to create it.")
        try:
            accounts.create_account(db, username, password, role=CO_RESEARCHER, now=now)
        except accounts.AccountError as exc:
            if "already" not in str(exc):
                raise

    def work(session: Session) -> Member:
        me = _account(session, actor)
        srow = repo.study_row(session, study_id)
        other = accounts._row(session, username.strip())
        existing = _active_member(session, srow.id, other.id)
        if existing is not None:
            return _member(existing, other.username)
        m = StudyMemberRow(study_id=srow.id, researcher_id=other.id, added_by=me.username, added_at=now or utcnow())
        session.add(m)
        session.flush()
        return _member(m, other.username)

    return db.write(work)


def remove_member(db: Database, actor: Researcher, study_id: str, username: str, *,
                  now: datetime | None = None) -> None:
    """Take a co-researcher off a study (researchers only); who removed them and when is kept. Their
    notes and proposals stay, with their name."""

    def work(session: Session) -> None:
        me = _account(session, actor)
        _require_researcher(me, "remove co-researchers")
        srow = repo.study_row(session, study_id)
        other = accounts._row(session, (username or "").strip())
        m = None if other is None else _active_member(session, srow.id, other.id)
        if m is None:
            raise NotFoundError(f"{username!r} is not on the team of study {study_id!r}.")
        m.removed_by, m.removed_at = me.username, now or utcnow()

    db.write(work)


def members(db: Database, actor: Researcher, study_id: str) -> tuple[Member, ...]:
    """The co-researchers of a study, current and removed, in the order they were invited."""

    def work(session: Session) -> tuple[Member, ...]:
        srow = _require_study(session, _account(session, actor), study_id)
        rows = session.execute(select(StudyMemberRow, ResearcherRow.username)
                               .join(ResearcherRow, ResearcherRow.id == StudyMemberRow.researcher_id)
                               .where(StudyMemberRow.study_id == srow.id).order_by(StudyMemberRow.id)).all()
        return tuple(_member(m, name) for m, name in rows)

    return db.read(work)


def _shared(ws: WorkspaceRow, owner: str) -> SharedAnalysis:
    from .analysis import _workspace, current_bootstrap

    return SharedAnalysis(id=ws.id, study_id=_study_of(ws) or "", name=ws.name, owner=owner,
                          updated_at=ws.updated_at, n_factors=int((ws.plan or {}).get("n_factors", 0) or 0),
                          bootstrap=current_bootstrap(_workspace(ws)))


def analyses(db: Database, actor: Researcher, study_id: str | None = None) -> tuple[SharedAnalysis, ...]:
    """The saved analyses ``actor`` may interpret: of ``study_id`` (or of every visible study; for a
    researcher also its own analyses of uploaded files), newest first."""

    def work(session: Session) -> tuple[SharedAnalysis, ...]:
        me = _account(session, actor)
        rows = session.execute(select(WorkspaceRow, ResearcherRow.username)
                               .join(ResearcherRow, ResearcherRow.id == WorkspaceRow.researcher_id)
                               .order_by(WorkspaceRow.updated_at.desc())).all()
        out = []
        for ws, owner in rows:
            sid = _study_of(ws)
            if study_id is not None and sid != study_id:
                continue
            try:
                _require_workspace(session, me, ws.id)
            except (AccessDenied, NotFoundError):
                continue
            out.append(_shared(ws, owner))
        if study_id is not None and not out:
            _require_study(session, me, study_id)  # a clear refusal rather than an empty list
        return tuple(out)

    return db.read(work)


# ---------------------------------------------------------------- texts and notes


def _digest(plan: dict[str, Any] | None) -> str:
    plan = {k: v for k, v in (plan or {}).items() if k != "_extra"}
    return hashlib.sha256(json.dumps(plan, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _check_factor(factor: str) -> str:
    if not isinstance(factor, str) or not _FACTOR.match(factor):
        raise QMethodError(f"{factor!r} is not a factor name (F1, F2, … or F1a/F1b after a split, or "
                           f"{ALL!r} for the whole solution).")
    return factor


def field_in(name: str, language: str, default_language: str) -> str:
    """The stored text ``name`` (``name`` or ``summary``) in ``language``: the field itself in the
    study's default language, ``name_en`` etc. in another one."""
    return name if language == default_language or name not in PER_LANGUAGE else f"{name}_{language}"


def field_label(name: str) -> str:
    """A field as a person reads it: ``summary``, ``name in English``."""
    base, _, lang = name.partition("_")
    return f"{base} in {LANGUAGES[lang]}" if lang in LANGUAGES else name


def _version(r: FactorTextRow, digest: str) -> TextVersion:
    return TextVersion(id=r.id, factor=r.factor, field=r.field, text=r.text, status=r.status, author=r.author,
                       created_at=r.created_at, accepted_by=r.accepted_by, accepted_at=r.accepted_at,
                       same_analysis=r.plan_digest == digest)


def text_problem(name: str, text: str) -> str | None:
    """Why ``text`` cannot be stored as a factor's ``name`` (``name``, ``summary``, ...), or ``None``:
    the check :func:`write_text` makes, for checking every field of a form before storing any."""
    if name not in FIELDS:
        return f"Unknown text {name!r}; choose {', '.join(FIELDS)}."
    text = (text or "").strip()
    if len(text) > FIELDS[name]:
        return (f"The {field_label(name)} may have at most {FIELDS[name]:,} characters; this one has "
                f"{len(text):,}.")
    return None


def write_text(db: Database, actor: Researcher, workspace_id: int, factor: str, name: str, text: str, *,
               based_on: int | None = None, now: datetime | None = None) -> TextVersion:
    """Store a new version of a factor's ``name`` (``name``, ``summary`` or ``narrative``).

    A researcher's version is current at once; a co-researcher's is a proposal (see :func:`accept`).
    Text is stripped; an unchanged text stores nothing and returns the current version.

    ``based_on``: the id of the current version the writer's page showed when they wrote (``0``: it
    showed no text yet; ``None``: do not check). When another version has become current since, and
    its text is not this one, nothing is stored and :class:`TextChanged` is raised, so that two people
    writing the same text at once never silently replace each other's words.
    """
    problem = text_problem(name, text)
    if problem:
        raise QMethodError(problem)
    _check_factor(factor)
    text = (text or "").strip()

    def work(session: Session) -> TextVersion:
        me = _account(session, actor)
        ws = _require_workspace(session, me, workspace_id)
        digest = _digest(ws.plan)
        researcher = (me.role or RESEARCHER) == RESEARCHER
        if not researcher and not text:
            raise QMethodError("An empty proposal cannot be sent; write the text first.")
        cur = _current(session, ws.id, factor, name)
        if researcher and cur is not None and cur.text == text and cur.plan_digest == digest:
            return _version(cur, digest)
        if based_on is not None and (cur.id if cur is not None else 0) != based_on and (
                cur is None or cur.text != text):
            raise TextChanged(_version(cur, digest)) if cur is not None else QMethodError(
                f"The {field_label(name)} your page showed is no longer current; reload the page.")
        row = FactorTextRow(workspace_id=ws.id, factor=factor, field=name, text=text,
                            status="accepted" if researcher else "proposed", author=me.username,
                            created_at=now or utcnow(), plan_digest=digest)
        if researcher:
            row.accepted_by, row.accepted_at = me.username, row.created_at
        session.add(row)
        session.flush()
        return _version(row, digest)

    return db.write(work)


def _current(session: Session, workspace_id: int, factor: str, name: str) -> FactorTextRow | None:
    return session.scalars(select(FactorTextRow).where(
        FactorTextRow.workspace_id == workspace_id, FactorTextRow.factor == factor, FactorTextRow.field == name,
        FactorTextRow.status == "accepted").order_by(FactorTextRow.accepted_at.desc(), FactorTextRow.id.desc())
    ).first()


def accept(db: Database, actor: Researcher, text_id: int, *, based_on: int | None = None,
           now: datetime | None = None) -> TextVersion:
    """Accept a co-researcher's proposal (researchers only): it becomes the current version, its
    author stays the proposer, and who accepted it and when is recorded.

    ``based_on``: the id of the current version of the proposal's text that the researcher's page
    showed (``0``: none; ``None``: do not check). When another version has become current since (and
    its text is not the proposal's), nothing changes and :class:`TextChanged` is raised, as in
    :func:`write_text`: an old proposal never silently replaces a text saved after the page was drawn.
    """

    def work(session: Session) -> TextVersion:
        me = _account(session, actor)
        _require_researcher(me, "accept proposals")
        row = session.get(FactorTextRow, int(text_id))
        if row is None:
            raise NotFoundError(f"There is no proposal {text_id}.")
        ws = _require_workspace(session, me, row.workspace_id)
        if row.status != "proposed":
            raise QMethodError("This version is not an open proposal (it was accepted already).")
        cur = _current(session, ws.id, row.factor, row.field)
        if based_on is not None and (cur.id if cur is not None else 0) != based_on and (
                cur is None or cur.text != row.text):
            raise TextChanged(_version(cur, _digest(ws.plan))) if cur is not None else QMethodError(
                f"The {field_label(row.field)} your page showed is no longer current; reload the page.")
        row.status, row.accepted_by, row.accepted_at = "accepted", me.username, now or utcnow()
        session.flush()
        return _version(row, _digest(ws.plan))

    return db.write(work)


def add_note(db: Database, actor: Researcher, workspace_id: int, factor: str, text: str, *,
             now: datetime | None = None) -> Note:
    """Add a note on a factor (anyone on the team); notes are never changed."""
    _check_factor(factor)
    text = (text or "").strip()
    if not text:
        raise QMethodError("The note is empty; write something first.")
    if len(text) > NOTE_LENGTH:
        raise QMethodError(f"A note may have at most {NOTE_LENGTH:,} characters; this one has {len(text):,}.")

    def work(session: Session) -> Note:
        me = _account(session, actor)
        ws = _require_workspace(session, me, workspace_id)
        row = FactorNoteRow(workspace_id=ws.id, factor=factor, author=me.username, text=text,
                            created_at=now or utcnow())
        session.add(row)
        session.flush()
        return Note(row.id, row.factor, row.author, row.text, row.created_at)

    return db.write(work)


def factor_texts(db: Database, actor: Researcher, workspace_id: int) -> dict[str, FactorTexts]:
    """Per factor: current texts, open proposals, every version (oldest first) and the notes."""

    def work(session: Session) -> dict[str, FactorTexts]:
        ws = _require_workspace(session, _account(session, actor), workspace_id)
        return _texts(session, ws)

    return db.read(work)


def _texts(session: Session, ws: WorkspaceRow) -> dict[str, FactorTexts]:
    digest = _digest(ws.plan)
    rows = session.scalars(select(FactorTextRow).where(FactorTextRow.workspace_id == ws.id)
                           .order_by(FactorTextRow.created_at, FactorTextRow.id)).all()
    notes = session.scalars(select(FactorNoteRow).where(FactorNoteRow.workspace_id == ws.id)
                            .order_by(FactorNoteRow.created_at, FactorNoteRow.id)).all()
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        d = out.setdefault(r.factor, {"current": {}, "proposals": [], "history": [], "notes": []})
        v = _version(r, digest)
        d["history"].append(v)
        if r.status == "proposed":
            d["proposals"].append(v)
        else:
            cur = d["current"].get(r.field)
            if cur is None or (v.accepted_at, v.id) > (cur.accepted_at, cur.id):
                d["current"][r.field] = v
    for n in notes:
        d = out.setdefault(n.factor, {"current": {}, "proposals": [], "history": [], "notes": []})
        d["notes"].append(Note(n.id, n.factor, n.author, n.text, n.created_at))
    return {f: FactorTexts(f, d["current"], tuple(d["proposals"]), tuple(d["history"]), tuple(d["notes"]))
            for f, d in out.items()}


# ---------------------------------------------------------------- the analysis, ready to interpret


def _survey(study: Study, table: pd.DataFrame | None, codes: list[str], lang: str) -> tuple[SurveySummary, ...]:
    if table is None or not study.survey:
        return ()
    out = []
    rows = table.reindex([c for c in codes if c in table.index])
    for q in study.survey:
        if q.id not in rows.columns:
            continue
        values = [v for v in rows[q.id].tolist() if v is not None and not (isinstance(v, float) and pd.isna(v))
                  and v != ""]
        label = {o.value: (o.label.get(lang) or next(iter(o.label.values()), o.value)) for o in q.options}
        text = q.text.get(lang) or next(iter(q.text.values()), q.id)
        counts: dict[str, int] = {}
        median = None
        if q.type in ("single", "multiple"):
            for o in q.options:
                counts[label[o.value]] = 0
            for v in values:
                for part in (str(v).split(";") if q.type == "multiple" else [str(v)]):
                    if part:
                        key = label.get(part, part)
                        counts[key] = counts.get(key, 0) + 1
        elif q.type == "number":
            nums = [float(v) for v in values if _is_number(v)]
            median = float(statistics.median(nums)) if nums else None
        out.append(SurveySummary(question=q.id, text=text, type=q.type, n=len(values), counts=counts, median=median))
    return tuple(out)


def _is_number(v: Any) -> bool:
    try:
        float(v)
    except (TypeError, ValueError):
        return False
    return True


def _extremes(study: Study | None, distribution) -> set[int]:
    if study is not None and study.postsort.enabled and study.postsort.columns:
        return {int(c) for c in study.postsort.columns}
    values = [int(v) for v in distribution] if len(distribution) else []
    return {min(values), max(values)} if values else set()


def _distinct(quotes: list[Quote]) -> list[Quote]:
    """``quotes`` without repeats: the first of those with the same words (case and spacing aside)."""
    seen: set[str] = set()
    out = []
    for q in quotes:
        key = " ".join(q.text.split()).casefold()
        if key not in seen:
            seen.add(key)
            out.append(q)
    return out


def _factor_view(result: AnalysisResult, f: str, *, valid: list[str], texts: pd.Series, long: pd.DataFrame | None,
                 extremes: set[int], study: Study | None, participants: pd.DataFrame | None, lang: str,
                 full: bool) -> FactorView:
    from .analysis import composite

    arr = result.factor_arrays[f].astype(int)
    z = result.zscores[f]
    number = {sid: k + 1 for k, sid in enumerate(result.zscores.index)}
    flagged = [str(q) for q in result.flags.index[result.flags[f].astype(bool)]]
    loads = {str(q): float(v) for q, v in result.loadings[f].items()}
    opposite = [q for q in flagged if loads.get(q, 0.0) < 0]  # they sorted the other way round
    defining = [q for q in flagged if q not in opposite]  # who share the view: their words and answers
    quotes: dict[str, list[Quote]] = {}
    if long is not None and len(long):
        mine = long[long["participant"].isin(defining) & long["comment"].notna()]
        for r in mine.itertuples(index=False):
            if str(r.comment).strip() and int(r.score) in extremes:
                quotes.setdefault(str(r.statement), []).append(
                    Quote(str(r.statement), int(r.score), str(r.comment).strip(), str(r.participant) if full else None))
    for sid in quotes:  # the same words by several participants (or twice) are quoted once
        quotes[sid] = _distinct(sorted(quotes[sid], key=lambda q: -abs(q.score)))
    values = sorted(set(arr))
    top, bottom = set(values[-2:]), set(values[:2])
    others = [o for o in valid if o != f]

    def item(sid: str, kind: str, level: str = "", direction: str = "") -> Statement:
        return Statement(id=str(sid), number=number[sid], text=str(texts.get(sid, sid)), array=int(arr[sid]),
                         z=float(z[sid]), kind=kind, level=level, direction=direction,
                         quotes=tuple(quotes.get(str(sid), ())))

    out = [item(s, "highest") for s in sorted(arr.index[arr.isin(top)], key=lambda s: -z[s])]
    out += [item(s, "lowest") for s in sorted(arr.index[arr.isin(bottom)], key=lambda s: z[s])]
    dist = result.distinguishing[f] if f in result.distinguishing else pd.Series(dtype=object)
    for s in sorted(dist.index[dist != ""], key=lambda s: -z[s]):
        direction = ""
        if others and all(z[s] > result.zscores.loc[s, o] for o in others):
            direction = "higher"
        elif others and all(z[s] < result.zscores.loc[s, o] for o in others):
            direction = "lower"
        out.append(item(s, "distinguishing", str(dist[s]), direction))
    if len(valid) >= 2:
        for s in result.consensus_statements().index:
            out.append(item(s, "consensus", str(result.consensus[s])))
    crib = result.crib_sheets().get(f)
    if crib is not None and "statement" in crib.columns:
        crib = crib.copy()
        crib["statement"] = [texts.get(s, t) for s, t in zip(crib.index, crib["statement"])]
    all_quotes = _distinct(sorted((q for qs in quotes.values() for q in qs),
                                  key=lambda q: (-abs(q.score), -q.score * z[q.statement])))
    hidden = not full and len(defining) < MIN_GROUP
    return FactorView(factor=f, n_defining=len(flagged), defining=tuple(flagged) if full else (),
                      statements=tuple(out), quotes=tuple(all_quotes),
                      survey=_survey(study, participants, defining, lang) if study is not None and not hidden else (),
                      crib=crib, composite=composite(result, f), survey_hidden=hidden,
                      n_opposite=len(opposite), opposite=tuple(opposite) if full else ())


def interpretation(db: Database, actor: Researcher, workspace_id: int, *, language: str | None = None) -> Interpretation:
    """A saved analysis replayed and laid out for interpretation (see :class:`Interpretation`).

    Statement texts and survey labels are in ``language`` (default: the study's default language).
    """
    from . import analysis as an
    from .research import completed_sorts
    from .studies import get_study

    def load(session: Session):
        me = _account(session, actor)
        ws = _require_workspace(session, me, workspace_id)
        owner = session.get(ResearcherRow, ws.researcher_id)
        return ((me.role or RESEARCHER) == RESEARCHER, _shared(ws, owner.username if owner else "?"),
                an._workspace(ws), _texts(session, ws))

    full, shared, workspace, team = db.read(load)
    sid = shared.study_id or None
    study = long = participants = None
    if sid is not None:
        study = get_study(db, sid)
        lang = language if language in study.languages else study.default_language
        data = an.study_data(db, sid, language=lang)
        done = completed_sorts(db, sid)
        long, participants = done.long, done.participants
        languages = tuple(study.languages)
        texts = {lg: pd.Series({s.id: s.text.get(lg) or next(iter(s.text.values()), s.id) for s in study.statements})
                 for lg in languages}
        labels = {lg: {c.score: c.label.get(lg, "") for c in study.grid.columns} for lg in languages}
    else:
        extra = workspace.extra or {}
        data = an.upload_data(workspace.data or b"", workspace.name, statements=list(extra.get("statements") or ()) or None)
        lang = "en"
        languages = ("en",)
        st_ = data.statements if data.statements is not None else pd.Series(
            {s: s for s in data.sorts.index})
        texts = {"en": pd.Series(st_.astype(str).to_numpy(), index=[str(i) for i in st_.index])}
        labels = {"en": {}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = an.run(data, workspace.plan).result
    valid = [f for f in result.factors if not result.factor_arrays[f].isna().any()]
    views = {f: _factor_view(result, f, valid=valid, texts=texts[lang], long=long,
                             extremes=_extremes(study, result.distribution), study=study,
                             participants=participants, lang=lang, full=full) for f in valid}
    return Interpretation(
        analysis=shared, study_id=sid, title=data.name, languages=languages, factors=tuple(valid),
        zscores=result.zscores[valid].copy(), arrays=result.factor_arrays[valid].astype(int).copy(),
        texts=texts, grid_labels=labels, factor_views=views, team=team,
        result=result if full else None, n_sorts=data.n_sorts, full=full,
        default_language=study.default_language if study is not None else "en")


# ---------------------------------------------------------------- viewpoint cards


def viewpoint_card(view: Interpretation, factor: str, language: str, *, n: int = 3, n_words: int = 3) -> ViewpointCard:
    """The plain-language card of ``factor``: what people who share the viewpoint agree and disagree
    with most (the ``n`` statements with the highest / lowest z-scores), what sets it apart (statements
    distinguishing it, higher / lower than in every other viewpoint), and up to ``n_words`` of the
    defining participants' comments, never two on the same statement. ``details`` holds the numbers
    (array value and z-score of every statement named on the card). The name and summary are the
    team's in ``language`` (``name_en`` ... for a language other than the study's default); when none
    was given there, the default language's, with ``name_from`` / ``summary_from`` naming it."""
    if factor not in view.factor_views:
        raise QMethodError(f"{factor} has no factor array; the factors are {', '.join(view.factors)}.")
    texts = view.texts.get(language) if language in view.texts else next(iter(view.texts.values()))
    fv = view.factor_views[factor]
    z = view.zscores[factor]
    order = z.sort_values(ascending=False, kind="stable").index
    agree, disagree = list(order[:n]), list(order[::-1][:n])
    dist = [s for s in fv.of_kind("distinguishing") if s.id not in agree and s.id not in disagree]
    higher = [s.id for s in dist if s.direction == "higher"][:n]
    lower = [s.id for s in dist if s.direction == "lower"][:n]
    words, seen = [], set()
    for q in fv.quotes:
        if q.statement not in seen:
            words.append(Quote(q.statement, q.score, q.text, None))
            seen.add(q.statement)
        if len(words) >= n_words:
            break
    named = list(dict.fromkeys(agree + disagree + higher + lower))
    details = pd.DataFrame({"statement": [str(texts.get(s, s)) for s in named],
                            "array": [int(view.arrays.loc[s, factor]) for s in named],
                            "z": [round(float(z[s]), 2) for s in named]},
                           index=pd.Index([str(s) for s in named], name="id"))
    team = view.team.get(factor) or FactorTexts(factor)
    shown = {}
    for f in PER_LANGUAGE:  # in the card's language, else in the study's default language (and said so)
        own = team.text(field_in(f, language, view.default_language))
        fallback = "" if own or language == view.default_language or not team.text(f) else view.default_language
        shown[f] = (own or team.text(f), fallback)
    return ViewpointCard(
        factor=factor, language=language, name=shown["name"][0], summary=shown["summary"][0],
        name_from=shown["name"][1], summary_from=shown["summary"][1],
        agree=tuple(str(texts.get(s, s)) for s in agree), disagree=tuple(str(texts.get(s, s)) for s in disagree),
        higher=tuple(str(texts.get(s, s)) for s in higher), lower=tuple(str(texts.get(s, s)) for s in lower),
        words=tuple(words), n_people=fv.n_sharing, details=details, n_opposite=fv.n_opposite,
        statements_language=language if language in view.texts else next(iter(view.texts)),
        words_language=view.default_language)


# ---------------------------------------------------------------- the report

#: kind -> (label, file suffix, MIME type)
REPORTS: dict[str, tuple[str, str, str]] = {
    "docx": ("Report (Word, .docx)", ".docx",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "pdf": ("Report (PDF)", ".pdf", "application/pdf"),
    "html": ("Report (HTML, for the web)", ".html", "text/html"),
    "md": ("Report (Markdown)", ".md", "text/markdown"),
}


def report_content(db: Database, actor: Researcher, workspace_id: int, *, bootstrap: dict[str, Any] | None = None):
    """The content of the report of a saved analysis (researchers only: it holds loadings per Q-sort).

    ``bootstrap``: the bootstrap to report (``{"n_resamples": int, "seed": int, ...}``, see
    :func:`qmethod.service.analysis.bootstrap_summary`); by default the one kept with the analysis when
    it was run on the analysis' current choices (none otherwise). Returns a :class:`qmethod.io.manuscript.ReportContent`.
    """
    from ..io.manuscript import Contribution, FactorNarrative, ReportContent, StudySummary
    from .research import participant_progress
    from .studies import get_study

    def check(session: Session) -> None:
        me = _account(session, actor)
        _require_researcher(me, "make the report (it holds each participant's loadings)")
        _require_workspace(session, me, workspace_id)

    db.read(check)
    view = interpretation(db, actor, workspace_id)
    result = view.result
    assert result is not None
    summary = None
    team_names: tuple[str, ...] = ()
    if view.study_id is not None:
        study = get_study(db, view.study_id)
        progress = participant_progress(db, view.study_id)
        done = [p.submitted_at for p in progress if p.submitted_at is not None]
        comments = sum(len(fv.quotes) for fv in view.factor_views.values())
        summary = StudySummary(
            title=view.title, languages=tuple(study.languages),
            grid={c.score: c.count for c in study.grid.columns}, forced=study.grid.forced,
            n_started=len(progress), n_completed=len(done),
            first=min(done) if done else None, last=max(done) if done else None,
            survey=tuple(q.text.get(study.default_language, q.id) for q in study.survey),
            comments_on=tuple(study.postsort.columns) if study.postsort.enabled else (),
            n_comments=comments, presort=study.presort)
        team_names = tuple(dict.fromkeys(m.username for m in members(db, actor, view.study_id)))
    narratives = {}
    number = {sid: k + 1 for k, sid in enumerate(view.zscores.index)}
    for f in view.factors:
        t = view.team.get(f)
        fv = view.factor_views[f]
        narratives[f] = FactorNarrative(
            factor=f, name=t.name if t else "", summary=t.summary if t else "", narrative=t.narrative if t else "",
            quotes=tuple((str(number.get(q.statement, q.statement)), q.score, q.text) for q in fv.quotes[:6]),
            written_by=tuple((k, v.author) for k, v in (t.current.items() if t else ()) if v.text.strip()))
    team_work = tuple(Contribution(v.author, v.field, "" if f == ALL else f) for f, t in view.team.items()
                      for v in t.history if v.text.strip())
    team_work += tuple(Contribution(n.author, "note", "" if f == ALL else f) for f, t in view.team.items()
                       for n in t.notes if n.text.strip())
    stored = _stored_workspace(db, workspace_id)
    ws_plan = stored.plan
    if bootstrap is None:
        from .analysis import current_bootstrap

        bootstrap = current_bootstrap(stored)
    whole = view.team.get(ALL)
    return ReportContent(result=result, title=view.title, study=summary, narratives=narratives,
                         inverted=tuple(ws_plan.inverted), split=tuple(ws_plan.split),
                         flags_by_hand=ws_plan.flags is not None, bootstrap=bootstrap,
                         co_researchers=team_names, team_work=team_work, suggested=_suggested(result),
                         reason=whole.summary if whole else "", language=view.default_language)


def _suggested(result: AnalysisResult) -> dict[str, int]:
    """The number of factors each rule suggests for the result's sorts (as on the Analysis page)."""
    from ..analysis import factor_guidance

    p = result.sorts.shape[1]
    if p < 3:
        return {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = factor_guidance(result.sorts, max_factors=min(8, p - 1), distribution=list(result.distribution) or None,
                            forced=result.settings.forced, n_iter=200, significance=result.settings.significance)
    return {k: int(v) for k, v in g.suggested.items() if v is not None}


def _stored_workspace(db: Database, workspace_id: int):
    from .analysis import _workspace

    return db.read(lambda s: _workspace(s.get(WorkspaceRow, workspace_id)))


def report(db: Database, actor: Researcher, workspace_id: int, kind: str, *,
           bootstrap: dict[str, Any] | None = None) -> tuple[bytes, str, str]:
    """The report in one format: (bytes, file name, MIME type); ``kind`` is a key of :data:`REPORTS`."""
    from ..io import docx_report, html_report, pdf_report
    from .analysis import file_stem

    if kind not in REPORTS:
        raise QMethodError(f"Unknown report format {kind!r}; choose one of {', '.join(REPORTS)}.")
    content = report_content(db, actor, workspace_id, bootstrap=bootstrap)
    _, suffix, mime = REPORTS[kind]
    if kind == "docx":
        data = docx_report.write_docx(content)
    elif kind == "pdf":
        data = pdf_report.write_pdf(content)
    elif kind == "html":
        data = html_report.write_html(content).encode("utf-8")
    else:
        data = html_report.write_markdown(content).encode("utf-8")
    return data, file_stem(content.title) + "-report" + suffix, mime
