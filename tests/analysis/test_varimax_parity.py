"""The in-house varimax iteration is factor-analyzer's Rotator, operation for operation."""
from __future__ import annotations

import numpy as np
import pytest
from factor_analyzer.rotator import Rotator

import qmethod
from qmethod.analysis.rotate import varimax_array


@pytest.mark.filterwarnings("ignore::qmethod.errors.QMethodWarning")
@pytest.mark.parametrize("n_sorts,k,tol", [(9, 3, 1e-5), (120, 5, 1e-5), (400, 7, 1e-12), (60, 2, 1e-5)])
def test_varimax_matches_factor_analyzer_bit_for_bit(n_sorts, k, tol):
    sorts = qmethod.simulate(n_sorts, 40, k, seed=n_sorts).sorts
    a = qmethod.analyze(sorts, k, rotation="none").unrotated_loadings.to_numpy()
    h = np.sqrt(np.square(a).sum(axis=1, keepdims=True))
    ref = Rotator(method="varimax", normalize=False, tol=tol, max_iter=1000)
    expected = ref.fit_transform(a / h) * h
    got, t = varimax_array(a, tolerance=tol)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(t, ref.rotation_)
