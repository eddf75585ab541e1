"""KADE / Ken-Q Analysis input files: CSV, Excel type 1 (by pile) and type 2 (by statement), project ZIP.

Layouts as described in KADE's documentation (see docs/formats.md):

* **CSV**: header row (ignored), then ``name,v1,...,vM`` per participant (values by statement number);
  any line ending (KADE's demo files use classic-Mac CR); delimiter sniffed.
* **Excel type 1** ("by pile"): the grid as rows, one row per grid cell with its value in column A and,
  under each participant's name, the *statement number* placed in that cell. Current layout: sheets
  ``name``, ``pattern`` (row 1 = -6..+13, row 2 = cells per column), ``sorts`` (row 1 = label +
  participant names), ``statements``; legacy layout: everything on sheet ``sorts`` (project name beside
  "Project Name", counts beside -6..+13 below "Number of Statements in Each Sort Column?", header row
  "Sort Value" + names).
* **Excel type 2** ("by statement"): one row per participant, name then the values of statements 1..M.
  Current layout: sheets ``name``, ``pattern``, ``sorts``, ``statements``; legacy layout: sheet ``sorts``
  with A2 = project name, row "Sort Pattern" + every grid value, header row ``participants,s1,..``.
* **ZIP**: ``name.txt``, ``pattern.txt`` (20 comma-separated counts for -6..+13), ``sorts.txt``
  (``name,v1,..,vM`` per line; comma or semicolon), ``statements.txt`` (one per line).
"""
from __future__ import annotations

from typing import Any, Sequence

from qmethod.errors import FormatError
from qmethod.io._text import (Source, cell_ref, decode_text, is_int_text, parse_value, read_csv_rows,
                              split_lines)
from qmethod.io.archive import open_zip
from qmethod.io.imported import ImportedData, build_imported
from qmethod.io.statements import parse_statements_text
from qmethod.io.table import _blank, load_workbook, read_wide_rows, sheet_rows

__all__ = ["read_kenq_csv", "read_type1", "read_type2", "read_kade_zip", "xlsx_kind", "PATTERN_VALUES"]

#: The 20 grid values KADE's pattern rows and PQMethod's .DAT header cover.
PATTERN_VALUES = tuple(range(-6, 14))

_SORTS_SHEETS = ("sorts", "qsorts", "q-sorts", "q sorts")
_STATEMENT_SHEETS = ("statements", "statement")


def read_kenq_csv(src: Source, *, encoding: str | None = None, delimiter: str | None = None,
                  statements: Sequence[str] | None = None,
                  distribution: Sequence[int] | None = None) -> ImportedData:
    """Read a KADE / Ken-Q CSV (one row per participant, header row ignored)."""
    text = decode_text(src.data, src.name, encoding)
    rows = read_csv_rows(text, src.name, delimiter)
    return read_wide_rows(rows, name=src.name, locate=lambda i, j: f"line {i + 1}, field {j + 1}",
                          format="kenq-csv", rows_are="sorts", statements=statements, distribution=distribution)


# ---------------------------------------------------------------------------------------------- Excel

def _sheets(book: Any) -> dict[str, Any]:
    return {ws.title.strip().lower(): ws for ws in book.worksheets}


def _find(sheets: dict[str, Any], names: Sequence[str]) -> Any | None:
    for n in names:
        if n in sheets:
            return sheets[n]
    return None


