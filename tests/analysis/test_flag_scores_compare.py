import warnings

import numpy as np
import pandas as pd
import pytest

import qmethod
from qmethod import QMethodError
from qmethod.analysis import factor_arrays, flag, z_critical
from qmethod.analysis.compare import compare_factors


def _res(lipset, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return qmethod.analyze(lipset, 3, **kw)


def test_z_critical_values():
    assert z_critical(0.05) == 1.96 and z_critical(0.01) == 2.576 and z_critical(0.001) == 3.291
    assert z_critical(0.02) == pytest.approx(2.3263, abs=1e-4)
    with pytest.raises(QMethodError):
        z_critical(1.5)


def test_threshold_and_levels(lipset):
    res = _res(lipset)
    fl = flag(res.loadings, 33)
    assert fl.threshold == pytest.approx(0.341192205673168, abs=1e-15)
    strict = flag(res.loadings, 33, significance=0.001)
    assert strict.threshold == pytest.approx(3.291 / np.sqrt(33))
    assert strict.flags.to_numpy().sum() < fl.flags.to_numpy().sum()
    assert not (strict.flags & ~fl.flags).any().any()


def test_negative_loadings_can_be_excluded(lipset):
    res = _res(lipset)
    inc = flag(res.loadings, 33)
    exc = flag(res.loadings, 33, negative="exclude")
    assert ("JP5", "F1") in inc.negative and ("FR9", "F3") in inc.negative
    assert not exc.flags.loc["JP5", "F1"] and not exc.flags.loc["FR9", "F3"]
    assert ("JP5", "F1") in exc.excluded_negative
    assert any("negative" in w for w in exc.warnings)
    # via analyze: the excluded sorts no longer weigh on the factor
    r = _res(lipset, negative="exclude")
    assert r.weights.loc["JP5", "F1"] == 0 and r.flags.sum().tolist() == [2, 3, 2]


def test_without_majority_confounded_sorts_get_one_flag(lipset):
    res = _res(lipset)
    fl = flag(res.loadings, 33, majority=False)
    assert (fl.flags.sum(axis=1) <= 1).all()
    assert "UK7" in fl.confounded  # significant on F2 and F3
    assert fl.flags.to_numpy().sum() >= flag(res.loadings, 33).flags.to_numpy().sum()


def test_manual_flag_matrix_is_validated(lipset):
    with pytest.raises(QMethodError, match="flag matrix is 2x2"):
        _res(lipset, flags=np.zeros((2, 2), bool))
    with pytest.raises(QMethodError, match="True/False"):
        _res(lipset, flags=np.full((9, 3), 7))


def test_factor_arrays_tie_rules():
    z = pd.DataFrame({"F1": [0.5, -1.0, 0.5, 1.0, -1.0]}, index=list("abcde"))
    grid = [-1, 0, 0, 1, 2]
    pos = factor_arrays(z, grid)["F1"]
    # ties: the statement listed later gets the lower value; the array fills the grid exactly
    assert pos.tolist() == [1, 0, 0, 2, -1]
    assert sorted(pos) == grid
    qm = factor_arrays(z, grid, ties="qmethod")["F1"]
    assert qm.tolist() == [0, -1, 0, 2, -1]  # floor of average rank: breaks the grid
    with pytest.raises(QMethodError):
        factor_arrays(z, grid, ties="random")


def test_pqmethod_convention_lists_more_consensus_statements(lipset):
    q = _res(lipset)
    p = _res(lipset, convention="pqmethod")
    assert set(q.consensus_statements().index) <= set(p.consensus_statements().index)
    assert (p.consensus_statements()["level"].isin(["C", "C*"])).all()
    # every qmethod consensus statement is starred (non-significant at .05) under PQMethod's convention
    assert (p.consensus.loc[q.consensus_statements().index] == "C*").all()
    # ** (p < .01) implies * level membership
    d = q.distinguishing
    assert ((d == "**") <= (q.distinguishing != "")).all().all()


def test_distinguishing_levels_are_nested(lipset):
    res = _res(lipset)
    z, sed = res.zscores, res.sed
    comp = compare_factors(z, sed)
    for sid in z.index:
        for f in res.factors:
            others = [g for g in res.factors if g != f]
            d = np.array([abs(z.loc[sid, f] - z.loc[sid, g]) for g in others])
            s = np.array([sed.loc[f, g] for g in others])
            level = comp.distinguishing.loc[sid, f]
            assert (level != "") == bool((d > 1.96 * s).all())
            assert (level == "**") == bool((d > 2.576 * s).all())


def test_crib_sheet_and_split(lipset):
    res = _res(lipset, statements=[f"text {i}" for i in range(1, 34)])
    crib = res.crib_sheets()["F1"]
    assert list(crib["section"].unique()) == ["highest", "higher than in all other factors",
                                              "lower than in all other factors", "lowest"]
    top = crib[crib["section"] == "highest"]
    assert (top["F1 array"] == 4).all() and len(top) == 2
    mid = crib[crib["section"] == "higher than in all other factors"]
    assert ((mid["F1 array"] > mid["F2 array"]) & (mid["F1 array"] > mid["F3 array"])).all()
    split = qmethod.split_bipolar(res, "F1")
    assert split.factors == ["F1a", "F1b", "F2", "F3"]
    assert split.flags.loc["JP5", "F1b"] and not split.flags.loc["JP5", "F1a"]
    assert split.loadings.loc["JP5", "F1b"] > 0
    # the negative pole's array is JP5's own sort order (it is the only defining sort)
    assert np.corrcoef(split.zscores["F1b"], lipset["JP5"])[0, 1] == pytest.approx(1.0)
    with pytest.raises(QMethodError, match="no sort flagged with a negative loading"):
        qmethod.split_bipolar(res, "F2")
    inv = qmethod.invert_factor(res, "F2")
    np.testing.assert_allclose(inv.zscores["F2"], -res.zscores["F2"], atol=1e-12)
    assert "F2 was inverted." in inv.warnings


def _qdc_reference(z: np.ndarray, se: np.ndarray, c05: float, c01: float):
    """Distinguishing/consensus codes and R qmethod's labels, statement by statement, as written
    in B.7 of the qmethod notes (plain loops; the library works per pattern, vectorised)."""
    n, k = z.shape
    pairs = [(f, g) for f in range(k) for g in range(f + 1, k)]
    dist, cons, labels = [], [], []
    for i in range(n):
        d = {p: abs(z[i, p[0]] - z[i, p[1]]) for p in pairs}
        sed = {p: np.sqrt(se[p[0]] ** 2 + se[p[1]] ** 2) for p in pairs}
        s05 = {p: d[p] > c05 * sed[p] for p in pairs}
        s01 = {p: d[p] > c01 * sed[p] for p in pairs}
        row = []
        for f in range(k):
            mine = [p for p in pairs if f in p]
            row.append("**" if all(s01[p] for p in mine) else "*" if all(s05[p] for p in mine) else "")
        dist.append(row)
        cons.append("C*" if not any(s05.values()) else "C" if not any(s01.values()) else "")
        if not any(s05.values()):
            label = "Consensus"
        elif k == 2:
            label = "Distinguishing"
        else:
            label = ""
            for f in range(k):
                inside = [s05[p] for p in pairs if f in p]
                outside = [s05[p] for p in pairs if f not in p]
                if all(inside) and not any(outside):
                    label = f"Distinguishes f{f + 1} only"
                elif all(s05.values()):
                    label = "Distinguishes all"
                elif all(inside) and any(outside):
                    label += f"Distinguishes f{f + 1} "
        labels.append(label)
    return dist, cons, labels


@pytest.mark.parametrize("convention", ["qmethod", "pqmethod"])
def test_comparisons_follow_the_written_rules_statement_by_statement(convention):
    rng = np.random.default_rng(7)
    c05, c01, _ = qmethod.analysis.compare.CONVENTIONS[convention]
    for _ in range(60):
        k, n = int(rng.integers(2, 7)), int(rng.integers(5, 40))
        z = rng.normal(size=(n, k)) * rng.uniform(0.3, 3.0)
        se = rng.uniform(0.1, 0.6, size=k)
        factors = pd.Index([f"F{i + 1}" for i in range(k)])
        zf = pd.DataFrame(z, index=[f"S{i}" for i in range(n)], columns=factors)
        sed = pd.DataFrame(np.sqrt(se[:, None] ** 2 + se[None, :] ** 2), index=factors, columns=factors)
        got = compare_factors(zf, sed, convention=convention)
        dist, cons, labels = _qdc_reference(z, se, c05, c01)
        assert got.distinguishing.to_numpy().tolist() == dist
        assert got.consensus.tolist() == cons
        assert got.labels.tolist() == labels
        stars = np.abs(got.differences.to_numpy())
        assert ((got.pair_significance != "").to_numpy() == (stars > c05 * np.array(
            [np.sqrt(se[f] ** 2 + se[g] ** 2) for f in range(k) for g in range(f + 1, k)]))).all()


def test_factor_without_z_scores_is_left_out_of_the_comparison():
    rng = np.random.default_rng(3)
    z = pd.DataFrame(rng.normal(size=(20, 4)), columns=["F1", "F2", "F3", "F4"])
    z["F2"] = np.nan
    sed = pd.DataFrame(np.full((4, 4), 0.5), index=z.columns, columns=z.columns)
    got = compare_factors(z, sed)
    assert got.factors == ["F1", "F3", "F4"]
    assert list(got.differences.columns) == ["F1-F3", "F1-F4", "F3-F4"]
    ref = compare_factors(z.drop(columns="F2"), sed.drop(index="F2", columns="F2"))
    pd.testing.assert_series_equal(got.labels, ref.labels)
    pd.testing.assert_frame_equal(got.distinguishing, ref.distinguishing)


def test_factor_arrays_match_a_sort_by_z_then_later_statement_first():
    rng = np.random.default_rng(5)
    for _ in range(40):
        n, k = int(rng.integers(5, 40)), int(rng.integers(1, 6))
        z = np.round(rng.normal(size=(n, k)), 1)  # rounding makes ties
        dist = np.sort(rng.integers(-4, 5, size=n))
        got = factor_arrays(pd.DataFrame(z), dist).to_numpy()
        for j in range(k):
            want = np.empty(n)
            want[np.lexsort((-np.arange(n), z[:, j]))] = dist
            assert (got[:, j] == want).all()


def test_split_factor_variance_adds_up(lipset):
    """Splitting a bipolar factor counts its variance once: the poles add up to the factor, the
    explained variance stays the same total, and the table's note says how it is counted."""
    res = _res(lipset)
    split = qmethod.split_bipolar(res, "F1")
    before, after = res.characteristics, split.characteristics
    assert after.loc[["F1a", "F1b"], "eigenvalue"].sum() == pytest.approx(before.loc["F1", "eigenvalue"])
    assert after["explained_variance"].sum() == pytest.approx(before["explained_variance"].sum())
    assert after["explained_variance"].sum() < 100
    # F1b holds the sorts loading negatively on F1 (JP5 among them)
    f1 = res.loadings["F1"]
    assert after.loc["F1b", "eigenvalue"] == pytest.approx((f1[f1 < 0] ** 2).sum())
    np.testing.assert_allclose(split.communalities, res.communalities, atol=1e-12)
    assert any("counted once" in w for w in split.warnings)
    assert "F1 was split into F1a and F1b: its variance is counted once" in split.summary()
    # still so after a further rescore (manual flags) and through JSON
    again = qmethod.AnalysisResult.from_json(split.to_json())
    assert again.details["split"] == {"F1": ["F1a", "F1b"]}


def test_a_significant_sort_flagged_on_one_factor_is_not_called_unflagged():
    """Lipset, 3 principal components: UK7 is significant on F2 and F3 and flagged on F3 (its common
    variance is mostly there). The warning said it was "not flagged automatically"."""
    from qmethod import io as qio
    from pathlib import Path

    imp = qio.read(Path(__file__).resolve().parents[1] / "data" / "LIPSET.DAT")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = qmethod.analyze(imp.sorts, 3)
    assert bool(res.flags.loc["UK7", "F3"])
    texts = " ".join(res.warnings)
    assert "flagged on the one that holds most of its common variance: UK7" in texts
    assert "not flagged automatically): UK7" not in texts
