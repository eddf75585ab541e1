"""Every option of the numeric core and the values it may take, declared in one place.

As scikit-learn's ``_parameter_constraints``: :data:`CONSTRAINTS` maps an option's name to the
values it accepts (a range, a boolean, a set of names, None, a callable), and the decorator
:func:`validate_params` checks every argument of a public function against it before the function
runs, so ``av_rel_coef=2.0``, ``varimax_tolerance=-1`` or ``majority="no"`` raise a
:class:`~qmethod.errors.QMethodError` naming the option, the allowed values and the value given.
An option means the same in every function that takes it; a function can narrow one with
keyword arguments to the decorator.

The number of factors also has a limit that depends on the data (:func:`check_n_factors`): at
most P - 1 factors from P Q-sorts, and at most N - 1 from N statements for principal
components, the same limit everywhere (API, command line and web page).
"""
from __future__ import annotations

import functools
import inspect
import math
import numbers
from dataclasses import dataclass

import numpy as np

from ..errors import QMethodError

__all__ = [
    "Interval", "Options", "CONSTRAINTS", "TABLES", "EXTRACTIONS", "ROTATIONS", "CORRELATIONS", "validate_params",
    "check_n_factors", "max_factors", "check_option", "ANGLE",
]


@dataclass(frozen=True)
class Interval:
    """Numbers of ``kind`` ("integer" or "real") between ``low`` and ``high`` (None: unbounded);
    ``closed`` is "both", "left", "right" or "neither"; ``unit`` names what the number counts
    ("degrees"), for messages. Real numbers must be finite; booleans are not numbers here."""

    kind: str
    low: float | None = None
    high: float | None = None
    closed: str = "both"
    unit: str | None = None

    def accepts(self, value) -> bool:
        if isinstance(value, (bool, np.bool_)):
            return False
        if self.kind == "integer":
            if not isinstance(value, numbers.Integral):
                return False
        elif not isinstance(value, numbers.Real) or not math.isfinite(value):
            return False
        if self.low is not None and (value < self.low if self.closed in ("both", "left") else value <= self.low):
            return False
        if self.high is not None and (value > self.high if self.closed in ("both", "right") else value >= self.high):
            return False
        return True

    def describe(self) -> str:
        what = "a whole number" if self.kind == "integer" else "a number"
        if self.unit:
            what += f" of {self.unit}"
        low_in, high_in = self.closed in ("both", "left"), self.closed in ("both", "right")
        if self.low is not None and self.high is not None:
            out = [f"{g:g}" for g, inside in ((self.low, low_in), (self.high, high_in)) if not inside]
            return f"{what} between {self.low:g} and {self.high:g}" + (f" (excluding {' and '.join(out)})" if out else "")
        if self.low is not None:
            return f"{what} {'>=' if low_in else '>'} {self.low:g}"
        if self.high is not None:
            return f"{what} {'<=' if high_in else '<'} {self.high:g}"
        return what if self.kind == "integer" or self.unit else "a finite number"


@dataclass(frozen=True)
class Options:
    """One of the given values (compared with ==; strings only match strings)."""

    values: tuple

    def accepts(self, value) -> bool:
        return isinstance(value, str) and value in self.values

    def describe(self) -> str:
        return "one of " + ", ".join(map(repr, self.values))


class _Boolean:
    def accepts(self, value) -> bool:
        return isinstance(value, (bool, np.bool_))

    def describe(self) -> str:
        return "True or False"


class _NoneValue:
    def accepts(self, value) -> bool:
        return value is None

    def describe(self) -> str:
        return "None"


class _Callable:
    def accepts(self, value) -> bool:
        return callable(value)

    def describe(self) -> str:
        return "a function"


class _Anything:
    """Checked by the function itself (data, flag matrices, distributions, texts)."""

    def accepts(self, value) -> bool:
        return True

    def describe(self) -> str:
        return "anything"


BOOLEAN, NONE, CALLABLE, ANY = _Boolean(), _NoneValue(), _Callable(), _Anything()
POSITIVE_INTEGER = Interval("integer", 1, None)
PROBABILITY = Interval("real", 0, 1, "neither")
TOLERANCE = Interval("real", 0, 1, "right")
#: a judgmental rotation's angle: at most a full turn either way. Larger angles are refused, not
#: reduced modulo 360: 1e300 degrees has no meaningful remainder in floating point, and a typed
#: 1500 is far more likely a slip than four turns.
ANGLE = Interval("real", -360, 360, unit="degrees")

EXTRACTIONS = ("pca", "centroid", "horst")
ROTATIONS = ("varimax", "none")
CORRELATIONS = ("pearson", "spearman", "kendall")

