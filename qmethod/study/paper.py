"""A Q-sort written on the paper score sheet, checked before it is entered.

On paper, statements are known by their card number (1..N in the study's order, as printed by
:func:`qmethod.io.paper.print_pack`). The researcher types, column by column, the numbers written in
the score sheet's cells; :func:`check_paper_sort` says what is wrong (a number used twice, a number
that is no card, a column with too many or too few cards, cards not placed) in words a person can act
on, and :func:`paper_columns` turns a complete entry into the statement ids of each column.
:func:`sheet_code` says under which condition of instruction a sheet was sorted and which code the
sort is stored under.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..errors import StudyError
from .model import Study, text_in

__all__ = ["PaperCheck", "parse_numbers", "check_paper_sort", "paper_columns", "sheet_code", "unanswered", "MAX_CODE_LENGTH"]

#: The longest participant code a sort is stored under (condition included).
MAX_CODE_LENGTH = 32

_SEPARATORS = re.compile(r"[\s,;.]+")


@dataclass(frozen=True)
class PaperCheck:
    """The result of checking a paper sort.

    ``problems`` are sentences, one per fault, in column order (empty when the sort can be saved);
    ``columns`` the same sentences by the score of the column they are about; ``missing`` are the
    card numbers not yet placed; ``counts`` maps each score to the number of cards typed in it.
    """

    problems: tuple[str, ...]
    missing: tuple[int, ...]
    counts: dict[int, int]
    columns: dict[int, tuple[str, ...]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def so_far(self, study: Study, columns: Mapping[int, Sequence[int | str]]) -> tuple[str, ...]:
        """The problems of the columns typed into or passed (every column up to the last one holding
        anything), in column order; the cards not placed only once every column is reached."""
        scores = [c.score for c in study.grid.columns]
        typed = [i for i, score in enumerate(scores) if columns.get(score)]
        if not typed:
            return ()
        reached = scores[: typed[-1] + 1]
        out = [p for p in self.problems if not any(p in ps for ps in self.columns.values())
               and ("not placed yet" not in p or len(reached) == len(scores))]
        return (*[p for score in reached for p in self.columns.get(score, ())], *out)


def parse_numbers(text: str) -> list[int | str]:
    """The card numbers typed in one column: integers, separated by spaces, commas or semicolons.

    Anything that is not a whole number is kept as it was typed (so the check can name it).
    """
    out: list[int | str] = []
    for part in _SEPARATORS.split(text.strip()):
        if not part:
            continue
        out.append(int(part) if part.isdigit() and len(part) <= 6 else part)
    return out


def check_paper_sort(study: Study, columns: Mapping[int, Sequence[int | str]]) -> PaperCheck:
    """Check the card numbers typed per column (``{score: [numbers...]}``) against ``study``'s grid."""
    n = len(study.statements)
    problems: list[str] = []
    seen: dict[int, int] = {}
    counts: dict[int, int] = {}
    unknown_scores = sorted(set(columns) - set(study.grid.scores))
    if unknown_scores:
        problems.append(f"The grid has no column {', '.join(map(str, unknown_scores))}.")
    by_column: dict[int, list[str]] = {col.score: [] for col in study.grid.columns}
    for col in study.grid.columns:
        numbers = list(columns.get(col.score, ()))
        counts[col.score] = len(numbers)
        label = f"{col.score:+d}" if col.score else "0"
        own = by_column[col.score]
        for v in numbers:
            if isinstance(v, str) or not 1 <= v <= n:
                own.append(f"Column {label}: {v!r} is not a card number (the cards are 1 to {n}).")
                continue
            if v in seen:
                other = seen[v]
                where = "twice in this column" if other == col.score else f"also in column {other:+d}" if other else "also in column 0"
                own.append(f"Column {label}: card {v} is {where}.")
            else:
                seen[v] = col.score
        if study.grid.forced and len(numbers) > col.count:
            own.append(f"Column {label} holds {col.count} cards, {len(numbers)} are typed.")
    missing = tuple(i for i in range(1, n + 1) if i not in seen)
    if study.grid.forced:
        for col in study.grid.columns:
            if counts[col.score] < col.count and missing:
                label = f"{col.score:+d}" if col.score else "0"
                by_column[col.score].append(f"Column {label} holds {col.count} cards, {counts[col.score]} are typed.")
    problems += [p for col in study.grid.columns for p in by_column[col.score]]
    if missing:
        shown = ", ".join(map(str, missing[:12])) + (" ..." if len(missing) > 12 else "")
        problems.append(f"{len(missing)} card(s) not placed yet: {shown}.")
    return PaperCheck(problems=tuple(problems), missing=missing, counts=counts,
                      columns={score: tuple(ps) for score, ps in by_column.items() if ps})


