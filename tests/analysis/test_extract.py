import numpy as np
import pandas as pd
import pytest

import qmethod

from qmethod import QMethodError
from qmethod.analysis import centroid, correlate, horst, pca
from qmethod.analysis.correlate import standardize
from qmethod.analysis.extract import pca_from_sorts

from .conftest import DATA, load_reference, ref_frame


def test_brown_centroid_matches_kade_to_all_printed_decimals(lipset):
    kade = pd.read_csv(DATA / "lipset_kade_brown_centroid7_unrotated.csv", index_col=0)
    ext = centroid(correlate(lipset), 7)  # PQMethod/KADE conventions are the default
    assert list(ext.loadings.index) == list(kade.index)
    # KADE printed 8 decimals: every value must agree when rounded to them
    assert (ext.loadings.round(8).to_numpy() == kade.to_numpy()).all()
    # the "factors not in order" effect (KADE issue #25) is reproduced, not hidden
    ss = (ext.loadings**2).sum()
    assert ss["F7"] > ss["F6"]


def test_qmethod_centroid_matches_r(lipset):
    ref = load_reference("centroid_varimax")
    ext = centroid(correlate(lipset), 3, start="qmethod")
    np.testing.assert_allclose(ext.loadings.to_numpy(), ref_frame(ref, "unrotated_loadings").to_numpy(), atol=1e-12)


def test_centroid_variants_differ_only_slightly(lipset):
    r = correlate(lipset)
    a = centroid(r, 3).loadings.to_numpy()
    b = centroid(r, 3, start="qmethod").loadings.to_numpy()
    assert 1e-5 < np.abs(a - b).max() < 0.01


def test_pca_svd_path_equals_eigen_path(lipset):
    r = correlate(lipset)
    a = pca(r, 5)
    b = pca_from_sorts(standardize(lipset.to_numpy(dtype=float)), lipset.columns, 5)
    np.testing.assert_allclose(a.loadings.to_numpy(), b.loadings.to_numpy(), atol=1e-12)
    np.testing.assert_allclose(a.eigenvalues.to_numpy(), b.eigenvalues.to_numpy(), atol=1e-12)
    assert (a.loadings.sum() >= 0).all()


def test_pca_when_sorts_outnumber_statements():
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.integers(-3, 4, size=(12, 40)).astype(float))
    ext = pca_from_sorts(standardize(x.to_numpy()), x.columns, 11)
    full = np.linalg.eigvalsh(np.corrcoef(x.to_numpy().T))[::-1]
    np.testing.assert_allclose(ext.eigenvalues.to_numpy()[:11], full[:11], atol=1e-10)
    assert np.allclose(ext.eigenvalues.to_numpy()[11:], 0)
    with pytest.raises(QMethodError, match="at most 11 factors from 40 Q-sorts and 12 statements"):
        pca_from_sorts(standardize(x.to_numpy()), x.columns, 12)


def test_horst_reproduces_its_own_properties(lipset):
    r = correlate(lipset)
    fixed = horst(r, 7, n_statements=33)
    # Lipset with 7 factors does not converge in 30 passes (as in KADE's own unit test)
    assert fixed.details["passes"] == 30 and not fixed.details["converged"]
    auto = horst(r, None, n_statements=33)
    assert auto.details["converged"] and auto.loadings.shape[1] == 2
    # a rank-one correlation matrix is recovered exactly
    a = np.array([0.9, 0.8, 0.7, 0.6, -0.5])
    r1 = np.outer(a, a)
    np.fill_diagonal(r1, 1.0)
    ext = horst(pd.DataFrame(r1), 1, n_statements=30, max_iter=500, tolerance=1e-10)
    np.testing.assert_allclose(np.abs(ext.loadings["F1"].to_numpy()), np.abs(a), atol=1e-6)
    assert np.sign(ext.loadings["F1"].to_numpy() * a).tolist().count(1.0) in (0, 5)


def test_invalid_centroid_option(lipset):
    with pytest.raises(QMethodError, match="start must be one of .pqmethod., .qmethod."):
        centroid(correlate(lipset), 3, start="brown")


def test_kendall_tau_b_matches_scipy_for_every_pair():
    from scipy import stats

    sorts = qmethod.simulate(12, 25, 2, seed=4).sorts  # forced grid: many ties in every sort
    sorts.iloc[:3, 0] = [4, 4, 4]  # and an unforced sort with more
    r = correlate(sorts, method="kendall").to_numpy()
    x = sorts.to_numpy(dtype=float)
    for a in range(12):
        for b in range(12):
            expected = 1.0 if a == b else stats.kendalltau(x[:, a], x[:, b]).statistic
            assert r[a, b] == pytest.approx(expected, abs=1e-14)