def xlsx_kind(src: Source, *, max_bytes: int | None) -> str:
    """``kenq-type1``, ``kenq-type2`` or ``xlsx`` for a workbook (detection only; never raises).

    The workbook is opened with the same limits and XML checks as the readers (``max_bytes`` as in
    :func:`qmethod.io.read`); one that fails them is called ``xlsx`` and its reader reports why.
    """
    try:
        book = load_workbook(src, max_bytes=max_bytes)
    except FormatError:
        return "xlsx"
    try:
        sheets = _sheets(book)
        sorts = _find(sheets, _SORTS_SHEETS)
        if sorts is None:
            return "xlsx"
        type_ws = sheets.get("type")
        if type_ws is not None:
            rows = sheet_rows(type_ws, src.name, max_rows=5)
            if len(rows) > 1 and rows[1] and str(rows[1][0]).strip() in ("1", "2"):
                return f"kenq-type{str(rows[1][0]).strip()}"
        first_col = [str(r[0]).strip().lower() for r in sheet_rows(sorts, src.name, max_rows=60)
                     if r and not _blank(r[0])]
        if any(c.startswith("sort pattern") for c in first_col):
            return "kenq-type2"
        if any(c.startswith(("sort value", "participant name and sort value", "number of statements"))
               for c in first_col):
            return "kenq-type1"
        return "kenq-type2" if "pattern" in sheets or "patterns" in sheets else "xlsx"
    except Exception:  # noqa: BLE001 - detection only
        return "xlsx"
    finally:
        book.close()


def _at(rows: list[list[Any]], i: int, j: int) -> Any:
    return rows[i][j] if i < len(rows) and j < len(rows[i]) else None


def _pattern_sheet(ws: Any, name: str) -> list[int]:
    """Grid values from a ``pattern`` sheet: row 1 = -6..+13, row 2 = number of cells per column."""
    rows = sheet_rows(ws, name, max_rows=10)
    dist: list[int] = []
    for j in range(20):
        v = _at(rows, 0, j)
        n = _at(rows, 1, j)
        where = f"sheet {ws.title!r}, cell {cell_ref(1, j + 1)}"
        value = parse_value(v, where, name=name) if not _blank(v) else PATTERN_VALUES[j]
        count = 0 if _blank(n) else parse_value(n, f"sheet {ws.title!r}, cell {cell_ref(2, j + 1)}", name=name)
        if count < 0:
            raise FormatError(f"{name}, sheet {ws.title!r}, cell {cell_ref(2, j + 1)}: expected a number of "
                              f"cells (0 or more), found {count}.")
        dist.extend([value] * count)
    if not dist:
        raise FormatError(f"{name}, sheet {ws.title!r}: expected the number of cells per column in row 2 "
                          "(under -6..+13), found none.")
    return dist


def _project_name(sheets: dict[str, Any], name: str, fallback_rows: list[list[Any]] | None) -> str | None:
    ws = sheets.get("name") or sheets.get("names")
    if ws is not None:
        rows = sheet_rows(ws, name, max_rows=5)
        v = _at(rows, 1, 0)
        return None if _blank(v) else str(v).strip()
    if fallback_rows:
        for i, r in enumerate(fallback_rows[:10]):
            if r and isinstance(r[0], str) and r[0].strip().lower() == "project name":
                right = _at(fallback_rows, i, 1)
                below = _at(fallback_rows, i + 1, 0)
                v = right if not _blank(right) else below
                return None if _blank(v) else str(v).strip()
    return None


def _statements_sheet(sheets: dict[str, Any], name: str) -> list[str] | None:
    ws = _find(sheets, _STATEMENT_SHEETS)
    if ws is None:
        return None
    rows = sheet_rows(ws, name, max_rows=10_000)
    start, col = 0, 1
    for i, r in enumerate(rows[:5]):
        labels = [str(c).strip().lower() if c is not None else "" for c in r]
        if "statements" in labels or "statement" in labels:
            start = i + 1
            col = labels.index("statements") if "statements" in labels else labels.index("statement")
            break
    out = []
    for r in rows[start:]:
        text = _at([r], 0, col)
        if _blank(text):
            continue
        out.append(str(text).strip())
    return out or None


def _sorts_sheet(book: Any, src: Source, kind: str) -> tuple[dict, Any]:
    """The workbook's sheets by lower-case name, and its 'sorts' sheet (or a FormatError)."""
    sheets = _sheets(book)
    ws = _find(sheets, _SORTS_SHEETS)
    if ws is None:
        raise FormatError(f"{src.name}: expected a sheet named 'sorts' (Ken-Q type {kind}); sheets: "
                          f"{', '.join(book.sheetnames)}.")
    return sheets, ws


