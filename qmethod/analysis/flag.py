"""Flagging of defining Q-sorts (the sorts that define each factor)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import QMethodError

__all__ = ["Flagging", "flag", "z_critical", "check_flags"]

# Two-sided critical values used by PQMethod, KADE and R qmethod (rounded as they print them).
_Z_TABLE = {0.2: 1.28, 0.15: 1.44, 0.1: 1.645, 0.05: 1.96, 0.01: 2.576, 0.005: 2.807,
            0.001: 3.291, 0.0005: 3.481, 0.0001: 3.891, 1e-6: 4.8916}


def z_critical(p: float) -> float:
    """Two-sided critical z for significance level ``p`` (1.96 for .05, 2.576 for .01, ...).

    The conventional rounded values of the peers are used for the usual levels; any other level
    is computed exactly from the normal distribution.
    """
    if not (0 < p < 1):
        raise QMethodError(f"A significance level must be between 0 and 1 (e.g. 0.05); got {p!r}.")
    for key, z in _Z_TABLE.items():
        if abs(p - key) < 1e-12:
            return z
    return float(stats.norm.isf(p / 2))


@dataclass(frozen=True)
class Flagging:
    """Result of :func:`flag`.

    Attributes
    ----------
    flags : bool DataFrame, Q-sorts x factors.
    threshold : float, the loading a flagged sort must exceed in absolute value.
    confounded : list of Q-sort ids significant on two or more factors.
    negative : list of (Q-sort, factor) pairs flagged with a negative loading.
    excluded_negative : list of (Q-sort, factor) pairs that met the criteria with a negative
        loading but were not flagged because ``negative="exclude"``.
    warnings : list of str.
    """

    flags: pd.DataFrame
    threshold: float
    confounded: list
    negative: list
    excluded_negative: list
    warnings: list


def flag(
    loadings: pd.DataFrame,
    n_statements: int,
    *,
    significance: float = 0.05,
    majority: bool = True,
    negative: str = "include",
) -> Flagging:
    """Automatic pre-flagging of defining sorts.

    A Q-sort is flagged on factor f when |a_f| > z_crit / sqrt(n_statements) (the loading is
    significant at ``significance``, two-sided; 0.3412 for .05 and 33 statements) and, when
    ``majority`` is true, a_f^2 > the sum of its other squared loadings (the factor holds the
    majority of the sort's common variance). Both inequalities are strict, as in R qmethod. With
    ``majority`` a sort is flagged on at most one factor; without it, on the factor with its
    largest significant |loading| only (at most one factor per sort in every case).

    ``negative``: ``"include"`` (default, as PQMethod/KADE/qmethod: the sign is ignored and a
    negatively loading sort enters the factor reversed, with a warning) or ``"exclude"`` (only
    positive loadings are flagged; the excluded sorts are reported).
    """
    if negative not in ("include", "exclude"):
        raise QMethodError(f"negative must be 'include' or 'exclude'; got {negative!r}.")
    a = loadings.to_numpy(dtype=float)
    thr = z_critical(significance) / np.sqrt(n_statements)
    a2 = a * a
    sig = np.abs(a) > thr
    ok = sig & (a2 > a2.sum(axis=1, keepdims=True) - a2) if majority else sig.copy()
    # at most one factor per sort: keep the largest |loading| among candidates
    best = np.argmax(np.where(ok, np.abs(a), -np.inf), axis=1)
    one = np.zeros_like(ok)
    rows = np.flatnonzero(ok.any(axis=1))
    one[rows, best[rows]] = True
    neg_mask = one & (a < 0)
    excluded = []
    if negative == "exclude":
        r, c = np.nonzero(neg_mask)
        excluded = list(zip(loadings.index[r], loadings.columns[c]))
        one = one & ~neg_mask
        neg_mask = np.zeros_like(neg_mask)
    flags = pd.DataFrame(one, index=loadings.index, columns=loadings.columns)
    confounded = _labels_at(loadings.index, np.flatnonzero(sig.sum(axis=1) >= 2))
    r, c = np.nonzero(neg_mask)
    negative_pairs = list(zip(_labels_at(loadings.index, r), _labels_at(loadings.columns, c)))
    msgs = flag_warnings(flags, loadings, confounded=confounded)
    if excluded:
        msgs.append(
            "Not flagged because the loading is negative (negative='exclude'): "
            + ", ".join(f"{s} on {f}" for s, f in excluded)
            + ". Consider splitting the factor into its poles if these sorts matter."
        )
    return Flagging(flags, float(thr), confounded, negative_pairs, excluded, msgs)


def check_flags(flags, loadings: pd.DataFrame) -> pd.DataFrame:
    """Validate a manual flag matrix (bool, Q-sorts x factors) against the loadings."""
    if isinstance(flags, pd.DataFrame):
        f = flags.copy()
        if f.shape != loadings.shape:
            raise QMethodError(
                f"The flag matrix is {f.shape[0]} x {f.shape[1]} but there are {loadings.shape[0]} "
                f"Q-sorts x {loadings.shape[1]} factors."
            )
        missing = [s for s in loadings.index if s not in f.index]
        if missing:
            raise QMethodError(f"The flag matrix has no row for Q-sort {missing[0]!r}.")
        f = f.loc[loadings.index]
        f.columns = loadings.columns
    else:
        arr = np.asarray(flags)
        if arr.shape != loadings.shape:
            raise QMethodError(
                f"The flag matrix is {'x'.join(map(str, arr.shape))} but there are {loadings.shape[0]} "
                f"Q-sorts x {loadings.shape[1]} factors."
            )
        f = pd.DataFrame(arr, index=loadings.index, columns=loadings.columns)
    try:
        vals = f.to_numpy()
        if not np.all(np.isin(vals, [0, 1, True, False])):
            raise TypeError
        return f.astype(bool)
    except (TypeError, ValueError):
        raise QMethodError("Flags must be True/False (or 1/0) for each Q-sort and factor.") from None


def _labels_at(labels: pd.Index, positions: np.ndarray) -> list:
    """The labels at integer ``positions`` as a list (scalar look-ups are cheapest for a few)."""
    if positions.size <= 32:
        return [labels[i] for i in positions]
    return labels[positions].tolist()


def _names(items, limit: int = 20) -> str:
    items = list(items)
    text = ", ".join(map(str, items[:limit]))
    return text + (f" and {len(items) - limit} more" if len(items) > limit else "")


def flag_warnings(flags: pd.DataFrame, loadings: pd.DataFrame, *, confounded=()) -> list[str]:
    """Warnings about a flag matrix: negative defining sorts, sorts on several factors, empty factors."""
    msgs = []
    f = flags.to_numpy(bool)
    a = loadings.to_numpy(dtype=float)
    rows, cols = np.nonzero(f & (a < 0))
    if rows.size:
        sorts, factors = _labels_at(loadings.index, rows[:21]), _labels_at(loadings.columns, cols[:21])
        msgs.append(
            "Flagged with a negative loading (the sort enters its factor reversed): "
            + _names(f"{s} on {f_} ({a[i, j]:+.2f})" for s, f_, i, j in zip(sorts, factors, rows[:21], cols[:21]))
            + (f" and {rows.size - 20} more" if rows.size > 20 else "")
            + ". Check these flags, or use negative='exclude' or split the factor."
        )
    multi = np.flatnonzero(f.sum(axis=1) >= 2)
    if multi.size:
        msgs.append("Flagged on more than one factor (confounded): " + _names(loadings.index[multi]) + ".")
    if len(confounded):
        msgs.append("Significant on two or more factors (confounded, not flagged automatically): "
                    + _names(confounded) + ".")
    has_sort = f.any(axis=0)
    if not has_sort.all():
        empty = loadings.columns[~has_sort]
        msgs.append(
            "No defining Q-sort on " + ", ".join(map(str, empty))
            + ": its z-scores and factor array cannot be computed (flag a sort by hand or extract fewer factors)."
        )
    return msgs
