"""Validation of Q-sort data at the boundary of the analysis.

Orientation used everywhere in :mod:`qmethod.analysis`: ``sorts`` is a matrix of **statements x
Q-sorts** (rows = statements, columns = Q-sorts, cells = grid values such as -4..+4), as in R's
qmethod and PQMethod's factor arrays. A pandas DataFrame keeps its labels; a plain 2-D array gets
statement labels ``S1..SN`` and Q-sort labels ``Q1..QP``.
"""
from __future__ import annotations

import functools
import inspect
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

from ..errors import DataError
from .params import TABLES
from .tables import frame

#: the largest grid value (in absolute value) that can be analysed: the squares of sums of such
#: values stay far from floating-point overflow (about 1.8e308), so no correlation is lost
MAX_VALUE = 1e100

__all__ = ["as_table", "array_input", "check_sorts", "check_distribution", "infer_distribution", "factor_labels", "factor_index"]


def factor_labels(k: int) -> list[str]:
    """Factor column labels ``F1..Fk`` (plain strings, correct beyond 9)."""
    return [f"F{i}" for i in range(1, k + 1)]


@lru_cache(maxsize=64)
def _factor_index(k: int) -> pd.Index:
    return pd.Index(factor_labels(k))


def factor_index(k: int) -> pd.Index:
    """``F1..Fk`` as a pandas Index, built once per k (a view each call, so renaming it is local)."""
    return _factor_index(k).view()


def _labels(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i}" for i in range(1, n + 1)]


def as_table(value, rows: str, columns: str, *, name: str = "table"):
    """``value`` as a DataFrame: a DataFrame (or None, or a name such as ``"auto"``) as it is, any
    other array-like read as :func:`numpy.asarray` reads it (a nested list is a list of rows) and
    labelled ``{rows}1..`` x ``{columns}1..`` (e.g. S1..SN x Q1..QP). Raises :class:`DataError`
    when it is not a 2-D table."""
    if value is None or isinstance(value, (pd.DataFrame, str)):
        return value
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as exc:  # ragged nested input
        raise DataError(f"{name} is not a table ({exc}).") from None
    if arr.ndim != 2:
        raise DataError(f"{name} must be a 2-D table; got an array with {arr.ndim} dimension(s).")
    return pd.DataFrame(arr, index=_labels(rows, arr.shape[0]), columns=_labels(columns, arr.shape[1]))


def array_input(func):
    """Decorator for the public stage functions: every table argument named in
    :data:`qmethod.analysis.params.TABLES` may be any array-like (np.asarray semantics)."""
    sig = inspect.signature(func)
    names = [n for n in sig.parameters if n in TABLES]

    @functools.wraps(func)
    def inner(*args, **kwargs):
        bound = sig.bind(*args, **kwargs)
        for n in names:
            if n in bound.arguments:
                bound.arguments[n] = as_table(bound.arguments[n], *TABLES[n], name=n)
        return func(*bound.args, **bound.kwargs)

    inner.__signature__ = sig
    return inner


def _name(x) -> str:
    return str(x)


