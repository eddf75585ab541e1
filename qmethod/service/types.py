"""Plain, frozen result types returned by the service layer (no ORM object ever leaves it)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from ..study.response import Missing

__all__ = ["StudyInfo", "ParticipantState", "ParticipantSession", "ParticipantProgress", "AuditEvent",
           "CompletedSorts"]


@dataclass(frozen=True)
class StudyInfo:
    """A published study as listed for researchers."""

    id: str
    revision: int
    title: dict[str, str]
    languages: tuple[str, ...]
    n_statements: int
    published_at: datetime
    updated_at: datetime
    participants: int
    completed: int
    is_open: bool
    changed: bool = False  # set by publish: True if this call stored a new revision


@dataclass(frozen=True)
class ParticipantState:
    """Everything a participant page needs to redraw exactly where the participant stopped.

    ``version`` must be passed back as ``expected_version`` with the next save. ``columns`` maps
    every grid score to its statements top to bottom; ``unplaced`` lists the statements not in the grid
    (study order); ``unpiled`` those without a presort pile; ``missing`` what a submit still needs.
    """

    study_id: str
    study_revision: int
    participant: str
    version: int
    language: str
    stage: str
    stages: tuple[str, ...]
    consent_version: str | None
    consented_at: datetime | None
    piles: dict[str, str]
    columns: dict[int, tuple[str, ...]]
    unplaced: tuple[str, ...]
    unpiled: tuple[str, ...]
    comments: dict[str, str]
    answers: dict[str, Any]
    missing: tuple[Missing, ...]
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    #: the condition of instruction this sort is under (``None`` in a study without conditions)
    condition: str | None = None

    @property
    def completed(self) -> bool:
        return self.submitted_at is not None

    def score_of(self, statement_id: str) -> int | None:
        for score, ids in self.columns.items():
            if statement_id in ids:
                return score
        return None

    def sort(self) -> dict[str, int]:
        """``{statement id: score}`` of the placed statements."""
        return {sid: score for score, ids in self.columns.items() for sid in ids}


@dataclass(frozen=True)
class ParticipantSession:
    """A started or resumed participant: the secret ``token`` (keep it in the browser, e.g. in the
    URL or a cookie), the short ``resume_code`` to type on another device, and the state."""

    token: str = field(repr=False)
    resume_code: str
    state: ParticipantState


@dataclass(frozen=True)
class ParticipantProgress:
    """One participant in the researcher's progress overview."""

    participant: str
    external_id: str | None
    language: str
    stage: str
    placed: int
    n_statements: int
    version: int
    consent_version: str | None
    created_at: datetime
    updated_at: datetime
    consented_at: datetime | None
    submitted_at: datetime | None
    #: the researcher who ran the sort together with the participant (a facilitated sort), else None
    facilitated_by: str | None = None
    #: studies with conditions of instruction: the condition of this sort (else None)
    condition: str | None = None
    #: the person whose sort it is: the code without the condition (``P001`` for ``P001-now``; the
    #: code itself in studies without conditions), one person for all their sorts
    person: str = ""


@dataclass(frozen=True)
class AuditEvent:
    """One step of a participant's audit trail (``version`` 0 is the start)."""

    version: int
    at: datetime
    kind: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class CompletedSorts:
    """The completed Q-sorts of a study, ready for :mod:`qmethod.analysis`.

    ``sorts``: statements x Q-sorts (index = statement ids in study order, columns = participant codes
    in order of submission), integer grid values. ``participants``: one row per participant code with
    ``external_id``, ``language``, ``consent_version``, ``started_at``, ``submitted_at`` and one column
    per survey question (multiple choice joined with ``;``). ``long``: one row per participant and
    statement with ``score``, ``pile`` and ``comment``.
    """

    study_id: str
    sorts: pd.DataFrame
    participants: pd.DataFrame
    long: pd.DataFrame

    def __repr__(self) -> str:
        n, p = self.sorts.shape
        return f"CompletedSorts(study_id={self.study_id!r}, statements={n}, sorts={p})"
