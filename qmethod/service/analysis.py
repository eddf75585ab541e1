"""Researcher-side analysis: data from a study or an uploaded file, the researcher's choices as a
replayable :class:`Plan`, running it, the flag table, composite Q-sorts, exports, saved workspaces.

A :class:`Plan` holds every choice (factors, extraction, rotation, the by-hand rotation steps, flags
toggled by hand, inverted and split factors). :func:`run` replays it from the Q-sorts, so the same plan
always gives the same numbers and can be stored (:func:`save_workspace`) and reloaded by any server
process.
"""
from __future__ import annotations

import hashlib
import io
import json
import tempfile
import warnings
import zipfile
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..analysis import AnalysisResult, FactorGuidance, analyze, factor_guidance
from ..analysis.crib import invert_factor, split_bipolar
from ..analysis.flag import flag, format_p
from ..analysis.params import check_option
from ..analysis.pipeline import rescore
from ..errors import DataError, FormatError, NotFoundError, QMethodError
from ..store.db import Database
from ..store.models import utcnow
from .research import completed_sorts
from ..store.models import WorkspaceRow
from .studies import get_study

__all__ = [
    "AnalysisData", "Plan", "Outcome", "Workspace", "EXPORTS", "study_data", "upload_data", "upload_source",
    "kept_statements", "guidance", "run",
    "start_loadings", "preview_flags", "flag_table", "flags_from_table", "flag_issues", "composite",
    "composite_title", "factor_label", "provenance", "qualitative", "compare", "best_matches",
    "export", "file_stem", "save_workspace", "load_workspace", "list_workspaces", "delete_workspace",
    "undo_change", "new_sorts", "plan_digest", "bootstrap_summary", "save_bootstrap", "current_bootstrap",
    "StaleAnalysis", "STRUCTURAL", "RESTART", "SIGNIFICANCE_LEVELS", "LABEL_LENGTH",
    "VARIMAX_TOLERANCES", "DEFAULT_ANALYSIS",
]

#: Plan fields whose change makes hand-made flags, inversions and splits meaningless (they are reset).
STRUCTURAL = ("n_factors", "extraction", "rotation", "correlation", "steps", "significance", "majority", "negative",
              "varimax_tolerance", "snapshot")
#: Plan fields whose change gives a new unrotated (or varimax) solution: the rotation by hand starts a new
#: history (as in PQMethod and KADE); the old plan stays in the workspace history (:func:`undo_change`).
RESTART = ("n_factors", "extraction", "rotation", "correlation", "varimax_tolerance", "snapshot")
#: How :meth:`Plan.notice` names a changed choice.
_CHANGES = {"n_factors": "number of factors", "extraction": "extraction", "rotation": "rotation",
            "correlation": "correlation", "steps": "rotation by hand", "significance": "flagging level",
            "majority": "majority rule", "negative": "rule for negative loadings",
            "varimax_tolerance": "varimax tolerance", "snapshot": "data (new sorts included)"}
#: Flagging levels offered (every level :func:`qmethod.analysis.flag.z_critical` has a tabled value for).
#: the longest name of an analysis (characters)
LABEL_LENGTH = 100
SIGNIFICANCE_LEVELS = (0.2, 0.15, 0.1, 0.05, 0.01, 0.005, 0.001, 0.0005, 0.0001, 1e-6)
#: Varimax stopping rules: R qmethod's (``varimax`` default tolerance 1e-5) or run to convergence.
VARIMAX_TOLERANCES = {1e-5: "R qmethod (tolerance 1e-5)", 1e-12: "fully converged (tolerance 1e-12)"}
#: The name of a researcher's first analysis of a data source.
DEFAULT_ANALYSIS = "main"
#: Plans kept for :func:`undo_change`.
HISTORY = 30


class StaleAnalysis(QMethodError):
    """The analysis was changed (in another tab or by another process) after this page showed it."""


@dataclass(frozen=True)
class AnalysisData:
    """Q-sorts ready to analyse (statements x sorts) with what the analysis needs besides them.

    ``notes``: doubtful things found while reading; ``problems``: what was given but could not be used
    (a statements file that does not fit the data), for the researcher to fix."""

    source: str
    name: str
    sorts: pd.DataFrame
    statements: pd.Series | None
    distribution: tuple[int, ...] | None
    forced: bool
    participants: pd.DataFrame | None = None
    imported: Any = None
    notes: tuple[str, ...] = ()
    comments: pd.DataFrame | None = None
    problems: tuple[str, ...] = ()

    @property
    def n_sorts(self) -> int:
        return int(self.sorts.shape[1])

    @property
    def n_statements(self) -> int:
        return int(self.sorts.shape[0])


def _step(first, second, degrees) -> tuple[str, str, float]:
    """One rotation by hand, its angle checked as everywhere (:data:`qmethod.analysis.params.ANGLE`)."""
    try:
        degrees = float(degrees)
    except (TypeError, ValueError):
        pass  # refused below, with the allowed range
    check_option("degrees", degrees, label=f"The angle of the rotation of {first} and {second}")
    return str(first), str(second), degrees


def _inverted(factors) -> tuple[str, ...]:
    """Factors inverted an odd number of times, in the order of their first inversion (a second
    inversion of a factor turns its array back, so it cancels the first)."""
    factors = [str(f) for f in factors]
    return tuple(f for f in dict.fromkeys(factors) if factors.count(f) % 2)


