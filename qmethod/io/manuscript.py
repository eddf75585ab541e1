"""What a Q study report for a journal holds, independent of the file format.

:class:`ReportContent` gathers the result, a study summary and the team's factor narratives;
:func:`methods_paragraph` writes the methods from the exact analysis choices; :func:`journal_tables`
gives the tables in manuscript style (text cells, two decimals, defining sorts marked, a note under
each table); :func:`composite_cells` the composite Q-sort of each factor as the columns of its quasi-normal grid
(drawn as a Q-sort figure by the writers). The DOCX,
PDF, HTML and Markdown writers (:mod:`~qmethod.io.docx_report`, :mod:`~qmethod.io.pdf_report`,
:mod:`~qmethod.io.html_report`) all render this one content, so they say the same.

References: Watts & Stenner (2012), *Doing Q methodological research*, Sage (crib sheets, reporting);
Zabala, Sandbrook & Pascual (2018), Conservation Biology 32(5) (the research decisions to report);
Brown (1980), *Political subjectivity*, Yale (factor weights, flagging, significance of differences);
Zabala & Pascual (2016), PLoS ONE 11(2): e0148087 (the bootstrap).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from ..analysis.flag import format_p, z_critical

__all__ = ["StudySummary", "FactorNarrative", "Contribution", "ReportContent", "attribution", "team_sentence",
           "language_name", "numeric_columns", "reason_parts", "JournalTable", "methods_paragraph", "bootstrap_sentences",
           "journal_tables", "composite_columns", "composite_cells", "CompositeCell", "composite_fill", "COMPOSITE_FILL", "references", "sections", "table_rows",
           "composite_rows", "signed", "COMPOSITE_NOTE"]

_EXTRACTION = {
    "pca": "principal component analysis",
    "centroid": "Brown's centroid method (as in PQMethod)",
    "horst": "Horst's centroid method (PQMethod's alternative)",
}
_CORRELATION = {"pearson": "Pearson product-moment", "spearman": "Spearman rank", "kendall": "Kendall rank"}

#: languages as the (English) report names them; other codes are printed as they are
LANGUAGE_NAMES = {"nb": "Norwegian bokmål", "nn": "Norwegian nynorsk", "no": "Norwegian", "en": "English",
                  "se": "Northern Sámi", "sv": "Swedish", "da": "Danish", "fi": "Finnish", "de": "German",
                  "fr": "French", "es": "Spanish", "pl": "Polish", "ar": "Arabic", "so": "Somali",
                  "uk": "Ukrainian"}


def language_name(code: str) -> str:
    """The English name of a language code (``"nb"`` -> ``"Norwegian bokmål"``); an unknown code as is."""
    return LANGUAGE_NAMES.get(str(code).strip().lower(), str(code))


@dataclass(frozen=True)
class StudySummary:
    """The study as collected: grid (value -> cells), participants started/completed, the dates of the
    first and last completed sort, survey questions, the columns with comments."""

    title: str
    languages: tuple[str, ...] = ()
    grid: dict[int, int] = field(default_factory=dict)
    forced: bool = True
    n_started: int = 0
    n_completed: int = 0
    first: datetime | None = None
    last: datetime | None = None
    survey: tuple[str, ...] = ()
    comments_on: tuple[int, ...] = ()
    n_comments: int = 0
    presort: bool = False


@dataclass(frozen=True)
class FactorNarrative:
    """The team's texts on a factor and the participants' own words to quote (statement, score, text).

    ``written_by``: (text, author) pairs, ``text`` one of ``name``, ``summary``, ``narrative``: who
    wrote the current version of each text (see :func:`attribution`)."""

    factor: str
    name: str = ""
    summary: str = ""
    narrative: str = ""
    quotes: tuple[tuple[str, int, str], ...] = ()
    written_by: tuple[tuple[str, str], ...] = ()


_TEXTS = ("name", "summary", "narrative")


def attribution(n: FactorNarrative) -> str:
    """Who wrote which of the factor's texts, for the texts it has: ``"Name by kari; summary and
    narrative by anna."``; ``""`` when no written text has a known author."""
    by = dict(n.written_by)
    groups: dict[str, list[str]] = {}
    for key in _TEXTS:
        if getattr(n, key).strip() and by.get(key):
            groups.setdefault(by[key], []).append(key)
    if not groups:
        return ""
    text = "; ".join(f"{_and(keys)} by {who}" for who, keys in groups.items()) + "."
    return text[0].upper() + text[1:]


