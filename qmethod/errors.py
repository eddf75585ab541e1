"""The package's exception and warning types.

Every error a user can cause (a bad file, an impossible sort, an unknown option) is raised as
:class:`QMethodError` or one of its subclasses, with a message that names the file, line, sort or
statement concerned and says what was expected. Computable but doubtful situations (a factor with no
defining sort, a negatively loading defining sort, a rotation that did not converge) are reported
with :class:`QMethodWarning` through :mod:`warnings`, and are also collected in the result object.
"""
from __future__ import annotations


class QMethodError(ValueError):
    """Invalid input or settings. The message says what is wrong and where."""


class DataError(QMethodError):
    """Q-sort data that cannot be analysed (missing values, unequal sorts, broken distribution...)."""


class FormatError(QMethodError):
    """A file that cannot be read in the stated or detected format (names file and line/cell)."""


class StudyError(QMethodError):
    """An invalid study definition or an action the study does not allow."""


class QMethodWarning(UserWarning):
    """A computable but doubtful situation (confounded sorts, negative defining sorts, ...)."""


class NotFoundError(QMethodError):
    """A study, participant or statement that does not exist."""


class ResumeCodeError(NotFoundError):
    """A resume code or participant token that matches no participant."""


class ResumeLimitError(ResumeCodeError):
    """Too many wrong resume codes: no code is checked until ``retry_at`` (a UTC datetime).

    ``scope`` is ``"client"`` (this device tried too many) or ``"all"`` (everyone together did)."""

    def __init__(self, message: str, retry_at: object = None, scope: str = "client") -> None:
        super().__init__(message)
        self.retry_at = retry_at
        self.scope = scope


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