@dataclass(frozen=True)
class Plan:
    """Every analytic choice, replayable. ``steps``: (first, second, degrees) rotations by hand;
    ``flags``: None (automatic) or the (Q-sort, factor) pairs flagged; ``inverted`` / ``split``:
    factors inverted / split into their poles, in order (inverting a factor twice cancels: it leaves
    ``inverted``); ``snapshot``: None (every completed sort) or the
    Q-sorts (participant codes) the analysis is frozen on."""

    n_factors: int = 2
    extraction: str = "pca"
    rotation: str = "varimax"
    correlation: str = "pearson"
    significance: float = 0.05
    majority: bool = True
    negative: str = "include"
    convention: str = "qmethod"
    steps: tuple[tuple[str, str, float], ...] = ()
    flags: tuple[tuple[str, str], ...] | None = None
    inverted: tuple[str, ...] = ()
    split: tuple[str, ...] = ()
    varimax_tolerance: float = 1e-5
    snapshot: tuple[str, ...] | None = None

    def change(self, **changes: Any) -> "Plan":
        """A new plan. Changing a structural choice resets flags by hand, inversions and splits; changing
        the solution itself (:data:`RESTART`: k, extraction, correlation, rotation, data snapshot) also
        starts a new rotation history (no by-hand steps)."""
        if "steps" in changes:
            changes["steps"] = tuple(_step(a, b, d) for a, b, d in changes["steps"])
        if changes.get("snapshot") is not None:
            changes["snapshot"] = tuple(str(c) for c in changes["snapshot"])
        if "inverted" in changes:
            changes["inverted"] = _inverted(changes["inverted"])
        new = replace(self, **changes)
        if "steps" not in changes and any(getattr(new, k) != getattr(self, k) for k in RESTART):
            new = replace(new, steps=())
        if any(getattr(new, k) != getattr(self, k) for k in STRUCTURAL):
            if "flags" not in changes:
                new = replace(new, flags=None)
            if "inverted" not in changes:
                new = replace(new, inverted=())
            if "split" not in changes:
                new = replace(new, split=())
        return new

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["steps"] = [list(s) for s in self.steps]
        d["flags"] = None if self.flags is None else [list(p) for p in self.flags]
        d["inverted"], d["split"] = list(self.inverted), list(self.split)
        d["snapshot"] = None if self.snapshot is None else list(self.snapshot)
        return d

    def notice(self, old: "Plan") -> str | None:
        """What changing ``old`` into this plan set aside, for the researcher (None when nothing): the steps
        by hand (a new solution, :data:`RESTART`), flags set by hand, inversions and splits (any
        :data:`STRUCTURAL` change), each named, and that “Undo last change” brings them back."""
        changed = [k for k in STRUCTURAL if getattr(self, k) != getattr(old, k)]
        if not changed:
            return None
        restart = old.steps and not self.steps and any(k in RESTART for k in changed)
        aside = []
        if restart:
            aside.append(f"the {len(old.steps)} step(s) by hand")
        if old.flags is not None and self.flags is None:
            aside.append("the flags set by hand")
        if old.inverted and not self.inverted:
            aside.append(("the inversion of " if len(old.inverted) == 1 else "the inversions of ")
                         + ", ".join(old.inverted))
        if old.split and not self.split:
            aside.append(("the split of " if len(old.split) == 1 else "the splits of ") + ", ".join(old.split))
        if not aside:
            return None
        what = ", ".join(_CHANGES[k] for k in changed if k != "steps" or not restart)
        listed = aside[0] if len(aside) == 1 else ", ".join(aside[:-1]) + " and " + aside[-1]
        return (f"New {what}: " + ("a new rotation history starts; " if restart else "")
                + f"{listed} {'was' if len(aside) == 1 else 'were'} set aside (made on the previous solution). "
                "“Undo last change” brings them back.")

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Plan":
        known = {k: v for k, v in (d or {}).items() if k in cls.__dataclass_fields__}
        if "steps" in known:
            known["steps"] = tuple((str(a), str(b), float(x)) for a, b, x in known["steps"] or ())
        if known.get("flags") is not None:
            known["flags"] = tuple((str(a), str(b)) for a, b in known["flags"])
        for k in ("inverted", "split"):
            if k in known:
                known[k] = tuple(known[k] or ())
        if "inverted" in known:
            known["inverted"] = _inverted(known["inverted"])
        if known.get("snapshot") is not None:
            known["snapshot"] = tuple(str(c) for c in known["snapshot"])
        return cls(**known)

    def settings(self) -> dict[str, Any]:
        """The keyword arguments of :func:`qmethod.analyze` this plan implies."""
        return dict(extraction=self.extraction, rotation=self.rotation, correlation=self.correlation,
                    significance=self.significance, majority=self.majority, negative=self.negative,
                    convention=self.convention, rotation_steps=list(self.steps),
                    varimax_tolerance=self.varimax_tolerance)


@dataclass(frozen=True)
class Outcome:
    """The result of a plan; ``before_split`` is the result before bipolar splits (what flags refer to)."""

    result: AnalysisResult
    before_split: AnalysisResult


@dataclass(frozen=True)
class Workspace:
    """A stored analysis: data source, name, plan (and the uploaded file, for uploads).

    ``bootstrap``: the summary of the last bootstrap run on it (:func:`bootstrap_summary`), or None;
    it describes the plan whose :func:`plan_digest` it holds (see :func:`current_bootstrap`).

    ``label``: the analysis' name (several named analyses of one source live side by side);
    ``version``: increases with every stored change (a change made against an older version is refused,
    :class:`StaleAnalysis`); ``history``: earlier plans, newest last (:func:`undo_change`)."""

    id: int
    source: str
    name: str
    plan: Plan
    data: bytes | None
    extra: dict[str, Any] = field(default_factory=dict)
    updated_at: datetime | None = None
    label: str = DEFAULT_ANALYSIS
    version: int = 1
    history: tuple[Plan, ...] = ()
    bootstrap: dict[str, Any] | None = None


