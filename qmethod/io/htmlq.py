"""HtmlQ / FlashQ response CSV and HtmlQ settings files (``statements.xml``, ``map.xml``).

Response CSV (written by the FlashQ PHP backend HtmlQ posts to): ``;``-separated, one row per participant,
columns ``sid`` (server id), ``uid`` (user code), ``s1..sN`` (the value of each statement) and the other
fields HtmlQ sends (``npos``/``nneu``/``nneg``, ``comment<id>``, ``form0..``, ``dur0..``, ``datetime``),
which go to :attr:`ImportedData.extra`. The participant id is ``uid`` when every row has a distinct one,
else ``sid`` (or the field named by ``id_field``). Easy HtmlQ's Firebase JSON is read by
:func:`qmethod.io.eqwebsort.read_firebase_json`.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Sequence

import pandas as pd

from qmethod.errors import FormatError
from qmethod.io._text import Source, decode_text, parse_value, read_csv_rows
from qmethod.io.imported import ImportedData, build_imported

__all__ = ["read_htmlq_csv", "parse_statements_xml", "parse_map_xml", "to_statements_xml", "to_map_xml"]

_STATEMENT_COL = re.compile(r"^s(\d+)$", re.IGNORECASE)


#: Columns whose content HtmlQ writes itself (numbers, dates): never a participant's free text.
_STRUCTURED = re.compile(r"^(sid|uid|npos|nneu|nneg|dur\d*|datetime)$", re.IGNORECASE)
_INTEGER = re.compile(r"^\s*[+-]?\s*\d+\s*$")


def _fits(header: list[str], st_set: set[int], fields: list[str]) -> bool:
    """Whether a row's fields look right under ``header``: integer sort values and counts/durations,
    a date-time, nothing in the unnamed column after the trailing separator."""
    for j, (h, v) in enumerate(zip(header, fields)):
        name = h.strip().lower()
        if j in st_set or name in ("npos", "nneu", "nneg") or re.fullmatch(r"dur\d*", name):
            if v.strip() and not _INTEGER.match(v):
                return False
        elif name == "datetime" and v.strip() and not re.match(r"^\s*\d{4}-\d\d-\d\d", v):
            return False
        elif not name and v.strip():
            return False
    return True


def _realign(header: list[str], st_set: set[int], row: list[str]) -> tuple[list[str], list[str]]:
    """A row with more fields than the header, fitted to it: one free-text column (a survey answer or a
    comment, which HtmlQ writes without quotes) takes the surplus fields, joined by the ``;`` they were
    split at. Returns the fields and the names of the columns that make the row fit, the likeliest first
    (the one used; none when no column does: then the surplus goes to the last free-text column, or is
    dropped)."""
    extra = len(row) - len(header)
    texts = [j for j, h in enumerate(header) if j not in st_set and h.strip() and not _STRUCTURED.match(h.strip())]

    def merged(t: int) -> list[str]:
        return row[:t] + [";".join(row[t:t + extra + 1])] + row[t + extra + 1:]

    fitting = [t for t in texts if _fits(header, st_set, merged(t))]
    if fitting:
        # people type "; " in prose: pieces that start with a blank continue the answer before them
        def continued(t: int) -> int:
            return sum(1 for piece in row[t + 1:t + extra + 1] if piece[:1].isspace())
        best = max(continued(t) for t in fitting)
        fitting = [t for t in fitting if continued(t) == best]
        return merged(fitting[0]), [header[t] for t in fitting]
    return (merged(texts[-1]) if texts else row[:len(header)]), []


def _join_broken_lines(body: list[tuple[int, list[str]]], header: list[str],
                       st_set: set[int]) -> list[tuple[int, list[str], int]]:
    """Rows as ``(first line, fields, last line)``: a short row followed by lines that cannot be a response
    (their sort columns are not all integers) is one response whose answer held a line break."""
    def is_response(r: list[str]) -> bool:
        return all(j < len(r) and _INTEGER.match(r[j]) for j in st_set)

    out: list[tuple[int, list[str], int]] = []
    for i, r in body:
        if out and len(out[-1][1]) < len(header) and not is_response(r) and is_response(out[-1][1]):
            first, prev, _ = out[-1]
            out[-1] = (first, prev[:-1] + [prev[-1] + "\n" + r[0]] + r[1:], i)
        else:
            out.append((i, r, i))
    return out


def read_htmlq_csv(src: Source, *, encoding: str | None = None, id_field: str | None = None,
                   statements: Sequence[str] | None = None,
                   distribution: Sequence[int] | None = None) -> ImportedData:
    """Read an HtmlQ / FlashQ response CSV (``;``-separated, statement columns ``s1..sN``).

    HtmlQ does not quote answers, so a free-text answer or comment containing ``;`` gives its row more
    fields than the header. Such a row is fitted back (the surplus fields rejoin the one free-text column
    that makes every sort value, count, duration and date fit), its sort is kept, and a warning names the
    line, the participant and the column. An answer containing a line break continues on lines that
    cannot be a response (no sort); they are joined to the response before them, with a warning.
    """
    text = decode_text(src.data, src.name, encoding)
    rows = read_csv_rows(text, src.name, ";", strip=False)
    if not rows:
        raise FormatError(f"{src.name}: the file is empty; expected a header row with sid, uid, s1, s2, ...")
    header = [h.strip() for h in rows[0]]
    st_cols = [(j, int(m.group(1))) for j, h in enumerate(header) if (m := _STATEMENT_COL.match(h))]
    if len(st_cols) < 2:
        raise FormatError(f"{src.name}, line 1: expected statement columns s1, s2, ... in the header.")
    numbers = [n for _, n in st_cols]
    if sorted(numbers) != list(range(1, len(numbers) + 1)):
        raise FormatError(f"{src.name}, line 1: expected statement columns s1..s{len(numbers)} without gaps "
                          "or repeats.")
    st_cols.sort(key=lambda t: t[1])
    st_set = {j for j, _ in st_cols}
    other = [j for j in range(len(header)) if j not in st_set]
    body = [(i, r) for i, r in enumerate(rows[1:], start=2) if any(c.strip() for c in r)]
    if not body:
        raise FormatError(f"{src.name}: expected one row per participant below the header, found none.")
    values, extra_rows, realigned, joined = [], [], [], []
    for k, (i, r, last) in enumerate(_join_broken_lines(body, header, st_set)):
        if last != i:
            joined.append((k, i, last))
        if (len(r) > len(header) and not any(c.strip() for c in r[len(header):])
                and _fits(header, st_set, r[:len(header)])):
            r = r[:len(header)]  # a trailing ';' the header does not have
        if len(r) > len(header):
            surplus = len(r) - len(header)
            r, columns = _realign(header, st_set, r)
            realigned.append((k, i, surplus, columns))
        r = [c.strip() for c in r] + [""] * (len(header) - len(r))
        values.append([parse_value(r[j], f"line {i}, column {header[j]}", name=src.name) for j, _ in st_cols])
        extra_rows.append({header[j] or f"column{j + 1}": r[j] for j in other})
    lower = {h.lower(): h for h in header}
    if id_field is None:
        uids = [e.get(lower.get("uid", ""), "") for e in extra_rows]
        id_field = "uid" if "uid" in lower and all(uids) and len(set(uids)) == len(uids) else (
            "sid" if "sid" in lower else None)
    if id_field is None:
        ids = [str(k) for k in range(1, len(values) + 1)]
    else:
        col = lower.get(id_field.lower())
        if col is None:
            raise FormatError(f"{src.name}, line 1: no column {id_field!r} to use as participant id; columns: "
                              f"{', '.join(header[j] for j in other)}.")
        ids = [e[col] for e in extra_rows]
    warns = [f"{src.name}, lines {i}-{last} (participant {ids[k]!r}): a line break inside an answer (HtmlQ "
             "writes answers without quotes) split this response over several lines; they were joined."
             for k, i, last in joined]
    for k, i, surplus, columns in realigned:
        where = f"{src.name}, line {i} (participant {ids[k]!r})"
        what = (f"{surplus} more field{'s' if surplus > 1 else ''} than the header: an answer containing ';', "
                "which HtmlQ writes without quotes")
        if columns:
            doubt = (f" (the ';' may belong to {', '.join(map(repr, columns[1:]))} instead: check)"
                     if len(columns) > 1 else "")
            warns.append(f"{where}: {what}. The sort is read; the answer {columns[0]!r} was rejoined "
                         f"({extra_rows[k][columns[0]]!r}) and the later fields kept in their columns{doubt}.")
        else:
            warns.append(f"{where}: {what}. The sort is read, but the other fields of this participant could "
                         "not be placed with certainty: check them in the file.")
    # an unnamed column that is empty in every row (the separator HtmlQ ends each line with) is no field
    for j in other:
        if not header[j] and not any(e[f"column{j + 1}"] for e in extra_rows):
            for e in extra_rows:
                del e[f"column{j + 1}"]
    extra = pd.DataFrame(extra_rows) if other and extra_rows[0] else None
    return build_imported(sort_ids=ids, values=values, statements=statements, distribution=distribution,
                          format="htmlq-csv", source=src.name, extra=extra, warnings=warns)


def _parse_xml(text: str, name: str) -> ET.Element:
    if "<!ENTITY" in text or "<!DOCTYPE" in text:
        raise FormatError(f"{name}: XML with a DOCTYPE or entities is not accepted.")
    try:
        return ET.fromstring(text.lstrip("\ufeff"))
    except ET.ParseError as exc:
        line, col = exc.position
        raise FormatError(f"{name}, line {line}, column {col + 1}: not well-formed XML ({exc}).") from exc


def parse_statements_xml(text: str, name: str) -> list[str]:
    """Statement texts from an HtmlQ / EQ Web Sort ``statements.xml`` (ordered by ``id``)."""
    root = _parse_xml(text, name)
    items = []
    for k, el in enumerate(root.iter("statement"), start=1):
        sid = el.get("id", str(k))
        if not re.fullmatch(r"\s*\d+\s*", sid):
            raise FormatError(f"{name}: statement {k} has id {sid!r}; expected a number.")
        items.append((int(sid), (el.text or "").strip()))
    if not items:
        raise FormatError(f"{name}: expected <statement id=\"1\">...</statement> elements, found none.")
    ids = [i for i, _ in items]
    if sorted(ids) != list(range(1, len(ids) + 1)):
        raise FormatError(f"{name}: expected statement ids 1..{len(ids)}, found {sorted(ids)[:5]}...")
    return [t for _, t in sorted(items)]


def parse_map_xml(text: str, name: str) -> list[int]:
    """The grid (every cell's value, ascending) from an HtmlQ / EQ Web Sort ``map.xml``."""
    root = _parse_xml(text, name)
    dist: list[int] = []
    for k, col in enumerate(root.iter("column"), start=1):
        value = parse_value(col.get("id"), f"column {k}, attribute id", name=name)
        count = parse_value(col.text, f"column {k} (number of cells)", name=name)
        if count < 0:
            raise FormatError(f"{name}, column {k}: expected a number of cells (0 or more), found {count}.")
        dist.extend([value] * count)
    if not dist:
        raise FormatError(f"{name}: expected <column id=\"-4\" colour=\"...\">2</column> elements, found none.")
    return sorted(dist)


_COLOURS = ("FFD5D5", "FFE0E0", "FFEBEB", "FFF5F5", "E9E9E9", "F2FFF2", "E5F9EA", "CCF2D5", "9FDFBF")


def _colour(k: int, n: int) -> str:
    return _COLOURS[round(k * (len(_COLOURS) - 1) / max(n - 1, 1))]


def to_statements_xml(statements: Sequence[str]) -> str:
    """An HtmlQ / EQ Web Sort ``statements.xml`` for the given texts (ids 1..M)."""
    root = ET.Element("statements", {"version": "1.0", "htmlParse": "false"})
    for k, s in enumerate(statements, start=1):
        el = ET.SubElement(root, "statement", {"id": str(k)})
        el.text = str(s)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def to_map_xml(distribution: Sequence[int], *, eqwebsort: bool = True) -> str:
    """A ``map.xml`` for the grid; with ``eqwebsort`` also EQ Web Sort's header/pattern items."""
    counts: dict[int, int] = {}
    for v in sorted(int(x) for x in distribution):
        counts[v] = counts.get(v, 0) + 1
    values = list(range(min(counts), max(counts) + 1))
    root = ET.Element("map", {"version": "1.0", "htmlParse": "false"})
    for k, v in enumerate(values):
        col = ET.SubElement(root, "column", {"id": f"{v:+d}" if v else "0", "colour": _colour(k, len(values))})
        col.text = str(counts.get(v, 0))
    if eqwebsort:
        items = {"qSortHeaderNumbers": ",".join(str(v) for v in values),
                 "qSortHeaders": ",".join(f"N{-v}" if v < 0 else str(v) for v in values),
                 "qSortPattern": ",".join(str(counts.get(v, 0)) for v in values),
                 "columnHeadersColorsArray": ",".join("#" + _colour(k, len(values)) for k in range(len(values))),
                 "columnColorsArray": ",".join("#" + _colour(k, len(values)) for k in range(len(values)))}
        for key, val in items.items():
            el = ET.SubElement(root, "item", {"id": key})
            el.text = val
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
