"""Readable text summary of an analysis (used by the CLI and ``AnalysisResult.summary``)."""
from __future__ import annotations

import pandas as pd

from .flag import format_p


def _table(df: pd.DataFrame) -> str:
    return df.to_string()


def _statement_block(df: pd.DataFrame, width: int) -> str:
    """Level and factor-array columns of a statement table, with texts cut to ``width``."""
    show = df[[c for c in df.columns if c == "level" or c.endswith("array")]]
    if "statement" in df:
        show = pd.concat([df["statement"].str.slice(0, width), show], axis=1)
    return _table(show)


def summary(result, *, width: int = 60) -> str:
    s = result.settings
    n, p = result.sorts.shape
    out = []
    steps = f", {len(s.rotation_steps)} judgmental step(s)" if s.rotation_steps else ""
    out.append(
        f"Q analysis: {p} Q-sorts x {n} statements; {s.n_factors} factors; extraction {s.extraction}; "
        f"rotation {s.rotation}{steps}; correlation {s.correlation}; flags {s.flags} "
        f"(p < {format_p(s.significance)}{', majority of common variance' if s.majority else ''}; negative loadings {s.negative}d)."
    )
    out.append("")
    out.append("Loadings (* = defining sort)")
    lf = result.loadings.copy().astype(object)
    for c in result.loadings.columns:
        lf[c] = [f"{v:7.4f}{'*' if f else ' '}" for v, f in zip(result.loadings[c], result.flags[c])]
    lf["h2"] = result.communalities.round(4)
    out.append(_table(lf))
    ch = result.characteristics
    out.append("")
    out.append("Factor characteristics")
    out.append(_table(ch.T.round(4)))
    for factor, (first, second) in result.details.get("split", {}).items():
        out.append(f"({factor} was split into {first} and {second}: its variance is counted once, {first} holding "
                   f"the sorts loading >= 0 on {factor}, {second} those loading < 0.)")
    out.append("")
    out.append("Factor arrays")
    fa = result.factor_arrays.copy()
    fa = fa.astype(object).where(fa.notna(), "-")
    if result.statements is not None:
        fa.insert(0, "statement", result.statements.str.slice(0, width))
    out.append(_table(fa))
    for f in result.factors:
        if result.zscores[f].isna().any():
            continue
        ds = result.distinguishing_statements(f)
        out.append("")
        out.append(f"Distinguishing statements for {f} (* p < .05, ** p < .01): {len(ds)}")
        if len(ds):
            out.append(_statement_block(ds, width))
    cs = result.consensus_statements()
    out.append("")
    out.append(f"Consensus statements ({s.convention} convention): {len(cs)}")
    if len(cs):
        out.append(_statement_block(cs, width))
    if result.warnings:
        out.append("")
        out.append("Warnings")
        out.extend(f"- {w}" for w in result.warnings)
    return "\n".join(out)
