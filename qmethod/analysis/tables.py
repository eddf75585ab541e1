"""Labelled tables from plain arrays: where the numeric core turns its arrays into pandas frames.

Every stage computes on numpy arrays; an analysis then makes about fifteen small labelled
tables. ``pd.DataFrame(array, index=..., columns=...)`` spends most of its time on checks and
type inference that these arrays do not need, so frames are assembled from their blocks with
pandas' constructor for library code (``pandas.api.internals``, pandas 3), which makes a small
table about twice as fast and a table of mixed column types (the factor characteristics) ten
times as fast. Older pandas falls back to the ordinary constructors.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

try:  # pandas >= 3.0
    from pandas.api.internals import create_dataframe_from_blocks as _from_blocks
except ImportError:  # pragma: no cover - pandas 2.x
    _from_blocks = None

__all__ = ["frame", "mixed_frame", "ReadOnlyTables"]

# pandas >= 3 copies on write: a shallow copy is then an independent table at almost no cost
_COPY_ON_WRITE = int(pd.__version__.split(".")[0]) >= 3


class ReadOnlyTables:
    """Mixin for the frozen result classes: every table (DataFrame, Series) and dict attribute is
    handed out as a copy, so changing what a caller got (``res.loadings.iloc[0, 0] = 99``, a new
    column, ``res.details["x"] = 1``, a list's ``append``) never changes the result.

    With pandas >= 3 (copy-on-write) the copy of a table is shallow: no data is copied until the
    caller writes to it. Dataclass ``frozen=True`` already refuses re-binding the attributes.
    """

    __slots__ = ()

    def __getattribute__(self, name):
        value = object.__getattribute__(self, name)
        if name[0] == "_":  # __dict__ and private attributes: as stored (library code only)
            return value
        if isinstance(value, (pd.DataFrame, pd.Series)):
            return value.copy(deep=not _COPY_ON_WRITE)
        if isinstance(value, dict):
            import copy

            return copy.deepcopy(value)
        if isinstance(value, list):
            return list(value)
        return value


def frame(values: np.ndarray, index: pd.Index, columns: pd.Index, *, copy: bool = True) -> pd.DataFrame:
    """A DataFrame holding a copy of the 2-D array ``values`` (one dtype), rows ``index``.

    ``index`` and ``columns`` must be pandas Index objects of the right lengths (not checked).
    ``copy=False`` hands the array itself to the frame: only for an array nothing else will change
    (it saves a second copy of a large matrix).
    """
    data = np.array(values, copy=True) if copy else values  # the frame owns its data
    if _from_blocks is None:  # pragma: no cover
        return pd.DataFrame(data, index=index, columns=columns)
    return _from_blocks([(data.T, np.arange(data.shape[1]))], index=index, columns=columns)


def mixed_frame(first: np.ndarray, rest: np.ndarray, index: pd.Index, columns: pd.Index) -> pd.DataFrame:
    """A DataFrame whose first column is the 1-D array ``first`` (its own dtype) and whose other
    columns are the 2-D array ``rest`` (one dtype)."""
    if _from_blocks is None:  # pragma: no cover
        out = pd.DataFrame(np.array(rest, copy=True), index=index, columns=columns[1:])
        out.insert(0, columns[0], first)
        return out
    k = rest.shape[1]
    return _from_blocks(
        [(np.array(first, copy=True)[None, :], np.array([0])), (np.array(rest, copy=True).T, np.arange(1, k + 1))],
        index=index, columns=columns,
    )
