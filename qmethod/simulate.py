"""Synthetic Q studies with known viewpoints, for tests, benchmarks and teaching."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .analysis.params import Interval, validate_params
from .errors import QMethodError
from .grid import grid_values, suggest_grid

__all__ = ["SimulatedStudy", "simulate"]


@dataclass(frozen=True)
class SimulatedStudy:
    """A synthetic study.

    sorts : DataFrame statements x Q-sorts (grid values). viewpoints : DataFrame statements x
    viewpoints (the latent z-profiles). membership : Series Q-sort -> viewpoint label (``V1..``).
    loadings : Series Q-sort -> the strength with which it expresses its viewpoint.
    distribution : tuple, the grid (ascending slot values), forced : bool.
    """

    sorts: pd.DataFrame
    viewpoints: pd.DataFrame
    membership: pd.Series
    loadings: pd.Series
    distribution: tuple
    forced: bool


@validate_params(
    n_statements=(Interval("integer", 3, None),), n_viewpoints=(Interval("integer", 1, None),),
    noise=(Interval("real", 0, None),),
)
def simulate(
    n_sorts: int,
    n_statements: int,
    n_viewpoints: int = 3,
    *,
    noise: float = 0.5,
    loading: tuple[float, float] = (0.6, 0.9),
    forced: bool = True,
    distribution=None,
    seed: int | None = 0,
) -> SimulatedStudy:
    """Simulate Q-sorts from ``n_viewpoints`` independent viewpoints plus noise.

    Each viewpoint is a random standard-normal profile over the statements. Each Q-sort
    expresses one viewpoint (assigned in turn) with a strength drawn uniformly from
    ``loading``: latent = strength * viewpoint + sqrt(1 - strength^2) * noise-scaled error.
    ``noise`` scales the error (0 = pure viewpoint). Forced sorts assign the grid values in the
    order of the latent scores; free sorts round the latent score (scaled to the grid range) and
    clip it to the grid. The grid defaults to :func:`qmethod.grid.suggest_grid`.

    Returns a :class:`SimulatedStudy` whose ``sorts`` are statements x Q-sorts (``S1..`` x
    ``Q1..``). Raises :class:`~qmethod.errors.QMethodError` for an invalid option (fewer than 2
    sorts or 3 statements, ``noise`` < 0, ``loading`` outside [0, 1], ``forced`` not a boolean,
    a distribution without one slot per statement).
    """
    lo, hi = (tuple(loading) + (None, None))[:2] if np.ndim(loading) == 1 and len(loading) == 2 else (None, None)
    if lo is None or not (0 <= lo <= hi <= 1):
        raise QMethodError(f"loading must be a pair (low, high) with 0 <= low <= high <= 1; got {loading!r}.")
    rng = np.random.default_rng(seed)
    if distribution is None:
        q = np.asarray(grid_values(suggest_grid(n_statements)), dtype=float)
    else:
        q = np.sort(np.asarray(distribution, dtype=float))
        if q.size != n_statements:
            raise QMethodError(f"The distribution has {q.size} slots for {n_statements} statements.")
    v = rng.standard_normal((n_statements, n_viewpoints))
    member = np.arange(n_sorts) % n_viewpoints
    strength = rng.uniform(*loading, size=n_sorts)
    err = rng.standard_normal((n_statements, n_sorts))
    latent = v[:, member] * strength + np.sqrt(1 - strength**2) * noise * err
    if forced:
        order = np.argsort(latent, axis=0, kind="stable")
        x = np.empty_like(latent)
        np.put_along_axis(x, order, q[:, None].repeat(n_sorts, axis=1), axis=0)
    else:
        scale = q.max() / np.maximum(np.abs(latent).max(axis=0), 1e-12)
        x = np.clip(np.round(latent * scale), q.min(), q.max())
    sid = [f"S{i}" for i in range(1, n_statements + 1)]
    qid = [f"Q{j}" for j in range(1, n_sorts + 1)]
    vid = [f"V{i}" for i in range(1, n_viewpoints + 1)]
    return SimulatedStudy(
        sorts=pd.DataFrame(x.astype(int), index=sid, columns=qid),
        viewpoints=pd.DataFrame(v, index=sid, columns=vid),
        membership=pd.Series([vid[m] for m in member], index=qid, name="viewpoint"),
        loadings=pd.Series(strength, index=qid, name="strength"),
        distribution=tuple(float(t) for t in q),
        forced=forced,
    )
