"""The common result of every importer: :class:`ImportedData`, and :func:`build_imported`.

Every reader in :mod:`qmethod.io` turns its file into plain Python lists and hands them to
:func:`build_imported`, which checks what all formats share (complete integer sorts, unique ids, the
distribution) and writes the warnings a researcher should see.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import pandas as pd

from qmethod.chars import NUL, clean_text
from qmethod.errors import FormatError

__all__ = ["ImportedData", "build_imported", "statement_ids_from_labels"]


@dataclass(frozen=True, repr=False)
class ImportedData:
    """Q-sorts and statements read from a file.

    Attributes
    ----------
    sorts : pandas.DataFrame
        Statements x Q-sorts: index = statement ids (``int`` 1..M when the file numbers its statements,
        otherwise the file's labels as ``str``), columns = Q-sort ids (``str``, unique), ``int`` values.
    statements : pandas.Series or None
        Statement id -> text, in the order of ``sorts.index``; None when the file has no statement text.
    distribution : tuple of int or None
        The grid: every cell's value, sorted ascending (Lipset: ``(-4, -4, -3, -3, -3, ..., 4, 4)``).
        Declared by the file (PQMethod, Ken-Q Excel, KADE ZIP) or, when the file has none, the sorted values
        most Q-sorts share. None when no two Q-sorts share their values (a free distribution).
    forced : bool
        True when every Q-sort has exactly the values of ``distribution``.
    format : str
        Name of the format read (see :data:`qmethod.io.FORMATS`).
    source : str
        File name.
    title : str or None
        Study title or project name, when the file carries one.
    extra : pandas.DataFrame or None
        Other per-participant fields (survey answers, comments, timing...), one row per Q-sort id.
    warnings : tuple of str
        Doubtful things found while reading (a sort that breaks the distribution, renamed duplicate ids...).
    """

    sorts: pd.DataFrame
    statements: pd.Series | None
    distribution: tuple[int, ...] | None
    forced: bool
    format: str
    source: str
    title: str | None = None
    extra: pd.DataFrame | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def n_sorts(self) -> int:
        """Number of Q-sorts (participants)."""
        return int(self.sorts.shape[1])

    @property
    def n_statements(self) -> int:
        """Number of statements."""
        return int(self.sorts.shape[0])

    @property
    def column_counts(self) -> dict[int, int] | None:
        """The grid as value -> number of cells, or None without a distribution."""
        if self.distribution is None:
            return None
        return dict(sorted(Counter(self.distribution).items()))

    def summary(self) -> str:
        """A short report: file, format, numbers of sorts and statements, distribution, forced or not."""
        lines = [f"{self.source} ({self.format})"]
        if self.title:
            lines.append(f"Title: {self.title}")
        lines.append(f"{self.n_sorts} Q-sorts x {self.n_statements} statements"
                     + ("" if self.statements is not None else " (no statement text)"))
        counts = self.column_counts
        if counts is None:
            lines.append("Distribution: none shared by the Q-sorts (free distribution)")
        else:
            lines.append(f"Distribution: values {min(counts)}..{max(counts)}, cells per value "
                         + " ".join(f"{v:+d}:{n}" if v else f"0:{n}" for v, n in counts.items()))
        lines.append("Forced: yes, every Q-sort follows the distribution" if self.forced
                     else "Forced: no, some Q-sorts do not follow the distribution")
        if self.extra is not None:
            lines.append(f"Other fields: {', '.join(map(str, self.extra.columns))}")
        if self.warnings:
            lines.append(f"Warnings ({len(self.warnings)}):")
            lines.extend(f"  - {w}" for w in self.warnings)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"ImportedData(source={self.source!r}, format={self.format!r}, n_sorts={self.n_sorts}, "
                f"n_statements={self.n_statements}, forced={self.forced}, warnings={len(self.warnings)})")


_STATEMENT_LABEL = re.compile(
    r"^\s*(?:s|st|sta|stmt|state|statement|item|q|no\.?|nr\.?|#)?\s*[_.\-#]?\s*0*(\d+)\s*$", re.IGNORECASE)


def statement_ids_from_labels(labels: Sequence[Any]) -> list[int] | list[str]:
    """Statement ids for a sequence of column/row labels.

    Labels that merely number the statements in order (``1, 2, ...``, ``s1, s2, ...``, ``sta_1, ...``,
    ``Statement 1, ...``) become the integers 1..M; any other labels are kept as stripped strings.
    """
    numbers = []
    for lab in labels:
        m = _STATEMENT_LABEL.match(str(lab)) if lab is not None else None
        if m is None:
            break
        numbers.append(int(m.group(1)))
    if len(numbers) == len(labels) and numbers == list(range(1, len(labels) + 1)):
        return numbers
    return [str(lab).strip() if lab is not None else "" for lab in labels]


def _unique_ids(ids: Iterable[Any], warnings: list[str]) -> list[str]:
    """Q-sort ids as unique, non-empty strings; renames are reported in ``warnings``."""
    raw = ["" if i is None else str(i).strip() for i in ids]
    out: list[str] = []
    seen: set[str] = set(raw)
    used: set[str] = set()
    for k, name in enumerate(raw, start=1):
        if not name:
            new = f"sort{k}"
            while new in seen or new in used:
                new += "_"
            warnings.append(f"Q-sort {k} has no id; it is called {new!r}.")
            name = new
        elif name in used:
            j = 2
            while f"{name}_{j}" in seen or f"{name}_{j}" in used:
                j += 1
            new = f"{name}_{j}"
            warnings.append(f"Duplicate Q-sort id {name!r} (Q-sort {k}) renamed to {new!r}.")
            name = new
        used.add(name)
        out.append(name)
    return out


def _checked_texts(items: Iterable[Any], source: str, what: str, unit: str) -> list[Any]:
    """Texts cleaned of control characters (:func:`qmethod.chars.clean_text`); a NUL is refused."""
    out = []
    for k, item in enumerate(items, start=1):
        if isinstance(item, str):
            if NUL in item:
                raise FormatError(f"{source}: the {what} of {unit} {k} contains a NUL character (byte 0); "
                                  "expected text (is this a binary file, or UTF-16 text without its byte order mark?).")
            item = clean_text(item)
        out.append(item)
    return out


def _describe_break(values: Sequence[int], distribution: Sequence[int]) -> str:
    have, want = Counter(values), Counter(distribution)
    parts = []
    for v in sorted(set(have) | set(want)):
        if have[v] != want[v]:
            parts.append(f"{v:+d}" if v else "0")
            parts[-1] += f" used {have[v]}x, grid has {want[v]}"
    return "; ".join(parts)


def build_imported(
    *,
    sort_ids: Sequence[Any],
    values: Sequence[Sequence[int]],
    statement_ids: Sequence[Any] | None = None,
    statements: Sequence[str] | None = None,
    distribution: Sequence[int] | None = None,
    format: str,
    source: str,
    title: str | None = None,
    extra: pd.DataFrame | None = None,
    warnings: Iterable[str] = (),
) -> ImportedData:
    """Check and assemble an :class:`ImportedData`.

    Parameters
    ----------
    sort_ids : sequence
        One id per Q-sort (made unique and non-empty here, with a warning for each change).
    values : sequence of sequences of int
        ``values[i][j]`` = value Q-sort ``i`` gave statement ``j``. All sorts must have the same length.
    statement_ids : sequence, optional
        Default: 1..M.
    statements : sequence of str, optional
        Statement texts in statement order; must have M entries.
    distribution : sequence of int, optional
        The grid declared by the file. Default: inferred from the sorts (the sorted values most of them share).
    format, source, title, extra, warnings
        Copied to the result (``extra`` is re-indexed by the final Q-sort ids).
    """
    warns = list(warnings)
    sort_ids = _checked_texts(sort_ids, source, "Q-sort id", "Q-sort")
    if statements is not None:
        statements = _checked_texts(statements, source, "statement text", "statement")
    if title is not None:
        title = clean_text(str(title))
    if not values:
        raise FormatError(f"{source}: no Q-sorts found.")
    n_statements = len(values[0])
    if n_statements < 2:
        raise FormatError(f"{source}: a Q-sort needs at least 2 statements, found {n_statements}.")
    for k, row in enumerate(values):
        if len(row) != n_statements:
            raise FormatError(f"{source}: Q-sort {k + 1} ({sort_ids[k]!s}) has {len(row)} values, "
                              f"expected {n_statements} like the first Q-sort.")
    if len(sort_ids) != len(values):
        raise FormatError(f"{source}: {len(sort_ids)} Q-sort ids for {len(values)} Q-sorts.")
    ids = _unique_ids(sort_ids, warns)
    if statement_ids is None:
        statement_ids = list(range(1, n_statements + 1))
    statement_ids = list(statement_ids)
    if len(statement_ids) != n_statements:
        raise FormatError(f"{source}: {len(statement_ids)} statement ids for {n_statements} statements.")
    if len(set(statement_ids)) != len(statement_ids):
        dup = [s for s, n in Counter(statement_ids).items() if n > 1][0]
        raise FormatError(f"{source}: statement id {dup!r} occurs more than once; statement ids must be unique.")

    index = pd.Index(statement_ids, name="statement")
    frame = pd.DataFrame({sid: [int(v) for v in row] for sid, row in zip(ids, values)}, index=index)
    frame.columns = pd.Index(ids, name="sort", dtype=object)
    frame = frame.astype("int64")

    texts = None
    if statements is not None:
        statements = list(statements)
        if len(statements) != n_statements:
            raise FormatError(f"{source}: the statement list has {len(statements)} statements but the Q-sorts "
                              f"have {n_statements} values.")
        texts = pd.Series([str(t) for t in statements], index=index.copy(), name="statement_text", dtype=object)

    sorted_sorts = [tuple(sorted(int(v) for v in row)) for row in values]
    if distribution is not None:
        dist = tuple(sorted(int(v) for v in distribution))
        if len(dist) != n_statements:
            raise FormatError(f"{source}: the declared distribution has {len(dist)} cells but there are "
                              f"{n_statements} statements.")
    else:
        counts = Counter(sorted_sorts)
        common, n_common = counts.most_common(1)[0]
        if n_common >= 2 or len(values) == 1:
            dist = common
            if n_common < len(values):
                warns.append(f"No distribution in the file: using the one {n_common} of {len(values)} "
                             "Q-sorts share.")
        else:
            dist = None
            warns.append("No two Q-sorts share their values: a free distribution. Name the grid "
                         "(distribution=...) to compute factor arrays on a forced grid.")
    forced = dist is not None and all(s == dist for s in sorted_sorts)
    if dist is not None and not forced:
        for sid, s in zip(ids, sorted_sorts):
            if s != dist:
                warns.append(f"Q-sort {sid!r} breaks the distribution: {_describe_break(s, dist)}.")
    for sid, s in zip(ids, sorted_sorts):
        if s[0] == s[-1]:
            warns.append(f"Q-sort {sid!r} gives every statement the same value ({s[0]}); it cannot be correlated.")

    if extra is not None:
        extra = extra.copy()
        extra.index = pd.Index(ids, name="sort", dtype=object)
        if extra.shape[1] == 0:
            extra = None
    return ImportedData(sorts=frame, statements=texts, distribution=dist, forced=forced, format=format,
                        source=source, title=title or None, extra=extra, warnings=tuple(warns))
