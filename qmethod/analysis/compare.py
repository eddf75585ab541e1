"""Factor characteristics, standard errors, and distinguishing and consensus statements."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

import numpy as np
import pandas as pd

from ..errors import QMethodError

__all__ = ["characteristics", "factor_correlations", "sed", "compare_factors", "Comparison", "CONVENTIONS"]

# significance codes of pairwise differences: (code, critical z), strictest last
_STARS = (("*", 1.96), ("**", 2.576), ("***", 3.291), ("6*", 4.8916))
CONVENTIONS = {
    # name: (z for p < .05, z for p < .01, strict comparison)
    "qmethod": (1.96, 2.576, True),
    "pqmethod": (1.96, 2.58, True),
}


def characteristics(
    loadings: pd.DataFrame, flags: pd.DataFrame, *, av_rel_coef: float = 0.8
) -> pd.DataFrame:
    """Factor characteristics (factors x columns), as PQMethod's and qmethod's table.

    Columns: ``n_defining`` (flagged sorts p), ``avg_rel_coef`` (0.8, Brown), ``composite_reliability``
    = 0.8 p / (1 + 0.8 (p - 1)), ``se_zscores`` = sqrt(1 - reliability) (the SD of z is 1),
    ``eigenvalue`` = sum of squared loadings as used (after rotation), ``explained_variance`` =
    100 x eigenvalue / number of Q-sorts (percent). Factors with no defining sort get NaN
    reliability and SE.
    """
    return _characteristics_frame(loadings.to_numpy(dtype=float), flags.to_numpy(bool), loadings.columns, av_rel_coef)


_CHAR_COLUMNS = pd.Index(
    ["n_defining", "avg_rel_coef", "composite_reliability", "se_zscores", "eigenvalue", "explained_variance"]
)


def _characteristics_frame(a: np.ndarray, f: np.ndarray, factors: pd.Index, av_rel_coef: float) -> pd.DataFrame:
    p = f.sum(axis=0)
    safe = np.maximum(p, 1)
    rel = np.where(p > 0, av_rel_coef * safe / (1 + (safe - 1) * av_rel_coef), np.nan)
    ev = np.square(a).sum(axis=0)
    values = np.column_stack([p, np.full(p.size, av_rel_coef), rel, np.sqrt(1 - rel), ev, 100 * ev / a.shape[0]])
    out = pd.DataFrame(values, index=factors, columns=_CHAR_COLUMNS)
    out["n_defining"] = p
    return out


def factor_correlations(z: pd.DataFrame) -> pd.DataFrame:
    """Pearson correlations between the factors' z-score vectors (factors x factors)."""
    v = z.to_numpy(dtype=float)
    ok = ~np.isnan(v).any(axis=0)
    r = np.full((v.shape[1], v.shape[1]), np.nan)
    if ok.any():
        r[np.ix_(ok, ok)] = np.atleast_2d(np.corrcoef(v[:, ok], rowvar=False))
    return pd.DataFrame(r, index=z.columns, columns=z.columns)


def sed(chars: pd.DataFrame) -> pd.DataFrame:
    """Standard errors of differences: SED_fg = sqrt(SE_f^2 + SE_g^2); diagonal = SE_f sqrt 2."""
    se = chars["se_zscores"].to_numpy(dtype=float)
    m = np.sqrt(se[:, None] ** 2 + se[None, :] ** 2)
    return pd.DataFrame(m, index=chars.index, columns=chars.index)


@dataclass(frozen=True)
class Comparison:
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


