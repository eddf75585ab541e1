"""Factor weights, statement z-scores and factor arrays (each factor's idealised Q-sort)."""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import QMethodError

__all__ = ["factor_weights", "zscores", "factor_arrays"]


def factor_weights(loadings: pd.DataFrame, flags: pd.DataFrame) -> pd.DataFrame:
    """Spearman/Brown weights w = a / (1 - a^2) for flagged sorts, 0 elsewhere (Q-sorts x factors).

    The weight keeps the sign of the loading. For |a| = 1 the weight is a, and for |a| > 1 (a
    Heywood case) a / (a^2 - 1), as KADE does, instead of dividing by zero.
    """
    a = loadings.to_numpy(dtype=float)
    a2 = a * a
    denom = np.where(a2 < 1, 1 - a2, np.where(a2 == 1, 1.0, a2 - 1))
    w = np.where(flags.to_numpy(bool), a / denom, 0.0)
    return pd.DataFrame(w, index=loadings.index, columns=loadings.columns)


def zscores(sorts: pd.DataFrame, weights: pd.DataFrame, *, standardize_sorts: bool = False) -> pd.DataFrame:
    """Statement z-scores of each factor (statements x factors).

    The weighted sum of the defining sorts' grid values, s = X w, is standardised over the
    statements: z = (s - mean(s)) / sd(s), sd with divisor N - 1 (as PQMethod, KADE, qmethod).
    ``standardize_sorts=True`` first standardises each Q-sort (KADE's way); for forced
    distributions both give the same z-scores. A factor with no defining sort gets NaN.
    """
    x = sorts.to_numpy(dtype=float)
    if standardize_sorts:
        x = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
    w = weights.to_numpy(dtype=float)
    s = x @ w
    sd = s.std(axis=0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (s - s.mean(axis=0)) / sd
    empty = ~np.any(w != 0, axis=0)
    z[:, empty] = np.nan
    return pd.DataFrame(z, index=sorts.index, columns=weights.columns)


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
    """
    if ties not in ("position", "qmethod"):
        raise QMethodError(f"ties must be 'position' or 'qmethod'; got {ties!r}.")
    q = np.sort(np.asarray(distribution, dtype=float))
    n = z.shape[0]
    if q.size != n:
        raise QMethodError(f"The distribution has {q.size} slots for {n} statements.")
    pos = np.arange(n)
    zv = np.round(z.to_numpy(dtype=float), 10)  # z equal to 10 decimals count as tied
    arr = np.empty(zv.shape)
    missing = np.isnan(zv).any(axis=0)
    for j in np.flatnonzero(~missing):
        v = zv[:, j]
        if ties == "position":
            arr[np.lexsort((-pos, v)), j] = q  # by z ascending; among equal z, later statement first
        else:
            arr[:, j] = q[np.floor(stats.rankdata(v, method="average")).astype(int) - 1]
    integral = bool(np.all(q == np.round(q)))
    if not missing.any():
        return pd.DataFrame(arr.astype(int) if integral else arr, index=z.index, columns=z.columns)
    arr[:, missing] = np.nan
    out = pd.DataFrame(arr, index=z.index, columns=z.columns)
    return out.astype("Int64") if integral else out
