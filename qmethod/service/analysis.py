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
from ..analysis.flag import flag
from ..analysis.pipeline import rescore
from ..errors import DataError, NotFoundError, QMethodError
from ..store.db import Database
from ..store.models import utcnow
from .research import completed_sorts
from ..store.models import WorkspaceRow
from .studies import get_study

__all__ = [
    "AnalysisData", "Plan", "Outcome", "Workspace", "EXPORTS", "study_data", "upload_data", "guidance", "run",
    "start_loadings", "preview_flags", "flag_table", "flags_from_table", "flag_issues", "composite",
    "export", "file_stem", "save_workspace", "load_workspace", "list_workspaces", "delete_workspace", "STRUCTURAL",
]

#: Plan fields whose change makes hand-made flags, inversions and splits meaningless (they are reset).
STRUCTURAL = ("n_factors", "extraction", "rotation", "correlation", "steps", "significance", "majority", "negative")


@dataclass(frozen=True)
class AnalysisData:
    """Q-sorts ready to analyse (statements x sorts) with what the analysis needs besides them."""

    source: str
    name: str
    sorts: pd.DataFrame
    statements: pd.Series | None
    distribution: tuple[int, ...] | None
    forced: bool
    participants: pd.DataFrame | None = None
    imported: Any = None
    notes: tuple[str, ...] = ()

    @property
    def n_sorts(self) -> int:
        return int(self.sorts.shape[1])

    @property
    def n_statements(self) -> int:
        return int(self.sorts.shape[0])


@dataclass(frozen=True)
class Plan:
    """Every analytic choice, replayable. ``steps``: (first, second, degrees) rotations by hand;
    ``flags``: None (automatic) or the (Q-sort, factor) pairs flagged; ``inverted`` / ``split``:
    factors inverted / split into their poles, in order."""

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

    def change(self, **changes: Any) -> "Plan":
        """A new plan; changing a structural choice resets flags by hand, inversions and splits."""
        if "steps" in changes:
            changes["steps"] = tuple((str(a), str(b), float(d)) for a, b, d in changes["steps"])
        new = replace(self, **changes)
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
        return d

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
        return cls(**known)

    def settings(self) -> dict[str, Any]:
        """The keyword arguments of :func:`qmethod.analyze` this plan implies."""
        return dict(extraction=self.extraction, rotation=self.rotation, correlation=self.correlation,
                    significance=self.significance, majority=self.majority, negative=self.negative,
                    convention=self.convention, rotation_steps=list(self.steps))


@dataclass(frozen=True)
class Outcome:
    """The result of a plan; ``before_split`` is the result before bipolar splits (what flags refer to)."""

    result: AnalysisResult
    before_split: AnalysisResult


@dataclass(frozen=True)
class Workspace:
    """A stored analysis: data source, name, plan (and the uploaded file, for uploads)."""

    id: int
    source: str
    name: str
    plan: Plan
    data: bytes | None
    extra: dict[str, Any] = field(default_factory=dict)
    updated_at: datetime | None = None


# ---------------------------------------------------------------- data


def study_data(db: Database, study_id: str, *, language: str | None = None,
               condition: str | None = None) -> AnalysisData:
    """The completed Q-sorts of a study, with statement texts (``language`` or the study default).

    In a study with conditions of instruction every condition's sort is a Q-sort of its own
    (``P007-now``, ``P007-ideal``): all of them by default, or only those under ``condition``
    (the source is then ``study:<id>:<condition>``, so its analysis choices are kept apart)."""
    study = get_study(db, study_id)
    done = completed_sorts(db, study_id, condition=condition)
    lang = language if language in study.languages else study.default_language
    texts = pd.Series([s.text.get(lang) or next(iter(s.text.values()), s.id) for s in study.statements],
                      index=pd.Index(list(study.statement_ids), name="statement"), name="statement")
    dist = tuple(int(v) for c in study.grid.columns for v in [c.score] * c.count)
    title = study.title.get(lang) or study.id
    source = f"study:{study.id}"
    if condition is not None:
        source, title = f"{source}:{condition}", f"{title} ({condition})"
    return AnalysisData(source=source, name=title, sorts=done.sorts, statements=texts,
                        distribution=dist, forced=study.grid.forced, participants=done.participants)


def upload_data(data: bytes, name: str, *, statements: list[str] | None = None, format: str | None = None,
                id_field: str | None = None) -> AnalysisData:
    """Q-sorts from an uploaded file in any format :func:`qmethod.io.read` knows."""
    from .. import io as qio

    imported = qio.read(data, name=name, format=format or None, statements=statements or None,
                        id_field=id_field or None)
    digest = hashlib.sha256(data).hexdigest()[:16]
    return AnalysisData(source=f"upload:{digest}", name=name, sorts=imported.sorts, statements=imported.statements,
                        distribution=imported.distribution, forced=imported.forced, participants=imported.extra,
                        imported=imported, notes=tuple(imported.warnings))


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


