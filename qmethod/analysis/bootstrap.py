"""Bootstrap of the whole Q analysis, with Procrustes alignment of every resample."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import QMethodError
from .correlate import _ranked, correlate, standardize
from .extract import centroid, horst, pca
from .flag import flag_array, z_critical
from .scores import factor_arrays, weights_array, zscores_array

__all__ = ["BootstrapResult", "bootstrap", "procrustes_align"]


def procrustes_align(loadings: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Orthogonal Procrustes: the rotation R minimising ||loadings R - target|| (Frobenius).

    R = U V' from the SVD loadings' target = U S V'. It settles factor order, reflection and any
    remaining rotation of a resample against the full solution in one step.
    """
    u, _, vt = np.linalg.svd(loadings.T @ target)
    return u @ vt


@dataclass(frozen=True)
class BootstrapResult:
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
    """Bootstrap the whole analysis by resampling Q-sorts.

    Method
    ------
    1. Analyse the full data with ``settings`` (as :func:`qmethod.analyze`): the target loadings.
    2. Balanced resampling: ``n_resamples`` blocks of P sorts cut from ``n_resamples`` shuffled
       copies of the P sort indices, so every sort appears equally often overall.
    3. Each resample is correlated, extracted and rotated with the same settings; its loadings
       are then aligned to the target rows of the sorts drawn by an orthogonal Procrustes
       rotation (this resolves factor order, sign and rotational indeterminacy together, and
       never discards a resample, unlike R qmethod's order/sign tests).
    4. Sorts are flagged automatically with the same rule (or, for manual flags, keep the flags
       of the full solution), and z-scores are computed on the resample.
    5. Reported: per sort and factor, the mean and SE (SD over resamples, counting every copy)
       of the aligned loadings and the flag frequency; per statement and factor, the mean and SE
       of the z-scores and a percentile interval; the factor arrays of the mean z-scores.

    ``progress(done, total)`` is called about a hundred times. ``seed`` makes runs reproducible.
    """
    from .pipeline import analyze

    if not isinstance(n_resamples, (int, np.integer)) or n_resamples < 2:
        raise QMethodError(f"n_resamples must be a whole number >= 2; got {n_resamples!r}.")
    full = analyze(sorts, n_factors, **settings)
    s = full.settings
    x_all = full.sorts.to_numpy()
    n, p = x_all.shape
    k = full.loadings.shape[1]
    target = full.loadings.to_numpy()
    manual = s.flags == "manual"
    full_flags = full.flags.to_numpy(bool)
    thr = z_critical(s.significance) / np.sqrt(n)
    if s.correlation == "spearman":
        x_corr = _ranked(x_all)
    else:
        x_corr = x_all
    rng = np.random.default_rng(seed)
    idx_all = np.concatenate([rng.permutation(p) for _ in range(n_resamples)]).reshape(n_resamples, p)

    from .rotate import varimax_array

    sum_l = np.zeros((p, k))
    sum_l2 = np.zeros((p, k))
    count = np.zeros(p)
    flag_count = np.zeros((p, k))
    zs = np.full((n_resamples, n, k), np.nan)
    skipped = 0
    step = max(1, n_resamples // 100)
    cols = [f"Q{i}" for i in range(p)]
    for b in range(n_resamples):
        idx = idx_all[b]
        try:
            if len(np.unique(idx)) <= k:
                raise np.linalg.LinAlgError("too few distinct sorts")
            if s.extraction == "pca" and s.correlation != "kendall":
                zb = standardize(x_corr[:, idx])
                _, sv, vt = np.linalg.svd(zb / np.sqrt(n - 1), full_matrices=False)
                lb = vt[:k].T * sv[:k]
            else:
                frame = pd.DataFrame(x_all[:, idx], columns=cols)
                r = correlate(frame, method=s.correlation)
                if s.extraction == "pca":
                    lb = pca(r, k).loadings.to_numpy()
                elif s.extraction == "centroid":
                    lb = centroid(r, k, start=s.centroid_start, tolerance=s.centroid_tolerance).loadings.to_numpy()
                else:
                    lb = horst(r, k, n_statements=n).loadings.to_numpy()
            if s.rotation == "varimax" and k > 1:
                lb = varimax_array(lb, tolerance=s.varimax_tolerance)[0]
            lb = lb @ procrustes_align(lb, target[idx])
        except (np.linalg.LinAlgError, QMethodError, ZeroDivisionError, FloatingPointError):
            skipped += 1
            continue
        if manual:
            fb = full_flags[idx]
        else:
            fb = flag_array(lb, thr, majority=s.majority)[0]
            if s.negative == "exclude":
                fb &= lb > 0
        zb_ = zscores_array(x_all[:, idx], weights_array(lb, fb), standardize_sorts=s.standardize_sorts)
        zs[b] = zb_
        np.add.at(sum_l, idx, lb)
        np.add.at(sum_l2, idx, lb * lb)
        np.add.at(count, idx, 1)
        np.add.at(flag_count, idx, fb)
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
        method="balanced resampling of Q-sorts; same extraction and rotation; orthogonal Procrustes "
        "alignment to the full solution; flags by the same rule; every copy counted",
    )
