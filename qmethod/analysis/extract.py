"""Factor extraction: principal components, Brown's centroid and Horst's 5.5 centroid.

All extractors work on the by-person correlation matrix (Q-sorts x Q-sorts) and return an
:class:`Extraction` whose ``loadings`` are Q-sorts x factors (columns ``F1..Fk``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .data import array_input
from ..errors import QMethodError
from .data import factor_index, factor_labels
from .params import check_n_factors, validate_params
from .tables import ReadOnlyTables
from .threads import blas_limited

__all__ = ["Extraction", "pca", "pca_from_sorts", "centroid", "horst", "eigenvalues"]


@dataclass(frozen=True)
class Extraction(ReadOnlyTables):
    """Unrotated factors.

    Attributes
    ----------
    loadings : DataFrame, Q-sorts x factors.
    eigenvalues : Series, the eigenvalues of the correlation matrix, descending (index 1..P).
    method : str
    details : dict, method-specific facts (iterations, reflections, convergence).
    """

    loadings: pd.DataFrame
    eigenvalues: pd.Series
    method: str
    details: dict = field(default_factory=dict)


_EPS = float(np.finfo(float).eps)


def eigenvalues(correlations: pd.DataFrame) -> pd.Series:
    """All eigenvalues of a correlation matrix, descending, index 1..P."""
    ev = np.linalg.eigvalsh(correlations.to_numpy(dtype=float))[::-1]
    return pd.Series(ev, index=pd.RangeIndex(1, ev.size + 1, name="component"), name="eigenvalue")


def _sign_rule(a: np.ndarray) -> np.ndarray:
    """Make every column sum >= 0 (R qmethod/psych convention)."""
    s = a.sum(axis=0)
    return a * np.where(s < 0, -1.0, 1.0)


@blas_limited
@validate_params
@array_input
def pca(correlations: pd.DataFrame, n_factors: int) -> Extraction:
    """Principal components of the correlation matrix.

    Loadings are eigenvectors x sqrt(eigenvalues) for the ``n_factors`` largest eigenvalues
    (eigenvalues below machine epsilon are clipped to epsilon, as in psych::principal). Sign:
    every column is made to sum to >= 0, so the result is deterministic.

    Parameters
    ----------
    correlations : DataFrame or array-like (np.asarray semantics), Q-sorts x Q-sorts.
    n_factors : int, 1 <= n_factors <= P - 1.

    Returns
    -------
    Extraction: loadings Q-sorts x factors (correlations of sorts with components), all P
    eigenvalues (their sum is P; eigenvalue / P is the share of variance).

    Raises
    ------
    QMethodError
        When ``n_factors`` is not a whole number in 1..P - 1.

    References
    ----------
    Brown, S. R. (1980). *Political Subjectivity: Applications of Q Methodology in Political
    Science*. New Haven: Yale University Press.
    """
    r = correlations.to_numpy(dtype=float)
    p = r.shape[0]
    check_n_factors(n_factors, p)
    a, vals = _pca_of_correlations(r, n_factors)
    ev = pd.Series(vals, index=pd.RangeIndex(1, p + 1, name="component"), name="eigenvalue")
    return Extraction(pd.DataFrame(a, index=correlations.index, columns=factor_index(n_factors)), ev, "pca")


@blas_limited
@validate_params
def pca_from_sorts(standardized: np.ndarray, sort_ids, n_factors: int) -> Extraction:
    """Principal components from the standardised data (statements x Q-sorts).

    With Z the column-standardised data (ddof=1), R = Z'Z/(N-1). With no more Q-sorts than
    statements R (P x P, small) is decomposed; with more, the N x N Gram matrix Zs Zs' (Zs =
    Z/sqrt(N-1)) is, and Zs'U = VS are the loadings: R's eigenvectors and eigenvalues without
    forming the P x P matrix, so the cost grows linearly in the number of Q-sorts. Same loadings
    and sign rule as :func:`pca`.

    Parameters
    ----------
    standardized : array, statements x Q-sorts, each column with mean 0 and SD 1 (ddof=1), as
        :func:`qmethod.analysis.correlate.standardize` makes it.
    sort_ids : the Q-sort labels (length P).
    n_factors : int.

    Raises
    ------
    QMethodError
        When ``n_factors`` is not in 1..min(P - 1, N - 1).
    """
    a, full = _pca_array(standardized, n_factors)
    ev = pd.Series(full, index=pd.RangeIndex(1, full.size + 1, name="component"), name="eigenvalue")
    ids = sort_ids.view() if isinstance(sort_ids, pd.Index) else pd.Index(sort_ids)
    return Extraction(pd.DataFrame(a, index=ids, columns=factor_index(n_factors)), ev, "pca")


def _pca_of_correlations(r: np.ndarray, n_factors: int) -> tuple[np.ndarray, np.ndarray]:
    """The one eigendecomposition of a correlation matrix behind :func:`pca`, :func:`pca_from_sorts`,
    :func:`qmethod.analyze`, the bootstrap and the factor guidance: (loadings with the sign rule,
    all eigenvalues descending). Eigenvalues under machine epsilon give loadings from epsilon, as
    psych::principal does."""
    vals, vecs = np.linalg.eigh(r)
    vals, vecs = vals[::-1], vecs[:, ::-1]
    return _sign_rule(vecs[:, :n_factors] * np.sqrt(np.maximum(vals[:n_factors], _EPS))), vals


def _pca_array(standardized: np.ndarray, n_factors: int, correlations: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`pca_from_sorts` on a plain array: returns (loadings, all P eigenvalues descending).

    With no more sorts than statements the P x P correlation matrix is small: it is decomposed
    directly (``correlations``, when the caller has it, else Z'Z/(N-1)), as R's ``eigen`` does.
    With more sorts than statements the N x N Gram matrix is decomposed instead (linear in P).
    """
    n, p = standardized.shape
    check_n_factors(n_factors, p, n)
    if p <= n:
        r = correlations if correlations is not None else (standardized.T @ standardized) / (n - 1)
        a, vals = _pca_of_correlations(r, n_factors)
        return a, np.maximum(vals, 0.0)  # R = Z'Z/(N-1) is positive semi-definite: no negative eigenvalue
    else:
        # more sorts than statements: eigenvectors U of the small N x N Gram matrix Zs Zs' give
        # the loadings directly, Zs' U = V S (no P x P matrix, no division by small values)
        zs = standardized / np.sqrt(n - 1)
        vals, u = np.linalg.eigh(zs @ zs.T)
        order = np.argsort(vals)[::-1]
        vals, u = np.maximum(vals[order], 0.0), u[:, order]
        a = zs.T @ u[:, :n_factors]
    full = np.zeros(p)
    full[: min(vals.size, p)] = vals[:p]
    return _sign_rule(a), full


