"""BLAS threads for small problems.

A Q study is small: a few dozen statements and sorts, so every matrix of an analysis is tiny. A
multi-threaded BLAS (OpenBLAS, MKL) still wakes its threads for some of these operations, and on a
shared server, where another process keeps the cores busy, those threads wait for a core: one
Lipset analysis then takes many times its idle time. :func:`blas_limited` (on ``analyze``,
``bootstrap``, ``factor_guidance`` and the public stage functions) runs a function with
one BLAS thread when its data (its first argument) has at most :data:`SMALL_PROBLEM` cells (statements x Q-sorts), and
with the process' own setting above (where threads may pay on a many-core machine), through
threadpoolctl.

``bench/bench_core.py`` prints the times idle and beside a busy neighbour process, with and
without the limit.
"""
from __future__ import annotations

import functools

import numpy as np

__all__ = ["SMALL_PROBLEM", "blas_limited", "one_blas_thread"]

#: data cells (statements x Q-sorts) up to which one BLAS thread is used. On the 2-core machine
#: of docs/benchmarks.md one thread was faster at every size measured, up to 50,000 sorts x 60
#: statements (3,000,000 cells: 0.6-0.8 s against 3.7-4.3 s with the default two threads)
SMALL_PROBLEM = 4_000_000

_controller = None


def _blas():
    """The process' BLAS thread pools (found once, after numpy and scipy have loaded theirs)."""
    global _controller
    if _controller is None:
        import scipy.linalg  # noqa: F401 - scipy may bring its own BLAS: load it before looking
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController().select(user_api="blas")
    return _controller


def one_blas_thread():
    """Context manager: one BLAS thread inside, the previous setting restored after."""
    return _blas().limit(limits=1)


def _cells(sorts) -> int:
    shape = getattr(sorts, "shape", None)
    if shape is None:
        try:
            shape = np.shape(sorts)
        except ValueError:  # ragged input: reported by the function itself
            return 0
    return int(np.prod(shape)) if len(shape) else 0


def blas_limited(func):
    """Decorator for functions whose first argument is the data (statements x Q-sorts): run
    them with one BLAS thread when the data has at most :data:`SMALL_PROBLEM` cells."""

    @functools.wraps(func)
    def inner(sorts, *args, **kwargs):
        if _cells(sorts) > SMALL_PROBLEM:
            return func(sorts, *args, **kwargs)
        with one_blas_thread():
            return func(sorts, *args, **kwargs)

    return inner
