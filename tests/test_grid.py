import pytest

from qmethod import QMethodError
from qmethod.grid import grid_values, suggest_grid


@pytest.mark.parametrize("n", list(range(9, 101)))
def test_suggested_grid_is_valid(n):
    g = suggest_grid(n)
    counts = [g[v] for v in sorted(g)]
    assert sum(counts) == n
    assert counts == counts[::-1]  # symmetric
    mid = len(counts) // 2
    assert all(c >= 1 for c in counts)
    assert all(counts[i] <= counts[i + 1] for i in range(mid))  # rises to the middle


def test_lipset_grid_is_suggested_for_33():
    assert suggest_grid(33) == {-4: 2, -3: 3, -2: 4, -1: 5, 0: 5, 1: 5, 2: 4, 3: 3, 4: 2}
    assert grid_values({-1: 2, 0: 3, 1: 2}) == [-1, -1, 0, 0, 0, 1, 1]


def test_too_small():
    with pytest.raises(QMethodError):
        suggest_grid(2)
    with pytest.raises(QMethodError):
        suggest_grid(8, max_value=5)
