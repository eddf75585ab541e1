"""Rotation of loadings: varimax and judgmental (by-hand) rotation of factor pairs."""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from factor_analyzer.rotator import Rotator

from .data import array_input
from ..errors import QMethodError, QMethodWarning
from .params import validate_params
from .tables import ReadOnlyTables, frame
from .threads import blas_limited

__all__ = [
    "varimax", "rotate_pair", "RotationStep", "JudgmentalRotation", "order_and_sign",
]


@blas_limited
@validate_params
@array_input
def varimax(
    loadings: pd.DataFrame,
    *,
    normalize: bool = True,
    tolerance: float = 1e-5,
    max_iter: int = 1000,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Kaiser-normalised varimax rotation.

    The algorithm is R's ``stats::varimax`` (SVD update; stop when the criterion grows by less
    than a relative ``tolerance``), through factor-analyzer's :class:`Rotator`. With the default
    ``tolerance=1e-5`` the result equals R's (and so R qmethod's) to about 1e-13; that rule stops
    before full convergence (up to ~1e-4 from the converged solution). Pass e.g. ``1e-12`` for a
    fully converged rotation, closer to PQMethod and Ken-Q.

    Returns
    -------
    rotated : DataFrame, Q-sorts x factors (same labels).
    rotation_matrix : DataFrame, factors x factors, with ``rotated = loadings @ rotation_matrix``.

    Raises
    ------
    QMethodError
        When a Q-sort has zero loadings on every factor (it cannot be normalised).

    References
    ----------
    Kaiser, H. F. (1958). The varimax criterion for analytic rotation in factor analysis.
    *Psychometrika* 23(3), 187-200.
    """
    a = loadings.to_numpy(dtype=float)
    k = a.shape[1]
    if k < 2:
        return loadings.copy(), frame(np.eye(k), loadings.columns, loadings.columns)
    if normalize:
        check_normalisable(a, loadings.index)
    rotated, t = _varimax_array(a, normalize=normalize, tolerance=tolerance, max_iter=max_iter)
    return (
        frame(rotated, loadings.index, loadings.columns),
        frame(t, loadings.columns, loadings.columns),
    )


def check_normalisable(a: np.ndarray, sort_ids) -> None:
    """Raise :class:`QMethodError` naming the first Q-sort whose loadings are all zero."""
    zero = np.flatnonzero(~np.any(a != 0, axis=1))
    if zero.size:
        raise QMethodError(
            f"Q-sort {sort_ids[zero[0]]!r} has zero loadings on every factor; varimax cannot normalise it."
        )


def _varimax_array(a: np.ndarray, *, normalize: bool = True, tolerance: float = 1e-5, max_iter: int = 1000):
    """:func:`varimax` on a plain array: returns (rotated, rotation_matrix)."""
    if a.shape[1] < 2:
        return a.copy(), np.eye(a.shape[1])
    # Kaiser normalisation done here, vectorised (the Rotator's own normalises row by row in Python)
    h = np.sqrt(np.square(a).sum(axis=1, keepdims=True)) if normalize else 1.0
    rot = Rotator(method="varimax", normalize=False, max_iter=max_iter, tol=tolerance)
    rotated = rot.fit_transform(a / h) * h
    return rotated, rot.rotation_


def order_and_sign(loadings: pd.DataFrame) -> pd.DataFrame:
    """R qmethod/psych convention: columns by decreasing sum of squares, every column sum >= 0.

    The columns are relabelled ``F1..Fk`` in the new order.
    """
    return frame(_order_and_sign_array(loadings.to_numpy(dtype=float)), loadings.index, loadings.columns)


def _order_and_sign_array(a: np.ndarray) -> np.ndarray:
    """:func:`order_and_sign` on a plain array (Q-sorts x factors)."""
    a = a[:, np.argsort(-(a * a).sum(axis=0), kind="stable")]
    return a * np.where(a.sum(axis=0) < 0, -1.0, 1.0)


@validate_params
@array_input
def rotate_pair(loadings: pd.DataFrame, first: str, second: str, degrees: float) -> pd.DataFrame:
    """Rotate the factor pair (``first``, ``second``) by ``degrees``, rigidly (orthogonally).

    Convention (PQMethod/KADE): positive angles turn the axes clockwise in the plot with
    ``first`` on x and ``second`` on y, i.e. a' = a cos t + b sin t, b' = -a sin t + b cos t.
    Communalities are unchanged.

    ``loadings`` is Q-sorts x factors; ``degrees`` is in degrees, -360..360 (at most a full turn
    either way; larger angles are refused, not reduced: see :data:`qmethod.analysis.params.ANGLE`).
    Returns a new frame.

    Raises
    ------
    QMethodError
        For an unknown factor, the same factor twice, or an angle that is not a number between -360
        and 360 (NaN and infinities included).

    References
    ----------
    Brown, S. R. (1980). *Political Subjectivity: Applications of Q Methodology in Political
    Science*. New Haven: Yale University Press. (judgmental rotation.)
    """
    for f in (first, second):
        if f not in loadings.columns:
            raise QMethodError(f"Unknown factor {f!r}; the factors are {', '.join(map(str, loadings.columns))}.")
    if first == second:
        raise QMethodError("Judgmental rotation needs two different factors.")
    t = np.deg2rad(degrees)
    out = loadings.copy()
    a = loadings[first].to_numpy(dtype=float)
    b = loadings[second].to_numpy(dtype=float)
    out[first] = a * np.cos(t) + b * np.sin(t)
    out[second] = -a * np.sin(t) + b * np.cos(t)
    return out


@dataclass(frozen=True)
class RotationStep:
    """One judgmental rotation: turn factors ``first`` and ``second`` by ``degrees`` (clockwise)."""

    first: str
    second: str
    degrees: float

    def to_dict(self) -> dict:
        return {"first": self.first, "second": self.second, "degrees": float(self.degrees)}


@dataclass(frozen=True)
class JudgmentalRotation(ReadOnlyTables):
    """A replayable history of pairwise rotations applied to a starting loading matrix.

    Immutable: :meth:`rotate` and :meth:`undo` return new objects, so an interface can keep every
    state and a study can store ``steps`` to reproduce the rotation exactly.

    Examples
    --------
    >>> jr = JudgmentalRotation(start).rotate("F1", "F2", 12).rotate("F1", "F3", -5)
    >>> jr.loadings            # current loadings
    >>> jr.undo().loadings     # after the first step only
    """

    start: pd.DataFrame
    steps: tuple[RotationStep, ...] = ()

    @property
    def loadings(self) -> pd.DataFrame:
        return self.replay(self.start, self.steps)

    @staticmethod
    def replay(start: pd.DataFrame, steps) -> pd.DataFrame:
        """Apply ``steps`` (RotationStep or (first, second, degrees) tuples) to ``start``."""
        out = start.copy()
        for s in steps:
            s = s if isinstance(s, RotationStep) else RotationStep(*s)
            out = rotate_pair(out, s.first, s.second, s.degrees)
        return out

    def rotate(self, first: str, second: str, degrees: float) -> "JudgmentalRotation":
        rotate_pair(self.start, first, second, degrees)  # validates the arguments
        return JudgmentalRotation(self.start, self.steps + (RotationStep(first, second, float(degrees)),))

    def undo(self) -> "JudgmentalRotation":
        if not self.steps:
            warnings.warn("Nothing to undo: no rotation has been applied.", QMethodWarning, stacklevel=2)
            return self
        return JudgmentalRotation(self.start, self.steps[:-1])

    def log(self) -> list[str]:
        """Human-readable log lines, e.g. 'F1 and F2 rotated 12 degrees clockwise'."""
        return [
            f"{s.first} and {s.second} rotated {abs(s.degrees):g} degrees "
            f"{'clockwise' if s.degrees >= 0 else 'counter-clockwise'}"
            for s in self.steps
        ]
