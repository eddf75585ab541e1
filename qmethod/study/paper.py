"""A Q-sort written on the paper score sheet, checked before it is entered.

On paper, statements are known by their card number (1..N in the study's order, as printed by
:func:`qmethod.io.paper.print_pack`). The researcher types, column by column, the numbers written in
the score sheet's cells; :func:`check_paper_sort` says what is wrong (a number used twice, a number
that is no card, a column with too many or too few cards, cards not placed) in words a person can act
on, and :func:`paper_columns` turns a complete entry into the statement ids of each column.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..errors import StudyError
from .model import Study

__all__ = ["PaperCheck", "parse_numbers", "check_paper_sort", "paper_columns"]

_SEPARATORS = re.compile(r"[\s,;.]+")


@dataclass(frozen=True)
class PaperCheck:
    """The result of checking a paper sort.

    ``problems`` are sentences, one per fault (empty when the sort can be saved); ``missing`` are the
    card numbers not yet placed; ``counts`` maps each score to the number of cards typed in it.
    """

    problems: tuple[str, ...]
    missing: tuple[int, ...]
    counts: dict[int, int]

    @property
    def ok(self) -> bool:
        return not self.problems


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
    for col in study.grid.columns:
        numbers = list(columns.get(col.score, ()))
        counts[col.score] = len(numbers)
        label = f"{col.score:+d}" if col.score else "0"
        for v in numbers:
            if isinstance(v, str) or not 1 <= v <= n:
                problems.append(f"Column {label}: {v!r} is not a card number (the cards are 1 to {n}).")
                continue
            if v in seen:
                other = seen[v]
                where = "twice in this column" if other == col.score else f"also in column {other:+d}" if other else "also in column 0"
                problems.append(f"Column {label}: card {v} is {where}.")
            else:
                seen[v] = col.score
        if study.grid.forced and len(numbers) > col.count:
            problems.append(f"Column {label} holds {col.count} cards, {len(numbers)} are typed.")
    missing = tuple(i for i in range(1, n + 1) if i not in seen)
    if study.grid.forced:
        for col in study.grid.columns:
            if counts[col.score] < col.count and missing:
                label = f"{col.score:+d}" if col.score else "0"
                problems.append(f"Column {label} holds {col.count} cards, {counts[col.score]} are typed.")
    if missing:
        shown = ", ".join(map(str, missing[:12])) + (" ..." if len(missing) > 12 else "")
        problems.append(f"{len(missing)} card(s) not placed yet: {shown}.")
    return PaperCheck(problems=tuple(problems), missing=missing, counts=counts)


def paper_columns(study: Study, columns: Mapping[int, Sequence[int | str]]) -> dict[int, list[str]]:
    """Statement ids per score, in the order typed; :class:`StudyError` listing every problem if the
    entry is not a complete, valid sort of the grid."""
    check = check_paper_sort(study, columns)
    if not check.ok:
        raise StudyError("The paper sort cannot be saved yet: " + " ".join(check.problems))
    ids = study.statement_ids
    return {col.score: [ids[int(v) - 1] for v in columns.get(col.score, ())] for col in study.grid.columns}