# ---------------------------------------------------------------- data


def study_data(db: Database, study_id: str, *, language: str | None = None,
               condition: str | None = None) -> AnalysisData:
    """The completed Q-sorts of a study, with statement texts (``language`` or the study default).

    ``participants`` holds each participant's record and survey answers shown by their labels (in the
    same language); ``comments`` one row per comment (participant, statement, column, comment).
    In a study with conditions of instruction every condition's sort is a Q-sort of its own
    (``P007-now``, ``P007-ideal``): all of them by default, or only those under ``condition``
    (the source is then ``study:<id>:<condition>``, so its analysis choices are kept apart)."""
    study = get_study(db, study_id)
    done = completed_sorts(db, study_id, condition=condition)
    lang = language if language in study.languages else study.default_language

    def text(texts) -> str:
        return texts.get(lang) or next(iter(texts.values()), "")

    texts = pd.Series([text(s.text) or s.id for s in study.statements],
                      index=pd.Index(list(study.statement_ids), name="statement"), name="statement")
    dist = tuple(int(v) for c in study.grid.columns for v in [c.score] * c.count)
    title = study.title.get(lang) or study.id
    people = done.participants.copy()
    for q in study.survey:
        if q.id not in people.columns:
            continue
        labels = {o.value: text(o.label) or o.value for o in q.options}
        if labels:
            people[q.id] = people[q.id].map(
                lambda v: None if v is None or v != v else "; ".join(labels.get(x, x) for x in str(v).split(";")))
        people = people.rename(columns={q.id: f"{q.id}: {text(q.text)}" if text(q.text) else q.id})
    long = done.long
    comments = long.loc[long["comment"].fillna("").astype(str).str.strip() != "",
                        ["participant", "statement", "score", "comment"]].reset_index(drop=True)
    source = f"study:{study.id}"
    if condition is not None:
        source, title = f"{source}:{condition}", f"{title} ({condition})"
    return AnalysisData(source=source, name=title, sorts=done.sorts, statements=texts,
                        distribution=dist, forced=study.grid.forced, participants=people, comments=comments)


def restrict(data: AnalysisData, snapshot: tuple[str, ...] | None) -> AnalysisData:
    """``data`` limited to the Q-sorts of a data ``snapshot`` (those still present, in their order)."""
    if snapshot is None:
        return data
    keep = set(snapshot)
    cols = [c for c in data.sorts.columns if c in keep]
    if len(cols) == data.n_sorts:
        return data
    people = None if data.participants is None else data.participants.loc[
        [c for c in data.participants.index if c in keep]]
    comments = None if data.comments is None else data.comments[data.comments["participant"].isin(keep)]
    return replace(data, sorts=data.sorts[cols], participants=people, comments=comments)


def new_sorts(data: AnalysisData, snapshot: tuple[str, ...] | None) -> list[str]:
    """The Q-sorts of ``data`` that arrived after ``snapshot`` was taken (none without a snapshot)."""
    if snapshot is None:
        return []
    keep = set(snapshot)
    return [str(c) for c in data.sorts.columns if c not in keep]


def upload_data(data: bytes, name: str, *, statements: list[str] | None = None, format: str | None = None,
                id_field: str | None = None, statements_name: str | None = None) -> AnalysisData:
    """Q-sorts from an uploaded file in any format :func:`qmethod.io.read` knows.

    ``statements`` (read from the file ``statements_name``) give the statement texts. When their number
    is not the data's, the data are read without them and :attr:`AnalysisData.problems` says so (naming
    the statements file, the number given and the number the data have).

    Raises
    ------
    qmethod.errors.FormatError
        The data file cannot be read."""
    from .. import io as qio

    def read(texts: list[str] | None) -> Any:
        return qio.read(data, name=name, format=format or None, statements=texts or None, id_field=id_field or None)

    problems: tuple[str, ...] = ()
    try:
        imported = read(statements)
    except FormatError as exc:
        if not statements:
            raise
        try:
            imported = read(None)
        except FormatError:
            raise exc from None
        if imported.n_statements == len(statements):
            raise exc from None
        problems = (f"{statements_name or 'The statements file'}: {len(statements)} statements given, but the "
                    f"Q-sorts in {name} have {imported.n_statements} statements, so the analysis goes on without "
                    f"statement texts. Upload a statements file with {imported.n_statements} statements to see "
                    "them.",)
    return AnalysisData(source=upload_source(data), name=name, sorts=imported.sorts, statements=imported.statements,
                        distribution=imported.distribution, forced=imported.forced, participants=imported.extra,
                        imported=imported, notes=tuple(imported.warnings), comments=_imported_comments(imported),
                        problems=problems)


def upload_source(data: bytes) -> str:
    """The data source of an uploaded file (``upload:`` and a digest of its bytes): the same file uploaded
    again is the same source, with its stored analyses."""
    return "upload:" + hashlib.sha256(data).hexdigest()[:16]


