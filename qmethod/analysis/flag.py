"""Flagging of defining Q-sorts (the sorts that define each factor)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .data import array_input
from ..errors import QMethodError
from .params import validate_params
from .tables import ReadOnlyTables, frame

__all__ = ["Flagging", "flag", "z_critical", "format_p", "check_flags", "flag_warnings"]

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


def format_p(p: float) -> str:
    """A significance level as journals print it: ``.05``, ``.001``, ``.000001`` (never ``1e-06``)."""
    text = np.format_float_positional(float(p), trim="-")
    return text[1:] if text.startswith("0.") else text


@dataclass(frozen=True)
class Flagging(ReadOnlyTables):
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


@validate_params
@array_input
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

    Parameters
    ----------
    loadings : DataFrame or array-like (np.asarray semantics), Q-sorts x factors.
    n_statements : int, N (the loadings' standard error is 1 / sqrt(N)).

    Raises
    ------
    QMethodError
        For an invalid option (significance outside (0, 1), majority not a boolean, ...).

    References
    ----------
    Brown, S. R. (1980). *Political Subjectivity: Applications of Q Methodology in Political
    Science*. New Haven: Yale University Press. (significance of a loading, 1.96 / sqrt(N) at p < .05.)
    """
    a = loadings.to_numpy(dtype=float)
    thr = z_critical(significance) / np.sqrt(n_statements)
    one, sig = _flag_array(a, thr, majority=majority)
    flags, msgs, confounded, negative_pairs, excluded = flag_outcome(
        one, sig, a, loadings.index, loadings.columns, negative
    )
    return Flagging(
        frame(flags, loadings.index, loadings.columns), float(thr),
        confounded, negative_pairs, excluded, msgs,
    )


def _flag_array(a: np.ndarray, threshold: float, *, majority: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """:func:`flag`'s rule on a plain loadings array (Q-sorts x factors).

    Returns ``(flags, significant)``: the boolean flags (at most one factor per sort, sign
    ignored) and where |a| > ``threshold``.
    """
    a2 = a * a
    sig = np.abs(a) > threshold
    ok = sig & (a2 > a2.sum(axis=1, keepdims=True) - a2) if majority else sig
    # at most one factor per sort: keep the largest |loading| among candidates
    best = np.argmax(np.where(ok, np.abs(a), -np.inf), axis=1)
    one = np.zeros(a.shape, dtype=bool)
    rows = np.flatnonzero(ok.any(axis=1))
    one[rows, best[rows]] = True
    return one, sig


def flag_outcome(one: np.ndarray, sig: np.ndarray, a: np.ndarray, sorts, factors, negative: str):
    """Apply ``negative`` to automatic flags and word the warnings.

    ``sorts`` and ``factors`` are the labels (Index or list). Returns (flags, messages,
    confounded sorts, negative (sort, factor) pairs, excluded pairs).
    """
    rows, cols = np.nonzero(one & (a < 0))
    multiple = np.flatnonzero(np.count_nonzero(sig, axis=1) >= 2)
    if rows.size or multiple.size:
        sorts, factors = _as_list(sorts), _as_list(factors)
    excluded = []
    if negative == "exclude" and rows.size:
        excluded = [(sorts[i], factors[j]) for i, j in zip(rows, cols)]
        one = one.copy()
        one[rows, cols] = False
        rows = cols = rows[:0]
    confounded = [sorts[i] for i in multiple]
    negative_pairs = [(sorts[i], factors[j]) for i, j in zip(rows, cols)]
    # automatic flags put a sort on one factor at most: no "flagged on more than one factor"
    msgs = flag_messages(one, a, sorts, factors, confounded, negative=(rows, cols), single=True)
    if excluded:
        msgs.append(
            "Not flagged because the loading is negative (negative='exclude'): "
            + ", ".join(f"{s} on {f}" for s, f in excluded)
            + ". Consider splitting the factor into its poles if these sorts matter."
        )
    return one, msgs, confounded, negative_pairs, excluded


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
        f = frame(arr, loadings.index, loadings.columns)
    try:
        vals = f.to_numpy()
        if not np.all(np.isin(vals, [0, 1, True, False])):
            raise TypeError
        return f.astype(bool)
    except (TypeError, ValueError):
        raise QMethodError("Flags must be True/False (or 1/0) for each Q-sort and factor.") from None


def _as_list(labels) -> list:
    """Labels as a plain list: one conversion instead of many slow scalar look-ups in an Index."""
    return labels if isinstance(labels, list) else labels.tolist()


def _names(items: list, limit: int = 20, total: int | None = None) -> str:
    """The first ``limit`` items joined, then "and N more" (``total`` counts them all when
    ``items`` holds only the first ones)."""
    total = len(items) if total is None else total
    text = ", ".join(map(str, items[:limit]))
    return text + (f" and {total - limit} more" if total > limit else "")


def flag_warnings(flags: pd.DataFrame, loadings: pd.DataFrame, *, confounded=()) -> list[str]:
    """Warnings about a flag matrix: negative defining sorts, sorts on several factors, empty factors."""
    return flag_messages(flags.to_numpy(bool), loadings.to_numpy(dtype=float), loadings.index, loadings.columns, confounded)


def flag_messages(f: np.ndarray, a: np.ndarray, sorts, factors, confounded=(), *, negative=None,
                  single: bool = False) -> list[str]:
    """:func:`flag_warnings` on plain arrays; ``sorts`` and ``factors`` are labels (Index or list).

    ``negative`` gives the (rows, columns) of flags on negative loadings when already known;
    ``single`` says no sort is flagged on two factors (automatic flags).
    """
    msgs = []
    rows, cols = np.nonzero(f & (a < 0)) if negative is None else negative
    multi = rows[:0] if single else np.flatnonzero(np.count_nonzero(f, axis=1) >= 2)
    has_sort = f.any(axis=0)
    if rows.size or multi.size or not has_sort.all():
        sorts, factors = _as_list(sorts), _as_list(factors)
    if rows.size:
        msgs.append(
            "Flagged with a negative loading (the sort enters its factor reversed): "
            + _names([f"{sorts[i]} on {factors[j]} ({a[i, j]:+.2f})" for i, j in zip(rows[:20], cols[:20])], total=rows.size)
            + ". Check these flags, or use negative='exclude' or split the factor."
        )
    if multi.size:
        msgs.append("Flagged on more than one factor (confounded): " + _names([sorts[i] for i in multi]) + ".")
    if len(confounded):
        labels = _as_list(sorts)
        flagged = {labels[i] for i in np.flatnonzero(f.any(axis=1))}
        left = [c for c in confounded if c not in flagged]
        kept = [c for c in confounded if c in flagged]
        if left:
            msgs.append("Significant on two or more factors (confounded, not flagged automatically): "
                        + _names(left) + ".")
        if kept:
            msgs.append("Significant on two or more factors, flagged on the one that holds most of its common "
                        "variance: " + _names(kept) + ".")
    if not has_sort.all():
        msgs.append(
            "No defining Q-sort on " + ", ".join(str(factors[j]) for j in np.flatnonzero(~has_sort))
            + ": its z-scores and factor array cannot be computed (flag a sort by hand or extract fewer factors)."
        )
    return msgs
