"""``analyze``: the whole by-person Q analysis in one call."""
from __future__ import annotations

import warnings as _warnings

import numpy as np
import pandas as pd

from ..errors import QMethodError, QMethodWarning
from . import compare as _compare
from .correlate import (
    _ranked,
    correlate,
    correlations_from_standardized,
    standardize,
)
from .data import (
    check_distribution,
    check_sorts,
    factor_index,
    factor_labels,
    infer_distribution,
)
from .extract import _pca_array, centroid, horst, pca
from .flag import (
    _flag_array,
    check_flags,
    flag,
    flag_messages,
    flag_outcome,
    flag_warnings,
    z_critical,
)
from .params import EXTRACTIONS, ROTATIONS, check_n_factors, validate_params
from .result import AnalysisResult, AnalysisSettings
from .rotate import (
    JudgmentalRotation,
    RotationStep,
    _order_and_sign_array,
    _varimax_array,
    check_normalisable,
)
from .scores import _factor_arrays_array, _weights_array, _zscores_array, arrays_table
from .tables import frame
from .threads import blas_limited

__all__ = ["analyze", "rescore", "EXTRACTIONS", "ROTATIONS"]

KEEP_CORRELATIONS_UP_TO = 4000  # Q-sorts; above this the P x P matrix is only formed on request