def read_type1(src: Source, *, statements: Sequence[str] | None = None,
               max_bytes: int | None = None) -> ImportedData:
    """Read a Ken-Q / KADE Excel type 1 workbook (data entered by pile: statement numbers per grid cell)."""
    book = load_workbook(src, max_bytes=max_bytes)
    try:
        sheets, ws = _sorts_sheet(book, src, "1")
        rows = sheet_rows(ws, src.name, max_rows=5000)
        sheet = ws.title
        pattern_ws = sheets.get("pattern") or sheets.get("patterns")
        if pattern_ws is not None:
            dist = _pattern_sheet(pattern_ws, src.name)
        else:
            dist = _legacy_type1_pattern(rows, src.name, sheet)
        title = _project_name(sheets, src.name, rows)
        texts = _statements_sheet(sheets, src.name)
    finally:
        book.close()

    head = None
    for i, r in enumerate(rows):
        a = str(r[0]).strip().lower() if r and not _blank(r[0]) else ""
        if a.startswith(("sort value", "participant name")):
            head = i
            break
    if head is None:
        raise FormatError(f"{src.name}, sheet {sheet!r}: expected a header row starting 'Sort Value' (or "
                          "'Participant Name and Sort Value:') followed by participant names.")
    names = []
    for j in range(1, len(rows[head])):
        c = rows[head][j]
        if _blank(c):
            break
        names.append(str(c).strip())
    if not names:
        raise FormatError(f"{src.name}, sheet {sheet!r}, cell {cell_ref(head + 1, 2)}: expected participant "
                          "names to the right of the 'Sort Value' label.")
    m = len(dist)
    cells = rows[head + 1: head + 1 + m]
    if len(cells) < m or any(_blank(_at(cells, k, 0)) for k in range(m)):
        found = sum(1 for k in range(len(cells)) if not _blank(_at(cells, k, 0)))
        raise FormatError(f"{src.name}, sheet {sheet!r}: the pattern has {m} cells, expected {m} rows of sort "
                          f"values below row {head + 1}, found {found}.")
    cell_values = [parse_value(_at(cells, k, 0), f"sheet {sheet!r}, cell {cell_ref(head + 2 + k, 1)}",
                               name=src.name) for k in range(m)]
    if sorted(cell_values) != sorted(dist):
        raise FormatError(f"{src.name}, sheet {sheet!r}, column A rows {head + 2}-{head + 1 + m}: the sort values "
                          "do not match the number of cells per column in the pattern.")
    values = []
    for j, pname in enumerate(names, start=1):
        sort: dict[int, int] = {}
        where_of: dict[int, str] = {}
        for k in range(m):
            ref = cell_ref(head + 2 + k, j + 1)
            where = f"sheet {sheet!r}, cell {ref}"
            raw = _at(cells, k, j)
            if _blank(raw):
                raise FormatError(f"{src.name}, {where}: expected the number of the statement {pname} placed "
                                  f"in this cell (value {cell_values[k]}), found an empty cell.")
            st = parse_value(raw, where, name=src.name)
            if not 1 <= st <= m:
                raise FormatError(f"{src.name}, {where}: expected a statement number from 1 to {m}, found {st}.")
            if st in sort:
                raise FormatError(f"{src.name}, {where}: statement {st} appears twice for {pname} "
                                  f"(also in cell {where_of[st]}).")
            sort[st] = cell_values[k]
            where_of[st] = ref
        values.append([sort[s] for s in range(1, m + 1)])
    texts = list(statements) if statements is not None else texts
    warns = []
    if texts is not None and len(texts) != m:
        warns.append(f"The statements sheet has {len(texts)} statements but the grid has {m} cells; statement "
                     "texts are left out.")
        texts = None
    return build_imported(sort_ids=names, values=values, statements=texts, distribution=dist,
                          format="kenq-type1", source=src.name, title=title, warnings=warns)


