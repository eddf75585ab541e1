"""The whole pipeline against R qmethod 1.8.4 on Lipset, to 1e-9 (tests/data/lipset_3f_*.json)."""
import warnings

import numpy as np
import pandas as pd
import pytest

import qmethod
from qmethod import AnalysisResult, QMethodError, QMethodWarning

from .conftest import ref_frame

TOL = 1e-9


def _factors_renamed(df):
    out = df.copy()
    out.columns = [c.lower() for c in out.columns]
    return out


def test_correlations_match(reference_run):
    _, ref, res = reference_run
    np.testing.assert_allclose(res.correlations.to_numpy(), ref_frame(ref, "correlation_matrix").to_numpy(), atol=TOL)


def test_eigenvalues_match(reference_run):
    _, ref, res = reference_run
    np.testing.assert_allclose(res.eigenvalues.to_numpy(), ref["eigenvalues_all_unrotated"], atol=TOL)


def test_unrotated_and_rotated_loadings_match(reference_run):
    _, ref, res = reference_run
    np.testing.assert_allclose(res.unrotated_loadings.to_numpy(), ref_frame(ref, "unrotated_loadings").to_numpy(), atol=TOL)
    np.testing.assert_allclose(res.loadings.to_numpy(), ref_frame(ref, "rotated_loadings").to_numpy(), atol=TOL)
    assert list(res.loadings.index) == ref["rotated_loadings"]["rows"]


def test_flags_and_weights_match(reference_run):
    _, ref, res = reference_run
    assert (res.flags.to_numpy() == ref_frame(ref, "flags", dtype=bool).to_numpy()).all()
    np.testing.assert_allclose(res.weights.to_numpy(), ref_frame(ref, "weights_derived").to_numpy(), atol=TOL)


def test_zscores_and_arrays_match(reference_run):
    _, ref, res = reference_run
    np.testing.assert_allclose(res.zscores.to_numpy(), ref_frame(ref, "zscores").to_numpy(), atol=TOL)
    assert list(res.zscores.index) == ref["zscores"]["rows"]
    assert (res.factor_arrays.to_numpy(dtype=int) == ref_frame(ref, "factor_arrays", dtype=int).to_numpy()).all()


def test_characteristics_sed_and_correlations_match(reference_run):
    _, ref, res = reference_run
    fc = ref["factor_characteristics"]
    ch = res.characteristics
    assert list(ch["n_defining"]) == fc["n_flagged"]
    for ours, theirs in [("avg_rel_coef", "av_rel_coef"), ("eigenvalue", "eigenvalues"),
                         ("explained_variance", "explained_variance_pct"),
                         ("composite_reliability", "composite_reliability"), ("se_zscores", "se_zscores")]:
        np.testing.assert_allclose(ch[ours].to_numpy(), fc[theirs], atol=TOL)
    np.testing.assert_allclose(res.sed.to_numpy(), ref_frame(ref, "sed").to_numpy(), atol=TOL)
    np.testing.assert_allclose(res.factor_correlations.to_numpy(), ref_frame(ref, "cor_zscores").to_numpy(), atol=TOL)


def test_distinguishing_and_consensus_match(reference_run):
    _, ref, res = reference_run
    records = ref["qdc"]["records"]
    assert list(res.labels) == [r["dist.and.cons"] for r in records]
    for pair in ("f1_f2", "f1_f3", "f2_f3"):
        ours = pair.replace("f", "F").replace("_", "-")
        np.testing.assert_allclose(res.differences[ours].to_numpy(), [r[pair] for r in records], atol=TOL)
        assert list(res.pair_significance[ours]) == [r[f"sig_{pair}"] for r in records]
    # qmethod's "distinguishing for factor i" (qdc.zsc): the z-score is kept exactly where it is
    kept = ref_frame(ref, "qdc_zscores_of_distinguishing")
    ours = res.distinguishing != ""
    assert (ours.to_numpy() == kept.notna().to_numpy()).all()
    consensus = [r["statement"] for r in records if r["dist.and.cons"] == "Consensus"]
    assert list(res.consensus_statements().index) == consensus


def test_lipset_pca_varimax_published_figures(lipset):
    """The figures printed in the qmethod notes (C.1-C.3), rounded as printed."""
    with pytest.warns(QMethodWarning, match="negative loading"):
        res = qmethod.analyze(lipset, 3)
    assert res.loadings.loc["JP5", "F1"] == pytest.approx(-0.8335, abs=5e-5)
    assert res.flags.sum().tolist() == [3, 3, 3]
    assert set(res.flags.index[res.flags["F3"]]) == {"CA6", "UK7", "FR9"}
    assert res.sed.iloc[0, 1] == pytest.approx(0.392232, abs=5e-7)
    assert (res.labels == "Consensus").sum() == 2
    assert list(res.consensus_statements().index) == ["sta_14", "sta_20"]