@blas_limited
@validate_params
def analyze(
    sorts,
    n_factors: int,
    *,
    extraction: str = "pca",
    rotation: str = "varimax",
    correlation: str = "pearson",
    flags="auto",
    significance: float = 0.05,
    majority: bool = True,
    negative: str = "include",
    forced: bool = True,
    distribution=None,
    statements=None,
    varimax_tolerance: float = 1e-5,
    centroid_start: str = "pqmethod",
    centroid_tolerance: float | None = None,
    rotation_steps=(),
    order: str = "auto",
    ties: str = "position",
    convention: str = "qmethod",
    standardize_sorts: bool = False,
    av_rel_coef: float = 0.8,
    keep_correlations: bool | None = None,
) -> AnalysisResult:
    """By-person Q factor analysis: correlate -> extract -> rotate -> flag -> scores -> compare.

    Parameters
    ----------
    sorts : DataFrame or array-like, **statements x Q-sorts** (rows statements, columns Q-sorts,
        cells grid values, e.g. -4..+4, at most 1e100 in absolute value). DataFrame labels are
        kept; anything else is read as :func:`numpy.asarray` reads it (a nested list is a list
        of rows, one per statement) and gets labels ``S1..`` and ``Q1..``.
    n_factors : int, 1 <= n_factors <= P - 1 (P Q-sorts), and <= N - 1 (N statements) for PCA.
    extraction : {"pca", "centroid", "horst"}, default "pca".
        "centroid" is Brown's centroid (``centroid_start="pqmethod"``: PQMethod/KADE, or
        ``"qmethod"``: R qmethod); "horst" is Horst's 5.5 centroid (PQMethod 2.30+, KADE).
    rotation : {"varimax", "none"}, default "varimax". Varimax uses R's stopping rule with
        ``varimax_tolerance`` (1e-5, as R qmethod); give 1e-12 for a converged rotation.
    rotation_steps : sequence of (first, second, degrees) judgmental rotations applied after
        ``rotation`` (and after the factor order/sign step), e.g. ``[("F1", "F2", 12)]``.
    correlation : {"pearson", "spearman", "kendall"}, default "pearson".
    flags : "auto" or a boolean matrix (Q-sorts x factors). A matrix overrides automatic flagging.
    significance : float, default 0.05. Level for automatic flagging (1.96/sqrt(N) at .05).
    majority : bool, default True. Also require a^2 > the sort's other squared loadings.
    negative : {"include", "exclude"}, default "include" (as the peers, with a warning).
    forced : bool, default True. Check every sort against ``distribution`` (or the first sort).
    distribution : grid values of all slots (e.g. ``[-4, -4, -3, ...]``), optional. For unforced
        data without one, factor arrays use the mean sorted shape of the sorts, rounded (see
        :func:`qmethod.analysis.data.infer_distribution`).
    statements : optional Series/sequence of statement texts (aligned with the rows).
    order : {"auto", "variance", "extraction"}. "auto" = R qmethod's convention: PCA factors are
        put in order of decreasing sum of squared loadings and each column is made to sum >= 0;
        centroid factors keep extraction order and sign. "variance" applies that rule to every
        extraction; "extraction" to none (except the PCA sign rule).
    ties : {"position", "qmethod"} rule for equal z-scores in factor arrays (see
        :func:`qmethod.analysis.scores.factor_arrays`).
    convention : {"qmethod", "pqmethod"} for distinguishing/consensus statements.
    standardize_sorts : bool, default False. Standardise each sort before weighting (KADE).
    av_rel_coef : float in (0, 1], default 0.8: the average reliability of a Q-sort (Brown 1980),
        used for the composite reliability and the standard errors of the z-scores.
    keep_correlations : keep the Q-sorts x Q-sorts correlation matrix in the result (default:
        when there are at most 4,000 Q-sorts).

    Returns
    -------
    AnalysisResult

    Raises
    ------
    QMethodError (DataError)
        Bad data (named sort and statement), an invalid option (named), or more factors than
        the data allow (at most P - 1 from P Q-sorts and N - 1 from N statements).

    References
    ----------
    Brown, S. R. (1980). *Political Subjectivity: Applications of Q Methodology in Political
    Science*. New Haven: Yale University Press. (centroid, flagging, weights, composite reliability, SED.)
    Zabala, A. (2014). qmethod: a package to explore human perspectives using Q methodology. *The
    R Journal* 6(2), 163-173. (The conventions reproduced by default.)
    Kaiser, H. F. (1958). The varimax criterion for analytic rotation in factor analysis.
    *Psychometrika* 23(3), 187-200.
    """
    data = check_sorts(sorts)
    x = data.to_numpy()
    sort_ids = data.columns
    n, p = x.shape
    check_n_factors(n_factors, p, n if extraction == "pca" else None)
    dist = check_distribution(data, distribution, forced=forced)
    if dist is None:
        dist = infer_distribution(data)
    texts = None
    if statements is not None:
        texts = pd.Series(list(statements), index=data.index, name="statement") if not isinstance(
            statements, pd.Series) else statements.reindex(data.index).rename("statement")
        if len(texts) != n:
            raise QMethodError(f"{len(texts)} statement texts were given for {n} statements.")
    notes: list[str] = []

    unrotated, eigenvalues, corr, factors, factor_names, extraction_details, more_notes = _extract(
        x, sort_ids, n_factors, extraction=extraction, correlation=correlation, centroid_start=centroid_start,
        centroid_tolerance=centroid_tolerance, keep_correlations=keep_correlations,
    )
    notes.extend(more_notes)
    k = unrotated.shape[1]
    h2 = np.square(unrotated).sum(axis=1)
    if np.any(h2 > 1 + 1e-9):
        heywood = list(sort_ids[h2 > 1 + 1e-9])
        notes.append(f"Heywood case: communality above 1 for {', '.join(map(str, heywood))}.")

    # rotate
    if rotation == "varimax" and k > 1:
        check_normalisable(unrotated, sort_ids)
    rotated = _rotate(unrotated, rotation=rotation, varimax_tolerance=varimax_tolerance, order=order,
                      extraction=extraction)
    steps = tuple(s if isinstance(s, RotationStep) else RotationStep(*s) for s in rotation_steps)
    loadings = frame(rotated, sort_ids, factors)
    if steps:
        loadings = JudgmentalRotation.replay(loadings, steps)
        rotated = loadings.to_numpy()

    # flag
    if isinstance(flags, str):
        if flags != "auto":
            raise QMethodError(f"flags must be 'auto' or a True/False matrix; got {flags!r}.")
        one, sig = _flag_array(rotated, z_critical(significance) / np.sqrt(n), majority=majority)
        flag_values, flag_notes, *_ = flag_outcome(one, sig, rotated, sort_ids, factor_names, negative)
        flag_matrix = frame(flag_values, sort_ids, factors)
        flags_source = "auto"
    else:
        flag_matrix = check_flags(flags, loadings)
        flag_values = flag_matrix.to_numpy(bool)
        flag_notes = flag_messages(flag_values, rotated, sort_ids, factor_names)
        flags_source = "manual"
    notes.extend(flag_notes)

    settings = AnalysisSettings(
        n_factors=int(n_factors), extraction=extraction, rotation=rotation, correlation=correlation,
        flags=flags_source, significance=float(significance), majority=bool(majority), negative=negative,
        forced=bool(forced), distribution=None if distribution is None else tuple(float(v) for v in distribution),
        varimax_tolerance=float(varimax_tolerance), centroid_start=centroid_start,
        centroid_tolerance=centroid_tolerance, rotation_steps=steps, order=order, ties=ties,
        convention=convention, standardize_sorts=bool(standardize_sorts), av_rel_coef=float(av_rel_coef),
    )
    return _finish(
        settings, data, texts, corr, eigenvalues, frame(unrotated, sort_ids, factors),
        loadings, flag_matrix, rotated, flag_values, dist, notes, {"extraction": extraction_details}, factor_names,
    )


