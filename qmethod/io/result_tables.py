"""The tables of a full report, in the order researchers know from Ken-Q / KADE and PQMethod.

:func:`report_tables` turns an :class:`qmethod.AnalysisResult` into a list of :class:`ReportTable`
(sheet name, title, DataFrame, number format). The Excel workbook, the CSV zip and the text report are
all written from this one list, so they always agree.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from ..analysis.flag import format_p

__all__ = ["ReportTable", "ReportContext", "report_tables"]


@dataclass(frozen=True)
class ReportContext:
    """What a report records besides the numbers; accepted wherever an ``imported`` ImportedData is.

    Attributes
    ----------
    title, source, format : str
        Study title, data file (or source) and its format.
    warnings : tuple of str
        Import warnings.
    provenance : tuple of (item, value)
        The whole analysis actually run (data snapshot, every choice, by-hand steps, hand flags,
        inversions, splits), written at the top of the overview and of the text report.
    qualitative : dict of name -> DataFrame
        ``participants`` (the factor each defines, answers, imported fields) and ``comments``; each
        becomes a sheet / CSV file at the end of the report.
    """

    title: str | None = None
    source: str = ""
    format: str = ""
    warnings: tuple[str, ...] = ()
    provenance: tuple[tuple[str, Any], ...] = ()
    qualitative: dict[str, pd.DataFrame] = field(default_factory=dict)


@dataclass(frozen=True)
class ReportTable:
    """One table of a report.

    Attributes
    ----------
    key : str
        Stable machine name (also the CSV file name in the zip), e.g. ``"zscores"``, ``"dist_F1"``.
    sheet : str
        Excel sheet name (<= 31 characters).
    title : str
        Heading as in Ken-Q/PQMethod output.
    frame : pandas.DataFrame
        The values, full precision; the index is written as the first column.
    number_format : str
        Excel number format for float cells (display only).
    flags : pandas.DataFrame or None
        Boolean mask (same labels as ``frame``) of cells to mark as defining sorts.
    """

    key: str
    sheet: str
    title: str
    frame: pd.DataFrame
    number_format: str = "0.000"
    flags: pd.DataFrame | None = None


def _overview(result: Any, imported: Any = None) -> pd.DataFrame:
    s = result.settings
    n, p = result.sorts.shape
    rows: list[tuple[str, Any]] = list(getattr(imported, "provenance", ()) or ())
    if imported is not None and not rows:
        rows += [("Study", imported.title or ""), ("Data file", imported.source), ("File format", imported.format)]
    dist = tuple(result.distribution) if len(result.distribution) else None
    counts = pd.Series(dist).value_counts().sort_index() if dist else None
    rows += [
        ("Number of Q-sorts", p),
        ("Number of statements", n),
        ("Distribution (value: cells)", " ".join(f"{int(v)}: {c}" for v, c in counts.items()) if counts is not None
         else "none"),
        ("Forced distribution", "yes" if s.forced else "no"),
        ("Correlation", s.correlation),
        ("Extraction", s.extraction),
        ("Rotation", s.rotation + (f" + {len(s.rotation_steps)} judgmental step(s)" if s.rotation_steps else "")),
        ("Factors in the result (after any split)", s.n_factors),
        ("Flagging", f"{s.flags} (p < {format_p(s.significance)}" + (", majority of common variance" if s.majority
                                                              else "") + f", negative loadings {s.negative}d)"),
        ("Distinguishing / consensus convention", s.convention),
        ("Average reliability coefficient", s.av_rel_coef),
    ]
    for step in s.rotation_steps:
        d = step if isinstance(step, dict) else step.to_dict()
        rows.append(("Judgmental rotation", ", ".join(f"{k}={v}" for k, v in d.items())))
    from qmethod import __version__
    rows.append(("qmethod version", __version__))
    warns = list(getattr(imported, "warnings", ()) or ()) + list(result.warnings)
    for w in warns:
        rows.append(("Warning", w))
    return pd.DataFrame({"value": [v for _, v in rows]}, index=pd.Index([k for k, _ in rows], name="item"),
                        dtype=object)


def _with_text(frame: pd.DataFrame, statements: pd.Series | None) -> pd.DataFrame:
    if statements is None:
        return frame
    out = frame.copy()
    out.insert(0, "statement", statements.reindex(out.index).astype(object).to_numpy())
    return out


def report_tables(result: Any, *, imported: Any = None) -> list[ReportTable]:
    """All report tables of ``result`` (an :class:`qmethod.AnalysisResult`), in report order.

    Parameters
    ----------
    result : AnalysisResult
    imported : ImportedData, optional
        Adds the study title, data file and import warnings to the overview.
    """
    factors = list(result.factors)
    valid = [f for f in factors if not result.zscores[f].isna().any()]
    st = result.statements
    out: list[ReportTable] = []
    add = out.append

    add(ReportTable("overview", "Overview", "Project overview", _overview(result, imported)))
    if st is not None:
        add(ReportTable("statements", "Statements", "Statements",
                        pd.DataFrame({"statement": st.astype(object)}, index=st.index)))
    sorts = result.sorts.T.copy()
    if np.isfinite(sorts.to_numpy(float)).all() and (sorts.to_numpy(float) % 1 == 0).all():
        sorts = sorts.astype("int64")
    sorts.index.name = "sort"
    add(ReportTable("sorts", "Q-sorts", "Q-sorts (one row per participant; values by statement)", sorts, "0"))
    if result.correlations is not None:
        add(ReportTable("correlations", "Correlations", "Correlation Matrix Between Sorts", result.correlations,
                        "0.00"))
    un = result.unrotated_loadings
    eig = (un ** 2).sum()
    un_rows = pd.concat([un, pd.DataFrame([eig, 100 * eig / len(un)], index=["Eigenvalues", "% expl. var."])])
    un_rows.index.name = un.index.name
    add(ReportTable("unrotated_loadings", "Unrotated loadings", "Unrotated Factor Matrix", un_rows, "0.0000"))
    cum = (un ** 2).cumsum(axis=1)
    cum_rows = pd.concat([cum, pd.DataFrame([(100 * eig / len(un)).cumsum()], index=["Cumul. % expl. var."])])
    cum_rows.index.name = un.index.name
    add(ReportTable("cumulative_communalities", "Cumul communalities", "Cumulative Communalities Matrix",
                    cum_rows, "0.0000"))
    load = result.loadings
    lf = pd.DataFrame(index=load.index)
    mask = pd.DataFrame(index=load.index)
    for f in factors:
        lf[f] = load[f]
        lf[f"{f} flag"] = np.where(result.flags[f].to_numpy(), "X", "")
        mask[f] = result.flags[f].astype(bool)
        mask[f"{f} flag"] = result.flags[f].astype(bool)
    lf.index.name = load.index.name
    add(ReportTable("loadings", "Factor loadings", "Factor Matrix with an X Indicating a Defining Sort", lf,
                    "0.0000", flags=mask))
    free = pd.DataFrame({"mean": result.sorts.mean(), "sd": result.sorts.std(ddof=1)})
    free.index.name = "sort"
    add(ReportTable("free_distribution", "Free distribution", "Free Distribution Data Results (SD with n-1)", free))
    zr = pd.DataFrame(index=result.zscores.index)
    for f in factors:
        zr[f"{f} z"] = result.zscores[f]
        zr[f"{f} rank"] = result.zscores[f].rank(ascending=False, method="first").astype("Int64")
    add(ReportTable("zscores", "Factor scores", "Factor Scores with Corresponding Ranks", _with_text(zr, st)))
    add(ReportTable("factor_correlations", "Factor score correlations", "Correlations Between Factor Scores",
                    result.factor_correlations, "0.0000"))
    for f in factors:
        defining = result.flags.index[result.flags[f].astype(bool)]
        w = pd.DataFrame({"loading": result.loadings.loc[defining, f], "weight": result.weights.loc[defining, f]})
        w.index.name = result.loadings.index.name
        add(ReportTable(f"weights_{f}", f"{f} weights", f"Defining Sorts and Weights for {f}", w, "0.0000"))
        if f in valid:
            fs = pd.DataFrame({"z": result.zscores[f], "array": result.factor_arrays[f]})
            fs = _with_text(fs, st).sort_values("z", ascending=False, kind="stable")
            add(ReportTable(f"scores_{f}", f"{f} scores", f"Normalized Factor Scores -- For {f}", fs))
    for a, b in combinations(valid, 2):
        d = pd.DataFrame({f"{a} z": result.zscores[a], f"{b} z": result.zscores[b]})
        d["difference"] = d[f"{a} z"] - d[f"{b} z"]
        d = _with_text(d, st).sort_values("difference", ascending=False, kind="stable")
        add(ReportTable(f"differences_{a}_{b}", f"Diff {a}-{b}",
                        f"Descending Array of Differences Between {a} and {b}", d))
    add(ReportTable("factor_arrays", "Factor arrays", "Factor Q-Sort Values for Each Statement",
                    _with_text(result.factor_arrays, st), "0"))
    if len(valid) >= 2:
        cd = result.factor_arrays[valid].copy()
        cd["z variance"] = result.zscores[valid].var(axis=1, ddof=0)
        cd = _with_text(cd, st).sort_values("z variance", kind="stable")
        add(ReportTable("consensus_disagreement", "Consensus-disagreement",
                        "Factor Q-Sort Values for Statements sorted by Consensus vs. Disagreement "
                        "(Variance across Factor Z-Scores)", cd))
    add(ReportTable("characteristics", "Factor characteristics", "Factor Characteristics",
                    result.characteristics.T.astype(float), "0.000"))
    add(ReportTable("sed", "Standard errors for diffs",
                    "Standard Errors for Differences in Factor Z-Scores (diagonal: S.E. within factors)",
                    result.sed))
    for f in valid:
        if len(valid) < 2:
            break
        add(ReportTable(f"distinguishing_{f}", f"Dist {f}",
                        f"Distinguishing Statements for {f} (* p < .05, ** p < .01)",
                        result.distinguishing_statements(f)))
    if len(valid) >= 2:
        add(ReportTable("consensus", "Consensus statements",
                        f"Consensus Statements -- Those That Do Not Distinguish Between ANY Pair of Factors "
                        f"({result.settings.convention} convention)", result.consensus_statements()))
    for f, crib in result.crib_sheets().items():
        add(ReportTable(f"crib_{f}", f"Crib {f}", f"Crib Sheet for {f}", crib))
    titles = {"participants": ("Participants", "Participants: the factor each defines, answers and imported fields"),
              "comments": ("Comments", "Participants' comments, with the statement and the column it was put in")}
    for key, frame in (getattr(imported, "qualitative", None) or {}).items():
        sheet, title = titles.get(key, (key.capitalize(), key.capitalize()))
        add(ReportTable(key, sheet, title, frame.astype(object).where(frame.notna(), None), "0"))
    return [_distinct_index_name(t) for t in out]


def _distinct_index_name(table: ReportTable) -> ReportTable:
    """Statement tables carry a ``statement`` text column: call their index ``statement id``."""
    frame = table.frame
    if frame.index.name is not None and frame.index.name in frame.columns or frame.index.name == "statement_id":
        frame = frame.copy()
        frame.index.name = "statement id" if frame.index.name in ("statement", "statement_id") \
            else f"{frame.index.name} id"
        return ReportTable(table.key, table.sheet, table.title, frame, table.number_format, table.flags)
    return table