def _legacy_type1_pattern(rows: list[list[Any]], name: str, sheet: str) -> list[int]:
    for i, r in enumerate(rows[:60]):
        if r and isinstance(r[0], str) and r[0].strip().lower().startswith("number of statements"):
            dist: list[int] = []
            for k in range(20):
                v, n = _at(rows, i + 1 + k, 0), _at(rows, i + 1 + k, 1)
                where = f"sheet {sheet!r}, cell {cell_ref(i + 2 + k, 2)}"
                if _blank(v):
                    break
                value = parse_value(v, f"sheet {sheet!r}, cell {cell_ref(i + 2 + k, 1)}", name=name)
                count = 0 if _blank(n) else parse_value(n, where, name=name)
                if count < 0:
                    raise FormatError(f"{name}, {where}: expected a number of cells (0 or more), found {count}.")
                dist.extend([value] * count)
            if not dist:
                raise FormatError(f"{name}, sheet {sheet!r}: expected the number of cells per column beside "
                                  f"-6..+13 below row {i + 1}, found none.")
            return dist
    raise FormatError(f"{name}: expected a 'pattern' sheet or, on sheet {sheet!r}, the label 'Number of "
                      "Statements in Each Sort Column?' followed by the counts per column.")


def read_type2(src: Source, *, statements: Sequence[str] | None = None, distribution: Sequence[int] | None = None,
               max_bytes: int | None = None) -> ImportedData:
    """Read a Ken-Q / KADE Excel type 2 workbook (one row per participant, values by statement)."""
    book = load_workbook(src, max_bytes=max_bytes)
    try:
        sheets, ws = _sorts_sheet(book, src, "2")
        rows = sheet_rows(ws, src.name, max_rows=100_000)
        sheet = ws.title
        pattern_ws = sheets.get("pattern") or sheets.get("patterns")
        dist: list[int] | None = None
        if pattern_ws is not None:
            dist = _pattern_sheet(pattern_ws, src.name)
        title = _project_name(sheets, src.name, rows)
        texts = _statements_sheet(sheets, src.name)
    finally:
        book.close()
    start = 0
    for i, r in enumerate(rows[:30]):
        a = str(r[0]).strip().lower() if r and not _blank(r[0]) else ""
        if a.startswith("sort pattern"):
            cells = [c for c in r[1:] if not _blank(c)]
            dist = [parse_value(c, f"sheet {sheet!r}, cell {cell_ref(i + 1, k + 2)}", name=src.name)
                    for k, c in enumerate(cells)]
            start = i + 1
        elif a in ("participants", "participant", "names", "name") and len(r) > 1 and not is_int_text(r[1]):
            start = i + 1
            break
    if distribution is not None:
        dist = list(distribution)
    names, values = [], []
    for i in range(start, len(rows)):
        r = rows[i]
        if not r or _blank(r[0]):
            continue
        if not names and len(r) > 1 and not is_int_text(r[1]) and not _blank(r[1]):
            continue  # a header row such as "participants, s1, s2, ..."
        cells = list(r[1:])
        while cells and _blank(cells[-1]):
            cells.pop()
        if dist is not None and len(cells) != len(dist):
            raise FormatError(f"{src.name}, sheet {sheet!r}, row {i + 1}: {str(r[0]).strip()} has {len(cells)} "
                              f"values, expected {len(dist)} (one per grid cell of the pattern).")
        values.append([parse_value(c, f"sheet {sheet!r}, cell {cell_ref(i + 1, k + 2)}", name=src.name)
                       for k, c in enumerate(cells)])
        names.append(str(r[0]).strip())
    if not values:
        raise FormatError(f"{src.name}, sheet {sheet!r}: expected one row per participant (name, then values "
                          "for statements 1..M), found none.")
    if dist is not None:
        lo, hi = min(dist), max(dist)
        for k, row in enumerate(values):
            bad = [v for v in row if not lo <= v <= hi]
            if bad:
                raise FormatError(f"{src.name}, sheet {sheet!r}: {names[k]} has the value {bad[0]}, expected "
                                  f"values from {lo} to {hi} (the pattern).")
    texts = list(statements) if statements is not None else texts
    warns = []
    if texts is not None and len(texts) != len(values[0]):
        warns.append(f"The statements sheet has {len(texts)} statements but the Q-sorts have {len(values[0])} "
                     "values; statement texts are left out.")
        texts = None
    return build_imported(sort_ids=names, values=values, statements=texts, distribution=dist,
                          format="kenq-type2", source=src.name, title=title, warnings=warns)


