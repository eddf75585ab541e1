"""One participant's response as a pure state machine.

A :class:`Response` is changed only by :func:`apply` with a step ``(kind, payload)``; the same function
serves the live service (apply, then store the difference and append the step to the audit trail) and
the replay of the audit trail, so replaying a participant's steps reproduces the stored state.

Steps (``kind``: payload)::

    consent   {"version": str}
    language  {"language": str}
    stage     {"stage": "consent" | "presort" | "grid" | "comments" | "survey"}
    pile      {"statement": id, "pile": "disagree" | "neutral" | "agree" | None}
    place     {"statement": id, "score": int, "position": int | None}
    move      {"statement": id, "score": int, "position": int | None}
    remove    {"statement": id}
    swap      {"a": id, "b": id}
    comment   {"statement": id, "text": str}        ("" deletes the comment)
    answer    {"question": id, "value": ...}        (None deletes the answer)
    submit    {}

Every invalid step raises a :class:`~qmethod.errors.StudyError` subclass and leaves the response as
it was (``apply`` validates before it changes anything).
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Any

from ..errors import CompletedError, IncompleteError, PlacementError, StudyError
from .load import MAX_NUMBER, _short
from .model import PILES, Question, Study, text_in

__all__ = ["STAGES", "STEP_KINDS", "Missing", "Response", "apply", "missing", "replay", "stages", "normalize_answer",
           "MAX_COMMENT", "MAX_TEXT_ANSWER"]

#: All stages in order; a study without presort / comments / survey skips them.
STAGES: tuple[str, ...] = ("consent", "presort", "grid", "comments", "survey", "done")
STEP_KINDS: tuple[str, ...] = ("consent", "language", "stage", "pile", "place", "move", "remove", "swap",
                               "comment", "answer", "submit")
MAX_COMMENT = 10_000
MAX_TEXT_ANSWER = 10_000


@dataclass(frozen=True)
class Missing:
    """One thing still missing before a submit: ``kind`` (consent, presort, grid, column, comment,
    answer), the ``item`` concerned (statement id, column score or question id) and a message."""

    kind: str
    item: str | int | None
    message: str


@dataclass
class Response:
    """Working state of one participant's response (mutable; copied before risky changes)."""

    language: str
    stage: str = "consent"
    consent_version: str | None = None
    piles: dict[str, str] = field(default_factory=dict)
    columns: dict[int, list[str]] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)
    answers: dict[str, Any] = field(default_factory=dict)
    submitted: bool = False

    @classmethod
    def new(cls, study: Study, language: str) -> "Response":
        return cls(language=language, columns={s: [] for s in study.grid.scores})

    def copy(self) -> "Response":
        """An independent copy (lists and dicts copied; answer lists copied, other values are immutable)."""
        return Response(
            language=self.language, stage=self.stage, consent_version=self.consent_version,
            piles=dict(self.piles), columns={score: list(ids) for score, ids in self.columns.items()},
            comments=dict(self.comments), answers={k: _copy_value(v) for k, v in self.answers.items()},
            submitted=self.submitted,
        )

    def score_of(self, statement_id: str) -> int | None:
        for score, ids in self.columns.items():
            if statement_id in ids:
                return score
        return None

    def placements(self) -> dict[str, tuple[int, int]]:
        """``{statement id: (score, position)}`` for every placed statement."""
        return {sid: (score, pos) for score, ids in self.columns.items() for pos, sid in enumerate(ids)}

    def placed_count(self) -> int:
        return sum(len(ids) for ids in self.columns.values())


