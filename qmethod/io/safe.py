"""Neutralise spreadsheet formulas in exported text (OWASP "CSV injection").

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, tab, CR or LF may be run as a formula by Excel,
LibreOffice or Google Sheets. Such text gets a leading apostrophe (``'=cmd`` shows as ``=cmd``) - unless it
is a plain number (``-3``, ``+1.5``), which stays a number. The same holds for every piece of the text
that a spreadsheet could split off as a cell of its own: after a comma, a semicolon (Excel's separator in
Norwegian and most European settings), a tab or a line break, so ``x;=1+2;y`` becomes ``x;'=1+2;y``.
CSV exports also quote every text field (see :data:`CSV_OPTIONS`).

:func:`neutralise_report` does the same for plain-text reports, token by token (a report opened in a
spreadsheet is split at spaces and tabs).
"""
from __future__ import annotations

import csv
import re
from typing import Any

import pandas as pd

__all__ = ["neutralise", "neutralise_frame", "neutralise_report", "DANGEROUS_STARTS", "CSV_OPTIONS"]

DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
# a separator a spreadsheet may split at, then a piece starting like a formula (up to the next
# separator); spaces between them count too, since spreadsheets trim them off a cell
_PIECE = re.compile(r"([,;\t\r\n][ \u00a0]*)([=+\-@][^,;\t\r\n]*)")
# in a text report: a token after a space, tab or line start that starts like a formula and is neither
# a number nor a rule of dashes
_TOKEN = re.compile(r"(?<![^\s])([=+\-@]\S*)")
# in a text report: a token right after a comma or semicolon (a spreadsheet splitting at that separator
# makes it a cell of its own)
_REPORT_PIECE = re.compile(r"([,;][ \u00a0]*)([=+\-@][^\s,;]*)")
_REPORT_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?[*%X]?$|^-+$")

#: Keyword arguments for :meth:`pandas.DataFrame.to_csv` in exports: every text field quoted, so a
#: spreadsheet splitting at another separator keeps the field whole.
CSV_OPTIONS: dict[str, Any] = {"quoting": csv.QUOTE_NONNUMERIC, "lineterminator": "\r\n"}


def _piece(m: re.Match) -> str:
    piece = m.group(2)
    return m.group(1) + (piece if _NUMBER.match(piece) else "'" + piece)


def neutralise(value: Any) -> Any:
    """``value`` made safe for a spreadsheet cell; non-text values are returned unchanged."""
    if not isinstance(value, str):
        return value
    value = _PIECE.sub(_piece, value)
    if not value.startswith(DANGEROUS_STARTS) or _NUMBER.match(value):
        return value
    return "'" + value


def neutralise_report(text: str) -> str:
    """A plain-text report safe to open in a spreadsheet: tabs become spaces, and every token that
    starts like a formula (``=cmd|...``, ``+x``, ``@x``, ``-x``; not numbers, not rules of dashes), at
    a line's start, after a space or after a comma or semicolon (``x;=1+2;y``), gets a leading apostrophe."""
    def token(m: re.Match) -> str:
        tok = m.group(1)
        return tok if _REPORT_NUMBER.match(tok) else "'" + tok

    def piece(m: re.Match) -> str:
        return m.group(1) + (m.group(2) if _REPORT_NUMBER.match(m.group(2)) else "'" + m.group(2))
    return _REPORT_PIECE.sub(piece, _TOKEN.sub(token, text.replace("\t", " ")))


def neutralise_frame(frame: pd.DataFrame, *, index: bool = True) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell, column label and (with ``index``) index label neutralised."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col].dtype):
            out[col] = out[col].astype(object).map(neutralise)
    out.columns = pd.Index([neutralise(c) for c in out.columns], name=out.columns.name)
    if index:
        out.index = pd.Index([neutralise(i) for i in out.index], name=out.index.name)
    return out
