"""SQLAlchemy table models (typed declarative).

Participant side: ``study`` (the published definition as JSON + revision), ``statement`` (one row per statement
of a study), ``participant`` (stage, version counter, consent, times), ``access_token`` (hashed
participant tokens; one per device that resumed), ``sort_item`` (current pile / column / position /
comment of each statement for a participant), ``answer`` (survey answers), ``event`` (the append-only
audit trail: every step with its time and the participant version it produced), ``operation`` (the
ids of the operations the participant pages posted, with their outcome, so a repeated post is
answered without applying it twice), ``deletion`` (a record, without personal data, that a
participant was deleted on request) and ``resume_attempt``.
Researcher side: ``researcher`` (accounts), ``researcher_session`` (logins), ``study_draft`` (studies
being designed), ``study_image`` (the pictures of a study's picture statements, by SHA-256) and
``analysis_workspace`` (a researcher's analysis choices of one data source).
Co-interpretation: ``study_member`` (co-researchers invited to a study, with who added and removed them
and when), ``factor_text`` (every version of a factor's name, summary and narrative, proposed or
accepted, with author and time) and ``factor_note`` (the team's notes on a factor).
This module is the whole schema; migrations are checked against it.

All times are stored in UTC (:class:`UTCDateTime`).
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    LargeBinary,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["Base", "UTCDateTime", "StudyRow", "StatementRow", "StudyImageRow", "ParticipantRow", "AccessTokenRow",
           "SortItemRow", "AnswerRow", "EventRow", "OperationRow", "DeletionRow", "ResumeAttemptRow", "ResearcherRow",
           "ResearcherSessionRow", "StudyDraftRow", "WorkspaceRow", "StudyMemberRow", "FactorTextRow", "FactorNoteRow",
           "utcnow"]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


class StudyRow(Base):
    __tablename__ = "study"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    #: number of the next participant (codes are never reused, even after a deletion)
    next_number: Mapped[int] = mapped_column(Integer, default=1)
    definition: Mapped[dict[str, Any]]
    published_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class StatementRow(Base):
    __tablename__ = "statement"
    __table_args__ = (UniqueConstraint("study_id", "key", name="uq_statement_study_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(32))
    position: Mapped[int]
    category: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[dict[str, Any]]


class StudyImageRow(Base):
    """A picture used by a study's statements, stored with the published study (every app process
    serves the same bytes); the revision that first stored it is kept."""

    __tablename__ = "study_image"
    __table_args__ = (UniqueConstraint("study_id", "sha256", name="uq_study_image_study_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"))
    revision: Mapped[int]
    statement: Mapped[str] = mapped_column(String(32))
    sha256: Mapped[str] = mapped_column(String(64))
    media_type: Mapped[str] = mapped_column(String(32))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ParticipantRow(Base):
    __tablename__ = "participant"
    __table_args__ = (
        UniqueConstraint("study_id", "number", name="uq_participant_study_number"),
        # one participant per invitation id and study (NULLs, i.e. no invitation, never collide)
        Index("uq_participant_study_external_id", "study_id", "external_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    code: Mapped[str] = mapped_column(String(32))
    resume_hash: Mapped[str] = mapped_column(String(64), unique=True)
    external_id: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(16))
    stage: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer, default=0)
    consent_version: Mapped[str | None] = mapped_column(String(100))
    consented_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    #: studies with conditions of instruction: the condition sorted in this row, and the row of the
    #: person's first condition (``None`` in that first row and in studies without conditions)
    condition: Mapped[str | None] = mapped_column(String(32))
    person_id: Mapped[int | None] = mapped_column(Integer)


class AccessTokenRow(Base):
    __tablename__ = "access_token"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]


class ResumeAttemptRow(Base):
    """One failure counted by a rate limit: SHA-256 of what is limited (a client's address, a browser,
    a resume code, all clients together, a login source), and when.

    Wrong resume codes (``qmethod.service.participants``) and failed researcher logins
    (``qmethod.service.accounts``) are recorded here, kept only as long as the limits look back."""

    __tablename__ = "resume_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_hash: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(index=True)


class SortItemRow(Base):
    __tablename__ = "sort_item"

    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"),
                                                primary_key=True)
    statement: Mapped[str] = mapped_column(String(32), primary_key=True)
    pile: Mapped[str | None] = mapped_column(String(16))
    score: Mapped[int | None]
    position: Mapped[int | None]
    comment: Mapped[str | None] = mapped_column(Text)


class AnswerRow(Base):
    __tablename__ = "answer"

    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"),
                                                primary_key=True)
    question: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    answered_at: Mapped[datetime]


class EventRow(Base):
    """One step of the audit trail. Rows are never updated (a database trigger refuses it)."""

    __tablename__ = "event"
    __table_args__ = (
        UniqueConstraint("participant_id", "version", name="uq_event_participant_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"))
    version: Mapped[int]
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]]


class OperationRow(Base):
    """One operation a participant page posted (``op_id`` chosen by the browser), with its outcome.

    ``result`` is ``applied`` (``version`` is the participant version it produced) or ``refused``
    (``detail`` says why); a post of the same ``op_id`` again returns this outcome and changes nothing.
    """

    __tablename__ = "operation"

    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"),
                                                primary_key=True)
    op_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    result: Mapped[str] = mapped_column(String(16))
    version: Mapped[int]
    detail: Mapped[dict[str, Any]]
    at: Mapped[datetime]


class DeletionRow(Base):
    """A participant deleted on request: which code, when; no personal data."""

    __tablename__ = "deletion"

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    participant_code: Mapped[str] = mapped_column(String(32))
    deleted_at: Mapped[datetime]


class ResearcherRow(Base):
    """A researcher account: Argon2id password hash, failure counter and lock time."""

    __tablename__ = "researcher"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime]
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    #: ``researcher`` (sees every study) or ``co-researcher`` (sees only the studies it is invited to)
    role: Mapped[str] = mapped_column(String(16), default="researcher", server_default="researcher")


class ResearcherSessionRow(Base):
    """A login session; only the SHA-256 of its 256-bit token is stored."""

    __tablename__ = "researcher_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    researcher_id: Mapped[int] = mapped_column(ForeignKey("researcher.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]


class StudyDraftRow(Base):
    """A study being designed in the browser (possibly incomplete): the study-file structure as JSON."""

    __tablename__ = "study_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    definition: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str | None] = mapped_column(String(64))


class WorkspaceRow(Base):
    """A researcher's named analysis (``label``) of one data source: the choices made (JSON, with the data
    snapshot and the earlier plans) and, for uploads, the file; ``version`` counts the stored changes;
    ``bootstrap`` keeps the summary of the last bootstrap run on it."""

    __tablename__ = "analysis_workspace"
    __table_args__ = (UniqueConstraint("researcher_id", "source", "label",
                                       name="uq_analysis_workspace_researcher_source_label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    researcher_id: Mapped[int] = mapped_column(ForeignKey("researcher.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(200))
    label: Mapped[str] = mapped_column(String(100), default="main", server_default="main")
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    name: Mapped[str] = mapped_column(String(300))
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    plan: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]
    #: the last bootstrap's summary (method, resamples, seed, figures per factor, the plan it was run on)
    bootstrap: Mapped[dict[str, Any] | None]


class StudyMemberRow(Base):
    """A co-researcher invited to a study; removal keeps the row (``removed_at``/``removed_by``)."""

    __tablename__ = "study_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    researcher_id: Mapped[int] = mapped_column(ForeignKey("researcher.id", ondelete="CASCADE"), index=True)
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime]
    removed_by: Mapped[str | None] = mapped_column(String(64))
    removed_at: Mapped[datetime | None]


class FactorTextRow(Base):
    """One version of a factor's name, summary or narrative (rows are only added, never changed,
    except that a proposal records who accepted it)."""

    __tablename__ = "factor_text"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("analysis_workspace.id", ondelete="CASCADE"), index=True)
    factor: Mapped[str] = mapped_column(String(16))
    field: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    #: ``accepted`` (a version of the team's text) or ``proposed`` (by a co-researcher, not yet accepted)
    status: Mapped[str] = mapped_column(String(16))
    author: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    plan_digest: Mapped[str] = mapped_column(String(16))
    accepted_by: Mapped[str | None] = mapped_column(String(64))
    accepted_at: Mapped[datetime | None]


class FactorNoteRow(Base):
    """A team member's note on a factor of an analysis."""

    __tablename__ = "factor_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("analysis_workspace.id", ondelete="CASCADE"), index=True)
    factor: Mapped[str] = mapped_column(String(16))
    author: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