def _imported_comments(imported: Any) -> pd.DataFrame | None:
    """Comments an imported file carries per statement (columns such as ``comment_<statement id>``)."""
    extra = getattr(imported, "extra", None)
    if extra is None or not len(extra.columns):
        return None
    ids = {str(i): i for i in imported.sorts.index}
    rows = []
    for col in extra.columns:
        low = str(col).lower()
        for prefix in ("comment_", "comment", "statement_comment_"):
            sid = str(col)[len(prefix):].strip(" _-:") if low.startswith(prefix) else None
            if sid in ids:
                for person, value in extra[col].items():
                    if value is not None and value == value and str(value).strip():
                        score = imported.sorts.loc[ids[sid], person] if person in imported.sorts.columns else None
                        rows.append({"participant": str(person), "statement": ids[sid], "score": score,
                                     "comment": str(value)})
                break
    return pd.DataFrame(rows, columns=["participant", "statement", "score", "comment"]) if rows else None


def _check_enough(data: AnalysisData, n_factors: int = 1) -> None:
    if data.n_sorts < 3:
        raise DataError(f"{data.name}: {data.n_sorts} completed Q-sort(s); an analysis needs at least 3.")
    if n_factors >= data.n_sorts:
        raise DataError(f"{n_factors} factors cannot be extracted from {data.n_sorts} Q-sorts; choose at most "
                        f"{data.n_sorts - 1}.")


def guidance(data: AnalysisData, *, max_factors: int = 8, n_iter: int = 200, significance: float = 0.05) -> FactorGuidance:
    """Scree, Kaiser, parallel analysis, Humphrey's rule and significant loaders for choosing k."""
    _check_enough(data)
    return factor_guidance(data.sorts, max_factors=max_factors, distribution=data.distribution,
                           forced=data.forced, n_iter=n_iter, significance=significance)


# ---------------------------------------------------------------- running a plan


def _analyze(data: AnalysisData, plan: Plan, steps=None) -> AnalysisResult:
    _check_enough(data, plan.n_factors)
    kw = plan.settings()
    if steps is not None:
        kw["rotation_steps"] = list(steps)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return analyze(data.sorts, plan.n_factors, statements=data.statements,
                       distribution=list(data.distribution) if data.distribution else None,
                       forced=data.forced, **kw)