#: name -> accepted values (a value is valid when any entry accepts it)
CONSTRAINTS: dict[str, tuple] = {
    "n_factors": (POSITIVE_INTEGER,),
    "extraction": (Options(EXTRACTIONS),),
    "rotation": (Options(ROTATIONS),),
    "correlation": (Options(CORRELATIONS),),
    "method": (Options(CORRELATIONS),),
    "flags": (ANY,),  # "auto" or a matrix: checked by analyze / check_flags
    "significance": (PROBABILITY,),
    "majority": (BOOLEAN,),
    "negative": (Options(("include", "exclude")),),
    "forced": (BOOLEAN,),
    "varimax_tolerance": (TOLERANCE,),
    "centroid_start": (Options(("pqmethod", "qmethod")),),
    "start": (Options(("pqmethod", "qmethod")),),
    "centroid_tolerance": (NONE, TOLERANCE),
    "tolerance": (TOLERANCE,),
    "max_iter": (POSITIVE_INTEGER,),
    "normalize": (BOOLEAN,),
    "order": (Options(("auto", "variance", "extraction")),),
    "ties": (Options(("position", "qmethod")),),
    "convention": (Options(("qmethod", "pqmethod")),),
    "standardize_sorts": (BOOLEAN,),
    "av_rel_coef": (Interval("real", 0, 1, "right"),),
    "keep_correlations": (NONE, BOOLEAN),
    "n_resamples": (Interval("integer", 2, None),),
    "seed": (NONE, Interval("integer", 0, None)),
    "progress": (NONE, CALLABLE),
    "confidence": (PROBABILITY,),
    "max_factors": (POSITIVE_INTEGER,),
    "n_iter": (POSITIVE_INTEGER,),
    "percentile": (Interval("real", 0, 100),),
    "n_sorts": (Interval("integer", 2, None),),
    "n_statements": (Interval("integer", 2, None),),
    "degrees": (ANGLE,),
}


#: the tables the stage functions take, by argument name: (row labels, column labels) given to an
#: array-like (list, numpy array: read as np.asarray reads it) before the function runs, S1..SN
#: statements, Q1..QP Q-sorts, F1..Fk factors. A DataFrame keeps its own labels.
TABLES: dict[str, tuple[str, str]] = {
    "sorts": ("S", "Q"),  # statements x Q-sorts (grid values)
    "correlations": ("Q", "Q"),  # Q-sorts x Q-sorts
    "loadings": ("Q", "F"),  # Q-sorts x factors
    "flags": ("Q", "F"),  # Q-sorts x factors, True/False
    "weights": ("Q", "F"),  # Q-sorts x factors
    "z": ("S", "F"),  # statements x factors (z-scores)
    "sed_matrix": ("F", "F"),  # factors x factors
}


def _accepted(value, allowed) -> bool:
    if any(c.accepts(value) for c in allowed):
        return True
    # numpy scalars of the right kind are fine (np.int64(3), np.float64(0.05))
    if isinstance(value, np.generic) and not isinstance(value, np.bool_):
        return any(c.accepts(value.item()) for c in allowed)
    return False


def _check(func_name: str, name: str, value, allowed) -> None:
    if not _accepted(value, allowed):
        wanted = " or ".join(c.describe() for c in allowed)
        raise QMethodError(f"{name} must be {wanted}; got {value!r} (an option of {func_name}).")


def check_option(name: str, value, *, label: str | None = None) -> None:
    """Raise :class:`QMethodError` unless ``value`` is allowed for the option ``name`` of
    :data:`CONSTRAINTS`. The message names the option as the user gave it (``label``, e.g.
    ``"--rotate F1,F2,1e300: the angle"``; default ``name``), the allowed values and the value.
    For callers outside the numeric core (command line, service) that take an option as text or
    from a stored plan; a value that is not a number at all (a string) is refused the same way.
    """
    allowed = CONSTRAINTS[name]
    if not _accepted(value, allowed):
        wanted = " or ".join(c.describe() for c in allowed)
        raise QMethodError(f"{label or name} must be {wanted}; got {value!r}.")


def validate_params(func=None, /, **overrides):
    """Decorator: check the arguments of ``func`` against :data:`CONSTRAINTS` (and ``overrides``,
    name -> tuple of constraints) before it runs. Parameters without an entry are left to the
    function; ``**settings`` passed on are checked by the function they reach."""

    def wrap(f):
        sig = inspect.signature(f)
        checked = {n: overrides.get(n, CONSTRAINTS.get(n)) for n in sig.parameters}
        checked = {n: c for n, c in checked.items() if c is not None and c != (ANY,)}
        defaults = {n: p.default for n, p in sig.parameters.items()}

        @functools.wraps(f)
        def inner(*args, **kwargs):
            bound = sig.bind(*args, **kwargs)
            for name, value in bound.arguments.items():
                allowed = checked.get(name)
                if allowed is not None and value is not defaults.get(name):
                    _check(f.__name__, name, value, allowed)
            return f(*args, **kwargs)

        inner.__signature__ = sig
        return inner

    return wrap(func) if func is not None else wrap


def max_factors(n_sorts: int, n_statements: int | None = None) -> int:
    """The most factors the data allow: P - 1 from P Q-sorts and N - 1 from N statements.

    With P factors every Q-sort would be its own factor (all variance extracted, nothing shared);
    the correlation matrix of N statements has rank at most N - 1. ``n_statements=None`` gives
    the limit from the sorts alone (an extraction from a correlation matrix).
    """
    limits = [n - 1 for n in (n_sorts, n_statements) if n is not None]
    return max(1, min(limits))


def check_n_factors(n_factors, n_sorts: int, n_statements: int | None = None) -> None:
    """Raise :class:`QMethodError` unless 1 <= ``n_factors`` <= :func:`max_factors`."""
    _check("n_factors", "n_factors", n_factors, CONSTRAINTS["n_factors"])
    limit = max_factors(n_sorts, n_statements)
    if n_factors > limit:
        data = f"{n_sorts} Q-sorts" + (f" and {n_statements} statements" if n_statements is not None else "")
        raise QMethodError(
            f"n_factors={n_factors} is more than these data allow: at most {limit} factors from {data} "
            "(at most one fewer than the Q-sorts, and than the statements)."
        )
