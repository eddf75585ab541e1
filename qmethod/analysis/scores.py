"""Factor weights, statement z-scores and factor arrays (each factor's idealised Q-sort)."""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .data import array_input
from ..errors import QMethodError
from .params import validate_params
from .tables import frame

__all__ = ["factor_weights", "zscores", "factor_arrays"]


@array_input
def factor_weights(loadings: pd.DataFrame, flags: pd.DataFrame) -> pd.DataFrame:
    """Spearman/Brown weights w = a / (1 - a^2) for flagged sorts, 0 elsewhere (Q-sorts x factors).

    The weight keeps the sign of the loading. For |a| = 1 the weight is a, and for |a| > 1 (a
    Heywood case) a / (a^2 - 1), as KADE does, instead of dividing by zero.

    References
    ----------
    Brown, S. R. (1980). *Political Subjectivity: Applications of Q Methodology in Political
    Science*. New Haven: Yale University Press. (weights a / (1 - a^2).)
    """
    w = _weights_array(loadings.to_numpy(dtype=float), flags.to_numpy(bool))
    return frame(w, loadings.index, loadings.columns)


def _weights_array(a: np.ndarray, flags: np.ndarray) -> np.ndarray:
    """:func:`factor_weights` on plain arrays (loadings, boolean flags; Q-sorts x factors)."""
    a2 = a * a
    denom = np.where(a2 < 1, 1 - a2, np.where(a2 == 1, 1.0, a2 - 1))
    return np.where(flags, a / denom, 0.0)


@validate_params
@array_input
def zscores(sorts: pd.DataFrame, weights: pd.DataFrame, *, standardize_sorts: bool = False) -> pd.DataFrame:
    """Statement z-scores of each factor (statements x factors).

    The weighted sum of the defining sorts' grid values, s = X w, is standardised over the
    statements: z = (s - mean(s)) / sd(s), sd with divisor N - 1 (as PQMethod, KADE, qmethod).
    ``standardize_sorts=True`` first standardises each Q-sort (KADE's way); for forced
    distributions both give the same z-scores. A factor with no defining sort gets NaN.

    ``sorts`` is statements x Q-sorts (grid values), ``weights`` Q-sorts x factors; the z-scores
    are in standard units (mean 0, SD 1 over the statements).

    Raises
    ------
    QMethodError
        For an invalid option.

    References
    ----------
    Brown, S. R. (1980). *Political Subjectivity: Applications of Q Methodology in Political
    Science*. New Haven: Yale University Press.
    """
    z = _zscores_array(sorts.to_numpy(dtype=float), weights.to_numpy(dtype=float), standardize_sorts=standardize_sorts)
    return frame(z, sorts.index, weights.columns)


def _zscores_array(x: np.ndarray, w: np.ndarray, *, standardize_sorts: bool = False) -> np.ndarray:
    """:func:`zscores` on plain arrays (sorts: statements x Q-sorts; weights: Q-sorts x factors)."""
    if standardize_sorts:
        x = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
    c = x @ w
    c -= c.mean(axis=0)
    sd = np.sqrt((c * c).sum(axis=0) / (x.shape[0] - 1))
    sd[sd == 0] = np.nan  # a factor without defining sorts (all weights 0) gets NaN z-scores
    return c / sd


@validate_params
@array_input
def factor_arrays(z: pd.DataFrame, distribution, *, ties: str = "position") -> pd.DataFrame:
    """Factor arrays: the grid value of each statement in each factor's idealised Q-sort.

    Statements are ranked by z-score (lowest first) and given the grid values of ``distribution``
    (one value per slot) in ascending order, so every array is a valid sort of the grid.

    ``ties`` decides statements with exactly equal z-scores:
    ``"position"`` (default, as Ken-Q): the statement listed later gets the lower value, so the
    array still fills the grid exactly. ``"qmethod"``: R qmethod's rule, value at the floor of
    the average rank; tied statements share a value and the array may break the grid (its
    issue #196), kept only to reproduce qmethod.
    Factors whose z-scores are NaN get a column of missing values (pandas ``Int64``).

    ``z`` is statements x factors; the result is statements x factors of grid values (int, or
    ``Int64`` with missing values).

    Raises
    ------
    QMethodError
        When ``distribution`` does not have one slot per statement, or ``ties`` is unknown.

    References
    ----------
    Brown, S. R. (1980). *Political Subjectivity: Applications of Q Methodology in Political
    Science*. New Haven: Yale University Press.
    """
    arr, missing, integral = _factor_arrays_array(z.to_numpy(dtype=float), distribution, ties=ties)
    return arrays_table(arr, missing, integral, z.index, z.columns)


def _factor_arrays_array(z: np.ndarray, distribution, *, ties: str = "position") -> tuple[np.ndarray, np.ndarray, bool]:
    """:func:`factor_arrays` on a plain z-score array (statements x factors).

    Returns ``(arrays, missing, integral)``: the grid values as floats (NaN in the columns of
    factors without z-scores), which columns are missing, and whether every grid value is whole.
    """
    q = np.sort(np.asarray(distribution, dtype=float))
    n = z.shape[0]
    if q.size != n:
        raise QMethodError(f"The distribution has {q.size} slots for {n} statements.")
    zv = np.round(z, 10)  # z equal to 10 decimals count as tied
    missing = np.isnan(zv).any(axis=0)
    if ties == "position":
        # by z ascending; among equal z the later statement first: a stable sort of the rows in
        # reverse order, mapped back to positions
        order = (n - 1) - np.argsort(zv[::-1], axis=0, kind="stable")
        arr = np.empty(zv.shape)
        arr[order, np.arange(zv.shape[1])] = q[:, None]
    else:
        arr = q[np.floor(stats.rankdata(np.where(missing, 0.0, zv), method="average", axis=0)).astype(int) - 1]
    arr[:, missing] = np.nan
    return arr, missing, bool(np.all(q == np.round(q)))


def arrays_table(arr: np.ndarray, missing: np.ndarray, integral: bool, index, columns) -> pd.DataFrame:
    """Factor arrays as a frame: int when the grid is whole, ``Int64`` when a factor is missing."""
    if not missing.any():
        return frame(arr.astype(int) if integral else arr, index, columns)
    out = frame(arr, index, columns)
    return out.astype("Int64") if integral else out
