"""The result of a Q analysis: one frozen object holding labelled pandas tables."""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields

import numpy as np
import pandas as pd

from .tables import ReadOnlyTables

__all__ = ["AnalysisSettings", "AnalysisResult", "SCHEMA"]

SCHEMA = "qmethod.result/1"


@dataclass(frozen=True)
class AnalysisSettings:
    """Everything that determines an analysis (stored with its result and in its JSON)."""

    n_factors: int
    extraction: str = "pca"
    rotation: str = "varimax"
    correlation: str = "pearson"
    flags: str = "auto"
    significance: float = 0.05
    majority: bool = True
    negative: str = "include"
    forced: bool = True
    distribution: tuple | None = None
    varimax_tolerance: float = 1e-5
    centroid_start: str = "pqmethod"
    centroid_tolerance: float | None = None
    rotation_steps: tuple = ()
    order: str = "auto"
    ties: str = "position"
    convention: str = "qmethod"
    standardize_sorts: bool = False
    av_rel_coef: float = 0.8

    def to_dict(self) -> dict:
        d = asdict(self)
        d["distribution"] = None if self.distribution is None else [float(x) for x in self.distribution]
        d["rotation_steps"] = [dict(s) if isinstance(s, dict) else s.to_dict() for s in self.rotation_steps]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "AnalysisSettings":
        from .rotate import RotationStep

        d = dict(d)
        if d.get("distribution") is not None:
            d["distribution"] = tuple(d["distribution"])
        d["rotation_steps"] = tuple(RotationStep(**s) for s in d.get("rotation_steps", ()))
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})


def _frame_to_dict(df: pd.DataFrame | None):
    if df is None:
        return None
    vals = df.astype(object).where(df.notna(), None).to_numpy().tolist()

    def clean(v):
        if isinstance(v, (np.bool_, bool)):
            return bool(v)
        if isinstance(v, (np.integer,)):
            return int(v)
        if isinstance(v, (np.floating, float)):
            return None if math.isnan(v) else float(v)
        return v

    return {
        "index": [str(i) for i in df.index],
        "columns": [str(c) for c in df.columns],
        "data": [[clean(v) for v in row] for row in vals],
    }


def _series_to_dict(s: pd.Series | None):
    if s is None:
        return None
    return _frame_to_dict(s.to_frame())


def _frame_from_dict(d, dtype=None):
    if d is None:
        return None
    df = pd.DataFrame(d["data"], index=d["index"], columns=d["columns"], dtype=dtype if dtype is object else None)
    if dtype is not None and dtype is not object:
        df = df.astype(dtype)
    return df


# name, kind ("frame" | "series"), dtype on reading
_TABLES = (
    ("sorts", "frame", float),
    ("statements", "series", None),
    ("correlations", "frame", float),
    ("eigenvalues", "series", float),
    ("unrotated_loadings", "frame", float),
    ("loadings", "frame", float),
    ("flags", "frame", bool),
    ("weights", "frame", float),
    ("zscores", "frame", float),
    ("factor_arrays", "frame", "Int64"),
    ("characteristics", "frame", None),
    ("factor_correlations", "frame", float),
    ("sed", "frame", float),
    ("differences", "frame", float),
    ("pair_significance", "frame", object),
    ("distinguishing", "frame", object),
    ("consensus", "series", object),
    ("labels", "series", object),
)