def _kade_factor(t: np.ndarray, tolerance: float, max_iter: int) -> tuple[np.ndarray, int]:
    """One PQMethod/KADE centroid factor from the reflected residual ``t`` (zero diagonal).

    Every intermediate is rounded half-to-even to 8 decimals, as KADE does.
    """
    c = np.round(t.sum(axis=0), 8)
    d = np.full(c.size, 0.5)
    n_it = 0
    while True:
        cd = np.round(c + d, 8)
        total = np.sum(cd)
        if total <= 0:
            raise QMethodError(
                "A centroid factor cannot be extracted: the residual correlations are exhausted. "
                "Extract fewer factors."
            )
        a = np.round(cd / np.round(np.sqrt(total), 8), 8)
        a2 = np.round(a * a, 8)
        n_it += 1
        if np.max(np.abs(np.round(d - a2, 8))) <= tolerance or n_it >= max_iter:
            return a, n_it
        d = a2


@blas_limited
@validate_params
@array_input
def centroid(
    correlations: pd.DataFrame,
    n_factors: int = 7,
    *,
    start: str = "pqmethod",
    tolerance: float | None = None,
    max_iter: int = 10_000,
) -> Extraction:
    """Brown's centroid extraction, factor by factor, with reflection and iterated communalities.

    For each factor: reflect to a positive manifold (negate the row and column of the Q-sort with
    the smallest off-diagonal column sum, first on ties, until none is negative); iterate the
    diagonal (communality) estimate d with a = (c + d) / sqrt(sum(c + d)), d <- a^2; take the
    residual R - aa' in the reflected space and undo the reflections.

    Parameters
    ----------
    start : {"pqmethod", "qmethod"}, default "pqmethod"
        ``"pqmethod"``: PQMethod/KADE. Diagonal starts at 0.5, stop when the largest change in
        a^2 is <= ``tolerance`` (default 0.001), reflection while some column sum is < 0,
        correlations rounded to 5 decimals and every step to 8 (half to even), which
        reproduces KADE's printed loadings to all 8 decimals.
        ``"qmethod"``: R qmethod's ``centroid()``. Diagonal starts at the mean off-diagonal
        correlation c/(P-1); iterate while some |d - a^2| >= ``tolerance`` (default 1e-5);
        reflection while some column sum is <= 0; full precision.
    n_factors : int, default 7 (Brown's and PQMethod's usual number).

    Notes
    -----
    Centroid factors are not re-ordered and get no sign rule: a factor can come out with mostly
    negative loadings, and later factors can have larger sums of squares (KADE issue #25).

    Returns
    -------
    Extraction: loadings Q-sorts x factors ``F1..Fk``; the eigenvalues of ``correlations``;
    ``details`` with the iterations and reflected sorts of each factor.

    Raises
    ------
    QMethodError
        When ``n_factors`` is not in 1..P - 1, or the residual correlations are exhausted.

    References
    ----------
    Brown, S. R. (1980). *Political Subjectivity: Applications of Q Methodology in Political
    Science*. New Haven: Yale University Press. (the centroid method, ch. 5 and appendix.)
    Thurstone, L. L. (1947). *Multiple-Factor Analysis*. Chicago: University of Chicago Press.
    """
    r0 = correlations.to_numpy(dtype=float).copy()
    p = r0.shape[0]
    check_n_factors(n_factors, p)
    kade = start == "pqmethod"
    if tolerance is None:
        tolerance = 0.001 if kade else 1e-5
    t = np.round(r0, 5) if kade else r0
    loadings = np.zeros((p, n_factors))
    iterations = []
    reflections = []
    for m in range(n_factors):
        t = t.copy()
        np.fill_diagonal(t, 0.0)
        sign = np.ones(p)
        reflected = []
        for _ in range(4 * p * p + 10):
            c = t.sum(axis=0)
            j = int(np.argmin(c))
            if (c[j] < 0) if kade else (c[j] <= 0):
                t[j, :] *= -1
                t[:, j] *= -1
                sign[j] *= -1
                reflected.append(j)
            else:
                break
        else:  # pragma: no cover - reflection always terminates in practice
            raise QMethodError(f"Centroid factor {m + 1}: reflection did not settle.")
        if kade:
            a, n_it = _kade_factor(t, tolerance, max_iter)
            t = np.round(t - np.round(np.outer(a, a), 8), 8)
        else:
            c = t.sum(axis=0)
            d = c / (p - 1)
            n_it = 0
            while True:
                total = np.sum(c + d)
                if total <= 0:
                    raise QMethodError(
                        f"Centroid factor {m + 1} cannot be extracted: the residual correlations are "
                        "exhausted. Extract fewer factors."
                    )
                a = (c + d) / np.sqrt(total)
                n_it += 1
                if not np.any(np.abs(d - a * a) >= tolerance) or n_it >= max_iter:
                    break
                d = a * a
            t = t - np.outer(a, a)
        loadings[:, m] = a * sign
        # undo the reflections: restores the residual's original orientation
        t = t * np.outer(sign, sign)
        iterations.append(n_it)
        reflections.append([correlations.index[j] for j in reflected])
    ev = eigenvalues(correlations)
    cols = factor_labels(n_factors)
    return Extraction(
        pd.DataFrame(loadings, index=correlations.index, columns=cols),
        ev,
        "centroid",
        {"start": start, "tolerance": tolerance, "iterations": iterations, "reflected": reflections},
    )


