"""Quasi-normal grids (the forced distribution of a Q-sort)."""
from __future__ import annotations

import numpy as np
from scipy import stats

from .errors import QMethodError

__all__ = ["suggest_grid", "grid_values"]


def suggest_grid(n_statements: int, max_value: int | None = None) -> dict[int, int]:
    """Suggest column counts {grid value: count} of a symmetric quasi-normal grid.

    Columns run from -max_value to +max_value (default: 4 for up to 40 statements, 5 up to 60,
    6 above). Counts follow the normal density at equally spaced points between +-2.5 SD,
    scaled to ``n_statements`` by largest remainders, kept symmetric, at least one card per
    column, and never more in a column than in the one nearer the middle. The counts always sum
    to ``n_statements`` (unlike R qmethod's make.distribution).
    """
    if not isinstance(n_statements, (int, np.integer)) or n_statements < 3:
        raise QMethodError(f"A Q-set needs at least 3 statements; got {n_statements!r}.")
    if max_value is None:
        max_value = 4 if n_statements <= 40 else 5 if n_statements <= 60 else 6
    ncol = 2 * max_value + 1
    if ncol > n_statements:
        raise QMethodError(f"{ncol} columns need at least {ncol} statements; the Q-set has {n_statements}.")
    x = np.linspace(-1.6, 1.6, ncol)
    raw = stats.norm.pdf(x)
    raw = raw / raw.sum() * n_statements
    mid = max_value
    counts = np.maximum(1, np.floor(raw).astype(int))
    counts = np.minimum(counts, counts[::-1])
    # remove pairs from the outermost columns that can spare a card while over the total
    while counts.sum() > n_statements:
        if (counts.sum() - n_statements) % 2 == 1 and counts[mid] > 1:
            counts[mid] -= 1
            continue
        j = next((j for j in range(mid) if counts[j] > 1), None)
        if j is None:
            counts[mid] -= counts.sum() - n_statements
            break
        counts[j] -= 1
        counts[ncol - 1 - j] -= 1
    # add: an odd remainder to the middle, pairs where the normal shape is furthest short
    while counts.sum() < n_statements:
        if (n_statements - counts.sum()) % 2 == 1 or mid == 0:
            counts[mid] += 1
            continue
        short = raw[:mid] - counts[:mid]
        j = int(np.argmax(short)) if short.max() > 0 else mid - 1  # shape full: widen next to middle
        counts[j] += 1
        counts[ncol - 1 - j] += 1
    # unimodal: never more in an outer column than in the next inner one
    for j in range(mid - 1, -1, -1):
        if counts[j] > counts[j + 1]:
            extra = counts[j] - counts[j + 1]
            counts[j] -= extra
            counts[ncol - 1 - j] -= extra
            counts[mid] += 2 * extra
    return {v: int(c) for v, c in zip(range(-max_value, max_value + 1), counts)}


def grid_values(counts: dict[int, int]) -> list[int]:
    """All slot values of a grid, ascending: {-1: 2, 0: 3, 1: 2} -> [-1, -1, 0, 0, 0, 1, 1]."""
    return [v for v in sorted(counts) for _ in range(int(counts[v]))]