@dataclass(frozen=True)
class AnalysisResult(ReadOnlyTables):
    """A complete by-person Q factor analysis.

    Orientation and labels: ``sorts``, ``zscores``, ``factor_arrays``, ``differences``,
    ``distinguishing`` are statements x ...; ``loadings``, ``flags``, ``weights`` are Q-sorts x
    factors; factors are labelled ``F1..Fk``. ``correlations`` is None when it was not kept (very
    many Q-sorts). See :func:`qmethod.analyze` for the conventions (factor order and sign, flags,
    ties). Frozen: every table, list and dict is handed out as a copy (shallow under pandas'
    copy-on-write), so changing what you got never changes the result.
    """

    settings: AnalysisSettings
    sorts: pd.DataFrame
    statements: pd.Series | None
    correlations: pd.DataFrame | None
    eigenvalues: pd.Series
    unrotated_loadings: pd.DataFrame
    loadings: pd.DataFrame
    flags: pd.DataFrame
    weights: pd.DataFrame
    zscores: pd.DataFrame
    factor_arrays: pd.DataFrame
    characteristics: pd.DataFrame
    factor_correlations: pd.DataFrame
    sed: pd.DataFrame
    differences: pd.DataFrame
    pair_significance: pd.DataFrame
    distinguishing: pd.DataFrame
    consensus: pd.Series
    labels: pd.Series
    distribution: tuple = ()
    warnings: tuple = ()
    details: dict = field(default_factory=dict)

    # ---- convenience -------------------------------------------------------------------
    @property
    def factors(self) -> list[str]:
        return list(self.loadings.columns)

    @property
    def communalities(self) -> pd.Series:
        """h^2 of each Q-sort: the sum of its squared loadings over the factors (rotation keeps it).

        A split bipolar factor counts once (its second pole repeats the first's loadings).
        """
        seconds = [poles[1] for poles in self.details.get("split", {}).values()]
        kept = [f for f in self.loadings.columns if f not in seconds]
        return self.loadings[kept].pow(2).sum(axis=1).rename("communality")

    @property
    def explained_variance(self) -> pd.Series:
        """Percent of the total variance (P, the number of Q-sorts) on each eigenvalue, index 1..P."""
        return (100 * self.eigenvalues / self.sorts.shape[1]).rename("explained_variance")

    def __repr__(self) -> str:
        s = self.settings
        n, p = self.sorts.shape
        return (
            f"<AnalysisResult: {p} Q-sorts x {n} statements, {len(self.factors)} factors "
            f"({s.extraction}, {s.rotation}{' + by hand' if s.rotation_steps else ''}), "
            f"defining sorts {self.flags.sum().to_dict()}>"
        )

    def _statement_table(self, ids, level: pd.Series) -> pd.DataFrame:
        out = pd.DataFrame({"level": level.loc[ids]})
        for f in self.factors:
            out[f"{f} array"] = self.factor_arrays.loc[ids, f]
            out[f"{f} z"] = self.zscores.loc[ids, f]
        if self.statements is not None:
            out.insert(0, "statement", self.statements.reindex(ids))
        return out

    def distinguishing_statements(self, factor: str) -> pd.DataFrame:
        """Statements distinguishing ``factor`` (p < .05; level in column ``level``), by z descending."""
        col = self.distinguishing[factor]
        return self._statement_table(col.index[col != ""], col).sort_values(f"{factor} z", ascending=False)

    def consensus_statements(self) -> pd.DataFrame:
        """Consensus statements under the result's convention (qmethod: C* only; pqmethod: C and C*)."""
        mask = self.consensus == "C*" if self.settings.convention == "qmethod" else self.consensus != ""
        return self._statement_table(self.consensus.index[mask], self.consensus)

    def crib_sheets(self) -> dict[str, dict[str, pd.DataFrame]]:
        """Crib sheet per factor; see :func:`qmethod.analysis.crib.crib_sheet`."""
        from .crib import crib_sheet

        return {f: crib_sheet(self, f) for f in self.factors if not self.zscores[f].isna().any()}

    def summary(self) -> str:
        """A readable text summary (loadings with flags, factor arrays, distinguishing, consensus)."""
        from .report import summary

        return summary(self)

    # ---- serialisation -----------------------------------------------------------------
    def to_dict(self) -> dict:
        """JSON-ready dict in the documented schema ``qmethod.result/1`` (see docs/json-schema.md)."""
        from .. import __version__

        out = {"schema": SCHEMA, "qmethod_version": __version__, "settings": self.settings.to_dict()}
        for name, kind, _ in _TABLES:
            obj = getattr(self, name)
            out[name] = _frame_to_dict(obj) if kind == "frame" else _series_to_dict(obj)
        out["distribution"] = [float(x) for x in self.distribution]
        out["warnings"] = list(self.warnings)
        out["details"] = json.loads(json.dumps(self.details, default=str))
        return out

    def to_json(self, path=None, *, indent: int | None = 1) -> str:
        text = json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False)
        if path is not None:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
        return text

    @classmethod
    def from_dict(cls, d: dict) -> "AnalysisResult":
        from ..errors import FormatError

        if d.get("schema") != SCHEMA:
            raise FormatError(f"Not a qmethod result (schema {d.get('schema')!r}, expected {SCHEMA!r}).")
        kw = {"settings": AnalysisSettings.from_dict(d["settings"])}
        for name, kind, dtype in _TABLES:
            obj = _frame_from_dict(d.get(name), dtype)
            if kind == "series" and obj is not None:
                obj = obj.iloc[:, 0]
                obj.name = d[name]["columns"][0]
            kw[name] = obj
        for name in ("characteristics",):
            df = kw[name]
            kw[name] = df.astype({"n_defining": int}).astype({c: float for c in df.columns if c != "n_defining"})
        kw["distribution"] = tuple(d.get("distribution", ()))
        kw["warnings"] = tuple(d.get("warnings", ()))
        kw["details"] = d.get("details", {})
        return cls(**kw)

    @classmethod
    def from_json(cls, text_or_path: str) -> "AnalysisResult":
        text = text_or_path
        if not text_or_path.lstrip().startswith("{"):
            with open(text_or_path, encoding="utf-8") as fh:
                text = fh.read()
        return cls.from_dict(json.loads(text))