def _and(items: list[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


@dataclass(frozen=True)
class Contribution:
    """One thing a member of the team did: ``author`` proposed or wrote a ``what`` (``name``,
    ``summary``, ``narrative``) or wrote a ``note``, on ``factor`` (``""``: the analysis as a whole)."""

    author: str
    what: str
    factor: str = ""


@dataclass(frozen=True)
class ReportContent:
    """Everything a report shows. ``result`` is an :class:`qmethod.AnalysisResult`; ``study`` is None
    for an analysed file; ``suggested``: the number of factors each rule suggested (parallel, kaiser,
    humphrey, ...); ``reason``: the team's reason for the number of factors; ``bootstrap``:
    ``{"n_resamples", "seed"}`` when run, with ``requested``, ``skipped`` and ``factors`` (figures per
    factor) when known (:func:`qmethod.service.analysis.bootstrap_summary`); ``co_researchers``: user names
    of the co-researchers invited (each once, also when removed and invited again); ``team_work``: what
    each member of the team did (:class:`Contribution`; the methods count the co-researchers among
    its authors as the ones who took part, see :func:`team_sentence`); ``language``: the language
    of the study's texts (see :attr:`language`)."""

    result: Any
    title: str
    study: StudySummary | None = None
    narratives: dict[str, FactorNarrative] = field(default_factory=dict)
    inverted: tuple[str, ...] = ()
    split: tuple[str, ...] = ()
    flags_by_hand: bool = False
    bootstrap: dict[str, Any] | None = None
    co_researchers: tuple[str, ...] = ()
    team_work: tuple[Contribution, ...] = ()
    suggested: dict[str, int] = field(default_factory=dict)
    reason: str = ""
    created: datetime | None = None
    #: the language (code) the study's texts are written in: title, statements, the participants'
    #: comments and the team's texts (the study's default language); the report's own words are English
    language: str = "en"

    def factor_title(self, f: str) -> str:
        n = self.narratives.get(f)
        return f"{f}: {n.name}" if n is not None and n.name else f


@dataclass(frozen=True)
class JournalTable:
    """A manuscript table: ``frame`` of text cells (index written as the first column), ``bold`` the
    (row, column) labels to set in bold (defining sorts), ``note`` the line under the table."""

    number: int
    title: str
    frame: pd.DataFrame
    note: str = ""
    bold: frozenset = frozenset()

    @property
    def caption(self) -> str:
        return f"Table {self.number}. {self.title}"


def _n(x: float, digits: int = 2) -> str:
    """A number as journals print it: minus sign, fixed decimals."""
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return ""
    return f"{x:.{digits}f}".replace("-", "−")


def signed(v: int) -> str:
    """A grid value as printed: ``+2``, ``0``, ``−3`` (minus sign)."""
    return f"+{v}" if v > 0 else str(v).replace("-", "−")


def _valid(result) -> list[str]:
    return [f for f in result.factors if not result.factor_arrays[f].isna().any()]


def _date(t: datetime | None) -> str:
    return t.strftime("%d %B %Y").lstrip("0") if t else ""


def methods_paragraph(content: ReportContent) -> list[str]:
    """The methods, one string per paragraph, written from the exact choices of the analysis."""
    from .. import __version__

    r = content.result
    s = r.settings
    n, p = r.sorts.shape
    valid = _valid(r)
    paras = []
    st = content.study
    if st is not None:
        cells = " ".join(f"{signed(v)}: {c}" for v, c in sorted(st.grid.items()))
        lo, hi = min(st.grid), max(st.grid)
        text = (f"Participants ranked {n} statements into a {'forced' if st.forced else 'free'} quasi-normal grid "
                f"from {signed(lo)} to {signed(hi)} (cells per column {cells}) online with qmethod"
                + (", after a first sort into three piles (agree, neutral, disagree)" if st.presort else "") + ". ")
        if st.n_completed:
            when = (f" between {_date(st.first)} and {_date(st.last)}" if st.first and st.last and st.first.date() != st.last.date()
                    else f" on {_date(st.first)}" if st.first else "")
            text += f"{st.n_completed} of {st.n_started} participants who started completed the sort{when}. "
        if st.comments_on:
            text += (f"After sorting, participants could comment on the statements they placed in columns "
                     f"{', '.join(signed(c) for c in st.comments_on)} ({st.n_comments} comments by defining "
                     "participants are used below). ")
        if st.survey:
            text += f"A short survey followed ({len(st.survey)} question{'s' if len(st.survey) != 1 else ''}). "
        if len(st.languages) > 1:
            text += f"The study was available in {_and([language_name(x) for x in st.languages])}. "
        paras.append(text.strip())
    text = (f"The {p} Q-sorts were intercorrelated ({_CORRELATION.get(s.correlation, s.correlation)} correlations) "
            f"and factor-analysed by person with qmethod {__version__}. {s.n_factors} factor"
            f"{'s were' if s.n_factors != 1 else ' was'} extracted by {_EXTRACTION.get(s.extraction, s.extraction)}")
    sug = content.suggested or {}
    rules = [(k, lab) for k, lab in (("parallel", "parallel analysis"), ("kaiser", "the Kaiser criterion (eigenvalue > 1)"),
                                     ("humphrey", "Humphrey's rule"),
                                     ("two_or_more_defining_sorts", "two or more defining sorts per factor"))
             if sug.get(k) is not None]
    if rules:
        text += "; " + ", ".join(f"{lab} suggested {sug[k]}" for k, lab in rules)
    text += "."
    if content.reason:
        text += f" {content.reason.strip().rstrip('.')}."
    if s.rotation == "varimax":
        text += " The factors were rotated by varimax"
    else:
        text += " The factors were not rotated analytically"
    steps = [st_ if isinstance(st_, dict) else st_.to_dict() for st_ in s.rotation_steps]
    if steps:
        text += (", then by hand in " + f"{len(steps)} step{'s' if len(steps) != 1 else ''} ("
                 + "; ".join(f"{d['first']} and {d['second']} turned {abs(d['degrees']):g}° "
                             f"{'clockwise' if d['degrees'] >= 0 else 'counter-clockwise'}" for d in steps) + ")")
    text += "."
    paras.append(text)
    thr = r.settings.significance

    crit = z_critical(thr) / np.sqrt(n)
    text = (f"A Q-sort defined a factor when its loading was significant at p < {format_p(thr)} (|loading| > {crit:.2f}, "
            f"{z_critical(thr):.2f}/√{n})")
    if s.majority:
        text += " and its squared loading exceeded the sum of its squared loadings on the other factors"
    text += ("; negative loadings could define a factor (reversed)." if s.negative == "include"
             else "; negative loadings were not flagged.")
    if content.flags_by_hand:
        text += " Flags were then reviewed and set by hand."
    if content.inverted:
        text += f" {', '.join(content.inverted)} {'was' if len(content.inverted) == 1 else 'were'} inverted."
    if content.split:
        text += (f" The bipolar factor{'s' if len(content.split) > 1 else ''} {', '.join(content.split)} "
                 f"{'was' if len(content.split) == 1 else 'were'} split into {'its' if len(content.split) == 1 else 'their'} poles.")
    text += (" Factor scores are weighted averages of the defining Q-sorts (weights a/(1 − a²)), standardised to "
             "z-scores and turned into factor arrays with the grid's distribution. A statement distinguishes a "
             "factor when its z-score differs from that of every other factor by more than the standard error of "
             "the difference times 1.96 (p < .05) or 2.58 (p < .01); consensus statements distinguish no pair of "
             f"factors ({'R qmethod' if s.convention == 'qmethod' else 'PQMethod'} convention).")
    if content.bootstrap:
        text += " " + bootstrap_sentences(content.bootstrap, n)
    paras.append(text)
    ev = r.characteristics["explained_variance"]
    nd = r.characteristics["n_defining"]
    parts = [f"{f} {ev[f]:.0f}% ({int(nd[f])} defining sort{'s' if int(nd[f]) != 1 else ''})" for f in r.factors]
    text = (f"Together the {len(r.factors)} factors explain {ev.sum():.0f}% of the variance: " + ", ".join(parts) + ". "
            f"{int(r.flags.any(axis=1).sum())} of {p} Q-sorts define a factor.")
    if len(valid) < len(r.factors):
        text += f" {', '.join(f for f in r.factors if f not in valid)} had no defining sort and no factor array."
    paras.append(text)
    text = ("The factors were interpreted with crib sheets (Watts & Stenner, 2012): for each factor the statements "
            "ranked highest and lowest, those ranked higher or lower than in every other factor, and the comments "
            "its defining participants wrote about the statements they placed at the extremes.")
    team = team_sentence(content)
    if team:
        text += " " + team
    paras.append(text)
    return paras


def reason_parts(paragraph: str, content: ReportContent) -> list[tuple[str, bool]]:
    """A methods paragraph cut around the team's reason for the number of factors (written in the
    study's language, :attr:`ReportContent.language`): ``(text, True)`` for the reason, ``(text, False)``
    for the report's own words, in order."""
    reason = content.reason.strip().rstrip(".")
    if not reason or reason not in paragraph:
        return [(paragraph, False)]
    before, _, after = paragraph.partition(reason)
    return [(x, own) for x, own in ((before, False), (reason, True), (after, False)) if x]


_PLURAL = {"name": "names", "summary": "summaries", "narrative": "narratives", "note": "notes"}


def team_sentence(content: ReportContent) -> str:
    """The methods' sentence on the co-researchers: how many were invited (each person once), how many
    took part (wrote or proposed a text, or wrote a note) and what they did, factor by factor
    (``"... who proposed names for F1 and F2 and wrote notes on F2."``); ``""`` with none invited."""
    invited = list(dict.fromkeys(content.co_researchers))
    k = len(invited)
    if not k:
        return ""
    work = [c for c in content.team_work if c.author in invited]
    m = len({c.author for c in work})
    if not m:
        return (f"{k} co-researcher{'s' if k != 1 else ''} with lived experience {'was' if k == 1 else 'were'} "
                "invited to interpret the factors with the research team but wrote no names, summaries, "
                "narratives or notes.")
    order = {f: i for i, f in enumerate(content.result.factors)}

    def on(what: str) -> str:
        factors = sorted({c.factor for c in work if c.what == what}, key=lambda f: (order.get(f, len(order)), f))
        if not factors:
            return ""
        noun = f"a {what}" if sum(c.what == what for c in work) == 1 else _PLURAL[what]
        return f"{noun} {'on' if what == 'note' else 'for'} " + _and([f or "the analysis as a whole" for f in factors])

    proposed = [x for x in (on("name"), on("summary"), on("narrative")) if x]
    did = ([f"proposed {_and(proposed)}"] if proposed else []) + ([f"wrote {on('note')}"] if on("note") else [])
    return (f"The research team interpreted the factors together with {m} co-researcher{'s' if m != 1 else ''} "
            f"with lived experience ({k} {'was' if k == 1 else 'were'} invited), who {' and '.join(did)}.")


def bootstrap_sentences(b: dict[str, Any], n_statements: int | None = None) -> str:
    """The methods' sentences on a bootstrap: procedure, resamples, seed, reference and, when present,
    its figures per factor (``b`` as :func:`qmethod.service.analysis.bootstrap_summary`)."""
    seed = b.get("seed")
    text = (f"The stability of loadings, flags and z-scores was checked with {b.get('n_resamples')} bootstrap "
            f"resamples ({'seed ' + str(seed) if seed is not None else 'no fixed seed'}"
            + (f"; {b['requested']} drawn, {b['skipped']} could not be analysed" if b.get("skipped") else "")
            + "): a balanced bootstrap of the Q-sorts with replacement (Zabala & Pascual, 2016), every resample "
            "analysed with the same choices and aligned to the full solution by orthogonal Procrustes rotation.")
    figures = b.get("factors") or {}
    if figures:
        def each(key: str, fmt) -> str:
            return ", ".join(f"{f} {fmt(v[key])}" for f, v in figures.items() if v.get(key) is not None)

        of = f" of {n_statements}" if n_statements else ""
        text += (f" Mean standard error of the z-scores: {each('mean_se', lambda x: f'{x:.2f}')}; statements whose "
                 f"factor array value differs when taken from the mean bootstrap z-scores: "
                 f"{each('array_changes', lambda x: f'{x}{of}')}; Q-sorts flagged in at least half of the resamples "
                 f"that drew them: {each('stable_sorts', str)}.")
    return text


def journal_tables(result) -> list[JournalTable]:
    """The manuscript tables: factor arrays with z-scores; loadings with defining sorts marked;
    distinguishing statements; consensus statements; factor characteristics; factor correlations."""
    valid = _valid(result)
    texts = result.statements
    number = {sid: k + 1 for k, sid in enumerate(result.zscores.index)}
    out: list[JournalTable] = []

    def stmt(sid) -> str:
        return str(texts.get(sid, sid)) if texts is not None else str(sid)

    # 1 factor arrays
    rows = {}
    for sid in result.zscores.index:
        row = {"Statement": stmt(sid)}
        for f in valid:
            row[f"{f} array"] = signed(int(result.factor_arrays.loc[sid, f]))
            row[f"{f} z"] = _n(result.zscores.loc[sid, f])
        rows[str(number[sid])] = row
    t = pd.DataFrame.from_dict(rows, orient="index")
    t.index.name = "No."
    out.append(JournalTable(len(out) + 1, "Factor arrays and z-scores", t,
                            "Array: the statement's column in the composite Q-sort of the factor; z: its factor z-score."))
    # 2 loadings
    load = result.loadings
    t = pd.DataFrame(index=[str(q) for q in load.index])
    t.index.name = "Q-sort"
    bold = set()
    for f in result.factors:
        col = []
        for q in load.index:
            flagged = bool(result.flags.loc[q, f])
            col.append(_n(load.loc[q, f]) + ("*" if flagged else ""))
            if flagged:
                bold.add((str(q), f))
        t[f] = col
    t["h²"] = [_n(v) for v in load.pow(2).sum(axis=1)]
    ch = result.characteristics
    extra = pd.DataFrame([[_n(ch.loc[f, "eigenvalue"]) for f in result.factors] + [""],
                          [_n(ch.loc[f, "explained_variance"], 0) for f in result.factors] + [_n(ch["explained_variance"].sum(), 0)],
                          [str(int(ch.loc[f, "n_defining"])) for f in result.factors] + [""]],
                         index=["Eigenvalue", "% explained variance", "Defining sorts"], columns=t.columns)
    t = pd.concat([t, extra])
    t.index.name = "Q-sort"
    out.append(JournalTable(len(out) + 1, "Factor loadings", t,
                            f"* defining sort (flagged; set in bold). h²: communality. Flagging: p < "
                            f"{format_p(result.settings.significance)}.", frozenset(bold)))
    # 3 distinguishing
    if len(valid) >= 2:
        rows = []
        for f in valid:
            col = result.distinguishing[f]
            for sid in sorted(col.index[col != ""], key=lambda s: -result.zscores.loc[s, f]):
                row = {"Factor": f, "No.": str(number[sid]), "Statement": stmt(sid)}
                for g in valid:
                    mark = str(col[sid]) if g == f else ""
                    row[g] = f"{signed(int(result.factor_arrays.loc[sid, g]))} ({_n(result.zscores.loc[sid, g])}){mark}"
                rows.append(row)
        t = pd.DataFrame(rows, columns=["Factor", "No.", "Statement", *valid]).set_index("Factor")
        out.append(JournalTable(len(out) + 1, "Distinguishing statements", t,
                                "Array value (z-score) in each factor; * p < .05, ** p < .01 for the factor of the row."))
        cons = result.consensus_statements()
        rows = []
        for sid in cons.index:
            row = {"No.": str(number[sid]), "Statement": stmt(sid)}
            for g in valid:
                row[g] = f"{signed(int(result.factor_arrays.loc[sid, g]))} ({_n(result.zscores.loc[sid, g])})"
            rows.append(row)
        t = pd.DataFrame(rows, columns=["No.", "Statement", *valid]).set_index("No.")
        out.append(JournalTable(len(out) + 1, "Consensus statements", t,
                                "Statements that distinguish no pair of factors (p ≥ .05"
                                + (", C* also not at p < .01" if result.settings.convention == "qmethod" else "")
                                + "). Array value (z-score)." if len(t) else "No statement is a consensus statement."))
    # 5 characteristics
    names = {"n_defining": "Number of defining sorts", "avg_rel_coef": "Average reliability coefficient",
             "composite_reliability": "Composite reliability", "se_zscores": "Standard error of z-scores",
             "eigenvalue": "Eigenvalue", "explained_variance": "% explained variance"}
    t = pd.DataFrame(index=list(names.values()), columns=result.factors, dtype=object)
    for key, label in names.items():
        for f in result.factors:
            v = ch.loc[f, key]
            t.loc[label, f] = str(int(v)) if key == "n_defining" else _n(float(v), 0 if key == "explained_variance" else 2)
    t.index.name = "Characteristic"
    out.append(JournalTable(len(out) + 1, "Factor characteristics", t))
    fc = result.factor_correlations
    t = pd.DataFrame([[_n(fc.loc[a, b]) for b in fc.columns] for a in fc.index], index=list(fc.index),
                     columns=list(fc.columns))
    t.index.name = "Factor"
    out.append(JournalTable(len(out) + 1, "Correlations between factor z-scores", t))
    return out


@dataclass(frozen=True)
class CompositeCell:
    """One statement in a composite Q-sort figure: its ``label`` (number and marks, see
    :func:`composite_columns`), its ``text``, its grid ``value`` and whether it is a ``consensus``
    statement."""

    label: str
    text: str
    value: int
    consensus: bool = False


#: shading of a composite Q-sort's cells (as the app's figure): agree, disagree, the middle, consensus
COMPOSITE_FILL = {"positive": "DDF4FF", "negative": "FFEBE9", "middle": "F6F8FA", "consensus": "EAEEF2"}


def composite_fill(cell: CompositeCell) -> str:
    """The shading (RGB hex, no ``#``) of a composite Q-sort's cell: consensus, or by its column's sign."""
    if cell.consensus:
        return COMPOSITE_FILL["consensus"]
    return COMPOSITE_FILL["positive" if cell.value > 0 else "negative" if cell.value < 0 else "middle"]


def composite_columns(result, factor: str) -> dict[int, list[str]]:
    """The composite Q-sort of ``factor`` as grid value -> cell labels top to bottom: statement number,
    ``*``/``**`` when distinguishing, ``▲``/``▼`` when higher/lower than in every other factor, ``C``
    for a consensus statement."""
    return {v: [c.label for c in cells] for v, cells in composite_cells(result, factor).items()}


def composite_cells(result, factor: str) -> dict[int, list[CompositeCell]]:
    """The composite Q-sort of ``factor`` as a Q-sort figure draws it: every grid value (−4 … +4, the
    columns) -> its statements top to bottom (highest z-score first), as :class:`CompositeCell`. Each
    column holds as many cells as the grid has places in it."""
    texts = result.statements
    arr = result.factor_arrays[factor]
    z = result.zscores[factor]
    valid = _valid(result)
    others = [o for o in valid if o != factor]
    number = {sid: k + 1 for k, sid in enumerate(result.zscores.index)}
    cons = set(result.consensus_statements().index) if len(valid) >= 2 else set()
    values = sorted({int(v) for v in result.distribution} | {int(v) for v in arr})
    cols: dict[int, list[CompositeCell]] = {v: [] for v in values}
    for sid in sorted(arr.index, key=lambda s: -z[s]):
        mark = str(result.distinguishing.loc[sid, factor]) if factor in result.distinguishing else ""
        if mark and others:
            if all(z[sid] > result.zscores.loc[sid, o] for o in others):
                mark += "▲"
            elif all(z[sid] < result.zscores.loc[sid, o] for o in others):
                mark += "▼"
        if sid in cons:
            mark += "C"
        text = str(texts.get(sid, sid)) if texts is not None else str(sid)
        cols[int(arr[sid])].append(CompositeCell(f"{number[sid]}{mark}", text, int(arr[sid]), sid in cons))
    return cols


def table_rows(tab: JournalTable) -> tuple[list[str], list[list[str]], frozenset]:
    """A journal table as (header, rows of text cells, (row, column) positions to set in bold); the
    index is the first column."""
    frame = tab.frame
    header = [frame.index.name or "", *map(str, frame.columns)]
    rows = [[str(idx), *map(str, row)] for idx, row in zip(frame.index, frame.itertuples(index=False))]
    cols = list(frame.columns)
    bold = frozenset((i, 1 + cols.index(c)) for i, idx in enumerate(frame.index) for (r, c) in tab.bold if str(idx) == r)
    return header, rows, bold


_NUMBER = re.compile(r"[−+-]?\d+(\.\d+)?%?\**[▲▼]?( \([−+-]?\d+(\.\d+)?\))?\**")


def numeric_columns(rows: list[list[str]]) -> frozenset[int]:
    """The columns (0-based) of a table's text cells that hold only numbers (signed, decimals, with
    ``*`` marks or a z-score in brackets, empty cells allowed): the ones journals right-align."""
    width = max((len(r) for r in rows), default=0)
    out = set()
    for j in range(width):
        cells = [r[j].strip() for r in rows if j < len(r) and r[j].strip()]
        if cells and all(_NUMBER.fullmatch(c) for c in cells):
            out.add(j)
    return frozenset(out)


def composite_rows(cols: dict[int, list]) -> tuple[list[str], list[list[str]]]:
    """A composite Q-sort (:func:`composite_columns` or :func:`composite_cells`) as a header of column
    values and rows of cell labels (empty below a column's last place)."""
    values = sorted(cols)
    depth = max(len(v) for v in cols.values())
    label = [[c if isinstance(c, str) else c.label for c in cols[v]] for v in values]
    return [signed(v) for v in values], [[col[i] if i < len(col) else "" for col in label] for i in range(depth)]



COMPOSITE_NOTE = ("Each column of the composite Q-sort holds the statements (by number) placed at its value, the "
                  "highest z-score at the top; * p < .05, ** p < .01 distinguishing; ▲/▼ higher/lower than in every "
                  "other factor; C consensus.")


#: the works the report cites, in the order of the reference list
REFERENCES = {
    "watts": "Watts, S. & Stenner, P. (2012). Doing Q methodological research: theory, method and "
             "interpretation. London: Sage.",
    "zabala": "Zabala, A. & Pascual, U. (2016). Bootstrapping Q methodology to improve the understanding of "
              "human perspectives. PLoS ONE 11(2): e0148087. https://doi.org/10.1371/journal.pone.0148087",
}


def references(content: ReportContent) -> list[str]:
    """The reference list of the works the report cites (the bootstrap's only when one is reported)."""
    return [REFERENCES[k] for k in REFERENCES if k != "zabala" or content.bootstrap]


def sections(content: ReportContent) -> dict[str, Any]:
    """The report's parts in order, for the writers: title, summary lines, statements, methods,
    tables, composites (factor -> grid value -> :class:`CompositeCell` top to bottom), narratives and
    references."""
    r = content.result
    n, p = r.sorts.shape
    st = content.study
    summary = [f"Statements: {n}", f"Q-sorts analysed: {p}"]
    if st is not None:
        summary += [f"Grid: {signed(min(st.grid))} to {signed(max(st.grid))}, "
                    + ("forced" if st.forced else "free") + " ("
                    + ", ".join(f"{signed(v)}: {c}" for v, c in sorted(st.grid.items())) + ")",
                    f"Participants: {st.n_started} started, {st.n_completed} completed"]
        if st.first:
            same = st.last is None or st.first.date() == st.last.date()
            summary.append(f"Completed sorts: {_date(st.first)}" + ("" if same else f" – {_date(st.last)}"))
        if st.languages:
            summary.append(f"Languages: {', '.join(language_name(x) for x in st.languages)}")
    else:
        dist = pd.Series([int(v) for v in r.distribution]).value_counts().sort_index() if len(r.distribution) else None
        if dist is not None:
            summary.append("Grid: " + ", ".join(f"{signed(int(v))}: {c}" for v, c in dist.items()))
    texts = r.statements if r.statements is not None else pd.Series({s: s for s in r.zscores.index})
    statements = [(k + 1, str(texts.get(sid, sid))) for k, sid in enumerate(r.zscores.index)]
    valid = _valid(r)
    return {
        "title": content.title,
        "summary": summary,
        "statements": statements,
        "methods": methods_paragraph(content),
        "tables": journal_tables(r),
        "composites": {f: composite_cells(r, f) for f in valid},
        "narratives": [content.narratives.get(f) or FactorNarrative(f) for f in valid],
        "references": references(content),
    }