def paper_columns(study: Study, columns: Mapping[int, Sequence[int | str]]) -> dict[int, list[str]]:
    """Statement ids per score, in the order typed; :class:`StudyError` listing every problem if the
    entry is not a complete, valid sort of the grid."""
    check = check_paper_sort(study, columns)
    if not check.ok:
        raise StudyError("The paper sort cannot be saved yet: " + " ".join(check.problems))
    ids = study.statement_ids
    return {col.score: [ids[int(v) - 1] for v in columns.get(col.score, ())] for col in study.grid.columns}


def sheet_code(study: Study, code: str | None, condition: str | None = None) -> tuple[str | None, str | None]:
    """The code a paper sort of ``study`` is stored under and its condition of instruction.

    ``code`` is the participant's code written on the sheet (blank: the next ``P012`` is given);
    ``condition`` the condition the researcher chose. In a study with conditions the condition may
    instead end the code (``P001-ideal``), as on the sheets of online sorts; a code without it gets
    it added (``anna`` under ``ideal``: ``anna-ideal``). Returns ``(code or None, condition or None)``.

    Raises :class:`StudyError` (in words for the researcher) for a code that is too long or holds
    control characters, a condition the study does not have, a chosen condition other than the one
    ending the code, or no condition in a study with conditions.
    """
    code = (code or "").strip() or None
    if code is not None and any(ord(ch) < 32 for ch in code):
        raise StudyError("The participant code must be one line.")
    if code is not None and len(code) > MAX_CODE_LENGTH:
        raise StudyError(f"The participant code {code[:MAX_CODE_LENGTH]}... is {len(code)} characters long; a code "
                         f"has at most {MAX_CODE_LENGTH} characters. Shorten it (nothing is cut off by itself).")
    if code is not None and any(ch.isspace() for ch in code):
        raise StudyError(f"The participant code {code!r} holds a space; codes have none (write "
                         f"{''.join(code.split())!r} if that is the code on the sheet).")
    ids = study.condition_ids
    if not ids:
        if condition is not None:
            raise StudyError(f"Study {study.id!r} has no conditions of instruction (got {condition!r}).")
        return code, None
    if condition is not None and condition not in ids:
        raise StudyError(f"Study {study.id!r} has no condition {condition!r}; its conditions are {', '.join(ids)}.")
    # the ending matches whatever its case (p01-NOW), and is stored in the study's spelling (p01-now)
    ending = next((c for c in ids if code is not None and code.lower().endswith(f"-{c.lower()}")
                   and len(code) > len(c) + 1), None)
    if ending is not None:
        if condition is not None and condition != ending:
            raise StudyError(f"The code {code!r} ends with condition {ending!r}, but condition {condition!r} "
                             "is chosen; choose one of them.")
        return code[: len(code) - len(ending)] + ending, ending
    if condition is None:
        head, dash, tail = (code or "").rpartition("-")
        if dash and head and tail and not tail.isdigit():
            raise StudyError(f"The code ends with {tail!r}, which is not a condition of this study; its conditions "
                             f"are {', '.join(ids)}. End the code with one of them (for example {head}-{ids[-1]}) "
                             "or choose the condition.")
        raise StudyError(f"Choose the condition of instruction the sheet was sorted under ({', '.join(ids)}), "
                         f"or end the code with it (for example P001-{ids[-1]}).")
    if code is not None and len(code) + len(condition) + 1 > MAX_CODE_LENGTH:
        raise StudyError(f"The participant code must be one line of at most "
                         f"{MAX_CODE_LENGTH - len(condition) - 1} characters (the condition is added to it).")
    return (f"{code}-{condition}" if code is not None else None), condition


def unanswered(study: Study, answers: Mapping[str, object], language: str | None = None) -> list[str]:
    """The required survey questions of ``study`` without an answer in ``answers`` (``{question id:
    value}``; ``None``, ``""`` and ``[]`` are no answer), each as a sentence naming the question by its
    text in ``language`` (default the study's) and saying what to do."""
    lang = language or study.default_language
    return [f"The question “{text_in(q.text, lang, study.default_language)}” is required: type the answer from "
            "the sheet. If the participant left it empty, the sheet cannot be saved as the study stands (the "
            "study has no 'not answered' option); make the question optional in the study and publish it again "
            "to enter the sheet without it."
            for q in study.survey if q.required and answers.get(q.id) in (None, "", [])]