# ---------------------------------------------------------------- exports

#: kind -> (label, file suffix, MIME type)
EXPORTS: dict[str, tuple[str, str, str]] = {
    "xlsx": ("Excel workbook", ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "csv": ("CSV tables (ZIP)", "-csv.zip", "application/zip"),
    "json": ("JSON (qmethod.result/1)", ".json", "application/json"),
    "report": ("Text report (.LIS order)", ".txt", "text/plain"),
    "pqmethod": ("PQMethod .DAT/.STA (ZIP)", "-pqmethod.zip", "application/zip"),
}


def file_stem(name: str) -> str:
    base = Path(name).stem if "." in name else name
    keep = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in base).strip("-")
    return (keep or "qmethod")[:60]


def export(result: AnalysisResult, kind: str, data: AnalysisData | None = None) -> tuple[bytes, str, str]:
    """One export of ``result``: returns (bytes, file name, MIME type). ``kind`` is a key of :data:`EXPORTS`."""
    from .. import io as qio

    if kind not in EXPORTS:
        raise QMethodError(f"Unknown export {kind!r}; choose one of {', '.join(EXPORTS)}.")
    _, suffix, mime = EXPORTS[kind]
    imported = data.imported if data is not None else None
    name = file_stem(data.name if data is not None else "qmethod") + suffix
    if kind == "xlsx":
        return qio.write_excel(result, imported=imported), name, mime
    if kind == "csv":
        return qio.write_csv_zip(result, imported=imported), name, mime
    if kind == "json":
        return result.to_json().encode("utf-8"), name, mime
    if kind == "report":
        return qio.text_report(result, imported=imported).encode("utf-8"), name, mime
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


# ---------------------------------------------------------------- workspaces


def _workspace(row: WorkspaceRow) -> Workspace:
    plan = dict(row.plan or {})
    extra = plan.pop("_extra", {}) or {}
    return Workspace(id=row.id, source=row.source, name=row.name, plan=Plan.from_dict(plan), data=row.data,
                     extra=extra, updated_at=row.updated_at)


def save_workspace(db: Database, researcher_id: int, source: str, name: str, plan: Plan, *,
                   data: bytes | None = None, extra: dict[str, Any] | None = None) -> Workspace:
    """Store the plan (and, for an upload, its file) of a researcher's analysis of ``source``.

    ``data``/``extra`` left as None keep what is stored.
    """
    if data is not None and len(data) > 20 * 1024 * 1024:
        raise QMethodError("Files above 20 MB are not kept with the analysis.")

    def work(session: Session) -> Workspace:
        row = session.scalars(select(WorkspaceRow).where(WorkspaceRow.researcher_id == researcher_id,
                                                          WorkspaceRow.source == source)).one_or_none()
        stored_extra = {}
        if row is None:
            row = WorkspaceRow(researcher_id=researcher_id, source=source, name=name[:300], data=data, plan={},
                               updated_at=utcnow())
            session.add(row)
        else:
            stored_extra = dict(row.plan or {}).get("_extra", {}) or {}
            if data is not None:
                row.data = data
            row.name = name[:300]
        row.plan = {**plan.to_dict(), "_extra": extra if extra is not None else stored_extra}
        row.updated_at = utcnow()
        session.flush()
        return _workspace(row)

    return db.write(work)


def load_workspace(db: Database, researcher_id: int, source: str) -> Workspace | None:
    def work(session: Session) -> Workspace | None:
        row = session.scalars(select(WorkspaceRow).where(WorkspaceRow.researcher_id == researcher_id,
                                                          WorkspaceRow.source == source)).one_or_none()
        return None if row is None else _workspace(row)

    return db.read(work)


def list_workspaces(db: Database, researcher_id: int) -> tuple[Workspace, ...]:
    """The researcher's stored analyses, newest first (without the file bytes)."""

    def work(session: Session) -> tuple[Workspace, ...]:
        rows = session.scalars(select(WorkspaceRow).where(WorkspaceRow.researcher_id == researcher_id)
                               .order_by(WorkspaceRow.updated_at.desc()))
        return tuple(replace(_workspace(r), data=None) for r in rows)

    return db.read(work)


def delete_workspace(db: Database, researcher_id: int, source: str) -> None:
    def work(session: Session) -> None:
        row = session.scalars(select(WorkspaceRow).where(WorkspaceRow.researcher_id == researcher_id,
                                                          WorkspaceRow.source == source)).one_or_none()
        if row is None:
            raise NotFoundError(f"No stored analysis of {source!r}.")
        session.delete(row)

    db.write(work)
