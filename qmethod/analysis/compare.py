"""Factor characteristics, standard errors, and distinguishing and consensus statements."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

import numpy as np
import pandas as pd

from .data import array_input
from .params import validate_params
from .tables import ReadOnlyTables, frame, mixed_frame

__all__ = [
    "characteristics", "factor_correlations", "sed", "compare_factors", "Comparison", "CONVENTIONS",
]

# significance codes of pairwise differences: (code, critical z), strictest last
_STARS = (("*", 1.96), ("**", 2.576), ("***", 3.291), ("6*", 4.8916))
_CODES = np.array([""] + [code for code, _ in _STARS], dtype=object)
_OBJECT = np.dtype(object)  # a dtype instance: pandas resolves it without a look-up
CONVENTIONS = {
    # name: (z for p < .05, z for p < .01, strict comparison)
    "qmethod": (1.96, 2.576, True),
    "pqmethod": (1.96, 2.58, True),
}


@validate_params
@array_input
def characteristics(
    loadings: pd.DataFrame, flags: pd.DataFrame, *, av_rel_coef: float = 0.8
) -> pd.DataFrame:
    """Factor characteristics (factors x columns), as PQMethod's and qmethod's table.

    Columns: ``n_defining`` (flagged sorts p), ``avg_rel_coef`` (0.8, Brown), ``composite_reliability``
    = 0.8 p / (1 + 0.8 (p - 1)), ``se_zscores`` = sqrt(1 - reliability) (the SD of z is 1),
    ``eigenvalue`` = sum of squared loadings as used (after rotation), ``explained_variance`` =
    100 x eigenvalue / number of Q-sorts (percent). Factors with no defining sort get NaN
    reliability and SE.

    Raises
    ------
    QMethodError
        When ``av_rel_coef`` is not in (0, 1].

    References
    ----------
    Brown, S. R. (1980). *Political Subjectivity: Applications of Q Methodology in Political
    Science*. New Haven: Yale University Press. (composite reliability and standard errors.)
    """
    values = _characteristics_array(loadings.to_numpy(dtype=float), flags.to_numpy(bool), av_rel_coef)
    return characteristics_table(values, loadings.columns)


_CHAR_COLUMNS = pd.Index(
    ["n_defining", "avg_rel_coef", "composite_reliability", "se_zscores", "eigenvalue", "explained_variance"]
)


def _characteristics_array(a: np.ndarray, f: np.ndarray, av_rel_coef: float = 0.8, counted=None) -> np.ndarray:
    """:func:`characteristics` on plain arrays: factors x the six columns, as floats.

    ``counted`` (bool, Q-sorts x factors) says which sorts' squared loadings count towards each
    factor's eigenvalue and explained variance (default: all); the poles of a split bipolar
    factor each count only their own side, so the factors' variances still add up.
    """
    p = f.sum(axis=0)
    safe = np.maximum(p, 1)
    rel = np.where(p > 0, av_rel_coef * safe / (1 + (safe - 1) * av_rel_coef), np.nan)
    a2 = np.square(a)
    ev = (a2 if counted is None else np.where(counted, a2, 0.0)).sum(axis=0)
    return np.column_stack([p, np.full(p.size, av_rel_coef), rel, np.sqrt(1 - rel), ev, 100 * ev / a.shape[0]])


def characteristics_table(values: np.ndarray, factors: pd.Index) -> pd.DataFrame:
    return mixed_frame(values[:, 0].astype(np.int64), values[:, 1:], factors, _CHAR_COLUMNS)  # n_defining: a count


@array_input
def factor_correlations(z: pd.DataFrame) -> pd.DataFrame:
    """Pearson correlations between the factors' z-score vectors (factors x factors)."""
    return frame(_factor_correlations_array(z.to_numpy(dtype=float)), z.columns, z.columns)


def _factor_correlations_array(v: np.ndarray) -> np.ndarray:
    """:func:`factor_correlations` on a plain z-score array; NaN for factors without z-scores."""
    ok = ~np.isnan(v).any(axis=0)
    if ok.all():
        # z-scores are standardised (mean 0, SD 1 with divisor N - 1): r = z'z / (N - 1)
        r = (v.T @ v) / (v.shape[0] - 1)
        np.fill_diagonal(r, 1.0)
        return np.clip(r, -1.0, 1.0)
    r = np.full((v.shape[1], v.shape[1]), np.nan)
    if ok.any():
        r[np.ix_(ok, ok)] = np.atleast_2d(np.corrcoef(v[:, ok], rowvar=False))
    return r


