"""EQ Web Sort / Ken-Q Sort / Easy HtmlQ response exports.

* **Firebase JSON** (EQ Web Sort, Ken-Q Sort, Easy HtmlQ 2): one object keyed by record (push) id; each
  record is a flat object whose ``sort`` field holds the values in statement order, ``|``-separated
  (``"+3|+1|-2|+0|..."``). Every other field (``randomId``, ``partId``, ``urlUsercode``, survey answers,
  comments, pre-sort piles, timing) goes to :attr:`ImportedData.extra`.
* **Google Sheets CSV** (EQ Web Sort; also Quince's Baserow CSV): one row per participant whose cells
  are labelled ``key: value`` (``randomId: abc``, ``sort: 1|-2|...``); rows without labelled cells
  (the sheet's header) are skipped.
* **Netlify CSV**: a cell per participant holding ``key:| value | key:| value | ... | sort:|v1|v2|...|``.

The participant id is the field named by ``id_field``: by default ``randomId`` when every record has
one, else the record key (JSON) or the row number (CSV). ``id_field="key"`` picks the JSON record key.

Incomplete records (a participant who left before the sort: no ``sort`` field, an empty one, or fewer
values than the other responses) are skipped, each named in a warning, so the complete responses can be
analysed; ``strict=True`` refuses the whole file instead, naming the first such record.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any, Callable, Sequence

import pandas as pd

from qmethod.errors import FormatError
from qmethod.io._text import Source, decode_text, parse_value, read_csv_rows
from qmethod.io.imported import ImportedData, build_imported

__all__ = ["read_firebase_json", "read_sheets_csv", "read_netlify_csv", "parse_sort_string",
           "DEFAULT_ID_FIELDS"]

#: Fields tried, in order, for the participant id when ``id_field`` is not given.
DEFAULT_ID_FIELDS = ("randomId", "uid")


def parse_sort_string(text: Any, *, name: str, where: str) -> list[int]:
    """Values from ``"+3|+1|-2|+0|..."`` (also comma-separated, as Quince writes some exports)."""
    if not isinstance(text, str):
        if isinstance(text, list):
            return [parse_value(v, f"{where}, item {k + 1}", name=name) for k, v in enumerate(text)]
        raise FormatError(f"{name}, {where}: expected the sort as text 'v1|v2|...', found {type(text).__name__}.")
    sep = "|" if "|" in text else ","
    parts = [p.strip() for p in text.strip().strip(sep).split(sep)]
    if not parts or parts == [""]:
        raise FormatError(f"{name}, {where}: the sort is empty; expected values 'v1|v2|...'.")
    return [parse_value(p, f"{where}, item {k + 1}", name=name) for k, p in enumerate(parts)]


def _cell_text(v: Any) -> Any:
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False)
    return v


def _describe(fields: Any) -> str:
    """' (participant ...)' for a record that names its participant."""
    if isinstance(fields, dict):
        for key in ("partId", "randomId", "uid", "urlUsercode"):
            if str(fields.get(key, "") or "").strip():
                return f" (participant {str(fields[key]).strip()!r})"
    return ""


def _incomplete(where: str, fields: Any, problem: str, *, name: str, strict: bool, warns: list[str]) -> None:
    """Skip an incomplete record with a warning, or refuse the file when ``strict``."""
    if strict:
        raise FormatError(f"{name}, {where}{_describe(fields)}: {problem}.")
    warns.append(f"{name}, {where}{_describe(fields)}: {problem}; the record was skipped (incomplete "
                 "response; strict=True, or --strict on the command line, refuses the file instead).")


def _records_to_data(records: list[tuple[str, dict[str, Any], str]], *, name: str, fmt: str,
                     id_field: str | None, key_label: str, statements: Sequence[str] | None,
                     distribution: Sequence[int] | None, strict: bool = False,
                     warnings: Sequence[str] = ()) -> ImportedData:
    """records = (key, fields, where) with fields['sort'] present; an empty sort, or one shorter than the
    most common length, is an incomplete record (skipped with a warning unless ``strict``)."""
    warns = list(warnings)
    complete, values = [], []
    for rec in records:
        _, fields, where = rec
        sort = fields["sort"]
        if sort is None or (isinstance(sort, (str, list)) and not [v for v in (
                sort.replace(",", "|").split("|") if isinstance(sort, str) else sort) if str(v).strip()]):
            _incomplete(where, fields, "the sort is empty", name=name, strict=strict, warns=warns)
            continue
        values.append(parse_sort_string(sort, name=name, where=f"{where}, field 'sort'"))
        complete.append(rec)
    if values and not strict:
        lengths = Counter(len(v) for v in values)
        n = max(lengths, key=lambda m: (lengths[m], m))
        for rec, v in zip(list(complete), list(values)):
            if len(v) < n:
                _incomplete(rec[2], rec[1], f"the sort has {len(v)} values, the other responses {n}",
                            name=name, strict=strict, warns=warns)
        kept = [(rec, v) for rec, v in zip(complete, values) if len(v) >= n]
        complete, values = [r for r, _ in kept], [v for _, v in kept]
    records = complete
    if not records:
        raise FormatError(f"{name}: expected at least one response with a 'sort' field, found none.")
    keys_lower = [{k.lower(): k for k in fields} for _, fields, _ in records]
    if id_field is None:
        for cand in DEFAULT_ID_FIELDS:
            if all(cand.lower() in kl and str(f[kl[cand.lower()]]).strip()
                   for kl, (_, f, _) in zip(keys_lower, records)):
                id_field = cand
                break
        else:
            id_field = "key"
    ids = []
    for kl, (key, fields, where) in zip(keys_lower, records):
        if id_field.lower() == "key":
            ids.append(key)
            continue
        real = kl.get(id_field.lower())
        if real is None:
            available = ", ".join(sorted(k for k in fields if k != "sort"))
            raise FormatError(f"{name}, {where}: no field {id_field!r} to use as participant id; fields: "
                              f"{available or 'none'} (or id_field='key' for the {key_label}).")
        ids.append(str(_cell_text(fields[real])).strip())
    n = len(values[0])
    for (_, _, where), v in zip(records, values):
        if len(v) != n:
            raise FormatError(f"{name}, {where}: the sort has {len(v)} values, expected {n} like the first "
                              "response.")
    others = [{k: _cell_text(v) for k, v in fields.items() if k != "sort"} for _, fields, _ in records]
    extra = pd.DataFrame(others) if any(others) else None
    if extra is not None and key_label not in extra.columns:
        extra.insert(0, key_label, [k for k, _, _ in records])
    return build_imported(sort_ids=ids, values=values, statements=statements, distribution=distribution,
                          format=fmt, source=name, extra=extra, warnings=warns)


def read_firebase_json(src: Source, *, encoding: str | None = None, id_field: str | None = None,
                       statements: Sequence[str] | None = None, distribution: Sequence[int] | None = None,
                       strict: bool = False) -> ImportedData:
    """Read an EQ Web Sort / Easy HtmlQ Firebase JSON export (records keyed by push id).

    Records without a sort are skipped with a warning naming each (``strict=True``: an error)."""
    text = decode_text(src.data, src.name, encoding)
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormatError(f"{src.name}, line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg}).") from exc
    except RecursionError as exc:
        raise FormatError(f"{src.name}: the JSON is nested too deeply.") from exc

    def has_records(o: Any) -> bool:
        vals = list(o.values()) if isinstance(o, dict) else o if isinstance(o, list) else []
        return bool(vals) and any(isinstance(v, dict) and "sort" in v for v in vals)
    if not has_records(obj) and isinstance(obj, dict):
        inner = [v for v in obj.values() if has_records(v)]
        if len(inner) == 1:
            obj = inner[0]
    if not has_records(obj):
        raise FormatError(f"{src.name}: expected a JSON object of responses keyed by id, each with a 'sort' field "
                          "('+3|+1|-2|...'); found none.")
    items = list(obj.items()) if isinstance(obj, dict) else [(str(k + 1), v) for k, v in enumerate(obj)]
    records: list[tuple[str, dict[str, Any], str]] = []
    warns: list[str] = []
    for key, rec in items:
        if not isinstance(rec, dict):
            _incomplete(f"record {key!r}", rec, f"expected an object with a 'sort' field, found "
                        f"{type(rec).__name__}", name=src.name, strict=strict, warns=warns)
        elif "sort" not in rec:
            _incomplete(f"record {key!r}", rec, "expected a 'sort' field ('+3|+1|-2|...'): the participant "
                        "did not reach the sort", name=src.name, strict=strict, warns=warns)
        else:
            records.append((str(key), rec, f"record {key!r}"))
    return _records_to_data(records, name=src.name, fmt="eqwebsort-json", id_field=id_field, key_label="key",
                            statements=statements, distribution=distribution, strict=strict, warnings=warns)


def _csv_records(src: Source, encoding: str | None,
                 row_fields: Callable[[list[str]], tuple[dict[str, Any] | None, bool]],
                 expected: str, *, strict: bool,
                 warns: list[str]) -> list[tuple[str, dict[str, Any], str]]:
    """The responses of a one-response-per-line CSV export as ``(line, fields, where)`` records.

    ``row_fields(row)`` gives the row's fields (with a ``sort`` entry), or ``None`` and whether the
    row still looks like a response (an incomplete record once responses have begun; otherwise skipped)."""
    text = decode_text(src.data, src.name, encoding)
    records = []
    for i, row in enumerate(read_csv_rows(text, src.name, ","), start=1):
        fields, is_response = row_fields(row)
        if fields is None:
            if is_response and records:
                _incomplete(f"line {i}", None, f"expected {expected} in this response", name=src.name,
                            strict=strict, warns=warns)
            continue
        records.append((str(i), fields, f"line {i}"))
    return records


_LABELLED = re.compile(r"^\s*\(?([A-Za-z][\w .-]{0,60}?)\)?\s*:\s?(.*)$", re.DOTALL)


def read_sheets_csv(src: Source, *, encoding: str | None = None, id_field: str | None = None,
                    statements: Sequence[str] | None = None,
                    distribution: Sequence[int] | None = None, strict: bool = False) -> ImportedData:
    """Read an EQ Web Sort Google Sheets CSV (or Quince Baserow CSV): cells labelled ``key: value``."""
    def row_fields(row: list[str]) -> tuple[dict[str, Any] | None, bool]:
        fields: dict[str, Any] = {}
        for cell in row:
            m = _LABELLED.match(cell)
            if m and m.group(1).strip() not in fields:
                fields[m.group(1).strip()] = m.group(2).strip()
        sort_key = next((k for k in fields if k.lower() == "sort"), None)
        if sort_key is None:
            return None, bool(fields)  # the header row ("1,2,3,...") or an empty line is skipped
        fields["sort"] = fields.pop(sort_key)
        return fields, True

    warns: list[str] = []
    records = _csv_records(src, encoding, row_fields, "a cell 'sort: v1|v2|...'", strict=strict, warns=warns)
    return _records_to_data(records, name=src.name, fmt="eqwebsort-sheets", id_field=id_field, key_label="line",
                            statements=statements, distribution=distribution, strict=strict,
                            warnings=warns)


def _parse_netlify(cell: str) -> dict[str, Any]:
    tokens = [t.strip() for t in cell.split("|")]
    fields: dict[str, Any] = {}
    key = None
    collected: list[str] = []
    for tok in tokens + [None]:
        if tok is None or (tok.endswith(":") and re.fullmatch(r"[A-Za-z][\w .-]{0,60}:", tok)):
            if key is not None and key not in fields:
                fields[key] = collected if key == "sort" else " | ".join(c for c in collected if c)
            key, collected = (tok[:-1].strip() if tok else None), []
        elif key is not None:
            collected.append(tok)
    if "sort" in fields:
        fields["sort"] = "|".join(v for v in fields["sort"] if v)
    return fields


def read_netlify_csv(src: Source, *, encoding: str | None = None, id_field: str | None = None,
                     statements: Sequence[str] | None = None,
                     distribution: Sequence[int] | None = None, strict: bool = False) -> ImportedData:
    """Read an EQ Web Sort Netlify forms CSV (``key:| value | ... | sort:|v1|v2|...|`` in one cell)."""
    def row_fields(row: list[str]) -> tuple[dict[str, Any] | None, bool]:
        cell = next((c for c in row if re.search(r"(^|\|)\s*sort:\s*\|", c)), None)
        return (None, any(row)) if cell is None else (_parse_netlify(cell), True)

    warns: list[str] = []
    records = _csv_records(src, encoding, row_fields, "a cell with '... | sort:|v1|v2|...|'", strict=strict,
                           warns=warns)
    return _records_to_data(records, name=src.name, fmt="eqwebsort-netlify", id_field=id_field,
                            key_label="line", statements=statements, distribution=distribution, strict=strict,
                            warnings=warns)
