"""Crib sheets for interpreting a factor, and splitting a bipolar factor into its poles."""
from __future__ import annotations

import pandas as pd

from ..errors import QMethodError

__all__ = ["crib_sheet", "split_bipolar", "invert_factor"]

SECTIONS = ("highest", "higher than in all other factors", "lower than in all other factors", "lowest")


def crib_sheet(result, factor: str) -> pd.DataFrame:
    """A factor's crib sheet (Watts & Stenner): four blocks of statements, one row each.

    ``highest``: the statements in the factor array's top column; ``higher than in all other
    factors``: the others whose array value is strictly higher than in every other factor
    array; ``lower than in all other factors``: likewise strictly lower; ``lowest``: the
    statements in the bottom column. Columns: ``section``, the statement text (if known), this
    factor's array value and z-score, every other factor's array value, and the distinguishing
    marker ("*" p < .05, "**" p < .01). With one factor only the first and last blocks exist.

    Raises
    ------
    QMethodError
        For an unknown factor, or one without defining sorts.

    References
    ----------
    Watts, S. & Stenner, P. (2012). *Doing Q Methodological Research*. London: Sage, ch. 7.
    """
    if factor not in result.factor_arrays.columns:
        raise QMethodError(f"Unknown factor {factor!r}; the factors are {', '.join(result.factors)}.")
    arr = result.factor_arrays
    if arr[factor].isna().any():
        raise QMethodError(f"{factor} has no defining Q-sort, so it has no factor array.")
    valid = [f for f in arr.columns if not arr[f].isna().any()]
    others = [f for f in valid if f != factor]
    a = arr[factor].astype(int)
    top, bottom = a.max(), a.min()
    z = result.zscores[factor]
    rows = []
    used = set()

    def add(section, ids, by_z_desc=True):
        ids = sorted(ids, key=lambda s: z[s], reverse=by_z_desc)
        for s in ids:
            rows.append((section, s))
            used.add(s)

    add("highest", a.index[a == top])
    if others:
        o = arr[others].astype(int)
        higher = [s for s in a.index if s not in used and (a[s] > o.loc[s]).all()]
        lower = [s for s in a.index if s not in used and a[s] != bottom and (a[s] < o.loc[s]).all()]
        add("higher than in all other factors", higher)
        add("lower than in all other factors", lower)
    add("lowest", [s for s in a.index[a == bottom] if s not in used])
    ids = [s for _, s in rows]
    out = pd.DataFrame({"section": [sec for sec, _ in rows]}, index=pd.Index(ids, name="statement_id"))
    if result.statements is not None:
        out["statement"] = result.statements.reindex(ids).to_numpy()
    out[f"{factor} array"] = a.reindex(ids).to_numpy()
    out[f"{factor} z"] = z.reindex(ids).to_numpy()
    for f in others:
        out[f"{f} array"] = arr[f].reindex(ids).astype(int).to_numpy()
    out["distinguishing"] = result.distinguishing[factor].reindex(ids).fillna("").to_numpy() if factor in result.distinguishing else ""
    return out


def invert_factor(result, factor: str):
    """Multiply a factor's loadings by -1 (its array turns upside down) and recompute."""
    from .pipeline import rescore

    if factor not in result.loadings.columns:
        raise QMethodError(f"Unknown factor {factor!r}; the factors are {', '.join(result.factors)}.")
    load = result.loadings.copy()
    load[factor] = -load[factor]
    return rescore(result, loadings=load, flags=result.flags, note=f"{factor} was inverted.")


def split_bipolar(result, factor: str):
    """Split a bipolar factor into its positive and negative poles and recompute.

    Factor ``Fk`` becomes ``Fka`` (the original loadings; the sorts flagged with a positive
    loading stay flagged) and ``Fkb`` (the negated loadings; the sorts flagged with a negative
    loading move here, now positive). Each pole then gets its own z-scores and factor array, so
    the two opposite viewpoints can be read separately (as KADE does). Other factors keep their
    flags. The factor's variance is not counted twice: in the characteristics, ``Fka``'s
    eigenvalue and explained variance are the squared loadings of the sorts loading >= 0 on
    ``Fk``, ``Fkb``'s those of the sorts loading < 0, so the poles add up to ``Fk``'s figures
    (recorded in ``details["split"]`` and said in the result's warnings). Raises :class:`QMethodError` when the factor has no negatively flagged sort.

    References
    ----------
    Watts, S. & Stenner, P. (2012). *Doing Q Methodological Research*. London: Sage. (Bipolar
    factors and crib sheets.)
    """
    from .pipeline import rescore

    if factor not in result.loadings.columns:
        raise QMethodError(f"Unknown factor {factor!r}; the factors are {', '.join(result.factors)}.")
    load, fl = result.loadings, result.flags
    neg = fl[factor] & (load[factor] < 0)
    pos = fl[factor] & (load[factor] > 0)
    if not neg.any():
        raise QMethodError(
            f"{factor} has no sort flagged with a negative loading; there is no negative pole to split off. "
            "Flag the negative sorts first (by hand) if they should define it."
        )
    cols, fcols = {}, {}
    for c in load.columns:
        if c == factor:
            cols[f"{c}a"], fcols[f"{c}a"] = load[c], pos
            cols[f"{c}b"], fcols[f"{c}b"] = -load[c], neg
        else:
            cols[c], fcols[c] = load[c], fl[c]
    new_load = pd.DataFrame(cols, index=load.index)
    new_flags = pd.DataFrame(fcols, index=load.index).astype(bool)
    details = dict(result.details)
    details["split"] = {**details.get("split", {}), factor: [f"{factor}a", f"{factor}b"]}
    return rescore(
        result, loadings=new_load, flags=new_flags, details=details,
        note=f"Bipolar factor {factor} was split into {factor}a and {factor}b; its variance is counted once: "
        f"{factor}a's eigenvalue and explained variance hold the sorts loading >= 0 on {factor}, "
        f"{factor}b's those loading < 0.",
    )
