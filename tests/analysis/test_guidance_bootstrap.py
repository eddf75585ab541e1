import warnings

import numpy as np
import pytest

import qmethod
from qmethod import QMethodError
from qmethod.analysis import parallel_analysis

from .conftest import DATA


def test_factor_guidance_on_lipset(lipset):
    g = qmethod.factor_guidance(lipset, max_factors=8, n_iter=300, seed=1)
    t = g.table
    assert list(t.index) == [f"F{i}" for i in range(1, 9)]
    np.testing.assert_allclose(t["eigenvalue"].iloc[:4], [2.38377, 2.01533, 1.34083, 1.12735], atol=1e-5)
    assert g.suggested["kaiser"] == 4
    assert t["cumulative_variance"].iloc[-1] < 100
    # random sorts of the same grid: eigenvalues decrease and the first is above 1
    assert (np.diff(t["parallel_mean"]) < 0).all() and t["parallel_mean"].iloc[0] > 1
    assert (t["parallel_p95"] >= t["parallel_mean"]).all()
    assert 0 <= g.suggested["parallel"] <= 2
    # Humphrey: products of the two largest loadings against 2/sqrt(33)
    assert t["humphrey"].iloc[0]


def test_parallel_analysis_is_seeded_and_sums_to_p():
    grid = [-2, -1, -1, 0, 0, 0, 1, 1, 2]
    a = parallel_analysis(grid, 6, n_iter=50, seed=3)
    b = parallel_analysis(grid, 6, n_iter=50, seed=3)
    assert a.equals(b)
    # eigenvalues of a correlation matrix sum to P in every iteration, so their mean does too
    assert a["mean"].sum() == pytest.approx(6.0)


def test_bootstrap_is_seeded_reports_progress_and_is_sane(lipset):
    calls = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b1 = qmethod.bootstrap(lipset, 3, n_resamples=200, seed=7, progress=lambda d, t: calls.append((d, t)))
        b2 = qmethod.bootstrap(lipset, 3, n_resamples=200, seed=7)
    assert b1.loadings.equals(b2.loadings) and b1.zscores.equals(b2.zscores)
    assert calls[-1] == (200, 200) and len(calls) >= 50
    assert b1.n_resamples + b1.skipped == 200
    freq = b1.loadings.xs("flag_frequency", axis=1, level=1)
    # the stable defining sorts are flagged on their factor in most resamples (qmethod notes C.5)
    assert freq.loc["US3", "F1"] > 0.7 and freq.loc["US2", "F2"] > 0.7 and freq.loc["CA6", "F3"] > 0.5
    se = b1.zscores.xs("se", axis=1, level=1)
    assert (se > 0).all().all() and (se < 1.5).all().all()
    est = b1.zscores.xs("estimate", axis=1, level=1)
    lo, hi = b1.zscores.xs("ci_low", axis=1, level=1), b1.zscores.xs("ci_high", axis=1, level=1)
    assert ((est >= lo - 0.5) & (est <= hi + 0.5)).to_numpy().mean() > 0.95
    grid = np.sort(lipset["US1"].to_numpy())
    for f in ("F1", "F2", "F3"):
        assert (np.sort(b1.factor_arrays[f].to_numpy(dtype=int)) == grid).all()


def test_bootstrap_se_shrinks_with_clear_viewpoints():
    sim = qmethod.simulate(30, 40, 2, noise=0.2, loading=(0.85, 0.95), seed=11)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b = qmethod.bootstrap(sim.sorts, 2, n_resamples=100, seed=0)
    se = b.loadings.xs("se", axis=1, level=1)
    assert se.to_numpy().max() < 0.1
    assert (b.loadings.xs("flag_frequency", axis=1, level=1).max(axis=1) > 0.95).all()


def test_bootstrap_bad_arguments(lipset):
    with pytest.raises(QMethodError, match="n_resamples"):
        qmethod.bootstrap(lipset, 3, n_resamples=1)


def _mean_se(table):
    return float(table.xs("se", axis=1, level=1).to_numpy().mean())


@pytest.mark.parametrize("seed", [1, 2])
def test_bootstrap_resamples_with_replacement_like_qmboots(lipset, seed):
    """Lipset, 3 factors, PCA + varimax: SEs of the size R qmethod's qmboots reports (50 steps:
    mean loading SE 0.152, mean z-score SE 0.498), so a bootstrap that redraws the same data
    (SE 0) cannot pass."""
    import json

    ref = json.loads((DATA / "lipset_3f_boot50.json").read_text())["bootstrap"]
    qs, st = ref["qsorts_summary"], ref["statements_summary"]
    ref_load_se = np.mean([[row[qs["columns"].index(f"f{i}.SE")] for i in (1, 2, 3)] for row in qs["values"]])
    ref_z_se = np.mean([[row[st["columns"].index(f"f{i}.SE")] for i in (1, 2, 3)] for row in st["values"]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b = qmethod.bootstrap(lipset, 3, n_resamples=200, seed=seed)
    load_se, z_se = _mean_se(b.loadings), _mean_se(b.zscores)
    assert 0.10 < load_se < 0.25 and 0.7 < load_se / ref_load_se < 1.4
    assert 0.35 < z_se < 0.75 and 0.7 < z_se / ref_z_se < 1.4
    # every sort has a spread, and the unstable sort (UK7, FR9) is not flagged in every resample
    assert (b.loadings.xs("se", axis=1, level=1).max(axis=1) > 0.05).all()
    freq = b.loadings.xs("flag_frequency", axis=1, level=1)
    assert 0.2 < freq.loc["FR9", "F3"] < 0.95
    assert ((freq > 0) & (freq < 1)).to_numpy().sum() >= 4
    # percentile intervals have width
    width = b.zscores.xs("ci_high", axis=1, level=1) - b.zscores.xs("ci_low", axis=1, level=1)
    assert width.to_numpy().mean() > 0.8


def test_bootstrap_skips_a_resample_with_too_few_distinct_sorts():
    sim = qmethod.simulate(4, 20, 1, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b = qmethod.bootstrap(sim.sorts, 2, n_resamples=200, seed=0)
    # with 4 sorts and 2 factors, drawing only 1 or 2 distinct sorts happens (about 1 in 11)
    assert b.skipped > 0 and b.n_resamples + b.skipped == 200