def test_default_tie_rule_keeps_every_array_on_the_grid(lipset):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = qmethod.analyze(lipset, 3, extraction="centroid", centroid_start="qmethod")
        qm = qmethod.analyze(lipset, 3, extraction="centroid", centroid_start="qmethod", ties="qmethod")
    grid = np.sort(lipset.iloc[:, 0].to_numpy())
    for f in res.factors:
        assert (np.sort(res.factor_arrays[f].to_numpy(dtype=int)) == grid).all()
    # qmethod's rule breaks the grid on F3 (tied z-scores), ours does not
    assert not (np.sort(qm.factor_arrays["F3"].to_numpy(dtype=int)) == grid).all()


def test_manual_flags_override_and_unflagged_factor_does_not_abort(lipset):
    flags = pd.DataFrame(False, index=lipset.columns, columns=["F1", "F2", "F3"])
    flags.loc[["US3", "US4"], "F1"] = True
    flags.loc[["US1", "US2"], "F3"] = True  # F2 gets no defining sort
    with pytest.warns(QMethodWarning, match="No defining Q-sort on F2"):
        res = qmethod.analyze(lipset, 3, flags=flags)
    assert res.settings.flags == "manual"
    assert res.flags.equals(flags)
    assert res.zscores["F2"].isna().all() and res.factor_arrays["F2"].isna().all()
    assert not res.zscores["F1"].isna().any()
    assert res.distinguishing.columns.tolist() == ["F1", "F3"]
    # z-scores of F1 only depend on its flagged sorts
    w = res.weights["F1"]
    assert set(w.index[w != 0]) == {"US3", "US4"}


