"""Generic tables: CSV (any delimiter) and xlsx, statements x sorts or sorts x statements, and long format.

Wide layout: the first non-empty row is a header. An optional first column holds labels (Q-sort names
when rows are Q-sorts, statement ids when rows are statements). Which way round the table is
(``rows="statements"`` or ``rows="sorts"``) is taken from the labels (``s1, s2, ...`` or
``participant`` name the statements / Q-sorts) or else from the values: the direction in which every
line holds the same multiset of values (a forced distribution) is the Q-sort direction.

Long layout: one row per (participant, statement, value), with a header naming the three columns
(e.g. ``participant,statement,value``; also ``sort``/``id``/``name``, ``item``/``statement_id``,
``score``/``rank``).
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Any, Callable, Sequence


from qmethod.errors import FormatError
from qmethod.io._text import (Source, cell_ref, decode_text, is_int_text, parse_value,
                              read_csv_rows)
from qmethod.io.archive import check_xml_members, open_zip
from qmethod.io.imported import ImportedData, build_imported, statement_ids_from_labels

__all__ = ["read_csv", "read_xlsx", "read_long", "read_wide_rows", "read_long_rows", "xlsx_rows", "looks_long"]

_WHOLE_NUMBER = re.compile(r"^[+-]?[0-9]+$")

Locate = Callable[[int, int], str]  # (row index, column index) in the given rows -> "line 3" / "cell B3"

_SORT_HEADER = re.compile(r"^\s*(participants?|names?|respondents?|ids?|sorts?|q-?sorts?|persons?|"
                          r"participant[ _]?(id|name)|sort[ _]?id|person[ _]?id|respondent[ _]?id)\s*:?\s*$",
                          re.IGNORECASE)
_STATEMENT_HEADER = re.compile(r"^\s*(statements?|items?|statement[ _]?(id|no|nr|number)|stmt|no\.?|nr\.?|#)\s*$",
                               re.IGNORECASE)
_TEXT_HEADER = re.compile(r"^\s*(text|statement[ _]?text|wording|statement wording|item[ _]?text)\s*$",
                          re.IGNORECASE)
_LONG_SORT = ("participant", "participant_id", "participantid", "sort", "sort_id", "sortid", "qsort", "q-sort",
              "id", "name", "respondent", "person", "user", "uid")
_LONG_STATEMENT = ("statement", "statement_id", "statementid", "statement_no", "statement_number", "item",
                   "stmt", "card", "statement id")
_LONG_VALUE = ("value", "score", "rank", "ranking", "position", "column", "grid", "sort_value", "qsort_value",
               "pile")


def _norm(h: Any) -> str:
    return re.sub(r"\s+", " ", str(h if h is not None else "")).strip().lower()


def looks_long(header: Sequence[Any]) -> bool:
    """True when a header names a participant, a statement and a value column (long layout)."""
    names = [_norm(h).replace(" ", "_") for h in header]
    return (any(n in _LONG_SORT for n in names) and any(n in _LONG_STATEMENT for n in names)
            and any(n in _LONG_VALUE for n in names))


def _is_number(c: Any) -> bool:
    """True when a cell reads as a number of any kind (2, 2.5, 1e155, -0,5), as a data cell would."""
    if isinstance(c, bool) or c is None:
        return False
    if isinstance(c, (int, float)):
        return True
    try:
        float(re.sub(r"\s", "", str(c)).replace(",", "."))
    except ValueError:
        return False
    return True


def _blank(c: Any) -> bool:
    return c is None or (isinstance(c, str) and not c.strip())


#: The largest wide table read (a Q-sort a column or a row): a spreadsheet's own column limit, and the
#: row limit of :func:`sheet_rows`. A file beyond them (1.5 million columns of two statements) would
#: take gigabytes of memory to analyse; it is refused before anything is built from it.
MAX_WIDE_COLUMNS = 16_384
MAX_WIDE_ROWS = 100_000


def read_wide_rows(rows: Sequence[Sequence[Any]], *, name: str, locate: Locate, format: str,
                   rows_are: str = "auto", title: str | None = None,
                   statements: Sequence[str] | None = None, distribution: Sequence[int] | None = None,
                   warnings: Sequence[str] = ()) -> ImportedData:
    """Read a wide table given as a list of rows of cells (first non-empty row = header).

    Parameters
    ----------
    rows_are : {"auto", "statements", "sorts"}
        What a row of the table is. "auto" decides from the labels, then from the values.
    """
    if rows_are not in ("auto", "statements", "sorts"):
        raise FormatError(f"rows must be 'auto', 'statements' or 'sorts', got {rows_are!r}.")
    keep = [i for i, r in enumerate(rows) if any(not _blank(c) for c in r)]
    # title lines above the table (a single filled cell, as in our own result workbooks) are skipped
    while len(keep) > 2 and sum(not _blank(c) for c in rows[keep[0]]) == 1:
        keep.pop(0)
    if len(keep) < 2:
        raise FormatError(f"{name}: expected a header row and at least one row of Q-sort values, "
                          f"found {len(keep)} non-empty row(s).")
    width = max(len(rows[i]) for i in keep)
    if width > MAX_WIDE_COLUMNS or len(keep) > MAX_WIDE_ROWS:
        raise FormatError(f"{name}: a table of {len(keep):,} rows and {width:,} columns is larger than a Q-sort "
                          f"data file may be ({MAX_WIDE_ROWS:,} rows and {MAX_WIDE_COLUMNS:,} columns at most).")
    grid = [list(rows[i]) + [None] * (width - len(rows[i])) for i in keep]
    # drop columns that are empty everywhere
    cols = [j for j in range(width) if any(not _blank(r[j]) for r in grid)]
    header, body = grid[0], grid[1:]
    body_idx = keep[1:]

    first = [r[cols[0]] for r in body]
    first_is_seq = (all(is_int_text(c) for c in first) and len(first) >= 3
                    and [int(re.sub(r"\s", "", str(c)).split(".")[0]) for c in first] == list(range(1, len(first) + 1)))
    corner = header[cols[0]]
    named_like_data = not (_blank(corner) or _SORT_HEADER.match(str(corner)) or _STATEMENT_HEADER.match(str(corner))
                           or _TEXT_HEADER.match(str(corner)))
    # a column named like the others (a sort's name) holding numbers is data even with a bad cell
    # (2.5, 1e155, abc), so the bad cell is reported where it is instead of being taken for a label
    mostly_numbers = sum(_is_number(c) for c in first) * 2 > len(first)
    has_labels = (first_is_seq or not named_like_data
                  or (any(not is_int_text(c) for c in first) and not mostly_numbers))
    data_cols = cols[1:] if has_labels else cols
    # a statement-text column ("text", "statement text", "wording") beside the statement ids
    text_col = next((j for j in data_cols if _TEXT_HEADER.match(str(header[j] or ""))
                     and any(not is_int_text(r[j]) and not _blank(r[j]) for r in body)), None)
    texts_found = None
    if text_col is not None:
        data_cols = [j for j in data_cols if j != text_col]
        texts_found = ["" if _blank(r[text_col]) else str(r[text_col]).strip() for r in body]
        if rows_are == "auto":
            rows_are = "statements"
        if statements is None and rows_are == "statements":
            statements = texts_found
    if not data_cols:
        raise FormatError(f"{name}: expected Q-sort values after the label column, found none.")
    labels = [r[cols[0]] for r in body] if has_labels else None
    col_labels = [header[j] for j in data_cols]

    values = []
    for r, i in zip(body, body_idx):
        row = []
        for j in data_cols:
            row.append(parse_value(r[j], locate(i, j), name=name))
        values.append(row)

    if rows_are == "auto":
        rows_are = _orientation(header[cols[0]] if has_labels else None, labels, col_labels, values)

    if rows_are == "sorts":
        sort_ids = [str(c).strip() if not _blank(c) else "" for c in labels] if labels else \
            [f"sort{k + 1}" for k in range(len(values))]
        st_ids = statement_ids_from_labels(col_labels) if not all(_blank(c) for c in col_labels) else None
        return build_imported(sort_ids=sort_ids, values=values, statement_ids=st_ids, statements=statements,
                              distribution=distribution, format=format, source=name, title=title,
                              warnings=warnings)
    sort_ids = [str(c).strip() if not _blank(c) else "" for c in col_labels]
    transposed = [list(col) for col in zip(*values)]
    st_ids = statement_ids_from_labels(labels) if labels else None
    return build_imported(sort_ids=sort_ids, values=transposed, statement_ids=st_ids, statements=statements,
                          distribution=distribution, format=format, source=name, title=title,
                          warnings=warnings)


def _orientation(corner: Any, row_labels: Sequence[Any] | None, col_labels: Sequence[Any],
                 values: list[list[int]]) -> str:
    if corner is not None and _SORT_HEADER.match(str(corner)):
        return "sorts"
    if corner is not None and _STATEMENT_HEADER.match(str(corner)):
        return "statements"
    col_numbered = isinstance(statement_ids_from_labels(col_labels)[0], int) and len(col_labels) > 1
    row_numbered = (row_labels is not None and len(row_labels) > 1
                    and isinstance(statement_ids_from_labels(row_labels)[0], int))
    if col_numbered and not row_numbered:
        return "sorts"
    if row_numbered and not col_numbered:
        return "statements"
    by_row = len(Counter(tuple(sorted(r)) for r in values))
    by_col = len(Counter(tuple(sorted(c)) for c in zip(*values)))
    n_rows, n_cols = len(values), len(values[0])
    # fewer distinct multisets (relative to the count of lines) = the Q-sort direction
    if by_row / n_rows < by_col / n_cols:
        return "sorts"
    if by_col / n_cols < by_row / n_rows:
        return "statements"
    return "statements" if n_rows >= n_cols else "sorts"


def read_long_rows(rows: Sequence[Sequence[Any]], *, name: str, locate: Locate, format: str = "long",
                   statements: Sequence[str] | None = None, distribution: Sequence[int] | None = None,
                   title: str | None = None) -> ImportedData:
    """Read a long table (participant, statement, value), header in the first non-empty row."""
    keep = [i for i, r in enumerate(rows) if any(not _blank(c) for c in r)]
    if not keep:
        raise FormatError(f"{name}: the file is empty.")
    header = [_norm(h).replace(" ", "_") for h in rows[keep[0]]]

    def find(options: Sequence[str], what: str) -> int:
        for opt in options:
            if opt in header:
                return header.index(opt)
        raise FormatError(f"{name}, {locate(keep[0], 0)}: expected a header with a {what} column "
                          f"(one of {', '.join(options[:4])}).")
    js, jt, jv = find(_LONG_SORT, "participant"), find(_LONG_STATEMENT, "statement"), find(_LONG_VALUE, "value")
    table: dict[str, dict[str, int]] = {}
    st_order: list[str] = []
    seen_st: set[str] = set()
    for i in keep[1:]:
        r = list(rows[i]) + [None] * (len(header) - len(rows[i]))
        sid = "" if _blank(r[js]) else str(r[js]).strip()
        st = "" if _blank(r[jt]) else str(r[jt]).strip()
        if isinstance(r[jt], float) and r[jt] == int(r[jt]):
            st = str(int(r[jt]))
        if not sid:
            raise FormatError(f"{name}, {locate(i, js)}: expected a participant id, found an empty cell.")
        if not st:
            raise FormatError(f"{name}, {locate(i, jt)}: expected a statement id, found an empty cell.")
        v = parse_value(r[jv], locate(i, jv), name=name)
        sort = table.setdefault(sid, {})
        if st in sort:
            raise FormatError(f"{name}, {locate(i, jt)}: participant {sid!r} has statement {st!r} twice.")
        sort[st] = v
        if st not in seen_st:
            seen_st.add(st)
            st_order.append(st)
    if not table:
        raise FormatError(f"{name}: expected rows of participant, statement, value under the header, found none.")
    if all(_WHOLE_NUMBER.match(s) for s in st_order):  # (not "--27": lstrip took every sign)
        st_order.sort(key=int)
    for sid, sort in table.items():
        missing = [s for s in st_order if s not in sort]
        if missing:
            raise FormatError(f"{name}: participant {sid!r} has no value for statement {missing[0]!r} "
                              f"({len(missing)} missing); expected one row per participant and statement.")
    ids = statement_ids_from_labels(st_order)
    if isinstance(ids[0], str) and all(s.isascii() and s.isdigit() for s in st_order):
        ids = [int(s) for s in st_order]
    values = [[sort[s] for s in st_order] for sort in table.values()]
    return build_imported(sort_ids=list(table), values=values, statement_ids=ids, statements=statements,
                          distribution=distribution, format=format, source=name, title=title)


def read_csv(src: Source, *, rows: str = "auto", encoding: str | None = None, delimiter: str | None = None,
             statements: Sequence[str] | None = None, distribution: Sequence[int] | None = None,
             format: str | None = None) -> ImportedData:
    """Read a generic CSV (wide or long; delimiter sniffed among ``, ; tab |``)."""
    text = decode_text(src.data, src.name, encoding)
    table = read_csv_rows(text, src.name, delimiter)

    def locate(i: int, j: int) -> str:
        return f"line {i + 1}, field {j + 1}"
    first = next((r for r in table if any(r)), [])
    if format == "long" or (format is None and looks_long(first)):
        return read_long_rows(table, name=src.name, locate=locate, statements=statements,
                              distribution=distribution, format="long")
    return read_wide_rows(table, name=src.name, locate=locate, format=format or "csv", rows_are=rows,
                          statements=statements, distribution=distribution)


def xlsx_rows(src: Source, *, max_bytes: int | None, sheet: str | int | None = None,
              max_rows: int = MAX_WIDE_ROWS) -> tuple[str, list[list[Any]], list[str]]:
    """(sheet title, rows of values, all sheet names) of one sheet of an xlsx file."""
    book = load_workbook(src, max_bytes=max_bytes)
    try:
        names = book.sheetnames
        if not book.worksheets:
            raise FormatError(f"{src.name}: the workbook has no worksheet.")
        if sheet is None:
            ws = book.worksheets[0]
        elif isinstance(sheet, int):
            if not 0 <= sheet < len(names):
                raise FormatError(f"{src.name}: there is no sheet number {sheet}; the workbook has {len(names)}.")
            ws = book.worksheets[sheet]
        else:
            match = [n for n in names if n.lower() == str(sheet).lower()]
            if not match:
                raise FormatError(f"{src.name}: no sheet named {sheet!r}; sheets: {', '.join(names)}.")
            ws = book[match[0]]
        return ws.title, sheet_rows(ws, src.name, max_rows=max_rows, strict=True), names
    finally:
        book.close()


def load_workbook(src: Source, *, max_bytes: int | None):
    """Open an xlsx workbook read-only (values, not formulas); FormatError if it is not one.

    The archive's sizes and every XML part are checked first (:mod:`qmethod.io.archive`): openpyxl
    sees only workbooks within the limits and without DOCTYPE or entity declarations.
    """
    import io
    import warnings as _w

    import openpyxl
    with open_zip(src.data, src.name, max_bytes=max_bytes, what="xlsx workbook") as zf:
        check_xml_members(zf, src.name)
    try:
        with _w.catch_warnings():
            _w.simplefilter("ignore")
            return openpyxl.load_workbook(io.BytesIO(src.data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types (KeyError, InvalidFileException, XML errors)
        raise FormatError(f"{src.name}: not a readable xlsx workbook ({type(exc).__name__}: {exc}).") from exc


def sheet_rows(ws: Any, name: str, *, max_rows: int = MAX_WIDE_ROWS, max_cols: int = MAX_WIDE_COLUMNS,
               strict: bool = False) -> list[list[Any]]:
    """The first ``max_rows`` rows of a read-only worksheet as lists of values (not padded to the declared
    dimension); with ``strict`` more rows are an error."""
    try:
        ws.reset_dimensions()
    except AttributeError:
        pass
    out = []
    try:
        for k, row in enumerate(ws.iter_rows(values_only=True)):
            if k >= max_rows:
                if not strict:
                    break
                raise FormatError(f"{name}, sheet {ws.title!r}: more than {max_rows} rows.")
            r = list(row[:max_cols])
            while r and _blank(r[-1]):
                r.pop()
            out.append(r)
    except FormatError:
        raise
    except Exception as exc:
        raise FormatError(f"{name}, sheet {ws.title!r}: cannot read the cells ({type(exc).__name__}: {exc}).") from exc
    return out


def read_xlsx(src: Source, *, rows: str = "auto", sheet: str | int | None = None,
              statements: Sequence[str] | None = None, distribution: Sequence[int] | None = None,
              max_bytes: int | None = None, format: str | None = None) -> ImportedData:
    """Read a generic xlsx table (first sheet unless ``sheet`` is given; wide or long)."""
    title, table, _ = xlsx_rows(src, max_bytes=max_bytes, sheet=sheet)

    def locate(i: int, j: int) -> str:
        return f"sheet {title!r}, cell {cell_ref(i + 1, j + 1)}"
    first = next((r for r in table if any(not _blank(c) for c in r)), [])
    if format == "long" or (format is None and looks_long(first)):
        return read_long_rows(table, name=src.name, locate=locate, statements=statements,
                              distribution=distribution, format="long")
    return read_wide_rows(table, name=src.name, locate=locate, format=format or "xlsx", rows_are=rows,
                          statements=statements, distribution=distribution)


def read_long(src: Source, *, encoding: str | None = None, delimiter: str | None = None,
              sheet: str | int | None = None, statements: Sequence[str] | None = None,
              distribution: Sequence[int] | None = None, max_bytes: int | None = None) -> ImportedData:
    """Read a long table (participant, statement, value) from CSV or xlsx."""
    if src.data[:2] == b"PK":
        return read_xlsx(src, sheet=sheet, statements=statements, distribution=distribution,
                         max_bytes=max_bytes, format="long")
    return read_csv(src, encoding=encoding, delimiter=delimiter, statements=statements,
                    distribution=distribution, format="long")
