"""Bootstrap of the whole Q analysis, with Procrustes alignment of every resample."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.linalg import orthogonal_procrustes

from ..errors import QMethodError
from .flag import _flag_array, z_critical
from .params import validate_params
from .scores import _weights_array, _zscores_array, factor_arrays
from .tables import ReadOnlyTables
from .threads import blas_limited

__all__ = ["BootstrapResult", "bootstrap"]


@dataclass(frozen=True)
class BootstrapResult(ReadOnlyTables):
    """Summaries of a bootstrap (see :func:`bootstrap`).

    Attributes
    ----------
    loadings : DataFrame, Q-sorts x [(factor, "estimate"|"mean"|"se"|"flag_frequency")] columns
        (a column MultiIndex).
    zscores : DataFrame, statements x [(factor, "estimate"|"mean"|"se"|"ci_low"|"ci_high")].
    factor_arrays : DataFrame, statements x factors: the array of the mean bootstrap z-scores.
    n_resamples : int, resamples used. skipped : int, resamples that could not be analysed.
    method : str, a description of the procedure.
    """

    loadings: pd.DataFrame
    zscores: pd.DataFrame
    factor_arrays: pd.DataFrame
    n_resamples: int
    skipped: int
    seed: int | None
    method: str


@blas_limited
@validate_params
def bootstrap(
    sorts,
    n_factors: int,
    *,
    n_resamples: int = 1000,
    seed: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    confidence: float = 0.95,
    **settings,
) -> BootstrapResult:
    """Bootstrap the whole analysis by resampling Q-sorts with replacement.

    Notes
    -----
    The method of Zabala & Pascual (2016), as R qmethod's ``qmboots``, with Procrustes alignment:

    1. Analyse the full data with ``settings`` (as :func:`qmethod.analyze`): the target loadings.
    2. Balanced resampling with replacement: the P sort indices are repeated ``n_resamples``
       times, the concatenation is shuffled and cut into ``n_resamples`` blocks of P. A block
       may hold a sort twice and miss another; over the whole run every sort is drawn exactly
       ``n_resamples`` times.
    3. Each resample is correlated, extracted and rotated with the same settings (the same code
       as :func:`qmethod.analyze`); its loadings are aligned to the target rows of the sorts
       drawn by an orthogonal Procrustes rotation (:func:`scipy.linalg.orthogonal_procrustes`;
       Schönemann 1966). This settles factor order, sign and rotational indeterminacy together
       and never discards a resample (R qmethod's order/sign tests discard some).
    4. Sorts are flagged automatically with the same rule (manual flags: the flags of the full
       solution are kept for every copy), and the z-scores are computed on the resample.
    5. Reported: per sort and factor, the mean and SE (SD over the resamples that drew the sort,
       counted once per resample, as ``qmboots``) of the aligned loadings and the flag frequency
       (resamples flagging the sort / resamples drawing it); per statement and factor, the mean
       and SE of the z-scores and a ``confidence`` percentile interval; the factor arrays of the
       mean z-scores.

    Parameters
    ----------
    sorts : array-like or DataFrame, statements x Q-sorts (see :func:`qmethod.analyze`).
    n_factors : int, 1 <= n_factors < number of Q-sorts.
    n_resamples : int >= 2, default 1000.
    seed : int or None. The same seed gives the same result.
    progress : callable ``progress(done, total)``, called about a hundred times.
    confidence : float in (0, 1), default 0.95, the level of the percentile intervals.
    **settings : any option of :func:`qmethod.analyze` (extraction, rotation, flags, ...).

    Returns
    -------
    BootstrapResult

    Raises
    ------
    QMethodError
        For an invalid option, or when fewer than two resamples could be analysed.

    References
    ----------
    Zabala, A. & Pascual, U. (2016). Bootstrapping Q methodology to improve the understanding of
    human perspectives. PLoS ONE 11(2): e0148087. https://doi.org/10.1371/journal.pone.0148087
    Schönemann, P. H. (1966). A generalized solution of the orthogonal Procrustes problem.
    Psychometrika 31(1), 1-10.
    """
    from .pipeline import _extract, _rotate, analyze

    full = analyze(sorts, n_factors, **settings)
    s = full.settings
    x_all = full.sorts.to_numpy()
    n, p = x_all.shape
    k = full.loadings.shape[1]
    target = full.loadings.to_numpy()
    manual = s.flags == "manual"
    full_flags = full.flags.to_numpy(bool)
    thr = z_critical(s.significance) / np.sqrt(n)
    rng = np.random.default_rng(seed)
    # balanced bootstrap: every sort drawn n_resamples times in all, any number of times per resample
    idx_all = rng.permutation(np.tile(np.arange(p), n_resamples)).reshape(n_resamples, p)

    sum_l = np.zeros((p, k))
    sum_l2 = np.zeros((p, k))
    count = np.zeros(p)
    flag_count = np.zeros((p, k))
    zs = np.full((n_resamples, n, k), np.nan)
    skipped = 0
    step = max(1, n_resamples // 100)
    cols = pd.RangeIndex(p)
    for b in range(n_resamples):
        idx = idx_all[b]
        try:
            if np.unique(idx).size <= k:
                raise np.linalg.LinAlgError("too few distinct sorts")
            xb = x_all[:, idx]
            lb = _extract(xb, cols, k, extraction=s.extraction, correlation=s.correlation,
                          centroid_start=s.centroid_start, centroid_tolerance=s.centroid_tolerance,
                          keep_correlations=False)[0]
            lb = _rotate(lb, rotation=s.rotation, varimax_tolerance=s.varimax_tolerance, order=s.order,
                         extraction=s.extraction)
            lb = lb @ orthogonal_procrustes(lb, target[idx])[0]
        except (np.linalg.LinAlgError, QMethodError, ZeroDivisionError, FloatingPointError, ValueError):
            skipped += 1
            continue
        if manual:
            fb = full_flags[idx]
        else:
            fb = _flag_array(lb, thr, majority=s.majority)[0]
            if s.negative == "exclude":
                fb &= lb > 0
        zs[b] = _zscores_array(xb, _weights_array(lb, fb), standardize_sorts=s.standardize_sorts)
        # per sort: once per resample that drew it (its copies have the same loadings)
        first, at = np.unique(idx, return_index=True)
        sum_l[first] += lb[at]
        sum_l2[first] += lb[at] ** 2
        count[first] += 1
        flag_count[first] += fb[at]
        if progress is not None and (b + 1) % step == 0:
            progress(b + 1, n_resamples)
    if progress is not None and n_resamples % step:
        progress(n_resamples, n_resamples)
    used = n_resamples - skipped
    if used < 2:
        raise QMethodError("Too few resamples could be analysed; use more Q-sorts or fewer factors.")
    factors = full.factors
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_l = sum_l / count[:, None]
        var_l = (sum_l2 - count[:, None] * mean_l**2) / (count[:, None] - 1)
        freq = flag_count / count[:, None]
    zs = zs[~np.all(np.isnan(zs), axis=(1, 2))]
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        zmean = np.nanmean(zs, axis=0)
        zse = np.nanstd(zs, axis=0, ddof=1)
        alpha = (1 - confidence) / 2
        lo = np.nanpercentile(zs, 100 * alpha, axis=0)
        hi = np.nanpercentile(zs, 100 * (1 - alpha), axis=0)
    lcols = pd.MultiIndex.from_product([factors, ["estimate", "mean", "se", "flag_frequency"]])
    ldata = np.stack([target, mean_l, np.sqrt(np.maximum(var_l, 0)), freq], axis=2).reshape(p, -1)
    zcols = pd.MultiIndex.from_product([factors, ["estimate", "mean", "se", "ci_low", "ci_high"]])
    zdata = np.stack([full.zscores.to_numpy(), zmean, zse, lo, hi], axis=2).reshape(n, -1)
    zm = pd.DataFrame(zmean, index=full.sorts.index, columns=factors)
    arrays = factor_arrays(zm.fillna(0.0), np.asarray(full.distribution), ties=s.ties)
    arrays.loc[:, zm.isna().any()] = pd.NA
    return BootstrapResult(
        loadings=pd.DataFrame(ldata, index=full.sorts.columns, columns=lcols),
        zscores=pd.DataFrame(zdata, index=full.sorts.index, columns=zcols),
        factor_arrays=arrays,
        n_resamples=used,
        skipped=skipped,
        seed=seed,
        method="balanced bootstrap of Q-sorts with replacement (Zabala & Pascual 2016); same extraction "
        "and rotation; orthogonal Procrustes alignment to the full solution; flags by the same rule",
    )
