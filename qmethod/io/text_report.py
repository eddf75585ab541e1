"""A plain-text report with the section order of PQMethod's ``.LIS`` file.

Sections (PQMethod 2.35 headings): correlation matrix between sorts, unrotated factor matrix, cumulative
communalities, factor matrix with an X indicating a defining sort, free distribution data results, factor
scores with corresponding ranks, correlations between factor scores, normalized factor scores for each
factor, descending arrays of differences, factor Q-sort values for each statement, Q-sort values sorted by
consensus vs. disagreement, factor characteristics, standard errors for differences, distinguishing
statements for each factor, consensus statements. Numbers are printed rounded as PQMethod does
(correlations x 100, loadings 4 dp, z-scores 3 dp). Text from the data that a spreadsheet could run as a
formula (a token starting ``=``, ``+``, ``@`` or ``-``) gets a leading apostrophe; tabs become spaces.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from qmethod.io.result_tables import report_tables
from qmethod.io.safe import neutralise_report

__all__ = ["text_report", "write_text_report", "LIS_SECTIONS"]

#: (table key or key prefix, heading) in .LIS order.
LIS_SECTIONS = (
    ("correlations", "Correlation Matrix Between Sorts (r x 100)"),
    ("unrotated_loadings", "Unrotated Factor Matrix"),
    ("cumulative_communalities", "Cumulative Communalities Matrix"),
    ("loadings", "Factor Matrix with an X Indicating a Defining Sort"),
    ("free_distribution", "Free Distribution Data Results"),
    ("zscores", "Factor Scores with Corresponding Ranks"),
    ("factor_correlations", "Correlations Between Factor Scores"),
    ("scores_", "Normalized Factor Scores -- For Factor {f}"),
    ("differences_", "Descending Array of Differences Between Factors {f}"),
    ("factor_arrays", "Factor Q-Sort Values for Each Statement"),
    ("consensus_disagreement", "Factor Q-Sort Values for Statements sorted by Consensus vs. Disagreement "
                               "(Variance across Factor Z-Scores)"),
    ("characteristics", "Factor Characteristics"),
    ("sed", "Standard Errors for Differences in Factor Z-Scores (diagonal entries are S.E. within factors)"),
    ("distinguishing_", "Distinguishing Statements for Factor {f} (P < .05 ; ** indicates significance at P < .01)"),
    ("consensus", "Consensus Statements -- Those That Do Not Distinguish Between ANY Pair of Factors"),
)
#: Sections after the .LIS ones, present when the report has the qualitative data (ReportContext).
QUALITATIVE_SECTIONS = (
    ("participants", "Participants: the Factor Each Defines, Answers and Imported Fields"),
    ("comments", "Participants' Comments"),
)


def _fmt(frame: pd.DataFrame, key: str, width: int) -> str:
    df = frame.copy()
    for c in df.columns:
        if df[c].dtype == object or pd.api.types.is_string_dtype(df[c].dtype):
            df[c] = df[c].astype(object).map(lambda v: "" if v is None or v is pd.NA else
                                             " ".join(str(v).split())[:width])
    if key == "correlations":
        return (df * 100).round().astype(int).to_string()
    digits = 4 if key in ("unrotated_loadings", "cumulative_communalities", "loadings", "factor_correlations",
                          "characteristics") or key.startswith("weights_") else 3
    return df.to_string(float_format=lambda v: f"{v:.{digits}f}", na_rep="")


def text_report(result: Any, *, imported: Any = None, width: int = 60) -> str:
    """The report as one string (sections in PQMethod ``.LIS`` order; statement text cut to ``width``)."""
    tables = {t.key: t for t in report_tables(result, imported=imported)}
    out = []
    title = getattr(imported, "title", None) or "Q study"
    n, p = result.sorts.shape
    out.append(f"{title}")
    out.append(f"{p} Q-sorts, {n} statements; {result.settings.extraction} extraction, "
               f"{result.settings.rotation} rotation, {result.settings.n_factors} "
               f"factor{'s' if result.settings.n_factors != 1 else ''} in the result")
    out.append("")
    provenance = getattr(imported, "provenance", ()) or ()
    if provenance:
        out.append("Analysis run")
        out.append("------------")
        width_ = max(len(k) for k, _ in provenance)
        out.extend(f"{k.ljust(width_)}  {v}" for k, v in provenance)
        out.append("")
    for key, heading in LIS_SECTIONS + QUALITATIVE_SECTIONS:
        if key.endswith("_"):
            matches = [k for k in tables if k.startswith(key)]
        else:
            matches = [key] if key in tables else []
        for k in matches:
            f = k[len(key):].replace("_", " and ") if key.endswith("_") else ""
            head = heading.format(f=f)
            out.append(head)
            out.append("-" * min(len(head), 100))
            out.append(_fmt(tables[k].frame, k, width))
            out.append("")
    warns = list(getattr(imported, "warnings", ()) or ()) + list(result.warnings)
    if warns:
        out.append("Warnings")
        out.append("--------")
        out.extend(f"- {w}" for w in warns)
        out.append("")
    return neutralise_report("\n".join(out))


def write_text_report(result: Any, path: str | Path, *, imported: Any = None, width: int = 60) -> None:
    """Write :func:`text_report` to ``path`` (UTF-8)."""
    Path(path).write_text(text_report(result, imported=imported, width=width), encoding="utf-8")
