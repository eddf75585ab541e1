"""Statement files: plain text (one statement per line), CSV (a text column) or HtmlQ ``statements.xml``.

Text may be UTF-8 (with or without BOM), UTF-16 (with BOM), Shift_JIS, Windows cp1252 or a DOS code page
(cp865, cp850, cp437: PQMethod ``.STA`` files), with any line ending; the single-byte code page is
detected (see :func:`qmethod.io._text.decode_text`), DOS first for a ``.STA``.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from qmethod.chars import clean_text
from qmethod.errors import FormatError
from qmethod.io._text import (DEFAULT_MAX_BYTES, PQMETHOD_CODEPAGES, Source, decode_text, load_source, read_csv_rows,
                              split_lines)

__all__ = ["read_statements", "parse_statements_text"]

_TEXT_HEADER = ("text", "statement", "statements", "statement_text", "wording", "item_text", "label")


def parse_statements_text(text: str, name: str, *, keep_padding: bool = False) -> list[str]:
    """Statements from decoded text: XML (``<statement id=..>``), a CSV with a text column, or lines."""
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith("<"):
        from qmethod.io.htmlq import parse_statements_xml
        return parse_statements_xml(text, name)
    lines = split_lines(text)
    first = next((ln for ln in lines if ln.strip()), "")
    if re.match(r'^\s*"?(id|no|nr|number|statement_id|#)"?\s*[,;\t]', first, re.IGNORECASE):
        rows = read_csv_rows(text, name)
        header = [h.strip().lower() for h in rows[0]]
        col = next((header.index(h) for h in _TEXT_HEADER if h in header), None)
        if col is None:
            raise FormatError(f"{name}, line 1: expected a column named 'text' or 'statement' in the header.")
        out = []
        for k, row in enumerate(rows[1:], start=2):
            if not any(row):
                continue
            if col >= len(row):
                raise FormatError(f"{name}, line {k}: expected a statement text in field {col + 1}.")
            out.append(row[col])
        return out
    out = [ln for ln in lines if ln.strip(" \t\x1a")]
    return out if keep_padding else [s.strip(" \t\x1a") for s in out]


def read_statements(source: Any, *, encoding: str | None = None, name: str | None = None,
                    max_bytes: int | None = DEFAULT_MAX_BYTES) -> list[str]:
    """Read a statement file (path, bytes or binary file object) into a list of texts in statement order.

    Blank lines are skipped; surrounding spaces are removed; control characters are cleaned
    (:func:`qmethod.chars.clean_text`: the line break Word puts in pasted text becomes a space); a NUL
    character is a FormatError naming the line. Without ``encoding`` the text encoding is detected:
    UTF-8/UTF-16 by their marks, else Shift_JIS, Windows cp1252 or a DOS code page (cp865, cp850,
    cp437), whichever reads as text (see :func:`statement_codepages`).
    """
    src = source if isinstance(source, Source) else load_source(source, name=name, max_bytes=max_bytes)
    text = decode_text(src.data, src.name, encoding, single_byte=statement_codepages(src.name))
    statements = parse_statements_text(text, src.name)
    statements = [clean_text(s).strip() for s in statements]
    if not statements:
        raise FormatError(f"{src.name}: expected one statement per line, found no text.")
    return statements


def statement_codepages(name: str) -> tuple[str, ...]:
    """Single-byte code pages a statement file may be in, the likeliest first: a PQMethod ``.STA`` was
    written by a DOS program (cp865, cp850, cp437) or re-saved by a Windows editor (cp1252); other
    statement files the other way round."""
    if name.lower().endswith(".sta"):
        return PQMETHOD_CODEPAGES
    return PQMETHOD_CODEPAGES[-1:] + PQMETHOD_CODEPAGES[:-1]


def sibling(path: Path | None, suffixes: tuple[str, ...]) -> Path | None:
    """A file next to ``path`` with the same stem and one of ``suffixes`` (any letter case)."""
    if path is None:
        return None
    try:
        for cand in path.parent.iterdir():
            if cand.stem.lower() == path.stem.lower() and cand.suffix.lower() in suffixes and cand != path:
                return cand
    except OSError:
        return None
    return None
