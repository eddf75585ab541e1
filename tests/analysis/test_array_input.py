"""Every public stage function takes array-likes with np.asarray semantics (a nested list is rows)."""
import numpy as np
import pandas as pd
import pytest

from qmethod.analysis import (centroid, characteristics, compare_factors, correlate, factor_arrays,
                              factor_correlations, factor_weights, flag, horst, pca, rotate_pair, sed,
                              varimax, zscores)


def _chain(sorts: pd.DataFrame) -> dict:
    """The inputs each stage takes, computed from DataFrames."""
    r = correlate(sorts)
    loadings = varimax(pca(r, 3).loadings)[0]
    flags = flag(loadings, sorts.shape[0]).flags
    weights = factor_weights(loadings, flags)
    z = zscores(sorts, weights)
    return dict(sorts=sorts, r=r, loadings=loadings, flags=flags, weights=weights, z=z,
                sed=sed(characteristics(loadings, flags)))


STAGES = {
    "correlate pearson": lambda t, c: correlate(t(c["sorts"])),
    "correlate kendall": lambda t, c: correlate(t(c["sorts"]), method="kendall"),
    "correlate spearman": lambda t, c: correlate(t(c["sorts"]), method="spearman"),
    "pca": lambda t, c: pca(t(c["r"]), 3).loadings,
    "centroid": lambda t, c: centroid(t(c["r"]), 3).loadings,
    "horst": lambda t, c: horst(t(c["r"]), 3, n_statements=33).loadings,
    "varimax": lambda t, c: varimax(t(c["loadings"]))[0],
    "rotate_pair": lambda t, c: rotate_pair(t(c["loadings"]), "F1", "F2", 10),
    "flag": lambda t, c: flag(t(c["loadings"]), 33).flags,
    "factor_weights": lambda t, c: factor_weights(t(c["loadings"]), t(c["flags"])),
    "zscores": lambda t, c: zscores(t(c["sorts"]), t(c["weights"])),
    "factor_arrays": lambda t, c: factor_arrays(t(c["z"]), np.sort(c["sorts"].iloc[:, 0].to_numpy())),
    "characteristics": lambda t, c: characteristics(t(c["loadings"]), t(c["flags"])),
    "factor_correlations": lambda t, c: factor_correlations(t(c["z"])),
    "compare_factors": lambda t, c: compare_factors(t(c["z"]), t(c["sed"])).differences,
}

KINDS = {
    "list": lambda df: df.to_numpy().tolist(),
    "ndarray": lambda df: df.to_numpy(),
    "DataFrame": lambda df: df,
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("stage", STAGES)
def test_stage_accepts_array_likes(lipset, stage, kind):
    chain = _chain(lipset)
    expected = STAGES[stage](KINDS["DataFrame"], chain)
    got = STAGES[stage](KINDS[kind], chain)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got.to_numpy(dtype=float), expected.to_numpy(dtype=float), rtol=0, atol=1e-12)
    if kind != "DataFrame":  # positional labels S1.., Q1.., F1..
        assert str(got.index[0])[0] in "SQF"


def test_a_table_of_the_wrong_shape_is_a_clear_error():
    import qmethod
    with pytest.raises(qmethod.DataError, match="sorts must be a 2-D table"):
        correlate([1, 2, 3])
