import numpy as np
import pandas as pd

from qmethod.analysis.tables import frame, mixed_frame


def test_frame_equals_the_ordinary_constructor_and_owns_its_data():
    values = np.arange(12.0).reshape(4, 3)
    index, columns = pd.Index(["a", "b", "c", "d"]), pd.Index(["F1", "F2", "F3"])
    got = frame(values, index, columns)
    pd.testing.assert_frame_equal(got, pd.DataFrame(values, index=index, columns=columns))
    values[0, 0] = 99.0
    assert got.iloc[0, 0] == 0.0
    got.iloc[1, 1] = -1.0  # a table can be changed without touching another made from the same array
    assert frame(values, index, columns).iloc[1, 1] == 4.0


def test_frame_keeps_the_dtype_as_given():
    index, columns = pd.Index(["x", "y"]), pd.Index(["F1", "F2"])
    for values in (np.array([[True, False], [False, True]]), np.array([["*", ""], ["", "**"]], dtype=object),
                   np.array([[1, -2], [3, 4]])):
        want = pd.DataFrame(values, index=index, columns=columns, dtype=values.dtype)  # no inference of strings
        pd.testing.assert_frame_equal(frame(values, index, columns), want)


def test_mixed_frame_has_an_int_first_column():
    got = mixed_frame(np.array([3, 0]), np.array([[0.8, 0.1], [0.8, np.nan]]), pd.Index(["F1", "F2"]),
                      pd.Index(["n", "a", "b"]))
    assert got.dtypes.tolist() == [np.dtype("int64"), np.dtype(float), np.dtype(float)]
    assert got.loc["F1", "n"] == 3 and np.isnan(got.loc["F2", "b"])


def test_frame_without_copy_uses_the_array_itself():
    values = np.zeros((2, 2))
    got = frame(values, pd.Index(["a", "b"]), pd.Index(["x", "y"]), copy=False)
    assert np.shares_memory(got.to_numpy(), values)