def _extract(x, sort_ids, n_factors, *, extraction, correlation, centroid_start, centroid_tolerance,
             keep_correlations=None):
    """Correlate and extract on the plain data array ``x`` (statements x Q-sorts).

    The one extraction path of :func:`analyze` and :func:`qmethod.analysis.bootstrap.bootstrap`.
    Returns (unrotated loadings, eigenvalues Series, correlations frame or None, factor Index,
    factor names, extraction details, notes).
    """
    n, p = x.shape
    keep = keep_correlations if keep_correlations is not None else p <= KEEP_CORRELATIONS_UP_TO
    notes = []
    if extraction == "pca" and correlation != "kendall":
        # from the standardised sorts: the P x P correlations when there are few sorts, the N x N
        # Gram matrix when there are more sorts than statements (linear in P, no P x P matrix)
        xs = standardize(_ranked(x) if correlation == "spearman" else x)
        r = correlations_from_standardized(xs) if keep else None
        corr = frame(r, sort_ids, sort_ids, copy=False) if keep else None  # r is only read from here on
        unrotated, all_eigenvalues = _pca_array(xs, n_factors, r if p <= n else None)
        eigenvalues = pd.Series(
            all_eigenvalues, index=pd.RangeIndex(1, p + 1, name="component"), name="eigenvalue"
        )
        k = unrotated.shape[1]
        return unrotated, eigenvalues, corr, factor_index(k), factor_labels(k), {}, notes
    corr = correlate(frame(x, pd.RangeIndex(n), sort_ids, copy=False), method=correlation)
    if extraction == "pca":
        ext = pca(corr, n_factors)
    elif extraction == "centroid":
        ext = centroid(corr, n_factors, start=centroid_start, tolerance=centroid_tolerance)
    else:
        ext = horst(corr, n_factors, n_statements=n)
        if not ext.details["converged"]:
            notes.append(
                f"Horst centroid did not converge in {ext.details['passes']} passes "
                f"(largest change {ext.details['max_change']:.2g}); the last pass is used."
            )
    factors = ext.loadings.columns
    return (ext.loadings.to_numpy(), ext.eigenvalues, corr, factors, factors.tolist(), ext.details, notes)


def _rotate(unrotated, *, rotation, varimax_tolerance, order, extraction):
    """Varimax (or none) and the factor order/sign rule on a plain loadings array."""
    rotated = unrotated
    if rotation == "varimax" and unrotated.shape[1] > 1:
        rotated = _varimax_array(unrotated, tolerance=varimax_tolerance)[0]
    if order == "variance" or (order == "auto" and extraction == "pca"):
        rotated = _order_and_sign_array(rotated)
    return rotated


def _outside_stacklevel() -> int:
    """The ``stacklevel`` that makes a warning point at the first caller outside this package
    (past the option-checking and thread-limiting wrappers)."""
    import os
    import sys

    here = os.path.dirname(__file__)
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.dirname(frame.f_code.co_filename) == here:
        frame, level = frame.f_back, level + 1
    return level


