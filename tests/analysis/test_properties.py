"""Property tests: invariances of the analysis and recovery of known viewpoints."""
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qmethod
from qmethod.analysis import varimax

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _analyze(sorts, k, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return qmethod.analyze(sorts, k, **kw)


@st.composite
def study(draw):
    n_sorts = draw(st.integers(6, 20))
    n_statements = draw(st.integers(12, 30))
    k = draw(st.integers(1, 3))
    seed = draw(st.integers(0, 10_000))
    return qmethod.simulate(n_sorts, n_statements, k, noise=0.6, seed=seed).sorts, k, seed


@SETTINGS
@given(study(), st.sampled_from(["pca", "centroid"]))
def test_permuting_sorts_permutes_loading_rows(data, extraction):
    sorts, k, seed = data
    perm = np.random.default_rng(seed).permutation(sorts.shape[1])
    a = _analyze(sorts, k, extraction=extraction)
    b = _analyze(sorts.iloc[:, perm], k, extraction=extraction)
    if extraction == "centroid":
        # centroid reflection order depends on column order; compare the common factor space
        pa = a.loadings.to_numpy() @ a.loadings.to_numpy().T
        pb = b.loadings.loc[a.loadings.index].to_numpy() @ b.loadings.loc[a.loadings.index].to_numpy().T
        assert np.abs(pa - pb).max() < 0.05
    else:
        pd.testing.assert_frame_equal(b.loadings.loc[a.loadings.index], a.loadings, atol=1e-7)
        assert (b.flags.loc[a.flags.index] == a.flags).all().all()


@SETTINGS
@given(study())
def test_reordering_statements_reorders_zscores(data):
    sorts, k, seed = data
    perm = np.random.default_rng(seed + 1).permutation(sorts.shape[0])
    a = _analyze(sorts, k)
    b = _analyze(sorts.iloc[perm], k)
    pd.testing.assert_frame_equal(b.zscores.loc[a.zscores.index], a.zscores, atol=1e-9)
    pd.testing.assert_frame_equal(b.loadings, a.loadings, atol=1e-9)


@SETTINGS
@given(study(), st.floats(1e-12, 1e-5))
def test_varimax_keeps_communalities(data, tol):
    sorts, k, _ = data
    res = _analyze(sorts, max(k, 2), rotation="none")
    rotated, t = varimax(res.unrotated_loadings, tolerance=tol)
    np.testing.assert_allclose((rotated**2).sum(axis=1), (res.unrotated_loadings**2).sum(axis=1), atol=1e-10)
    np.testing.assert_allclose(t.to_numpy() @ t.to_numpy().T, np.eye(t.shape[0]), atol=1e-10)


@pytest.mark.parametrize("k,seed", [(2, 1), (3, 2), (4, 3), (5, 4)])
def test_synthetic_viewpoints_are_recovered(k, seed):
    sim = qmethod.simulate(12 * k, 40, k, noise=0.5, loading=(0.7, 0.9), seed=seed)
    guidance = qmethod.factor_guidance(sim.sorts, max_factors=8, n_iter=200, seed=seed)
    assert guidance.suggested["parallel"] == k
    res = _analyze(sim.sorts, k)
    # every factor is defined by sorts of exactly one viewpoint, and the viewpoints map one to one
    mapping = {}
    for f in res.factors:
        defining = res.flags.index[res.flags[f]]
        assert len(defining) >= 2
        views = set(sim.membership[defining])
        assert len(views) == 1, (f, views)
        mapping[f] = views.pop()
    assert sorted(mapping.values()) == sorted(sim.membership.unique())
    # most sorts are flagged, each on its own viewpoint's factor
    flagged = res.flags.any(axis=1)
    assert flagged.mean() > 0.8
    # the factor z-scores correlate strongly with the true viewpoint profiles
    for f, v in mapping.items():
        assert np.corrcoef(res.zscores[f], sim.viewpoints[v])[0, 1] > 0.9
