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