def _finish(settings, data, texts, corr, eigenvalues, unrotated, loadings, flag_matrix, a, f, dist, notes, details,
            factor_names=None):
    """Weights, z-scores, factor arrays, characteristics and comparisons from flagged loadings.

    ``a`` and ``f`` are the values of ``loadings`` and ``flag_matrix`` (``factor_names`` its
    column labels as a list, when at hand); every step works on plain arrays and the labelled
    tables are made once here.
    """
    statement_ids, factors = data.index, loadings.columns
    w = _weights_array(a, f)
    z = _zscores_array(data.to_numpy(), w, standardize_sorts=settings.standardize_sorts)
    arrays, missing, integral = _factor_arrays_array(z, dist, ties=settings.ties)
    chars = _compare._characteristics_array(a, f, settings.av_rel_coef, split_counted(details.get("split"), a, factors))
    sed_m = _compare._sed_array(chars[:, 3])
    comp = vars(_compare.comparison(
        *_compare._compare_array(z, sed_m, factor_names or factors.tolist(), convention=settings.convention),
        statement_ids, factors, settings.convention,
    ))  # its tables as made, not copies
    for msg in notes:
        _warnings.warn(msg, QMethodWarning, stacklevel=_outside_stacklevel())
    return AnalysisResult(
        settings=settings,
        sorts=data,
        statements=texts,
        correlations=corr,
        eigenvalues=eigenvalues,
        unrotated_loadings=unrotated,
        loadings=loadings,
        flags=flag_matrix,
        weights=frame(w, loadings.index, factors),
        zscores=frame(z, statement_ids, factors),
        factor_arrays=arrays_table(arrays, missing, integral, statement_ids, factors),
        characteristics=_compare.characteristics_table(chars, factors),
        factor_correlations=frame(_compare._factor_correlations_array(z), factors, factors),
        sed=frame(sed_m, factors, factors),
        differences=comp["differences"],
        pair_significance=comp["pair_significance"],
        distinguishing=comp["distinguishing"],
        consensus=comp["consensus"],
        labels=comp["labels"],
        distribution=tuple(np.asarray(dist, dtype=float).tolist()),
        warnings=tuple(notes),
        details=details,
    )


def split_counted(split, a: np.ndarray, factors) -> np.ndarray | None:
    """Which sorts count towards each factor's variance when bipolar factors were split.

    ``split`` maps each split factor to its two poles, ``{"F1": ["F1a", "F1b"]}`` (a result's
    ``details["split"]``). A sort's squared loading is counted once: on the first pole when its
    loading there is >= 0, else on the second; every other factor counts all sorts. Returns None
    when nothing was split (then every sort counts everywhere).
    """
    if not split:
        return None
    names = list(factors)
    counted = np.ones(a.shape, dtype=bool)
    for first, second in split.values():
        if first in names and second in names:
            i, j = names.index(first), names.index(second)
            counted[:, i] = a[:, i] >= 0
            counted[:, j] = ~counted[:, i]
    return counted


def rescore(result: AnalysisResult, *, loadings: pd.DataFrame | None = None, flags=None, note: str | None = None,
            details: dict | None = None) -> AnalysisResult:
    """Recompute everything after the rotation from new ``loadings`` and/or ``flags``.

    The route for manual flags, inverted or split factors and loadings rotated elsewhere (R
    qmethod's ``qzscores``). ``flags`` defaults to the result's flags when the factors are the
    same, else to automatic flagging with the result's settings.
    """
    from dataclasses import replace

    s = result.settings
    new_loadings = result.loadings if loadings is None else loadings.copy()
    notes = [] if note is None else [note]
    if flags is None and list(new_loadings.columns) == list(result.flags.columns) and loadings is None:
        flag_matrix = result.flags
        source = s.flags
    elif flags is None or (isinstance(flags, str) and flags == "auto"):
        fl = flag(new_loadings, result.sorts.shape[0], significance=s.significance, majority=s.majority,
                  negative=s.negative)
        flag_matrix, source = fl.flags, "auto"
        notes.extend(fl.warnings)
    else:
        flag_matrix, source = check_flags(flags, new_loadings), "manual"
        notes.extend(flag_warnings(flag_matrix, new_loadings))
    settings = replace(s, flags=source, n_factors=new_loadings.shape[1])
    return _finish(
        settings, result.sorts, result.statements, result.correlations, result.eigenvalues,
        result.unrotated_loadings, new_loadings, flag_matrix, new_loadings.to_numpy(dtype=float),
        flag_matrix.to_numpy(bool), np.asarray(result.distribution), notes,
        dict(result.details if details is None else details),
    )