def test_many_factors_keep_their_labels():
    sim = qmethod.simulate(60, 40, 12, noise=0.3, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = qmethod.analyze(sim.sorts, 12)
    assert res.factors == [f"F{i}" for i in range(1, 13)]
    assert "F10-F12" in res.differences.columns
    import re

    named = set()
    for sid, lab in res.labels.items():
        for token in re.findall(r"f\d+", lab):
            factor = token.upper()  # "f11" -> "F11", never read as F1
            assert res.distinguishing.loc[sid, factor] != ""
            named.add(factor)
    assert named & {"F10", "F11", "F12"}


def test_json_round_trip(lipset, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = qmethod.analyze(lipset, 3, statements=[f"text {i}" for i in range(33)], rotation_steps=[("F1", "F2", 10)])
    path = tmp_path / "r.json"
    res.to_json(path)
    back = AnalysisResult.from_json(str(path))
    assert back.settings == res.settings
    for name in ("sorts", "loadings", "flags", "zscores", "factor_arrays", "characteristics", "sed", "distinguishing"):
        pd.testing.assert_frame_equal(getattr(back, name), getattr(res, name), check_dtype=False)
    pd.testing.assert_series_equal(back.consensus, res.consensus, check_names=False)
    assert back.to_dict()["schema"] == "qmethod.result/1"


def test_judgmental_rotation_in_pipeline_matches_rotate_pair(lipset):
    from qmethod.analysis import rotate_pair

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base = qmethod.analyze(lipset, 3)
        turned = qmethod.analyze(lipset, 3, rotation_steps=[("F1", "F2", 30), ("F2", "F3", -12.5)])
    expected = rotate_pair(rotate_pair(base.loadings, "F1", "F2", 30), "F2", "F3", -12.5)
    np.testing.assert_allclose(turned.loadings.to_numpy(), expected.to_numpy(), atol=1e-12)
    np.testing.assert_allclose((turned.loadings**2).sum(axis=1), (base.loadings**2).sum(axis=1), atol=1e-12)


@pytest.mark.parametrize("bad, match", [
    ({"extraction": "ml"}, "extraction must be one of"),
    ({"rotation": "promax"}, "rotation must be one of"),
    ({"correlation": "cosine"}, "correlation must be one of"),
    ({"significance": 5}, "between 0 and 1"),
    ({"flags": "yes"}, "flags must be 'auto'"),
])
def test_bad_settings_raise_package_error(lipset, bad, match):
    with pytest.raises(QMethodError, match=match):
        qmethod.analyze(lipset, 3, **bad)


@pytest.mark.parametrize("k", [0, 10, 2.5])
def test_impossible_number_of_factors(lipset, k):
    with pytest.raises(QMethodError, match="n_factors"):
        qmethod.analyze(lipset, k)


def test_unforced_data_use_documented_distribution():
    sim = qmethod.simulate(30, 25, 2, forced=False, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = qmethod.analyze(sim.sorts, 2, forced=False)
        given = qmethod.analyze(sim.sorts, 2, forced=False, distribution=sim.distribution)
    from qmethod.analysis import infer_distribution

    expected = np.sort(infer_distribution(sim.sorts.astype(float)))
    for f in res.factors:
        assert (np.sort(res.factor_arrays[f].to_numpy(dtype=float)) == expected).all()
        assert (np.sort(given.factor_arrays[f].to_numpy(dtype=float)) == np.sort(sim.distribution)).all()
    with pytest.raises(QMethodError, match="breaks the forced distribution"):
        qmethod.analyze(sim.sorts, 2)


def test_communalities_and_explained_variance(lipset, reference_run):
    name, ref, res = reference_run
    h2 = (ref_frame(ref, "rotated_loadings") ** 2).sum(axis=1)
    np.testing.assert_allclose(res.communalities.to_numpy(), h2.to_numpy(), atol=1e-12)
    if name == "pca_varimax":
        # the notes' table C.1: h2 of US1 0.6513, FR9 0.2758
        assert res.communalities["US1"] == pytest.approx(0.6513, abs=5e-5)
        assert res.communalities["FR9"] == pytest.approx(0.2758, abs=5e-5)
    assert res.explained_variance.sum() == pytest.approx(100.0)


@pytest.mark.parametrize("bad, match", [
    ({"av_rel_coef": 2.0}, r"av_rel_coef must be a number between 0 and 1 \(excluding 0\); got 2.0"),
    ({"av_rel_coef": 0}, "av_rel_coef must be"),
    ({"varimax_tolerance": -1}, "varimax_tolerance must be a number between 0 and 1"),
    ({"majority": "no"}, "majority must be True or False; got 'no'"),
    ({"forced": "yes"}, "forced must be True or False"),
    ({"standardize_sorts": 1}, "standardize_sorts must be True or False"),
    ({"keep_correlations": "no"}, "keep_correlations must be None or True or False"),
    ({"significance": True}, "significance must be a number between 0 and 1"),
    ({"centroid_tolerance": float("nan")}, "centroid_tolerance must be None or a number"),
])
def test_every_option_is_validated(lipset, bad, match):
    """Options outside their range, non-booleans and unknown names are refused, naming the option
    (they used to be accepted: av_rel_coef=2.0 gave a composite reliability of 1.2)."""
    with pytest.raises(QMethodError, match=match):
        qmethod.analyze(lipset, 3, **bad)


@pytest.mark.parametrize("call, match", [
    (lambda d: qmethod.bootstrap(d, 3, n_resamples=20, confidence=1.5), "confidence must be a number between 0 and 1"),
    (lambda d: qmethod.bootstrap(d, 3, n_resamples=20, seed=-1), "seed must be None or a whole number >= 0"),
    (lambda d: qmethod.bootstrap(d, 3, n_resamples=20.0), "n_resamples must be a whole number >= 2"),
    (lambda d: qmethod.bootstrap(d, 3, n_resamples=20, majority="no"), "majority must be True or False"),
    (lambda d: qmethod.factor_guidance(d, max_factors=0), "max_factors must be a whole number >= 1"),
    (lambda d: qmethod.factor_guidance(d, n_iter=0), "n_iter must be a whole number >= 1"),
    (lambda d: qmethod.analysis.parallel_analysis([-1, 0, 0, 1], 4, percentile=150), "percentile must be a number between 0 and 100"),
    (lambda d: qmethod.analysis.flag(qmethod.analyze(d, 2).loadings, 33, majority="no"), "majority must be True or False"),
    (lambda d: qmethod.analysis.characteristics(qmethod.analyze(d, 2).loadings, qmethod.analyze(d, 2).flags, av_rel_coef=2.0),
     "av_rel_coef must be"),
    (lambda d: qmethod.analysis.varimax(qmethod.analyze(d, 2).unrotated_loadings, tolerance=-1), "tolerance must be"),
])
def test_every_function_validates_its_options(lipset, call, match):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(QMethodError, match=match):
            call(lipset)


def test_result_tables_are_read_only(lipset):
    """Changing a table taken from a result never changes the result (frozen results)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = qmethod.analyze(lipset, 3)
    before = res.to_json()
    res.loadings.iloc[0, 0] = 99
    res.zscores.loc["sta_1", "F1"] = 99
    res.flags["F1"] = True
    res.characteristics.loc["F1", "eigenvalue"] = 99
    res.sorts.iloc[:, 0] = 0
    res.eigenvalues.iloc[0] = 99
    res.consensus.iloc[0] = "x"
    res.details["extraction"] = "changed"
    lf = res.loadings
    lf["extra"] = 1.0
    try:
        res.loadings.to_numpy()[0, 0] = 99
    except ValueError:
        pass  # a read-only view: refusing the write is as good
    assert res.loadings.iloc[0, 0] != 99 and list(res.loadings.columns) == ["F1", "F2", "F3"]
    assert res.to_json() == before
    with pytest.raises(AttributeError):
        res.loadings = lf


def test_bootstrap_and_stage_results_are_read_only(lipset):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b = qmethod.bootstrap(lipset, 2, n_resamples=20, seed=1)
        fl = qmethod.analysis.flag(qmethod.analyze(lipset, 2).loadings, 33)
    se = b.zscores.iloc[0, 2]
    b.zscores.iloc[0, 2] = 99
    fl.flags.iloc[:, :] = True
    fl.warnings.append("x")
    assert b.zscores.iloc[0, 2] == se and not fl.flags.to_numpy().all() and "x" not in fl.warnings
