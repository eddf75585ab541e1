"""The package's exception and warning types.

Every error a user can cause (a bad file, an impossible sort, an unknown option) is raised as
:class:`QMethodError` or one of its subclasses, with a message that names the file, line, sort or
statement concerned and says what was expected. Computable but doubtful situations (a factor with no
defining sort, a negatively loading defining sort, a rotation that did not converge) are reported
with :class:`QMethodWarning` through :mod:`warnings`, and are also collected in the result object.
"""
from __future__ import annotations

from datetime import datetime, timezone


class QMethodError(ValueError):
    """Invalid input or settings. The message says what is wrong and where."""


class DataError(QMethodError):
    """Q-sort data that cannot be analysed (missing values, unequal sorts, broken distribution...)."""


class FormatError(QMethodError):
    """A file that cannot be read in the stated or detected format (names file and line/cell)."""


class StudyError(QMethodError):
    """An invalid study definition or an action the study does not allow."""


class InvitationUsedError(StudyError):
    """An invitation id (``external_id``) that has already started a participant in this study."""


class QMethodWarning(UserWarning):
    """A computable but doubtful situation (confounded sorts, negative defining sorts, ...)."""


class NotFoundError(QMethodError):
    """A study, participant or statement that does not exist."""


class ResumeCodeError(NotFoundError):
    """A resume code or participant token that matches no participant."""


class ResumeLimitError(ResumeCodeError):
    """Too many wrong resume codes: no code is checked until ``retry_at`` (a UTC datetime).

    ``scope`` is ``"client"`` (this device tried too many) or ``"all"`` (everyone together did)."""

    def __init__(self, message: str, retry_at: datetime | None = None, scope: str = "client") -> None:
        super().__init__(message)
        self.retry_at = retry_at
        self.scope = scope

    @classmethod
    def for_client(cls, retry_at: datetime, now: datetime) -> "ResumeLimitError":
        """The refusal for one device that tried too many codes, saying how long to wait."""
        minutes = _minutes_between(now, retry_at)
        return cls(f"Too many wrong resume codes from this device. Try again in {minutes} minute"
                   f"{'s' if minutes != 1 else ''}, or use the link you started with.", retry_at=retry_at)

    def minutes_left(self, now: datetime | None = None) -> int:
        """Whole minutes (at least 1) from ``now`` (default: the current UTC time) to ``retry_at``."""
        return 1 if self.retry_at is None else _minutes_between(now or datetime.now(timezone.utc), self.retry_at)


def _minutes_between(start: datetime, end: datetime) -> int:
    """Whole minutes from ``start`` to ``end``, rounded up, at least 1."""
    return max(1, -(-int((end - start).total_seconds()) // 60))


class PlacementError(StudyError):
    """A grid move the study does not allow (outside the grid, a full column, a statement placed twice)."""


class IncompleteError(StudyError):
    """A submit with steps still missing; ``missing`` lists them (see ``qmethod.study.response.Missing``)."""

    def __init__(self, message: str, missing: tuple = ()) -> None:
        super().__init__(message)
        self.missing = tuple(missing)


class CompletedError(StudyError):
    """A change to a sort that was already submitted (completed sorts are immutable)."""


class ConflictError(QMethodError):
    """A save made against an outdated version (another tab or device saved in between).

    ``state`` holds the participant's current, stored state so the page can redraw it.
    """

    def __init__(self, message: str, state: object = None) -> None:
        super().__init__(message)
        self.state = state


class StorageBusyError(QMethodError):
    """The database stayed busy or unreachable after retries; the step was not saved."""


class StorageUnavailableError(StorageBusyError):
    """The database cannot be reached or cannot store anything just now (server stopped, connection
    lost, disk full, read-only file or file system, I/O error); nothing of the step was saved.

    A kind of :class:`StorageBusyError`: pages treat both alike (keep what the user entered, say so
    calmly, retry until storage is back). ``kind`` is ``"unreachable"``, ``"full"``, ``"read-only"``
    or ``"io"``."""

    def __init__(self, message: str, kind: str = "unreachable") -> None:
        super().__init__(message)
        self.kind = kind