def check_sorts(sorts, *, min_statements: int = 2, min_sorts: int = 2) -> pd.DataFrame:
    """Return ``sorts`` as a float DataFrame (statements x Q-sorts) or raise :class:`DataError`.

    ``sorts`` is a DataFrame (labels kept) or any array-like, read as :func:`numpy.asarray` reads
    it: a nested list ``[[...], [...]]`` is a list of **rows**, one per statement, exactly like the
    2-D array made from it (transpose a list of Q-sorts first, e.g. ``np.transpose(columns)``).

    Checks: a 2-D table; at least 2 statements and 2 Q-sorts; numeric, finite values no larger
    than :data:`MAX_VALUE` (1e100) in absolute value; unique
    statement and Q-sort labels; no constant Q-sort (it has no correlation with anything).
    Ragged input (rows of unequal length) is reported with the offending row.
    """
    if isinstance(sorts, pd.DataFrame):
        df = sorts  # never modified: the values are copied into a new frame below
    else:
        # any array-like, read as np.asarray reads it: rows are statements, columns Q-sorts
        if isinstance(sorts, Sequence) and not isinstance(sorts, (str, bytes)) and sorts and all(
            isinstance(r, Sequence) and not isinstance(r, (str, bytes)) for r in sorts
        ):
            lengths = [len(r) for r in sorts]
            bad = next((i for i, n in enumerate(lengths) if n != lengths[0]), None)
            if bad is not None:
                raise DataError(
                    f"Rows have unequal length: row {bad + 1} (statement S{bad + 1}) has {lengths[bad]} values, "
                    f"row 1 has {lengths[0]}. Give one row per statement and one value per Q-sort in each "
                    "(statements x Q-sorts)."
                )
        try:
            arr = np.asarray(sorts)
        except (ValueError, TypeError) as exc:  # ragged nested input
            raise DataError(f"sorts is not a table of statements x Q-sorts ({exc}).") from None
        if arr.ndim != 2:
            raise DataError(
                f"sorts must be a 2-D table of statements x Q-sorts; got an array with {arr.ndim} dimension(s)."
            )
        df = pd.DataFrame(
            arr,
            index=[f"S{i}" for i in range(1, arr.shape[0] + 1)],
            columns=[f"Q{j}" for j in range(1, arr.shape[1] + 1)],
        )
    n, p = df.shape
    if n < min_statements:
        raise DataError(f"At least {min_statements} statements are needed; the data have {n}.")
    if p < min_sorts:
        raise DataError(f"At least {min_sorts} Q-sorts are needed; the data have {p}.")
    for axis_name, labels in (("Q-sort", df.columns), ("statement", df.index)):
        if labels.is_unique:
            continue
        dup = labels[labels.duplicated()]
        if len(dup):
            raise DataError(
                f"Duplicate {axis_name} id {_name(dup[0])!r}: every {axis_name} needs a unique id."
            )
    values = None
    try:
        plain = df.to_numpy()  # one numeric block is the common case: no per-column dtype inspection
        owned = False  # whether values is a new array (not a view of the caller's data)
        if plain.dtype.kind in "iuf":
            values = plain.astype(float)  # always a copy
            owned = True
            if plain.dtype.kind == "f" and not np.isfinite(values).all():
                values = None  # diagnose below, naming the sort and statement
        elif all(pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t) for t in set(df.dtypes)):
            try:
                values = df.to_numpy(dtype=float, na_value=np.nan)
            except (TypeError, ValueError):
                values = None
            if values is not None and not np.all(np.isfinite(values)):
                values = None  # diagnose below, naming the sort and statement
    except OverflowError:
        values = None
    if values is None:
        values, owned = _diagnose(df), True
    big = np.abs(values) > MAX_VALUE
    if big.any():
        i, j = np.argwhere(big)[0]
        raise DataError(
            f"Q-sort {_name(df.columns[j])!r}, statement {_name(df.index[i])!r}: value {values[i, j]:g} is too "
            f"large to analyse (at most {MAX_VALUE:g} in absolute value; grid values are small numbers such as -4..+4)."
        )
    const = np.flatnonzero((values == values[0]).all(axis=0))
    if const.size:
        raise DataError(
            f"Q-sort {_name(df.columns[const[0]])!r} gives every statement the same value "
            f"({values[0, const[0]]:g}); a constant Q-sort cannot be correlated. Remove it."
        )
    return frame(values, df.index, df.columns, copy=not owned)


def _as_float(v):
    """A cell as a float; a number too large for one (a huge integer) becomes infinity."""
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        try:
            return float(v)
        except OverflowError:
            return float("inf") if v > 0 else float("-inf")
    return v


def _diagnose(df: pd.DataFrame) -> np.ndarray:
    """Column by column conversion that names the first bad cell."""
    n, p = df.shape
    values = np.empty((n, p), dtype=float)
    for j, col in enumerate(df.columns):
        column = df[col]
        num = pd.to_numeric(column.map(_as_float), errors="coerce")
        bad_mask = num.isna() & column.notna()
        if bad_mask.any():
            stmt = column.index[bad_mask.to_numpy()][0]
            raise DataError(
                f"Q-sort {_name(col)!r}, statement {_name(stmt)!r}: value {column[stmt]!r} is not a number."
            )
        infinite = np.isinf(num.to_numpy(dtype=float, na_value=np.nan))
        if infinite.any():
            stmt = column.index[infinite][0]
            raise DataError(
                f"Q-sort {_name(col)!r}, statement {_name(stmt)!r}: the value is too large to analyse "
                f"(at most {MAX_VALUE:g} in absolute value; grid values are small numbers such as -4..+4)."
            )
        missing = num.isna().to_numpy()
        if missing.any():
            stmt = column.index[missing][0]
            raise DataError(
                f"Q-sort {_name(col)!r}, statement {_name(stmt)!r}: the value is missing. "
                "Every statement must have a grid value in every Q-sort (drop or complete this Q-sort)."
            )
        values[:, j] = num.to_numpy(dtype=float)
    return values


