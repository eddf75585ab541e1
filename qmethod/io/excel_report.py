"""Full results as an Excel workbook: one sheet per table, in the Ken-Q / PQMethod order.

Each sheet: the table's title in A1, the header in row 3 (first column = the row labels), values from
row 4; header row and label column frozen; defining sorts bold on a green fill; floats shown rounded
(values stay in full precision). Text starting with ``= + - @``, tab, CR or LF is neutralised; control
characters, which a workbook cannot hold, are cleaned (:func:`qmethod.chars.clean_text`).
"""
from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd

from qmethod.chars import clean_text
from qmethod.io.result_tables import ReportTable, report_tables
from qmethod.io.safe import neutralise

__all__ = ["write_excel", "HEADER_ROW"]

#: Row (1-based) of the column headers on every sheet; data start on the next row.
HEADER_ROW = 3


def _cell_value(v: Any) -> Any:
    if v is None or v is pd.NA:
        return None
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return None if math.isnan(v) else float(v)
    # control characters cannot be stored in a workbook (openpyxl refuses the whole file)
    return neutralise(clean_text(v if isinstance(v, str) else str(v), multiline=True))


def _write_sheet(wb: Any, table: ReportTable) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(table.sheet[:31])
    bold = Font(bold=True)
    flag_fill = PatternFill("solid", fgColor="C6EFCE")
    ws.cell(row=1, column=1, value=_cell_value(table.title)).font = Font(bold=True, size=12)
    frame = table.frame
    header = [frame.index.name or ""] + [str(c) for c in frame.columns]
    for j, h in enumerate(header, start=1):
        c = ws.cell(row=HEADER_ROW, column=j, value=_cell_value(h))
        c.font = bold
        c.data_type = "s"
    widths = [len(str(h)) for h in header]
    float_cols = [pd.api.types.is_float_dtype(frame[c].dtype) for c in frame.columns]
    for i, (label, row) in enumerate(zip(frame.index, frame.itertuples(index=False)), start=HEADER_ROW + 1):
        c = ws.cell(row=i, column=1, value=_cell_value(label))
        c.font = bold
        widths[0] = max(widths[0], len(str(label)))
        for j, v in enumerate(row, start=2):
            cell = ws.cell(row=i, column=j, value=_cell_value(v))
            if isinstance(cell.value, str):
                cell.data_type = "s"
                widths[j - 1] = max(widths[j - 1], min(len(cell.value), 60))
                if len(cell.value) > 60:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
            elif float_cols[j - 2] and cell.value is not None:
                cell.number_format = table.number_format
                widths[j - 1] = max(widths[j - 1], 8)
            if table.flags is not None:
                col = frame.columns[j - 2]
                if col in table.flags.columns and label in table.flags.index and bool(table.flags.at[label, col]):
                    cell.font = bold
                    cell.fill = flag_fill
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = min(max(w + 2, 6), 62)
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=2)


def write_excel(result: Any, target: str | Path | BinaryIO | None = None, *, imported: Any = None) -> bytes | None:
    """Write the full results of ``result`` as an xlsx workbook.

    Parameters
    ----------
    result : AnalysisResult
    target : path or binary file object, optional
        Where to write; when omitted the workbook is returned as bytes.
    imported : ImportedData, optional
        Adds the study title, data file and import warnings to the overview sheet.

    Returns
    -------
    bytes or None
        The workbook when ``target`` is None.
    """
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for table in report_tables(result, imported=imported):
        _write_sheet(wb, table)
    if target is None:
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()
    wb.save(target)
    return None