def _copy_value(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return copy.deepcopy(value)


def _unpiled(study: Study, r: Response) -> list[str]:
    """Statements neither on a presort pile nor in the grid."""
    placed = {sid for ids in r.columns.values() for sid in ids}
    return [s for s in study.statement_ids if s not in r.piles and s not in placed]


def stages(study: Study) -> tuple[str, ...]:
    """The stages this study uses, in order."""
    out = ["consent"]
    if study.presort:
        out.append("presort")
    out.append("grid")
    if study.postsort.enabled:
        out.append("comments")
    if study.survey:
        out.append("survey")
    out.append("done")
    return tuple(out)


def _fmt(score: int) -> str:
    return f"+{score}" if score > 0 else str(score)


def _statement(study: Study, payload: dict[str, Any], key: str = "statement") -> str:
    sid = payload.get(key)
    if not isinstance(sid, str) or study.statement(sid) is None:
        raise StudyError(f"Statement {sid!r} is not part of study {study.id!r}.")
    return sid


def _score(study: Study, score: Any) -> int:
    if isinstance(score, bool) or not isinstance(score, int) or score not in study.grid.scores:
        lo, hi = study.grid.scores[0], study.grid.scores[-1]
        raise PlacementError(f"Column {score!r} is outside the grid: columns run from {_fmt(lo)} to {_fmt(hi)}.")
    return score


def _position(position: Any, column: list[str], score: int) -> int:
    if position is None:
        return len(column)
    if isinstance(position, bool) or not isinstance(position, int) or position < 0:
        raise PlacementError(f"Position {position!r} in column {_fmt(score)} must be a whole number >= 0.")
    return min(position, len(column))


def _check_capacity(study: Study, r: Response, score: int) -> None:
    cap = study.grid.capacity(score)
    if cap is not None and len(r.columns[score]) >= cap:
        raise PlacementError(
            f"Column {_fmt(score)} is full ({cap} of {cap} places used). Move a statement out of it first, "
            "or swap two statements."
        )


def normalize_answer(question: Question, value: Any) -> Any:
    """Check a survey answer against its question and return the value to store (None = no answer)."""
    qid = question.id
    if value is None or (isinstance(value, str) and not value.strip()) or (isinstance(value, (list, tuple))
                                                                           and not value):
        return None
    if question.type == "text":
        if not isinstance(value, str):
            raise StudyError(f"Question {qid!r}: expected a text answer, got {value!r}.")
        limit = question.max_length or MAX_TEXT_ANSWER
        if len(value) > limit:
            raise StudyError(f"Question {qid!r}: the answer has {len(value)} characters; at most {limit} are allowed.")
        return value
    if question.type == "number":
        number: float | int
        if isinstance(value, bool):
            raise StudyError(f"Question {qid!r}: expected a number, got {value!r}.")
        if isinstance(value, (int, float)):
            number = value
        elif isinstance(value, str):
            text = value.strip().replace(" ", "").replace("\u00a0", "").replace(",", ".")
            try:
                number = int(text) if text.lstrip("+-").isdigit() else float(text)
            except ValueError:
                raise StudyError(f"Question {qid!r}: {value!r} is not a number.") from None
        else:
            raise StudyError(f"Question {qid!r}: expected a number, got {value!r}.")
        if isinstance(number, float) and not math.isfinite(number) or abs(number) > MAX_NUMBER:
            raise StudyError(f"Question {qid!r}: {_short(value)} is not a finite number of at most "
                             f"{MAX_NUMBER:.0e}.")
        if question.integer:
            if isinstance(number, float) and not number.is_integer():
                raise StudyError(f"Question {qid!r}: expected a whole number, got {value!r}.")
            number = int(number)
        elif isinstance(number, float) and number.is_integer():
            number = int(number)
        if question.min is not None and number < question.min:
            raise StudyError(f"Question {qid!r}: {number} is below the minimum {question.min:g}.")
        if question.max is not None and number > question.max:
            raise StudyError(f"Question {qid!r}: {number} is above the maximum {question.max:g}.")
        return number
    allowed = question.option_values()
    if question.type == "single":
        if not isinstance(value, str) or value not in allowed:
            raise StudyError(f"Question {qid!r}: {value!r} is not one of the options {', '.join(allowed)}.")
        return value
    # multiple
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise StudyError(f"Question {qid!r}: expected a list of options, got {value!r}.")
    chosen: list[str] = []
    for v in value:
        if not isinstance(v, str) or v not in allowed:
            raise StudyError(f"Question {qid!r}: {v!r} is not one of the options {', '.join(allowed)}.")
        if v in chosen:
            raise StudyError(f"Question {qid!r}: option {v!r} is chosen twice.")
        chosen.append(v)
    if question.max_choices is not None and len(chosen) > question.max_choices:
        raise StudyError(f"Question {qid!r}: at most {question.max_choices} options may be chosen, got {len(chosen)}.")
    # keep the study's option order so equal choices store equally
    return [v for v in allowed if v in chosen]


def grid_missing(study: Study, r: Response) -> list[Missing]:
    """What keeps the grid from being complete (unplaced statements, over- or under-filled columns)."""
    out: list[Missing] = []
    placed = r.placements()
    unplaced = [s for s in study.statement_ids if s not in placed]
    if unplaced:
        out.append(Missing("grid", None, f"{len(unplaced)} statement(s) are not placed in the grid yet: "
                                         f"{', '.join(unplaced)}."))
    if study.grid.forced:
        for col in study.grid.columns:
            n = len(r.columns.get(col.score, []))
            if n != col.count and not (n < col.count and unplaced):
                out.append(Missing("column", col.score, f"Column {_fmt(col.score)} holds {n} statement(s); "
                                                        f"it needs exactly {col.count}."))
    return out


def missing(study: Study, r: Response) -> list[Missing]:
    """Everything still missing before the response can be submitted (empty when complete)."""
    out: list[Missing] = []
    if r.consent_version is None:
        out.append(Missing("consent", None, "Consent has not been given."))
    if study.presort:
        unpiled = _unpiled(study, r)
        if unpiled:
            out.append(Missing("presort", None, f"{len(unpiled)} statement(s) are not sorted into a pile: "
                                                f"{', '.join(unpiled)}."))
    out.extend(grid_missing(study, r))
    if study.postsort.enabled and study.postsort.required:
        for score in study.postsort.columns:
            for sid in r.columns.get(score, []):
                if not r.comments.get(sid, "").strip():
                    out.append(Missing("comment", sid, f"Statement {sid} in column {_fmt(score)} needs a comment."))
    for q in study.survey:  # named by its text in the participant's language, as the form shows it
        text = text_in(q.text, r.language, study.default_language)
        if q.required and r.answers.get(q.id) is None:
            out.append(Missing("answer", q.id, f"The question “{text}” is required and has no answer."))
        elif q.type == "multiple" and q.min_choices and r.answers.get(q.id) is not None \
                and len(r.answers[q.id]) < q.min_choices:
            out.append(Missing("answer", q.id, f"The question “{text}” needs at least {q.min_choices} choices."))
    return out


def _stage_blockers(study: Study, r: Response, stage: str) -> list[Missing]:
    order = stages(study)
    if stage not in order or stage == "done":
        raise StudyError(f"Stage {stage!r} is not a stage of study {study.id!r}; its stages are "
                         f"{', '.join(s for s in order if s != 'done')} (submit ends the sort).")
    idx = order.index(stage)
    out: list[Missing] = []
    if idx > 0 and r.consent_version is None:
        out.append(Missing("consent", None, "Consent has not been given."))
    if study.presort and idx > order.index("presort"):
        unpiled = _unpiled(study, r)
        if unpiled:
            out.append(Missing("presort", None, f"{len(unpiled)} statement(s) are not sorted into a pile: "
                                                f"{', '.join(unpiled)}."))
    if idx > order.index("grid"):
        out.extend(grid_missing(study, r))
    return out


def apply(study: Study, r: Response, kind: str, payload: dict[str, Any]) -> None:
    """Apply one step to ``r`` in place; raise (and leave ``r`` unchanged) if the step is not allowed."""
    if kind not in STEP_KINDS:
        raise StudyError(f"Unknown step {kind!r}; expected one of {', '.join(STEP_KINDS)}.")
    if r.submitted:
        raise CompletedError("This Q-sort has been submitted and can no longer be changed.")
    if kind == "consent":
        version = payload.get("version")
        if version != study.consent.version:
            raise StudyError(f"Consent version {version!r} is not the current consent text of study "
                             f"{study.id!r} (version {study.consent.version!r}); reload the page and read it again.")
        r.consent_version = version
        return
    if kind == "language":
        lang = payload.get("language")
        if lang not in study.languages:
            raise StudyError(f"Language {lang!r} is not offered; choose one of {', '.join(study.languages)}.")
        r.language = lang
        return
    if r.consent_version is None:
        raise StudyError("Consent must be given before answers are saved.")
    if kind == "stage":
        stage = payload.get("stage")
        blockers = _stage_blockers(study, r, stage)  # type: ignore[arg-type]
        if blockers:
            raise IncompleteError(f"Cannot go to {stage!r} yet: " + " ".join(m.message for m in blockers), blockers)
        r.stage = stage  # type: ignore[assignment]
        return
    if kind == "pile":
        sid = _statement(study, payload)
        pile = payload.get("pile")
        if pile is not None and pile not in PILES:
            raise StudyError(f"Pile {pile!r} does not exist; use one of {', '.join(PILES)} (or none to undo).")
        if pile is None:
            r.piles.pop(sid, None)
        else:
            r.piles[sid] = pile
        return
    if kind == "place":
        sid = _statement(study, payload)
        current = r.score_of(sid)
        if current is not None:
            raise PlacementError(f"Statement {sid} is already in column {_fmt(current)}; move it instead of "
                                 "placing it again.")
        score = _score(study, payload.get("score"))
        pos = _position(payload.get("position"), r.columns[score], score)
        _check_capacity(study, r, score)
        r.columns[score].insert(pos, sid)
        return
    if kind == "move":
        sid = _statement(study, payload)
        current = r.score_of(sid)
        if current is None:
            raise PlacementError(f"Statement {sid} is not in the grid; place it first.")
        score = _score(study, payload.get("score"))
        if score != current:
            _check_capacity(study, r, score)
        rest = [s for s in r.columns[score] if s != sid]
        pos = _position(payload.get("position"), rest, score)
        r.columns[current].remove(sid)
        r.columns[score].insert(pos, sid)
        return
    if kind == "remove":
        sid = _statement(study, payload)
        current = r.score_of(sid)
        if current is None:
            raise PlacementError(f"Statement {sid} is not in the grid.")
        r.columns[current].remove(sid)
        return
    if kind == "swap":
        a = _statement(study, payload, "a")
        b = _statement(study, payload, "b")
        if a == b:
            raise PlacementError(f"Cannot swap statement {a} with itself.")
        sa, sb = r.score_of(a), r.score_of(b)
        if sa is None or sb is None:
            raise PlacementError(f"Both statements must be in the grid to swap; {a if sa is None else b} is not.")
        ia, ib = r.columns[sa].index(a), r.columns[sb].index(b)
        r.columns[sa][ia], r.columns[sb][ib] = b, a
        return
    if kind == "comment":
        sid = _statement(study, payload)
        text = payload.get("text")
        if text is None:
            text = ""
        if not isinstance(text, str):
            raise StudyError(f"Comment on statement {sid} must be text, got {text!r}.")
        if len(text) > MAX_COMMENT:
            raise StudyError(f"Comment on statement {sid} has {len(text)} characters; at most {MAX_COMMENT} "
                             "are allowed.")
        if text.strip():
            r.comments[sid] = text
        else:
            r.comments.pop(sid, None)
        return
    if kind == "answer":
        qid = payload.get("question")
        question = study.question(qid) if isinstance(qid, str) else None
        if question is None:
            raise StudyError(f"Question {qid!r} is not part of study {study.id!r}.")
        value = normalize_answer(question, payload.get("value"))
        if value is None:
            r.answers.pop(question.id, None)
        else:
            r.answers[question.id] = value
        return
    # submit
    gaps = missing(study, r)
    if gaps:
        raise IncompleteError("The Q-sort cannot be submitted yet: " + " ".join(m.message for m in gaps), gaps)
    r.submitted = True
    r.stage = "done"


def replay(study: Study, language: str, steps: list[tuple[str, dict[str, Any]]]) -> Response:
    """Rebuild a response from its audit trail (``start`` is implied by ``language``)."""
    r = Response.new(study, language)
    for kind, payload in steps:
        apply(study, r, kind, payload)
    return r