def check_distribution(sorts: pd.DataFrame, distribution: Sequence[float] | None, *, forced: bool) -> np.ndarray | None:
    """Check ``sorts`` against the declared grid and return the sorted distribution (or None).

    ``distribution`` lists the grid value of every slot (length = number of statements, any
    order), e.g. ``[-4, -4, -3, -3, -3, ...]``. When ``forced`` is true each Q-sort, sorted, must
    equal it (without one, the grid most Q-sorts follow). A Q-sort that breaks it raises
    :class:`DataError` naming the sort and the first differing grid value.
    """
    n = sorts.shape[0]
    if distribution is not None:
        dist = np.sort(np.asarray(distribution, dtype=float))
        if dist.ndim != 1 or dist.size != n:
            raise DataError(
                f"The distribution has {np.size(dist)} grid slots but the data have {n} statements; "
                "give one grid value per slot (e.g. [-4, -4, -3, ...])."
            )
        if not np.all(np.isfinite(dist)):
            raise DataError("The distribution contains a missing or non-numeric value.")
    else:
        dist = None
    if not forced:
        return dist
    srt = np.sort(sorts.to_numpy(), axis=0)
    if dist is not None:
        ref, ref_name = dist, "the declared distribution"
    else:
        ref, ref_name = srt[:, 0], "the grid most Q-sorts follow"
    off = (srt != ref[:, None]).any(axis=0)
    if dist is None and off.any():
        # the grid most Q-sorts follow (so a broken first sort is the one reported)
        patterns, counts = np.unique(srt.T, axis=0, return_counts=True)
        ref = patterns[np.argmax(counts)]
        off = (srt != ref[:, None]).any(axis=0)
    bad = np.flatnonzero(off)
    if bad.size:
        j = bad[0]
        raise DataError(
            f"Q-sort {sorts.columns[j]!r} breaks the forced distribution: {_describe_break(sorts.iloc[:, j], ref, ref_name)}. "
            "Correct the sort, or analyse with forced=False."
        )
    return ref


def _describe_break(column: pd.Series, ref: np.ndarray, ref_name: str) -> str:
    """What breaks the grid in one Q-sort: a value outside the grid (named with its statement), else
    the first grid value the sort uses too often."""
    values = column.to_numpy(dtype=float)
    lo, hi = float(ref.min()), float(ref.max())
    outside = np.flatnonzero((values < lo) | (values > hi))
    if outside.size:
        i = outside[0]
        return (f"statement {_name(column.index[i])!r} is at {values[i]:+g}, which is outside the grid "
                f"{lo:+g}..{hi:+g}")
    got = pd.Series(values).value_counts()
    want = pd.Series(ref).value_counts()
    diffs = [v for v in sorted(set(got.index) | set(want.index)) if got.get(v, 0) != want.get(v, 0)]
    v = next((v for v in diffs if got.get(v, 0) > want.get(v, 0)), diffs[0])
    return f"it has {got.get(v, 0)} statement(s) at {v:+g} where {ref_name} has {want.get(v, 0)}"


def infer_distribution(sorts: pd.DataFrame) -> np.ndarray:
    """Distribution used for factor arrays of unforced data when none is given.

    Rule: the k-th slot gets the mean over all Q-sorts of their k-th smallest value, rounded to
    the nearest integer (half to even). For forced data this is exactly the grid; for free data it
    is the typical shape of the sorts actually given, so the factor arrays look like a real sort.
    """
    srt = np.sort(sorts.to_numpy(dtype=float), axis=0)
    return np.round(srt.mean(axis=1))
