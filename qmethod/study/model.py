"""The study definition: statements, grid, texts, consent, post-sort and survey questions.

Every object here is a frozen dataclass built only by :func:`qmethod.study.load.parse_study`, which
validates the whole definition first; code that holds a :class:`Study` can trust it. Texts that the
participant reads are dicts ``{language code: text}`` holding every study language (``nb``, ``en``...).
:func:`study_to_dict` gives the plain (JSON-able) form, which is exactly what ``parse_study`` reads, so
the database stores the same model as the TOML file.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

__all__ = [
    "PILES",
    "QUESTION_TYPES",
    "Statement",
    "StatementImage",
    "StatementAudio",
    "GridColumn",
    "Grid",
    "Consent",
    "Option",
    "Question",
    "PostSort",
    "Condition",
    "Study",
    "study_to_dict",
    "text_in",
]

#: Presort piles, from the disagree end to the agree end.
PILES: tuple[str, ...] = ("disagree", "neutral", "agree")
#: Survey question types.
QUESTION_TYPES: tuple[str, ...] = ("text", "number", "single", "multiple")

Texts = dict[str, str]


@dataclass(frozen=True)
class StatementImage:
    """A picture statement's image: ``file`` as written (relative to the study folder), the
    ``sha256`` (hex) and ``media_type`` of its bytes, its alt text per language, and whether the
    statement's text is shown under the picture (``caption``; otherwise the text is the alt text)."""

    file: str
    sha256: str
    media_type: str
    alt: Texts
    caption: bool = False

    @property
    def name(self) -> str:
        """``<sha256>.<ext>``: the image's name in ``/pictures/<study>/`` URLs."""
        return f"{self.sha256}.{self.media_type.rsplit('/', 1)[-1]}"


@dataclass(frozen=True)
class StatementAudio:
    """A statement's recording, played by read aloud instead of the device's voice: ``file`` as
    written (relative to the study folder), the ``sha256`` (hex) and ``media_type`` of its bytes."""

    file: str
    sha256: str
    media_type: str

    @property
    def name(self) -> str:
        """``<sha256>.<ext>``: the recording's name in ``/recordings/<study>/`` URLs."""
        return f"{self.sha256}.{self.media_type.rsplit('/', 1)[-1]}"


@dataclass(frozen=True)
class Statement:
    """One statement: a stable id (used in data and exports), its text per language, a category.

    A picture statement has an ``image``; its ``text`` is then the alt text unless the study gives
    a text too (``image.caption``), so tables and exports always have a readable text. A statement
    with ``audio`` is read aloud by that recording.
    """

    id: str
    text: Texts
    category: str | None = None
    image: StatementImage | None = None
    audio: StatementAudio | None = None


@dataclass(frozen=True)
class GridColumn:
    """One grid column: its score (e.g. -4), how many statements it holds, its label per language."""

    score: int
    count: int
    label: Texts = field(default_factory=dict)


@dataclass(frozen=True)
class Grid:
    """The sorting grid, columns ordered from the most negative to the most positive score.

    ``forced`` grids hold exactly ``count`` statements per column; free grids take any number per
    column (the counts are then a suggested shape).
    """

    columns: tuple[GridColumn, ...]
    forced: bool = True

    @property
    def scores(self) -> tuple[int, ...]:
        return tuple(c.score for c in self.columns)

    @property
    def size(self) -> int:
        """Number of cells (equals the number of statements)."""
        return sum(c.count for c in self.columns)

    def column(self, score: int) -> GridColumn | None:
        for c in self.columns:
            if c.score == score:
                return c
        return None

    def capacity(self, score: int) -> int | None:
        """Cells in column ``score`` for a forced grid; ``None`` for a free grid."""
        col = self.column(score)
        if col is None:
            raise KeyError(score)
        return col.count if self.forced else None


@dataclass(frozen=True)
class Consent:
    """The consent text; ``version`` is stored with each participant's consent."""

    version: str
    text: Texts


@dataclass(frozen=True)
class Option:
    """A choice of a single- or multiple-choice question: stored ``value``, shown ``label``."""

    value: str
    label: Texts


@dataclass(frozen=True)
class Question:
    """A survey question.

    ``type`` is ``text`` (``max_length``), ``number`` (``min``/``max``, ``integer``), ``single``
    (one option value) or ``multiple`` (a list of option values, ``min_choices``/``max_choices``).
    """

    id: str
    type: Literal["text", "number", "single", "multiple"]
    text: Texts
    required: bool = False
    options: tuple[Option, ...] = ()
    min: float | None = None
    max: float | None = None
    integer: bool = False
    max_length: int | None = None
    min_choices: int | None = None
    max_choices: int | None = None

    def option_values(self) -> tuple[str, ...]:
        return tuple(o.value for o in self.options)


@dataclass(frozen=True)
class PostSort:
    """Post-sort comments on the statements placed in ``columns`` (default: the two extremes)."""

    enabled: bool
    columns: tuple[int, ...]
    required: bool
    prompt: Texts


@dataclass(frozen=True)
class Condition:
    """A condition of instruction ("how it is", "how it should be"): each participant sorts the same
    statements once per condition, in study order; ``id`` ends the sort's code (``P007-now``)."""

    id: str
    instruction: Texts


