"""Help with choosing the number of factors: Kaiser, scree, Horn's parallel analysis, Humphrey."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .correlate import standardize
from .data import check_distribution, check_sorts, infer_distribution
from .flag import z_critical
from .params import max_factors as _max_factors
from .params import validate_params
from .tables import ReadOnlyTables
from .threads import blas_limited

__all__ = ["FactorGuidance", "factor_guidance", "parallel_analysis", "random_sorts"]


def random_sorts(distribution, n_sorts: int, n_sets: int, rng: np.random.Generator) -> np.ndarray:
    """``n_sets`` random studies of ``n_sorts`` Q-sorts, each a random permutation of the grid.

    Returns an array (n_sets, n_statements, n_sorts).
    """
    q = np.asarray(distribution, dtype=float)
    keys = rng.random((n_sets, n_sorts, q.size))
    perm = np.argsort(keys, axis=2)
    return np.swapaxes(q[perm], 1, 2)


def _eigs_from_data(x: np.ndarray) -> np.ndarray:
    """Eigenvalues of the Q-sort correlation matrix of each study, (n_sets, P), descending."""
    n = x.shape[1]
    z = x - x.mean(axis=1, keepdims=True)
    z = z / z.std(axis=1, ddof=1, keepdims=True)
    s = np.linalg.svd(z / np.sqrt(n - 1), compute_uv=False)
    out = np.zeros((x.shape[0], x.shape[2]))
    out[:, : s.shape[1]] = s**2
    return out


@validate_params
def parallel_analysis(
    distribution, n_sorts: int, *, n_iter: int = 500, percentile: float = 95, seed: int | None = 0
) -> pd.DataFrame:
    """Horn's parallel analysis for Q: eigenvalues of random Q-sorts of the same grid.

    Each iteration draws ``n_sorts`` random permutations of ``distribution`` and computes the
    eigenvalues of their correlation matrix. Returns a DataFrame indexed 1..P with the ``mean``
    and the ``percentile`` (column ``p95`` by default) of each eigenvalue. A factor is worth
    keeping when its eigenvalue is above the random one (commonly the 95th percentile).

    Raises
    ------
    QMethodError
        For an invalid option (n_iter < 1, percentile outside 0..100, ...).

    References
    ----------
    Horn, J. L. (1965). A rationale and test for the number of factors in factor analysis.
    *Psychometrika* 30(2), 179-185.
    """
    rng = np.random.default_rng(seed)
    eigs = []
    chunk = max(1, min(n_iter, int(2e7 // (len(distribution) * n_sorts + 1))))
    done = 0
    while done < n_iter:
        m = min(chunk, n_iter - done)
        eigs.append(_eigs_from_data(random_sorts(distribution, n_sorts, m, rng)))
        done += m
    e = np.concatenate(eigs)
    idx = pd.RangeIndex(1, n_sorts + 1, name="component")
    return pd.DataFrame(
        {"mean": e.mean(axis=0), f"p{percentile:g}": np.percentile(e, percentile, axis=0)}, index=idx
    )


@dataclass(frozen=True)
class FactorGuidance(ReadOnlyTables):
    """Evidence for the number of factors, one row per candidate factor (1..max_factors).

    ``table`` columns: ``eigenvalue`` (of the correlation matrix; the scree), ``explained_variance``
    (%), ``cumulative_variance`` (%), ``kaiser`` (eigenvalue > 1), ``parallel_mean`` and
    ``parallel_p95`` (random-sort eigenvalues), ``parallel`` (eigenvalue > p95), ``humphrey``
    (|product of the two largest unrotated loadings| > 2 / sqrt(N statements)),
    ``significant_loaders`` (unrotated PCA loadings significant at the flagging level) and
    ``significant_loaders_varimax`` (sorts flagged on that factor after varimax of the first
    ``k`` factors, for the solution with k = that factor's number). ``suggested`` holds the
    number each rule suggests.
    """

    table: pd.DataFrame
    suggested: dict

    def to_dict(self) -> dict:
        return {"table": self.table.reset_index().to_dict(orient="list"), "suggested": dict(self.suggested)}


@blas_limited
@validate_params
def factor_guidance(
    sorts,
    *,
    max_factors: int = 8,
    distribution=None,
    forced: bool = True,
    n_iter: int = 500,
    significance: float = 0.05,
    seed: int | None = 0,
) -> FactorGuidance:
    """Eigenvalues, scree, parallel analysis, Humphrey's rule and significant loaders.

    Parameters
    ----------
    sorts : array-like or DataFrame, statements x Q-sorts.
    max_factors : int >= 1, default 8; at most P - 1 and N - 1 rows are given.
    distribution, forced : the grid (see :func:`qmethod.analyze`); random sorts follow it.
    n_iter : int >= 1, random studies for parallel analysis. significance : flagging level.
    seed : int or None.

    Returns
    -------
    FactorGuidance

    Raises
    ------
    QMethodError (DataError)
        Bad data, or an invalid option.

    References
    ----------
    Kaiser, H. F. (1960). The application of electronic computers to factor analysis. *Educational
    and Psychological Measurement* 20(1), 141-151. (Eigenvalues > 1.)
    Horn, J. L. (1965). A rationale and test for the number of factors in factor analysis.
    *Psychometrika* 30(2), 179-185.
    Brown, S. R. (1980). *Political Subjectivity: Applications of Q Methodology in Political
    Science*. New Haven: Yale University Press. (Humphrey's rule: a factor is significant when the product of its two largest
    absolute loadings exceeds twice the standard error 1 / sqrt(N).)
    Watts, S. & Stenner, P. (2012). *Doing Q Methodological Research*. London: Sage. (Humphrey's
    rule, at least two defining sorts per factor.)
    """
    from .extract import pca_from_sorts
    from .flag import flag
    from .rotate import order_and_sign, varimax

    data = check_sorts(sorts)
    n, p = data.shape
    dist = check_distribution(data, distribution, forced=forced)
    if dist is None:
        dist = infer_distribution(data)
    kmax = int(min(max_factors, _max_factors(p, n)))
    ext = pca_from_sorts(standardize(data.to_numpy()), data.columns, kmax)
    ev = ext.eigenvalues.to_numpy()[:kmax]
    pa = parallel_analysis(dist, p, n_iter=n_iter, seed=seed)
    a = ext.loadings.to_numpy()
    se = 1 / np.sqrt(n)
    top2 = -np.sort(-np.abs(a), axis=0)[:2]
    humphrey = top2[0] * top2[1] > 2 * se
    thr = z_critical(significance) / np.sqrt(n)
    sig = (np.abs(a) > thr).sum(axis=0)
    sig_vm = []
    for k in range(1, kmax + 1):
        lk = ext.loadings.iloc[:, :k]
        if k > 1:
            lk = order_and_sign(varimax(lk)[0])
        sig_vm.append(int(flag(lk, n, significance=significance).flags.iloc[:, k - 1].sum()))
    pct = 100 * ev / p
    table = pd.DataFrame(
        {
            "eigenvalue": ev,
            "explained_variance": pct,
            "cumulative_variance": np.cumsum(pct),
            "kaiser": ev > 1,
            "parallel_mean": pa["mean"].to_numpy()[:kmax],
            "parallel_p95": pa["p95"].to_numpy()[:kmax],
            "parallel": ev > pa["p95"].to_numpy()[:kmax],
            "humphrey": humphrey,
            "significant_loaders": sig,
            "significant_loaders_varimax": sig_vm,
        },
        index=pd.Index([f"F{i}" for i in range(1, kmax + 1)], name="factor"),
    )

    def leading(mask) -> int:
        mask = np.asarray(mask, bool)
        return int(np.argmin(mask)) if not mask.all() else int(mask.size)

    suggested = {
        "kaiser": leading(table["kaiser"]),
        "parallel": leading(table["parallel"]),
        "humphrey": leading(table["humphrey"]),
        "two_or_more_defining_sorts": leading(np.asarray(sig_vm) >= 2),
    }
    return FactorGuidance(table, suggested)