def run(data: AnalysisData, plan: Plan) -> Outcome:
    """Replay ``plan`` on ``data``: analyse, apply flags by hand, inversions, then splits."""
    res = _analyze(data, plan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if plan.flags is not None:
            res = rescore(res, flags=_flag_matrix(res, plan.flags), note="Flags set by hand.")
        for f in plan.inverted:
            res = invert_factor(res, f)
        before = res
        for f in plan.split:
            res = split_bipolar(res, f)
    return Outcome(result=res, before_split=before)


def start_loadings(data: AnalysisData, plan: Plan) -> pd.DataFrame:
    """The loadings the rotation by hand starts from (after extraction and varimax/none)."""
    return _analyze(data, plan, steps=()).loadings


def preview_flags(loadings: pd.DataFrame, n_statements: int, plan: Plan) -> pd.DataFrame:
    """Automatic flags for loadings being rotated (to colour the scatter plot while turning)."""
    return flag(loadings, n_statements, significance=plan.significance, majority=plan.majority,
                negative=plan.negative).flags


def _flag_matrix(result: AnalysisResult, pairs) -> pd.DataFrame:
    m = pd.DataFrame(False, index=result.loadings.index, columns=result.loadings.columns)
    for sort, factor in pairs:
        if sort in m.index and factor in m.columns:
            m.loc[sort, factor] = True
    return m


def flag_table(result: AnalysisResult) -> pd.DataFrame:
    """Loadings and flags for editing: per Q-sort the loading on each factor, a ``flag Fk`` column of
    booleans per factor, the communality ``h2`` and a ``note`` (confounded, negative defining)."""
    s = result.settings
    auto = flag(result.loadings, result.sorts.shape[0], significance=s.significance, majority=s.majority,
                negative=s.negative)
    confounded = set(auto.confounded)
    out = pd.DataFrame(index=result.loadings.index.astype(str))
    out.index.name = "Q-sort"
    for f in result.factors:
        out[f] = result.loadings[f].round(4).to_numpy()
    for f in result.factors:
        out[f"flag {f}"] = result.flags[f].astype(bool).to_numpy()
    out["h2"] = np.square(result.loadings.to_numpy()).sum(axis=1).round(4)
    notes = []
    for sort in result.loadings.index:
        n = []
        if sort in confounded:
            n.append("confounded")
        for f in result.factors:
            if result.flags.loc[sort, f] and result.loadings.loc[sort, f] < 0:
                n.append(f"negative on {f}")
        if result.flags.loc[sort].sum() > 1:
            n.append("flagged on several factors")
        notes.append(", ".join(n))
    out["note"] = notes
    return out


def flags_from_table(table: pd.DataFrame, factors: list[str]) -> tuple[tuple[str, str], ...]:
    """The (Q-sort, factor) pairs ticked in an edited :func:`flag_table`."""
    pairs = []
    for sort, row in table.iterrows():
        for f in factors:
            if bool(row.get(f"flag {f}", False)):
                pairs.append((str(sort), f))
    return tuple(pairs)


def flag_issues(result: AnalysisResult) -> list[str]:
    """Plain warnings about the flags: confounded and negative loaders, factors without defining sorts."""
    s = result.settings
    auto = flag(result.loadings, result.sorts.shape[0], significance=s.significance, majority=s.majority,
                negative=s.negative)
    out = []
    if auto.confounded:
        out.append(f"Confounded (significant on two or more factors): {', '.join(map(str, auto.confounded))}.")
    neg = [(q, f) for q in result.loadings.index for f in result.factors
           if result.flags.loc[q, f] and result.loadings.loc[q, f] < 0]
    if neg:
        out.append("Flagged with a negative loading (they enter the factor reversed; consider splitting the "
                   "factor): " + ", ".join(f"{q} on {f}" for q, f in neg) + ".")
    empty = [f for f in result.factors if not result.flags[f].any()]
    if empty:
        out.append(f"No defining Q-sort, so no factor array: {', '.join(empty)}.")
    multi = [str(q) for q in result.loadings.index if result.flags.loc[q].sum() > 1]
    if multi:
        out.append(f"Flagged on more than one factor: {', '.join(multi)}.")
    return out


def composite(result: AnalysisResult, factor: str) -> dict[int, list[str]]:
    """The composite Q-sort of ``factor``: grid value -> statement ids, highest z-score on top."""
    if factor not in result.factor_arrays.columns:
        raise QMethodError(f"Unknown factor {factor!r}; the factors are {', '.join(result.factors)}.")
    arr = result.factor_arrays[factor]
    if arr.isna().any():
        raise QMethodError(f"{factor} has no defining Q-sort, so it has no factor array.")
    z = result.zscores[factor]
    values = sorted({int(v) for v in result.distribution} | {int(v) for v in arr})
    out: dict[int, list[str]] = {v: [] for v in values}
    for sid in sorted(arr.index, key=lambda s: -z[s]):
        out[int(arr[sid])].append(sid)
    return out


# ---------------------------------------------------------------- what was run, in words


def factor_label(plan: Plan, factor: str) -> str:
    """A factor's name with what was done to it: ``F1 (inverted)``, ``F2a (positive pole of F2, split)``."""
    base = factor[:-1] if factor[-1:] in ("a", "b") and factor[:-1] in plan.split else factor
    notes = []
    if base in plan.inverted:
        notes.append("inverted")
    if base in plan.split and base != factor:
        notes.append(f"{'positive' if factor.endswith('a') else 'negative'} pole of {base}, split")
    return factor + (f" ({'; '.join(notes)})" if notes else "")


def composite_title(data: AnalysisData, plan: Plan, factor: str) -> str:
    """The title of a factor's composite Q-sort, marking inverted and split factors."""
    return f"{data.name}: composite Q-sort of {factor_label(plan, factor)}"


def provenance(data: AnalysisData, plan: Plan, *, label: str | None = None) -> tuple[tuple[str, str], ...]:
    """The whole analysis actually run, as (item, value) rows for reports: study, data snapshot, every
    choice, every by-hand rotation step, hand flags, inversions and splits."""
    from ..analysis import JudgmentalRotation, RotationStep

    extraction = {"pca": "principal components", "centroid": "centroid (Brown, as PQMethod/KADE)",
                  "horst": "centroid (Horst 5.5)"}.get(plan.extraction, plan.extraction)
    rotation = ("varimax, " + VARIMAX_TOLERANCES.get(plan.varimax_tolerance, f"tolerance {plan.varimax_tolerance:g}")
                if plan.rotation == "varimax" else "none")
    rows: list[tuple[str, str]] = [("Study", data.name), ("Data source", data.source)]
    if label:
        rows.append(("Analysis", label))
    rows.append(("Data snapshot", f"{data.n_sorts} Q-sorts: {', '.join(map(str, data.sorts.columns))}"
                 + ("" if plan.snapshot is None else " (frozen; later sorts are not included)")))
    rows += [("Statements", str(data.n_statements)),
             ("Correlation", plan.correlation), ("Extraction", extraction),
             ("Factors extracted", str(plan.n_factors)), ("Rotation", rotation)]
    log = JudgmentalRotation(pd.DataFrame(), tuple(RotationStep(*x) for x in plan.steps)).log()
    rows.append(("Rotation by hand", f"{len(log)} step(s)" if log else "none"))
    rows += [(f"Rotation by hand, step {i}", line) for i, line in enumerate(log, 1)]
    rows.append(("Flagging", f"p < {format_p(plan.significance)}" + (", majority of common variance" if plan.majority else "")
                 + f", negative loadings {plan.negative}d"))
    rows.append(("Flags", "automatic" if plan.flags is None else
                 "set by hand: " + (", ".join(f"{q} on {f}" for q, f in plan.flags) or "none")))
    rows.append(("Inverted factors", ", ".join(plan.inverted) or "none"))
    rows.append(("Split factors", ", ".join(f"{f} into {f}a (positive) and {f}b (negative)" for f in plan.split)
                 or "none"))
    rows.append(("Distinguishing / consensus convention", plan.convention))
    return tuple(rows)


def defining_factors(result: AnalysisResult) -> pd.Series:
    """Per Q-sort the factor(s) it defines (``F2 (negative)`` for a negative loading; empty if none)."""
    out = {}
    for q in result.loadings.index:
        fs = [f + (" (negative)" if result.loadings.loc[q, f] < 0 else "") for f in result.factors
              if bool(result.flags.loc[q, f])]
        out[q] = ", ".join(fs)
    return pd.Series(out, name="defines", dtype=object)


def qualitative(data: AnalysisData, result: AnalysisResult) -> dict[str, pd.DataFrame]:
    """The qualitative data of the analysis: ``participants`` (which factor each defines, survey answers by
    their labels, fields imported with the file) and ``comments`` (participant, the factor they define,
    statement id and text, the column they put it in, the comment)."""
    defines = defining_factors(result)
    people = pd.DataFrame(index=pd.Index([str(c) for c in data.sorts.columns], name="participant"))
    people["defines"] = [defines.get(c, defines.get(str(c), "")) for c in data.sorts.columns]
    if data.participants is not None and len(data.participants.columns):
        fields = data.participants.copy()
        fields.index = fields.index.astype(str)
        people = people.join(fields.drop(columns=[c for c in fields.columns if c in people.columns]), how="left")
    out = {"participants": people}
    if data.comments is not None and len(data.comments):
        c = data.comments.copy()
        texts = data.statements
        c.insert(1, "defines", [people["defines"].get(str(x), "") for x in c["participant"]])
        c.insert(3, "statement text", [None if texts is None else texts.get(x) for x in c["statement"]])
        c = c.rename(columns={"score": "column", "statement": "statement id"})
        out["comments"] = c.set_index("participant")
    return out


def compare(first: AnalysisResult, second: AnalysisResult) -> pd.DataFrame:
    """Correlations between the factor z-scores of two solutions of the same statements
    (rows: factors of ``first``, columns: factors of ``second``)."""
    a, b = first.zscores, second.zscores.reindex(first.zscores.index)
    return pd.DataFrame([[a[f].corr(b[g]) for g in b.columns] for f in a.columns],
                        index=pd.Index(a.columns, name="first"), columns=pd.Index(b.columns, name="second"))


def best_matches(correlations: pd.DataFrame) -> pd.DataFrame:
    """For each factor of the first solution (rows of :func:`compare`), the factor of the second whose
    z-scores correlate most strongly with it (by absolute value; a negative ``r`` means the second
    factor is the first one upside down). Columns ``match`` and ``r``."""
    c = correlations.astype(float)
    best = c.abs().fillna(-1).idxmax(axis=1)
    return pd.DataFrame({"match": best, "r": [c.loc[f, g] for f, g in best.items()]}, index=c.index)


# ---------------------------------------------------------------- exports

#: kind -> (label, file suffix, MIME type)
EXPORTS: dict[str, tuple[str, str, str]] = {
    "xlsx": ("Excel workbook", ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "csv": ("CSV tables (ZIP)", "-csv.zip", "application/zip"),
    "json": ("JSON (qmethod.result/1)", ".json", "application/json"),
    "report": ("Text report (.LIS order)", ".txt", "text/plain"),
    "pqmethod": ("PQMethod .DAT/.STA (ZIP)", "-pqmethod.zip", "application/zip"),
    "comments": ("Comments and participants (CSV, ZIP)", "-qualitative.zip", "application/zip"),
}


def file_stem(name: str) -> str:
    base = Path(name).stem if "." in name else name
    keep = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in base).strip("-")
    return (keep or "qmethod")[:60]


def report_context(result: AnalysisResult, data: AnalysisData | None, plan: Plan | None = None,
                   label: str | None = None) -> Any:
    """What the report writers record besides the numbers (title, file, provenance, qualitative data)."""
    from ..io.result_tables import ReportContext

    if data is None:
        return None
    imported = data.imported
    return ReportContext(
        title=data.name if imported is None else (imported.title or data.name),
        source=data.source if imported is None else imported.source,
        format="study" if imported is None else imported.format,
        warnings=tuple(getattr(imported, "warnings", ()) or ()),
        provenance=provenance(data, plan, label=label) if plan is not None else (),
        qualitative=qualitative(data, result))


def export(result: AnalysisResult, kind: str, data: AnalysisData | None = None, plan: Plan | None = None,
           *, label: str | None = None) -> tuple[bytes, str, str]:
    """One export of ``result``: returns (bytes, file name, MIME type). ``kind`` is a key of :data:`EXPORTS`;
    with ``plan`` the reports record the whole analysis run (:func:`provenance`)."""
    from .. import io as qio

    if kind not in EXPORTS:
        raise QMethodError(f"Unknown export {kind!r}; choose one of {', '.join(EXPORTS)}.")
    _, suffix, mime = EXPORTS[kind]
    context = report_context(result, data, plan, label)
    name = file_stem(data.name if data is not None else "qmethod") + suffix
    if kind == "xlsx":
        return qio.write_excel(result, imported=context), name, mime
    if kind == "csv":
        return qio.write_csv_zip(result, imported=context), name, mime
    if kind == "json":
        return result.to_json().encode("utf-8"), name, mime
    if kind == "report":
        return qio.text_report(result, imported=context).encode("utf-8"), name, mime
    if kind == "comments":
        from ..io.safe import neutralise_frame

        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for key, frame in (context.qualitative if context is not None else {}).items():
                zf.writestr(f"{key}.csv", "\ufeff" + neutralise_frame(frame).to_csv(lineterminator="\r\n"))
        return buf.getvalue(), name, mime
    sorts = data.sorts if data is not None else result.sorts.astype(int)
    texts = data.statements if data is not None else result.statements
    dist = list(data.distribution) if data is not None and data.distribution else None
    stem = file_stem(data.name if data is not None else "qmethod")[:8].upper() or "STUDY"
    with tempfile.TemporaryDirectory() as tmp:
        dat = Path(tmp) / f"{stem}.DAT"
        notes = qio.write_pqmethod(sorts, dat, statements=texts, title=data.name if data else "",
                                   distribution=dist)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in sorted(Path(tmp).iterdir()):
                zf.write(f, f.name)
            if notes:
                zf.writestr("NOTES.txt", "\r\n".join(notes) + "\r\n")
    return buf.getvalue(), name, mime


# ---------------------------------------------------------------- bootstrap kept with the analysis


def plan_digest(plan: Plan) -> str:
    """A short fingerprint of every choice of ``plan`` (equal plans, equal digests)."""
    return hashlib.sha256(json.dumps(plan.to_dict(), sort_keys=True, default=str).encode()).hexdigest()[:16]


def bootstrap_summary(boot: Any, plan: Plan, *, requested: int | None = None,
                      confidence: float = 0.95) -> dict[str, Any]:
    """What a report says about a bootstrap of ``plan`` (JSON-ready; kept with the analysis).

    ``boot`` is a :class:`qmethod.analysis.bootstrap.BootstrapResult`. Returns ``method``,
    ``n_resamples`` (analysed), ``requested``, ``skipped``, ``seed``, ``confidence``, ``plan`` (its
    :func:`plan_digest`) and per factor: ``mean_se`` (mean standard error of the z-scores), ``max_se``,
    ``array_changes`` (statements whose factor array value from the mean bootstrap z-scores differs
    from the one from the full data's z-scores), ``stable_sorts`` (Q-sorts flagged on the factor in at
    least half of the resamples that drew them).

    References
    ----------
    Zabala, A. & Pascual, U. (2016). Bootstrapping Q methodology to improve the understanding of
    human perspectives. PLoS ONE 11(2): e0148087.
    """
    from ..analysis.scores import factor_arrays

    z = boot.zscores
    factors = list(dict.fromkeys(f for f, _ in z.columns))
    estimate = pd.DataFrame({f: z[(f, "estimate")] for f in factors})
    whole = [f for f in factors if not boot.factor_arrays[f].isna().any()]
    full_arrays = None
    if whole:  # the grid's values: those of any complete array
        full_arrays = factor_arrays(estimate.fillna(0.0), np.sort(boot.factor_arrays[whole[0]].to_numpy(float)))
    out: dict[str, dict[str, Any]] = {}
    for f in factors:
        se = z[(f, "se")].astype(float)
        boot_arr = boot.factor_arrays[f]
        changed = None if full_arrays is None or f not in whole else int(
            (boot_arr.astype(int) != full_arrays[f].astype(int)).sum())
        freq = boot.loadings[(f, "flag_frequency")].astype(float)
        out[str(f)] = {"mean_se": round(float(se.mean()), 4), "max_se": round(float(se.max()), 4),
                       "array_changes": changed, "stable_sorts": int((freq >= 0.5).sum())}
    return {"method": str(boot.method), "n_resamples": int(boot.n_resamples),
            "requested": int(requested if requested is not None else boot.n_resamples + boot.skipped),
            "skipped": int(boot.skipped), "seed": None if boot.seed is None else int(boot.seed),
            "confidence": float(confidence), "plan": plan_digest(plan), "factors": out}


def current_bootstrap(workspace: Workspace) -> dict[str, Any] | None:
    """The stored bootstrap of ``workspace`` when it was run on the plan the workspace has now (a
    bootstrap of other choices is not reported as if it were of these)."""
    b = workspace.bootstrap
    return b if b and b.get("plan") == plan_digest(workspace.plan) else None


def save_bootstrap(db: Database, researcher_id: int, source: str, summary: dict[str, Any], *,
                   label: str = DEFAULT_ANALYSIS) -> Workspace:
    """Keep a bootstrap's summary (:func:`bootstrap_summary`) with the stored analysis ``label``
    (replacing an earlier one). The plan and its version are left as they are."""

    def work(session: Session) -> Workspace:
        row = _row(session, researcher_id, source, label)
        if row is None:
            raise NotFoundError(f"No stored analysis {label!r} of {source!r}.")
        row.bootstrap = dict(summary)
        session.flush()
        return _workspace(row)

    return db.write(work)


# ---------------------------------------------------------------- workspaces


def _workspace(row: WorkspaceRow) -> Workspace:
    plan = dict(row.plan or {})
    extra = plan.pop("_extra", {}) or {}
    history = tuple(Plan.from_dict(h) for h in plan.pop("_history", []) or [])
    return Workspace(id=row.id, source=row.source, name=row.name, plan=Plan.from_dict(plan), data=row.data,
                     extra=extra, updated_at=row.updated_at, label=row.label or DEFAULT_ANALYSIS,
                     version=row.version or 1, history=history, bootstrap=row.bootstrap or None)


def _row(session: Session, researcher_id: int, source: str, label: str) -> WorkspaceRow | None:
    return session.scalars(select(WorkspaceRow).where(WorkspaceRow.researcher_id == researcher_id,
                                                      WorkspaceRow.source == source,
                                                      WorkspaceRow.label == label)).one_or_none()


def _check_version(row: WorkspaceRow, expected_version: int | None) -> None:
    if expected_version is not None and (row.version or 1) != expected_version:
        raise StaleAnalysis("This analysis changed in another tab (or window) after this page showed it, so "
                            "nothing was changed here: reload the page to see the current analysis.")


def save_workspace(db: Database, researcher_id: int, source: str, name: str, plan: Plan, *,
                   data: bytes | None = None, extra: dict[str, Any] | None = None,
                   label: str = DEFAULT_ANALYSIS, expected_version: int | None = None,
                   bootstrap: dict[str, Any] | None = None) -> Workspace:
    """Store the plan (and, for an upload, its file) of a researcher's analysis ``label`` of ``source``.

    ``data``/``extra`` left as None keep what is stored; ``extra`` (what belongs to the uploaded file, such
    as its statement texts: :func:`kept_statements`) is stored with every analysis of ``source``. With ``expected_version`` (the version the page
    showed) a workspace changed since is left alone and :class:`StaleAnalysis` is raised. The replaced plan
    goes to the history (:func:`undo_change`); the version increases with every change. ``bootstrap``
    (a :func:`bootstrap_summary`) is kept with it when given (a copy saved under a new name takes the
    bootstrap of the choices it copies).
    """
    if data is not None and len(data) > 20 * 1024 * 1024:
        raise QMethodError("Files above 20 MB are not kept with the analysis.")
    label = (label or DEFAULT_ANALYSIS).strip()[:LABEL_LENGTH] or DEFAULT_ANALYSIS

    def work(session: Session) -> Workspace:
        row = _row(session, researcher_id, source, label)
        stored_extra: dict[str, Any] = {}
        history: list[dict[str, Any]] = []
        file, keep = data, extra
        if row is None:
            if file is None:  # a new analysis of an uploaded file keeps the file (from the source's other analyses)
                file = session.scalars(select(WorkspaceRow.data).where(
                    WorkspaceRow.researcher_id == researcher_id, WorkspaceRow.source == source,
                    WorkspaceRow.data.is_not(None)).limit(1)).first()
                if keep is None:
                    keep = next(iter(session.scalars(select(WorkspaceRow.plan).where(
                        WorkspaceRow.researcher_id == researcher_id, WorkspaceRow.source == source)
                        .order_by(WorkspaceRow.id).limit(1))), {}).get("_extra")
            row = WorkspaceRow(researcher_id=researcher_id, source=source, label=label, name=name[:300], data=file,
                               plan={}, version=1, updated_at=utcnow())
            session.add(row)
        else:
            _check_version(row, expected_version)
            stored = dict(row.plan or {})
            stored_extra = stored.pop("_extra", {}) or {}
            history = list(stored.pop("_history", []) or [])
            if Plan.from_dict(stored) != plan:
                history = (history + [stored])[-HISTORY:]
            if data is not None:
                row.data = data
            row.name = name[:300]
            row.version = (row.version or 1) + 1
        row.plan = {**plan.to_dict(), "_extra": keep if keep is not None else stored_extra, "_history": history}
        if extra is not None:  # (the statement texts belong to the uploaded file: every analysis of it has them)
            for other in session.scalars(select(WorkspaceRow).where(
                    WorkspaceRow.researcher_id == researcher_id, WorkspaceRow.source == source)):
                if other is not row:
                    other.plan = {**(other.plan or {}), "_extra": extra}
        if bootstrap is not None:
            row.bootstrap = dict(bootstrap)
        row.updated_at = utcnow()
        session.flush()
        return _workspace(row)

    return db.write(work)


def undo_change(db: Database, researcher_id: int, source: str, *, label: str = DEFAULT_ANALYSIS,
                expected_version: int | None = None) -> Workspace:
    """Go back to the plan before the last change (a change of k, extraction, ... brings its rotation
    history back). Raises :class:`StaleAnalysis` as :func:`save_workspace`."""

    def work(session: Session) -> Workspace:
        row = _row(session, researcher_id, source, label)
        if row is None:
            raise NotFoundError(f"No stored analysis {label!r} of {source!r}.")
        _check_version(row, expected_version)
        stored = dict(row.plan or {})
        history = list(stored.pop("_history", []) or [])
        if not history:
            raise QMethodError("Nothing to undo: this analysis has no earlier choices.")
        previous = history.pop()
        row.plan = {**Plan.from_dict(previous).to_dict(), "_extra": stored.get("_extra", {}) or {},
                    "_history": history}
        row.version = (row.version or 1) + 1
        row.updated_at = utcnow()
        session.flush()
        return _workspace(row)

    return db.write(work)


def kept_statements(db: Database, researcher_id: int, source: str) -> dict[str, Any]:
    """What is kept with an uploaded file besides its bytes (``statements``: the texts read from the
    statements file uploaded with it, ``statements_file``: that file's name), from the researcher's
    analyses of ``source``; empty when none was uploaded with it."""
    kept = [w.extra for w in list_workspaces(db, researcher_id, source) if w.extra]
    return dict(next((e for e in kept if e.get("statements")), kept[0] if kept else {}))


def load_workspace(db: Database, researcher_id: int, source: str, *,
                   label: str = DEFAULT_ANALYSIS) -> Workspace | None:
    def work(session: Session) -> Workspace | None:
        row = _row(session, researcher_id, source, label)
        return None if row is None else _workspace(row)

    return db.read(work)


def list_workspaces(db: Database, researcher_id: int, source: str | None = None) -> tuple[Workspace, ...]:
    """The researcher's stored analyses (of ``source``, or all), newest first (without the file bytes)."""

    def work(session: Session) -> tuple[Workspace, ...]:
        q = select(WorkspaceRow).where(WorkspaceRow.researcher_id == researcher_id)
        if source is not None:
            q = q.where(WorkspaceRow.source == source)
        rows = session.scalars(q.order_by(WorkspaceRow.updated_at.desc()))
        return tuple(replace(_workspace(r), data=None) for r in rows)

    return db.read(work)


def delete_workspace(db: Database, researcher_id: int, source: str, *, label: str = DEFAULT_ANALYSIS) -> None:
    def work(session: Session) -> None:
        row = _row(session, researcher_id, source, label)
        if row is None:
            raise NotFoundError(f"No stored analysis of {source!r}.")
        session.delete(row)

    db.write(work)