def compare_factors(z: pd.DataFrame, sed_matrix: pd.DataFrame, *, convention: str = "qmethod") -> Comparison:
    """Pairwise differences of z-scores tested against their SED, for every statement at once.

    A difference is significant at level c when |z_f - z_g| > c SED_fg (strict). ``convention``
    sets the critical values: ``"qmethod"`` 1.96 and 2.576; ``"pqmethod"`` 1.96 and 2.58, and
    consensus lists all statements non-significant at .01 (starred when also at .05). Factors
    without z-scores (no defining sort) are left out of the comparison rather than aborting.
    """
    if convention not in CONVENTIONS:
        raise QMethodError(f"convention must be one of {', '.join(CONVENTIONS)}; got {convention!r}.")
    c05, c01, _ = CONVENTIONS[convention]
    zall = z.to_numpy(dtype=float)
    keep = ~np.isnan(zall).any(axis=0)
    factor_index = z.columns if keep.all() else z.columns[keep]
    factors = factor_index.tolist()
    k = len(factors)
    zz = zall[:, keep]
    pairs = list(combinations(range(k), 2))
    names = [f"{factors[i]}-{factors[j]}" for i, j in pairs]
    n = zz.shape[0]
    if pairs:
        ii = np.array([i for i, _ in pairs])
        jj = np.array([j for _, j in pairs])
        d = zz[:, ii] - zz[:, jj]
        fi = np.flatnonzero(keep)
        s = sed_matrix.to_numpy()[fi[ii], fi[jj]]
    else:
        d = np.zeros((n, 0))
        s = np.zeros(0)
    ad = np.abs(d)
    codes = np.full(d.shape, "", dtype=object)
    for code, c in _STARS:
        crit = {1.96: c05, 2.576: c01}.get(c, c)
        codes[ad > crit * s] = code
    sig05 = ad > c05 * s
    sig01 = ad > c01 * s
    # incidence of each factor in each pair
    inc = np.zeros((len(pairs), k), dtype=bool)
    for p_, (i, j) in enumerate(pairs):
        inc[p_, i] = inc[p_, j] = True
    n_in = inc.sum(axis=0)

    def all_in(sig):
        return (sig.astype(int) @ inc.astype(int)) == n_in  # statements x factors

    dist = np.full((n, k), "", dtype=object)
    if k >= 2:
        dist[all_in(sig05)] = "*"
        dist[all_in(sig01)] = "**"
    any05 = sig05.any(axis=1)
    any01 = sig01.any(axis=1)
    cons = np.where(~any05, "C*", np.where(~any01, "C", ""))
    if k < 2:
        cons[:] = ""
    labels = _qmethod_labels(sig05, inc, factors)
    pair_index = _pair_index(tuple(names))
    return Comparison(
        differences=pd.DataFrame(d, index=z.index, columns=pair_index),
        pair_significance=pd.DataFrame(codes, index=z.index, columns=pair_index, dtype=object),
        distinguishing=pd.DataFrame(dist, index=z.index, columns=factor_index, dtype=object),
        consensus=pd.Series(cons.astype(object), index=z.index, name="consensus", dtype=object),
        labels=pd.Series(labels, index=z.index, name="label", dtype=object),
        convention=convention,
        factors=factors,
    )


@lru_cache(maxsize=64)
def _pair_index_cached(names: tuple) -> pd.Index:
    return pd.Index(list(names))


def _pair_index(names: tuple) -> pd.Index:
    """The factor-pair labels as an Index, built once per set of names (a view each call)."""
    return _pair_index_cached(names).view()


def _qmethod_labels(sig: np.ndarray, inc: np.ndarray, factors: list) -> np.ndarray:
    """R qmethod's ``dist.and.cons`` labels (its rules, B.7 of the qmethod notes), vectorised."""
    n, npairs = sig.shape
    k = len(factors)
    out = np.full(n, "", dtype=object)
    if k < 2:
        return out
    nsig = sig.sum(axis=1)
    if k == 2:
        out[:] = "Distinguishing"
    else:
        si = sig.astype(int)
        all_in = (si @ inc.astype(int)) == inc.sum(axis=0)
        any_out = (si @ (~inc).astype(int)) > 0
        every = nsig == npairs
        for i in range(k):
            name = factors[i].lower()
            only = all_in[:, i] & ~any_out[:, i]
            also = ~only & ~every & all_in[:, i] & any_out[:, i]
            out[only] = f"Distinguishes {name} only"
            out[~only & every] = "Distinguishes all"
            out[also] = out[also] + f"Distinguishes {name} "
    out[nsig == 0] = "Consensus"
    return out
