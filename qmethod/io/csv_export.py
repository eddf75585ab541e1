"""Full results as CSV files in one ZIP, and as JSON (the core's schema ``qmethod.result/1``).

The ZIP holds one UTF-8 (with BOM, so Excel detects it) CSV per report table, named
``NN_<key>.csv`` in report order, each with the row labels as first column. Text fields are quoted and
any part of them that starts with ``= + - @`` (at the start or after ``,`` ``;`` tab or a line break)
is neutralised (:mod:`qmethod.io.safe`); numbers are written in full precision.
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any, BinaryIO

from qmethod.io.result_tables import report_tables
from qmethod.io.safe import CSV_OPTIONS, neutralise_frame

__all__ = ["write_csv_zip", "write_json", "write_sorts_csv"]


def write_csv_zip(result: Any, target: str | Path | BinaryIO | None = None, *, imported: Any = None) -> bytes | None:
    """Write every report table of ``result`` as a CSV file into a ZIP (returned as bytes without target)."""
    buf = io.BytesIO() if target is None else None
    with zipfile.ZipFile(buf if buf is not None else target, "w", zipfile.ZIP_DEFLATED) as zf:
        for k, table in enumerate(report_tables(result, imported=imported), start=1):
            text = neutralise_frame(table.frame).to_csv(index=True, **CSV_OPTIONS)
            zf.writestr(f"{k:02d}_{table.key}.csv", "\ufeff" + text)
    return buf.getvalue() if buf is not None else None


def write_json(result: Any, target: str | Path | None = None) -> str:
    """The result as JSON (``result.to_json()``, schema ``qmethod.result/1``); also written to ``target``."""
    return result.to_json(target)


def write_sorts_csv(data: Any, target: str | Path | BinaryIO | None = None, *, with_text: bool = True) -> bytes | None:
    """Q-sorts as a generic CSV, statements x sorts (``statement`` id column, optional ``text`` column,
    one column per Q-sort), which :func:`qmethod.io.read` reads back. ``data`` is an ImportedData or a
    statements x sorts DataFrame."""
    sorts = getattr(data, "sorts", data)
    frame = sorts.copy()
    frame.index.name = "statement"
    texts = getattr(data, "statements", None)
    if with_text and texts is not None:
        frame.insert(0, "text", texts.reindex(frame.index).to_numpy())
    raw = ("\ufeff" + neutralise_frame(frame).to_csv(**CSV_OPTIONS)).encode("utf-8")
    if target is None:
        return raw
    if hasattr(target, "write"):
        target.write(raw)
    else:
        Path(target).write_bytes(raw)
    return None
