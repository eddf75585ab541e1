"""By-person correlation of Q-sorts."""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import QMethodError

__all__ = ["correlate", "CORRELATIONS", "standardize"]

CORRELATIONS = ("pearson", "spearman", "kendall")


def standardize(values: np.ndarray) -> np.ndarray:
    """Centre each column and scale it to unit sample SD (ddof=1)."""
    x = values - values.mean(axis=0)
    return x / x.std(axis=0, ddof=1)


def _ranked(values: np.ndarray) -> np.ndarray:
    return stats.rankdata(values, axis=0)  # average ranks for ties, as R's cor(method="spearman")


def correlate(sorts: pd.DataFrame, *, method: str = "pearson") -> pd.DataFrame:
    """Correlation matrix between Q-sorts (P x P), labelled by Q-sort id.

    Parameters
    ----------
    sorts : DataFrame, statements x Q-sorts (see :func:`qmethod.analysis.data.check_sorts`).
    method : {"pearson", "spearman", "kendall"}, default "pearson"
        Pearson's r on the grid values; Spearman's rho (Pearson on average ranks); Kendall's
        tau-b (as R's ``cor(method="kendall")``).
    """
    if method not in CORRELATIONS:
        raise QMethodError(f"correlation must be one of {', '.join(CORRELATIONS)}; got {method!r}.")
    x = sorts.to_numpy(dtype=float)
    if method == "kendall":
        p = x.shape[1]
        r = np.eye(p)
        for i in range(p):
            for j in range(i + 1, p):
                r[i, j] = r[j, i] = stats.kendalltau(x[:, i], x[:, j]).statistic
    else:
        if method == "spearman":
            x = _ranked(x)
        z = standardize(x)
        r = (z.T @ z) / (x.shape[0] - 1)
        np.fill_diagonal(r, 1.0)
    return pd.DataFrame(r, index=sorts.columns, columns=sorts.columns)