@blas_limited
@validate_params
@array_input
def horst(
    correlations: pd.DataFrame,
    n_factors: int | None = None,
    *,
    n_statements: int,
    max_iter: int = 30,
    tolerance: float = 1e-4,
) -> Extraction:
    """Horst's (1965, ch. 5.5) centroid with iterated communalities, as in PQMethod 2.30+ / KADE.

    One pass extracts factors from the correlation matrix whose diagonal holds the current
    communality estimates U (first pass: 1). Per factor: D = diagonal, zero it; sign vector by
    flipping, one at a time, the variable with the most negative signed row sum (w_j v_j < 0,
    last index on ties); w = signed row sums + D*v; a = w / sqrt(sum|w|); residual with D restored.
    After the pass, h^2 = U - D_residual; the new diagonal is min(1, h^2); repeat from the
    original matrix until max|U - h^2| <= ``tolerance`` or ``max_iter`` passes.

    ``n_factors=None`` stops automatically when the mean squared residual correlation falls to
    1/``n_statements`` or below (Horst's rule, counted over distinct pairs).

    Returns
    -------
    Extraction: loadings Q-sorts x factors; ``details`` with ``passes``, ``converged`` and the
    last ``max_change``.

    Raises
    ------
    QMethodError
        When ``n_factors`` is not in 1..P - 1, or no factor passes the stopping rule.

    References
    ----------
    Horst, P. (1965). *Factor Analysis of Data Matrices*. New York: Holt, Rinehart and Winston,
    ch. 5.5.
    """
    r0 = correlations.to_numpy(dtype=float)
    p = r0.shape[0]
    if n_factors is not None:
        check_n_factors(n_factors, p)
    kmax = n_factors if n_factors is not None else min(8, p - 1)
    u = np.ones(p)
    converged = False
    passes = 0
    delta = np.inf
    while True:
        passes += 1
        t = r0.copy()
        np.fill_diagonal(t, u)
        cols = []
        for _ in range(kmax):
            dg = np.diag(t).copy()
            np.fill_diagonal(t, 0.0)
            if n_factors is None:
                mean_sq = np.sum(np.triu(t, 1) ** 2) / (p * (p - 1) / 2)
                if mean_sq <= 1.0 / n_statements:
                    np.fill_diagonal(t, dg)
                    break
            w = t.sum(axis=1)
            v = np.ones(p)
            for _ in range(750):
                prod = v * w
                j = p - 1 - int(np.argmin(prod[::-1]))  # last index on ties
                if prod[j] < 0:
                    v[j] = -v[j]
                    w = w + 2 * t[:, j] * v[j]
                else:
                    break
            w = w + dg * v
            total = np.sum(np.abs(w))
            if total <= 0:
                np.fill_diagonal(t, dg)
                break
            a = w / np.sqrt(total)
            np.fill_diagonal(t, dg)
            t = t - np.outer(a, a)
            cols.append(a)
        if not cols:
            raise QMethodError("Horst centroid: no factor passes the stopping rule for these data.")
        h2 = u - np.diag(t)
        new_u = np.minimum(1.0, h2)
        delta = float(np.max(np.abs(u - h2)))
        if delta <= tolerance:
            converged = True
            break
        if passes >= max_iter:
            break
        u = new_u
    a = np.column_stack(cols)
    k = a.shape[1]
    return Extraction(
        pd.DataFrame(a, index=correlations.index, columns=factor_labels(k)),
        eigenvalues(correlations),
        "horst",
        {"passes": passes, "converged": converged, "max_change": delta},
    )
