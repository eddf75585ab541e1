"""Table models of the researcher side: accounts, login sessions, study drafts, analysis workspaces.

They share :class:`qmethod.store.models.Base` (same naming conventions and UTC times); the tables are
created by migration ``0002_researcher``. Rows never leave the service layer.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..store.models import Base

__all__ = ["ResearcherRow", "ResearcherSessionRow", "StudyDraftRow", "WorkspaceRow"]


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
    """A researcher's analysis of one data source: the choices made (JSON) and, for uploads, the file."""

    __tablename__ = "analysis_workspace"
    __table_args__ = (UniqueConstraint("researcher_id", "source", name="uq_analysis_workspace_researcher_source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    researcher_id: Mapped[int] = mapped_column(ForeignKey("researcher.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    plan: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]
