"""Which format a file is in, from its name and first bytes.

:func:`detect_format` never parses the whole file; the chosen reader reports what is wrong with it.
"""
from __future__ import annotations

import re

from qmethod.errors import FormatError
from qmethod.io._text import DEFAULT_MAX_BYTES, Source, decode_text, split_lines, sniff_delimiter
from qmethod.io.archive import open_zip

__all__ = ["detect_format"]

_DAT_LINE1 = re.compile(r"^\s*-?\d{1,3}\s*\d{1,3}\s*\d{1,3}(\s|$)")


def _zip_names(data: bytes) -> list[str]:
    """The member names, or [] for an archive that is unreadable or over a limit of
    :func:`qmethod.io.archive.open_zip` (the reader chosen then says why)."""
    try:
        with open_zip(data, "", max_bytes=None) as zf:
            return zf.namelist()
    except FormatError:
        return []


def _xlsx_format(src: Source, max_bytes: int | None) -> str:
    """kenq-type1, kenq-type2 (also their legacy single-sheet layouts), kenq-output or xlsx."""
    from qmethod.io.kenq import xlsx_kind
    return xlsx_kind(src, max_bytes=max_bytes)


def _text_format(src: Source) -> str:
    try:
        text = decode_text(src.data[:65536], src.name)
    except Exception:  # noqa: BLE001 - detection only; the reader reports the real problem
        return "csv"
    lines = [ln for ln in split_lines(text) if ln.strip()]
    if not lines:
        return "csv"
    head = "\n".join(lines[:5])
    if _DAT_LINE1.match(lines[0]) and len(lines) > 1 and re.match(r"^\s*-?\d+\s+-?\d+(\s+\d+){5,}", lines[1]):
        return "pqmethod"
    low = head.lower()
    if "sort:" in low and ("randomid" in low or "partid" in low):
        if "|" in lines[min(1, len(lines) - 1)] and ("partid:|" in low or "sort:|" in low or "randomid:|" in low):
            return "eqwebsort-netlify"
        return "eqwebsort-sheets"
    delim = sniff_delimiter(text)
    header = [h.strip().strip('"').lower() for h in lines[0].split(delim)]
    if delim == ";" and ("sid" in header or "uid" in header) and any(re.fullmatch(r"s\d+", h) for h in header):
        return "htmlq-csv"
    if header and header[0] in ("participants", "participant") and len(header) > 2 \
            and re.fullmatch(r"s\d+", header[1] or ""):
        return "kenq-csv"
    from qmethod.io.table import looks_long
    if looks_long(header):
        return "long"
    return "csv"


def detect_format(src: Source, *, max_bytes: int | None = DEFAULT_MAX_BYTES) -> str:
    """The format name of ``src`` (see :data:`qmethod.io.FORMATS`); "csv" when nothing more specific fits.

    A workbook is opened only within the size limits for ``max_bytes`` (see :mod:`qmethod.io.archive`).
    """
    name = src.name.lower()
    data = src.data
    ext = name.rsplit(".", 1)[-1] if "." in name else ""
    if data[:2] == b"PK" or ext in ("xlsx", "xlsm", "zip"):
        names = _zip_names(data)
        if any(n.lower().startswith("xl/") for n in names) or (ext in ("xlsx", "xlsm") and not names):
            return _xlsx_format(src, max_bytes)
        return "kade-zip"
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if ext == "json" or stripped[:1] in (b"{", b"["):
        return "eqwebsort-json"
    if ext == "dat":
        return "pqmethod"
    return _text_format(src)