@dataclass(frozen=True)
class Study:
    """A whole study definition (see ``docs/study-format.md``)."""

    id: str
    title: Texts
    languages: tuple[str, ...]
    default_language: str
    statements: tuple[Statement, ...]
    grid: Grid
    consent: Consent
    welcome: Texts
    instruction: Texts
    thanks: Texts
    presort: bool
    postsort: PostSort
    survey: tuple[Question, ...] = ()
    opens: datetime | None = None
    closes: datetime | None = None
    description: str = ""
    #: thank-you page: what happens with the answers now, and whom to contact (optional)
    next_steps: Texts = field(default_factory=dict)
    contact: Texts = field(default_factory=dict)
    #: conditions of instruction, sorted one after the other (empty: one sort per participant)
    conditions: tuple[Condition, ...] = ()

    @property
    def condition_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.conditions)

    def next_condition(self, condition_id: str | None) -> str | None:
        """The condition sorted after ``condition_id``; ``None`` after the last (or without conditions)."""
        ids = self.condition_ids
        if condition_id not in ids or condition_id == ids[-1]:
            return None
        return ids[ids.index(condition_id) + 1]

    def for_condition(self, condition_id: str | None) -> "Study":
        """The study as sorted under ``condition_id``: that condition's instruction, and the survey only
        in the last condition (it is asked once). ``None`` (or a study without conditions): unchanged."""
        if condition_id is None or not self.conditions:
            return self
        cond = self.conditions[self.condition_ids.index(condition_id)]
        return replace(self, instruction=cond.instruction,
                       survey=self.survey if self.next_condition(condition_id) is None else ())

    @property
    def statement_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.statements)

    def statement(self, statement_id: str) -> Statement | None:
        for s in self.statements:
            if s.id == statement_id:
                return s
        return None

    def question(self, question_id: str) -> Question | None:
        for q in self.survey:
            if q.id == question_id:
                return q
        return None

    def is_open(self, at: datetime) -> bool:
        """True if ``at`` (timezone-aware) lies within the open/close dates."""
        if self.opens is not None and at < self.opens:
            return False
        if self.closes is not None and at >= self.closes:
            return False
        return True


def text_in(texts: dict[str, str], lang: str, default_language: str | None = None) -> str:
    """A study text (``{language: text}``) in ``lang``, else in ``default_language``, else in any
    language it has (``""`` for none)."""
    if lang in texts:
        return texts[lang]
    if default_language is not None and default_language in texts:
        return texts[default_language]
    return next(iter(texts.values()), "")


def study_to_dict(study: Study) -> dict[str, Any]:
    """The plain, JSON-able form of ``study``: the TOML structure, read back by ``parse_study``."""

    def question(q: Question) -> dict[str, Any]:
        d: dict[str, Any] = {"id": q.id, "type": q.type, "required": q.required, "text": dict(q.text)}
        if q.options:
            d["options"] = [{"value": o.value, **o.label} for o in q.options]
        for name in ("min", "max", "max_length", "min_choices", "max_choices"):
            v = getattr(q, name)
            if v is not None:
                d[name] = v
        if q.integer:
            d["integer"] = True
        return d

    study_table: dict[str, Any] = {
        "id": study.id,
        "languages": list(study.languages),
        "default_language": study.default_language,
        "presort": study.presort,
        "title": dict(study.title),
    }
    if study.description:
        study_table["description"] = study.description
    if study.opens is not None:
        study_table["opens"] = study.opens.isoformat()
    if study.closes is not None:
        study_table["closes"] = study.closes.isoformat()
    return {
        "study": study_table,
        "texts": {
            "welcome": dict(study.welcome),
            "instruction": dict(study.instruction),
            "thanks": dict(study.thanks),
            **({"next_steps": dict(study.next_steps)} if study.next_steps else {}),
            **({"contact": dict(study.contact)} if study.contact else {}),
        },
        "consent": {"version": study.consent.version, "text": dict(study.consent.text)},
        "grid": {
            "distribution": "forced" if study.grid.forced else "free",
            "columns": [
                {"score": c.score, "count": c.count, **({"label": dict(c.label)} if c.label else {})}
                for c in study.grid.columns
            ],
        },
        "postsort": {
            "enabled": study.postsort.enabled,
            "columns": list(study.postsort.columns),
            "required": study.postsort.required,
            **({"prompt": dict(study.postsort.prompt)} if study.postsort.prompt else {}),
        },
        "survey": [question(q) for q in study.survey],
        **({"conditions": [{"id": c.id, "instruction": dict(c.instruction)} for c in study.conditions]}
           if study.conditions else {}),
        "statements": [_statement(s) for s in study.statements],
    }


def _statement(s: Statement) -> dict[str, Any]:
    d: dict[str, Any] = {"id": s.id, **({"category": s.category} if s.category else {})}
    if s.image is None or s.image.caption:
        d["text"] = dict(s.text)
    if s.image is not None:
        d.update(image=s.image.file, alt=dict(s.image.alt), image_sha256=s.image.sha256,
                 image_type=s.image.media_type)
    if s.audio is not None:
        d.update(audio=s.audio.file, audio_sha256=s.audio.sha256, audio_type=s.audio.media_type)
    return d
