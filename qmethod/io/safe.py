"""Neutralise spreadsheet formulas in exported text (OWASP "CSV injection").

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, tab, CR or LF may be run as a formula by Excel,
LibreOffice or Google Sheets. Such text gets a leading apostrophe (``'=cmd`` shows as ``=cmd``) - unless it
is a plain number (``-3``, ``+1.5``), which stays a number.
"""
from __future__ import annotations

import re
from typing import Any

import pandas as pd

__all__ = ["neutralise", "neutralise_frame", "DANGEROUS_STARTS"]

DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def neutralise(value: Any) -> Any:
    """``value`` made safe for a spreadsheet cell; non-text values are returned unchanged."""
    if not isinstance(value, str) or not value.startswith(DANGEROUS_STARTS):
        return value
    if _NUMBER.match(value):
        return value
    return "'" + value


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