def sed(chars: pd.DataFrame) -> pd.DataFrame:
    """Standard errors of differences: SED_fg = sqrt(SE_f^2 + SE_g^2); diagonal = SE_f sqrt 2.

    References
    ----------
    Brown, S. R. (1980). *Political Subjectivity: Applications of Q Methodology in Political
    Science*. New Haven: Yale University Press.
    """
    return frame(_sed_array(chars["se_zscores"].to_numpy(dtype=float)), chars.index, chars.index)


def _sed_array(se: np.ndarray) -> np.ndarray:
    """:func:`sed` from the factors' standard errors of z-scores."""
    return np.sqrt(se[:, None] ** 2 + se[None, :] ** 2)


@dataclass(frozen=True)
class Comparison(ReadOnlyTables):
    """Distinguishing and consensus statements.

    Attributes
    ----------
    differences : DataFrame, statements x pairs ("F1-F2", ...): z_f - z_g.
    pair_significance : DataFrame, statements x pairs: "", "*" (p<.05), "**" (.01), "***" (.001),
        "6*" (p<1e-6), each |d| compared with its multiple of SED (qmethod's codes).
    distinguishing : DataFrame, statements x factors: "*" when the statement distinguishes the
        factor from every other factor at p < .05, "**" at p < .01, "" otherwise.
    consensus : Series, statements: "C*" no pair differs at p < .05 (hence not at .01 either),
        "C" no pair differs at p < .01 but some pair does at .05, "" otherwise. The qmethod
        convention lists only "C*" statements as consensus; PQMethod lists both.
    labels : Series, statements: qmethod's ``dist.and.cons`` text ("Distinguishes f1 only",
        "Distinguishes all", "Consensus", ...), with factor numbers that stay right beyond 9.
    convention : str.
    factors : list of the factors compared (those with z-scores).
    """

    differences: pd.DataFrame
    pair_significance: pd.DataFrame
    distinguishing: pd.DataFrame
    consensus: pd.Series
    labels: pd.Series
    convention: str
    factors: list

    def distinguishing_for(self, factor: str) -> list:
        """Statement ids that distinguish ``factor`` (p < .05)."""
        return list(self.distinguishing.index[self.distinguishing[factor] != ""])

    def consensus_statements(self) -> list:
        """Statement ids listed as consensus under this convention."""
        if self.convention == "qmethod":
            return list(self.consensus.index[self.consensus == "C*"])
        return list(self.consensus.index[self.consensus != ""])


@validate_params
@array_input
def compare_factors(z: pd.DataFrame, sed_matrix: pd.DataFrame, *, convention: str = "qmethod") -> Comparison:
    """Pairwise differences of z-scores tested against their SED, for every statement at once.

    A difference is significant at level c when |z_f - z_g| > c SED_fg (strict). ``convention``
    sets the critical values: ``"qmethod"`` 1.96 and 2.576; ``"pqmethod"`` 1.96 and 2.58, and
    consensus lists all statements non-significant at .01 (starred when also at .05). Factors
    without z-scores (no defining sort) are left out of the comparison rather than aborting.

    ``z`` is statements x factors (z-scores), ``sed_matrix`` factors x factors (z units).

    Raises
    ------
    QMethodError
        For an unknown ``convention``.

    References
    ----------
    Brown, S. R. (1980). *Political Subjectivity: Applications of Q Methodology in Political
    Science*. New Haven: Yale University Press. (distinguishing and consensus statements.)
    """
    d, codes, dist, cons, labels, keep, names = _compare_array(
        z.to_numpy(dtype=float), sed_matrix.to_numpy(dtype=float), z.columns.tolist(), convention=convention
    )
    return comparison(d, codes, dist, cons, labels, keep, names, z.index, z.columns, convention)


