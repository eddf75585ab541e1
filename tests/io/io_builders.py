"""Write the Lipset sorts in each input layout, straight from the format descriptions (no qmethod.io code)."""
from __future__ import annotations

import io
import json
import zipfile
from collections import Counter

import openpyxl
import pandas as pd

GRID_VALUES = list(range(-6, 14))


def pattern_counts(sorts: pd.DataFrame) -> list[int]:
    c = Counter(sorts.iloc[:, 0])
    return [c.get(v, 0) for v in GRID_VALUES]


def kade_zip(sorts: pd.DataFrame, statements: list[str], *, folder: str = "") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(folder + "name.txt", "Lipset")
        zf.writestr(folder + "pattern.txt", ",".join(map(str, pattern_counts(sorts))))
        zf.writestr(folder + "sorts.txt", "\n".join(f"{c}," + ",".join(str(v) for v in sorts[c]) for c in sorts))
        zf.writestr(folder + "statements.txt", "\n".join(statements).encode("utf-8"))
    return buf.getvalue()


def htmlq_csv(sorts: pd.DataFrame) -> bytes:
    n = len(sorts)
    head = ["sid", "uid"] + [f"s{k}" for k in range(1, n + 1)] + ["npos", "comment1", "dur0", "datetime"]
    lines = [";".join(head)]
    for k, c in enumerate(sorts, start=1):
        lines.append(";".join([str(100 + k), c] + [str(v) for v in sorts[c]]
                              + ["12", f'"(s1) comment by {c}"', "140", "2015-03-22 10:00:00"]))
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def firebase_json(sorts: pd.DataFrame) -> bytes:
    recs = {}
    for k, c in enumerate(sorts):
        recs[f"-KYW{k:04d}abcdef"] = {"randomId": f"r{k}", "partId": c, "sort": "|".join(f"{v:+d}" for v in sorts[c]),
                                      "year": "first"}
    return json.dumps(recs, indent=2).encode("utf-8")


def sheets_csv(sorts: pd.DataFrame) -> bytes:
    lines = ["1,2,3,4,5"]
    for k, c in enumerate(sorts):
        sort = "|".join(str(v) for v in sorts[c])
        lines.append(f'"projectName: Lipset","partId: {c}","randomId: r{k}","urlUsercode: u{k}","sort: {sort}"')
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def netlify_csv(sorts: pd.DataFrame) -> bytes:
    lines = ["qSortData,created_at"]
    for k, c in enumerate(sorts):
        sort = "|".join(str(v) for v in sorts[c])
        lines.append(f'"projectName:| Lipset | partId:| {c} | randomId:| r{k} | urlUsercode:| u{k} | sort:|{sort}|",'
                     "2024-01-01")
    return ("\n".join(lines) + "\n").encode("utf-8")


def long_csv(sorts: pd.DataFrame) -> bytes:
    lines = ["participant,statement,value"]
    for c in sorts:
        for st, v in sorts[c].items():
            lines.append(f"{c},{st},{v}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _book_bytes(wb: openpyxl.Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def generic_xlsx(sorts: pd.DataFrame, *, rows: str) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "data"
    if rows == "statements":
        ws.append(["statement"] + list(sorts.columns))
        for st, row in sorts.iterrows():
            ws.append([f"sta_{st}"] + [int(v) for v in row])
    else:
        ws.append(["participant"] + [f"s{k}" for k in sorts.index])
        for c in sorts:
            ws.append([c] + [int(v) for v in sorts[c]])
    return _book_bytes(wb)


def _common_sheets(wb: openpyxl.Workbook, sorts: pd.DataFrame, statements: list[str], kind: int) -> None:
    ws = wb.active
    ws.title = "name"
    ws["A1"], ws["A2"] = "Project Name", "Lipset"
    p = wb.create_sheet("pattern")
    p.append(GRID_VALUES)
    p.append(pattern_counts(sorts))
    s = wb.create_sheet("statements")
    s.append(["Number", "Statements"])
    for k, t in enumerate(statements, start=1):
        s.append([k, t])
    v = wb.create_sheet("version")
    v["A1"], v["A2"] = "Version", 2
    t = wb.create_sheet("type")
    t["A1"], t["A2"] = "Type", kind


def type1_xlsx(sorts: pd.DataFrame, statements: list[str]) -> bytes:
    wb = openpyxl.Workbook()
    _common_sheets(wb, sorts, statements, 1)
    ws = wb.create_sheet("sorts")
    ws.append(["Participant Name and Sort Value:"] + list(sorts.columns))
    grid = sorted(sorts.iloc[:, 0])
    # for each participant, the statements of each value in statement order fill that value's cells
    placed = {c: sorted(sorts.index, key=lambda st: (sorts.at[st, c], st)) for c in sorts}
    for k, value in enumerate(grid):
        ws.append([value] + [placed[c][k] for c in sorts])
    return _book_bytes(wb)


def type2_xlsx(sorts: pd.DataFrame, statements: list[str]) -> bytes:
    wb = openpyxl.Workbook()
    _common_sheets(wb, sorts, statements, 2)
    ws = wb.create_sheet("sorts")
    for c in sorts:
        ws.append([c] + [int(v) for v in sorts[c]])
    return _book_bytes(wb)
