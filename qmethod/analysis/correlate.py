"""By-person correlation of Q-sorts."""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .params import CORRELATIONS, validate_params
from .tables import frame

__all__ = ["correlate", "CORRELATIONS", "standardize", "correlations_from_standardized"]



def standardize(values: np.ndarray) -> np.ndarray:
    """Centre each column and scale it to unit sample SD (ddof=1)."""
    x = values - values.mean(axis=0)
    return x / x.std(axis=0, ddof=1)


def _ranked(values: np.ndarray) -> np.ndarray:
    return stats.rankdata(values, axis=0)  # average ranks for ties, as R's cor(method="spearman")


@validate_params
def correlate(sorts: pd.DataFrame, *, method: str = "pearson") -> pd.DataFrame:
    """Correlation matrix between Q-sorts (P x P), labelled by Q-sort id.

    Parameters
    ----------
    sorts : DataFrame, statements x Q-sorts (see :func:`qmethod.analysis.data.check_sorts`).
    method : {"pearson", "spearman", "kendall"}, default "pearson"
        Pearson's r on the grid values; Spearman's rho (Pearson on average ranks); Kendall's
        tau-b (as R's ``cor(method="kendall")``).
    """
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
        r = correlations_from_standardized(standardize(x))
    return frame(r, sorts.columns, sorts.columns)


def correlations_from_standardized(z: np.ndarray) -> np.ndarray:
    """Pearson correlations (Q-sorts x Q-sorts) of columns already standardised by :func:`standardize`."""
    r = (z.T @ z) / (z.shape[0] - 1)
    np.fill_diagonal(r, 1.0)
    return r