# ------------------------------------------------------------------------------------------------ ZIP

def read_kade_zip(src: Source, *, encoding: str | None = None, statements: Sequence[str] | None = None,
                  max_bytes: int | None = None) -> ImportedData:
    """Read a KADE project ZIP (``name.txt``, ``pattern.txt``, ``sorts.txt``, ``statements.txt``)."""
    zf = open_zip(src.data, src.name, max_bytes=max_bytes)
    with zf:
        members = {}
        for info in zf.infolist():
            base = info.filename.replace("\\", "/").rsplit("/", 1)[-1].lower()
            if base and not info.filename.startswith("__MACOSX") and base not in members:
                members[base] = info

        def text(member: str, required: bool = True) -> str | None:
            info = members.get(member)
            if info is None:
                if required:
                    raise FormatError(f"{src.name}: expected a file {member} in the ZIP (KADE project: name.txt, "
                                      f"pattern.txt, sorts.txt, statements.txt); found "
                                      f"{', '.join(sorted(members)) or 'nothing'}.")
                return None
            try:
                data = zf.read(info)
            except Exception as exc:  # zlib.error, BadZipFile, NotImplementedError (encrypted), ...
                raise FormatError(f"{src.name}: cannot unpack {info.filename} ({type(exc).__name__}).") from exc
            return decode_text(data, f"{src.name}:{info.filename}", encoding)

        sorts_text = text("sorts.txt")
        pattern_text = text("pattern.txt")
        name_text = text("name.txt", required=False)
        st_text = text("statements.txt", required=False)
    where = f"{src.name}:pattern.txt"
    cells = [c.strip() for c in split_lines(pattern_text or "")[0].replace(";", ",").split(",") if c.strip()]
    if len(cells) != 20:
        raise FormatError(f"{where}, line 1: expected 20 comma-separated counts (columns -6..+13), "
                          f"found {len(cells)}.")
    dist: list[int] = []
    for k, c in enumerate(cells):
        n = parse_value(c, f"line 1, field {k + 1}", name=where)
        if n < 0:
            raise FormatError(f"{where}, line 1, field {k + 1}: expected a count of 0 or more, found {n}.")
        dist.extend([PATTERN_VALUES[k]] * n)
    rows = read_csv_rows(sorts_text or "", f"{src.name}:sorts.txt")
    names, values = [], []
    for i, r in enumerate(rows):
        if not any(r):
            continue
        names.append(r[0])
        cells = r[1:]
        while cells and not cells[-1]:
            cells.pop()
        if len(cells) != len(dist):
            raise FormatError(f"{src.name}:sorts.txt, line {i + 1}: {r[0]!r} has {len(cells)} values, expected "
                              f"{len(dist)} (the number of cells in pattern.txt).")
        values.append([parse_value(c, f"line {i + 1}, field {k + 2}", name=f"{src.name}:sorts.txt")
                       for k, c in enumerate(cells)])
    texts = list(statements) if statements is not None else (
        parse_statements_text(st_text, f"{src.name}:statements.txt") if st_text else None)
    warns = []
    if texts is not None and len(texts) != len(dist):
        warns.append(f"statements.txt has {len(texts)} statements but the pattern has {len(dist)} cells; "
                     "statement texts are left out.")
        texts = None
    title = name_text.strip() if name_text and name_text.strip() else None
    if not values:
        raise FormatError(f"{src.name}:sorts.txt: expected one line per participant (name,v1,...,vM), found none.")
    return build_imported(sort_ids=names, values=values, statements=texts, distribution=dist,
                          format="kade-zip", source=src.name, title=title, warnings=warns)
