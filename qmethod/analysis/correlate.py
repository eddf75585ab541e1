"""By-person correlation of Q-sorts."""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .data import array_input
from .params import CORRELATIONS, validate_params
from .tables import frame
from .threads import blas_limited

__all__ = ["correlate", "CORRELATIONS", "standardize", "correlations_from_standardized"]



def standardize(values: np.ndarray) -> np.ndarray:
    """Centre each column and scale it to unit sample SD (ddof=1)."""
    x = values - values.mean(axis=0)
    return x / x.std(axis=0, ddof=1)


def _ranked(values: np.ndarray) -> np.ndarray:
    return stats.rankdata(values, axis=0)  # average ranks for ties, as R's cor(method="spearman")


@blas_limited
@validate_params
@array_input
def correlate(sorts: pd.DataFrame, *, method: str = "pearson") -> pd.DataFrame:
    """Correlation matrix between Q-sorts (P x P), labelled by Q-sort id.

    Parameters
    ----------
    sorts : DataFrame or array-like, statements x Q-sorts (an array is read as np.asarray reads it: rows
        are statements; labelled S1.. x Q1..; see :data:`qmethod.analysis.params.TABLES`).
    method : {"pearson", "spearman", "kendall"}, default "pearson"
        Pearson's r on the grid values; Spearman's rho (Pearson on average ranks); Kendall's
        tau-b (as R's ``cor(method="kendall")`` and :func:`scipy.stats.kendalltau`; computed
        for all pairs in one matrix product).

    Returns
    -------
    DataFrame, Q-sorts x Q-sorts, values in [-1, 1], unit diagonal.

    Raises
    ------
    QMethodError
        For an unknown ``method``.

    References
    ----------
    Kendall, M. G. (1945). The treatment of ties in ranking problems. *Biometrika* 33(3), 239-251.
    """
    x = sorts.to_numpy(dtype=float)
    if method == "kendall":
        r = _kendall_tau_b(x)
    else:
        if method == "spearman":
            x = _ranked(x)
        r = correlations_from_standardized(standardize(x))
    return frame(r, sorts.columns, sorts.columns)


def _kendall_tau_b(x: np.ndarray, *, chunk_bytes: int = 64 * 2**20) -> np.ndarray:
    """Kendall's tau-b between the columns of ``x`` (statements x Q-sorts), all pairs at once.

    With S the matrix of signs sign(x_i - x_j) over the N(N-1)/2 statement pairs (one column
    per Q-sort), S'S holds n_c - n_d for every pair of sorts and its diagonal the pairs not tied
    in each sort, so tau-b = (S'S)_ab / sqrt((S'S)_aa (S'S)_bb): the definition of tau-b, equal to
    :func:`scipy.stats.kendalltau` and pandas' ``corr(method="kendall")`` (both a loop over the
    P(P-1)/2 pairs of sorts) to rounding, in one matrix product (300 sorts x 60 statements: about
    50 ms instead of 10 s). The statement pairs are taken in blocks of at most ``chunk_bytes``.
    """
    n, p = x.shape
    i, j = np.triu_indices(n, 1)
    step = max(1, chunk_bytes // (8 * p))
    counts = np.zeros((p, p))
    for start in range(0, i.size, step):
        s = np.sign(x[i[start:start + step]] - x[j[start:start + step]])
        counts += s.T @ s
    d = np.sqrt(np.diag(counts))
    r = counts / np.outer(d, d)
    np.fill_diagonal(r, 1.0)
    return r


def correlations_from_standardized(z: np.ndarray) -> np.ndarray:
    """Pearson correlations (Q-sorts x Q-sorts) of columns already standardised by :func:`standardize`."""
    r = (z.T @ z) / (z.shape[0] - 1)
    np.fill_diagonal(r, 1.0)
    return r