def _compare_array(zall: np.ndarray, sed_m: np.ndarray, factor_names: list, *, convention: str = "qmethod"):
    """:func:`compare_factors` on plain arrays.

    Returns (differences, pair codes, distinguishing codes, consensus codes, labels, which
    factors were compared, pair names); the codes are object arrays of strings.
    """
    c05, c01, _ = CONVENTIONS[convention]
    keep = ~np.isnan(zall).any(axis=0)
    every_factor = bool(keep.all())
    factors = tuple(factor_names) if every_factor else tuple(f for f, ok in zip(factor_names, keep) if ok)
    k = len(factors)
    n = zall.shape[0]
    if k < 2:
        empty = np.full(n, "", dtype=object)
        return np.zeros((n, 0)), np.full((n, 0), "", dtype=object), np.full((n, k), "", dtype=object), \
            empty, empty.copy(), keep, ()
    ii, jj = _pairs(k)
    names = tuple(f"{factors[i]}-{factors[j]}" for i, j in zip(ii.tolist(), jj.tolist()))
    zz = zall if every_factor else zall[:, keep]
    d = zz[:, ii] - zz[:, jj]
    fi = np.flatnonzero(keep)
    s = sed_m[fi[ii], fi[jj]]
    # how many of the critical values each |d| exceeds (strictly, as |d| > c SED): 0 .. 4
    crit = np.array([c05, c01] + [c for _, c in _STARS[2:]])
    above = np.abs(d)[:, :, None] > s[None, :, None] * crit
    codes = _CODES[above.sum(axis=2)]
    # a statement's distinguishing codes, consensus code and label follow from which pairs differ
    # at .05 and at .01: work them out once per pattern (a few per study), then look them up
    patterns, width = np.ascontiguousarray(above[:, :, :2]).tobytes(), 2 * len(ii)
    found = [_verdict(patterns[i * width:(i + 1) * width], factors) for i in range(n)]
    dist = np.empty((n, k), dtype=object)
    dist[:] = [f[0] for f in found]
    cons = np.array([f[1] for f in found], dtype=object)
    labels = np.array([f[2] for f in found], dtype=object)
    return d, codes, dist, cons, labels, keep, names


@lru_cache(maxsize=64)
def _pairs(k: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions (first, second) of the factor pairs, in the order F1-F2, F1-F3, ..., F2-F3, ..."""
    ii, jj = np.array(list(combinations(range(k), 2))).T
    return ii, jj


@lru_cache(maxsize=4096)
def _verdict(pattern: bytes, factors: tuple) -> tuple[tuple, str, str]:
    """Distinguishing codes (one per factor), consensus code and R qmethod's label for one
    pattern of significant pairs (``pattern``: per pair, significant at .05 and at .01)."""
    k = len(factors)
    sig = np.frombuffer(pattern, dtype=bool).reshape(-1, 2).tolist()
    pairs = list(combinations(range(k), 2))
    sig05 = [a for a, _ in sig]
    sig01 = [b for _, b in sig]
    dist = []
    for f in range(k):
        mine = [p for p, pair in enumerate(pairs) if f in pair]
        dist.append("**" if all(sig01[p] for p in mine) else "*" if all(sig05[p] for p in mine) else "")
    cons = "C*" if not any(sig05) else "C" if not any(sig01) else ""
    return tuple(dist), cons, _qmethod_label(sig05, pairs, factors)


def _qmethod_label(sig: list, pairs: list, factors: tuple) -> str:
    """R qmethod's ``dist.and.cons`` label of one statement (its rules, B.7 of the qmethod notes);
    ``sig`` says which factor pairs differ at .05."""
    k = len(factors)
    nsig = sum(sig)
    if nsig == 0:
        return "Consensus"
    if k == 2:
        return "Distinguishing"
    every = nsig == len(pairs)
    out = ""
    for f in range(k):
        all_in = all(s for s, pair in zip(sig, pairs) if f in pair)
        any_out = any(s for s, pair in zip(sig, pairs) if f not in pair)
        only = all_in and not any_out
        if only:
            out = f"Distinguishes {factors[f].lower()} only"
        elif every:
            out = "Distinguishes all"
        elif all_in and any_out:
            out += f"Distinguishes {factors[f].lower()} "
    return out


def comparison(d, codes, dist, cons, labels, keep, names, statements: pd.Index, factors: pd.Index, convention: str) -> Comparison:
    pair_index = _pair_index(names)
    factor_index = factors if keep.all() else factors[keep]
    return Comparison(
        differences=frame(d, statements, pair_index),
        pair_significance=frame(codes, statements, pair_index),
        distinguishing=frame(dist, statements, factor_index),
        consensus=pd.Series(cons, index=statements, name="consensus", dtype=_OBJECT),
        labels=pd.Series(labels, index=statements, name="label", dtype=_OBJECT),
        convention=convention,
        factors=factor_index.tolist(),
    )


@lru_cache(maxsize=64)
def _pair_index_cached(names: tuple) -> pd.Index:
    return pd.Index(list(names))


def _pair_index(names: tuple) -> pd.Index:
    """The factor-pair labels as an Index, built once per set of names (a view each call)."""
    return _pair_index_cached(names).view()
