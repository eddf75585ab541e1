"""Bad input raises one package error naming the sort or statement."""
import numpy as np
import pandas as pd
import pytest

import qmethod
from qmethod import DataError, QMethodError


def test_package_errors_are_value_errors():
    assert issubclass(DataError, QMethodError) and issubclass(QMethodError, ValueError)


def test_non_numeric_value(lipset):
    bad = lipset.astype(object)
    bad.loc["sta_5", "JP5"] = "x"
    with pytest.raises(DataError, match=r"Q-sort 'JP5', statement 'sta_5': value 'x' is not a number"):
        qmethod.analyze(bad, 3)


def test_missing_value(lipset):
    bad = lipset.astype(float)
    bad.loc["sta_7", "US2"] = np.nan
    with pytest.raises(DataError, match=r"Q-sort 'US2', statement 'sta_7': the value is missing"):
        qmethod.analyze(bad, 3)


def test_unequal_length_rows():
    with pytest.raises(DataError, match=r"row 3 \(statement S3\) has 2 values, row 1 has 3"):
        qmethod.analyze([[1, 0, -1], [0, 1, -1], [0, 0], [1, -1, 0]], 1)


def test_nested_list_reads_as_the_array_made_from_it():
    """np.asarray semantics: a nested list is rows (statements), as the numpy array of it."""
    import warnings

    sim = qmethod.simulate(6, 15, 2, seed=2).sorts.to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from_list = qmethod.analyze(sim.tolist(), 2)
        from_array = qmethod.analyze(sim, 2)
    assert from_list.sorts.shape == (15, 6) == from_array.sorts.shape
    np.testing.assert_array_equal(from_list.zscores.to_numpy(), from_array.zscores.to_numpy())
    np.testing.assert_array_equal(from_list.loadings.to_numpy(), from_array.loadings.to_numpy())


def test_sort_breaking_declared_distribution(lipset):
    bad = lipset.copy()
    bad.loc["sta_2", "US1"] = 1  # the KADE "unforced" fixture's change
    with pytest.raises(DataError, match=r"Q-sort 'US1' breaks the forced distribution: it has \d+ statement.s. at \+1 where the grid most Q-sorts follow has \d+"):
        qmethod.analyze(bad, 3)
    grid = np.sort(lipset["US2"].to_numpy())
    with pytest.raises(DataError, match="the declared distribution"):
        qmethod.analyze(bad, 3, distribution=grid)
    with pytest.raises(DataError, match="34 grid slots"):
        qmethod.analyze(lipset, 3, distribution=list(grid) + [0])


def test_forced_grid_error_names_the_value_outside_the_grid(lipset):
    bad = lipset.copy()
    bad.iloc[0, 0] = 9  # a typo: +9 on a -4..+4 grid
    with pytest.raises(DataError, match=r"Q-sort 'US1' breaks the forced distribution: statement '.+' is at \+9, "
                       r"which is outside the grid -4..\+4"):
        qmethod.analyze(bad, 3)


def test_duplicate_ids(lipset):
    bad = lipset.copy()
    bad.columns = ["US1"] + list(lipset.columns[1:-1]) + ["US1"]
    with pytest.raises(DataError, match="Duplicate Q-sort id 'US1'"):
        qmethod.analyze(bad, 3)
    bad = lipset.copy()
    bad.index = ["sta_1"] * 2 + list(lipset.index[2:])
    with pytest.raises(DataError, match="Duplicate statement id 'sta_1'"):
        qmethod.analyze(bad, 3)


def test_constant_sort(lipset):
    bad = lipset.copy()
    bad["UK7"] = 0
    with pytest.raises(DataError, match="Q-sort 'UK7' gives every statement the same value"):
        qmethod.analyze(bad, 3, forced=False)


def test_too_few(lipset):
    with pytest.raises(DataError, match="2 Q-sorts"):
        qmethod.analyze(lipset.iloc[:, :1], 1)
    with pytest.raises(DataError, match="2-D"):
        qmethod.analyze([1, 2, 3], 1)


def test_too_many_factors(lipset):
    with pytest.raises(QMethodError, match="n_factors=10 is more than these data allow"):
        qmethod.analyze(lipset, 10)
    with pytest.raises(QMethodError, match="n_factors=10"):
        qmethod.analyze(lipset, 10, extraction="centroid")


def test_array_input_gets_labels():
    sim = qmethod.simulate(8, 20, 2, seed=5)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = qmethod.analyze(sim.sorts.to_numpy(), 2)
    assert list(res.loadings.index[:2]) == ["Q1", "Q2"] and list(res.zscores.index[:2]) == ["S1", "S2"]


def test_checked_sorts_never_share_memory_with_the_input():
    from qmethod.analysis import check_sorts

    for values in (np.arange(12.0).reshape(4, 3) % 5, (np.arange(12).reshape(4, 3) % 5)):
        given = pd.DataFrame(values, columns=["a", "b", "c"])
        checked = check_sorts(given)
        given.iloc[0, 0] = 99
        assert checked.iloc[0, 0] == 0 and not np.shares_memory(checked.to_numpy(), given.to_numpy())


@pytest.mark.parametrize("value", [1e155, -1e300, 10**400])
def test_value_too_large_is_a_clear_error(lipset, value):
    """A huge value in an unforced sort used to zero that sort's correlations silently."""
    bad = lipset.astype(object)
    bad.loc["sta_4", "US2"] = value
    with pytest.raises(DataError, match=r"Q-sort 'US2', statement 'sta_4'.*too large to analyse"):
        qmethod.analyze(bad, 2, forced=False, rotation="none")


@pytest.mark.parametrize("extraction", ["pca", "centroid", "horst"])
def test_as_many_factors_as_sorts_is_refused(lipset, extraction):
    """The API, like the web page, allows at most one factor fewer than there are Q-sorts."""
    with pytest.raises(QMethodError, match="n_factors=9 is more than these data allow: at most 8 factors from 9 Q-sorts"):
        qmethod.analyze(lipset, 9, extraction=extraction)
