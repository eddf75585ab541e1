import numpy as np

import qmethod


def test_forced_simulation_follows_grid_and_seed():
    a = qmethod.simulate(20, 33, 3, seed=1)
    b = qmethod.simulate(20, 33, 3, seed=1)
    assert a.sorts.equals(b.sorts)
    grid = np.array(a.distribution)
    assert (np.sort(a.sorts.to_numpy(), axis=0) == grid[:, None]).all()
    assert a.membership.value_counts().tolist() == [7, 7, 6]


def test_free_simulation_stays_on_the_grid_range():
    s = qmethod.simulate(15, 30, 2, forced=False, seed=2)
    assert s.sorts.to_numpy().min() >= -4 and s.sorts.to_numpy().max() <= 4
    assert not s.forced


def test_simulate_validates_its_options():
    import pytest

    for kw, match in [({"noise": -1}, "noise must be a number >= 0"), ({"forced": "no"}, "forced must be True or False"),
                      ({"loading": (0.5, 1.5)}, "loading must be a pair"), ({"n_statements": 2}, "n_statements must be")]:
        args = {"n_sorts": 5, "n_statements": 20, **kw}
        with pytest.raises(qmethod.QMethodError, match=match):
            qmethod.simulate(**args)
