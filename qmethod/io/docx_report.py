"""The report as a Word document (python-docx): study summary, methods, journal tables, composite
Q-sorts and the team's factor narratives, from :mod:`qmethod.io.manuscript`.

Tables are real Word tables (style "Table Grid", header row repeated on every page), so they paste
into a manuscript unchanged; defining sorts are bold in the loadings table.
"""
from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.shared import Pt

from .manuscript import COMPOSITE_NOTE, ReportContent, composite_rows, sections, table_rows

__all__ = ["write_docx"]


def _table(doc, header: list[str], rows: list[list[str]], *, bold=(), font: float = 9):
    t = doc.add_table(rows=1, cols=len(header))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(t.rows[0].cells, header):
        cell.text = ""
        run = cell.paragraphs[0].add_run(str(text))
        run.bold = True
        run.font.size = Pt(font)
    from docx.oxml.ns import qn
    from docx.oxml import OxmlElement

    tr_pr = t.rows[0]._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)
    for i, values in enumerate(rows):
        cells = t.add_row().cells
        for j, (cell, text) in enumerate(zip(cells, values)):
            run = cell.paragraphs[0].add_run(str(text))
            run.font.size = Pt(font)
            run.bold = (i, j) in bold
    return t


def write_docx(content: ReportContent, path: str | Path | None = None) -> bytes:
    """The report as DOCX bytes (also written to ``path`` when given)."""
    parts = sections(content)
    doc = Document()
    doc.styles["Normal"].font.name = "Calibri"
    doc.styles["Normal"].font.size = Pt(11)
    doc.add_heading(parts["title"], level=0)
    doc.add_heading("Study summary", level=1)
    for line in parts["summary"]:
        doc.add_paragraph(line, style="List Bullet")
    doc.add_heading("Statements", level=2)
    _table(doc, ["No.", "Statement"], [[str(k), t] for k, t in parts["statements"]])
    doc.add_heading("Method", level=1)
    for para in parts["methods"]:
        doc.add_paragraph(para)
    doc.add_heading("Results", level=1)
    for tab in parts["tables"]:
        doc.add_paragraph().add_run(tab.caption).bold = True
        header, rows, bold = table_rows(tab)
        _table(doc, header, rows, bold=bold, font=8 if len(header) > 6 else 9)
        if tab.note:
            doc.add_paragraph().add_run(tab.note).italic = True
    doc.add_heading("Composite Q-sorts", level=1)
    for k, (f, cols) in enumerate(parts["composites"].items(), 1):
        doc.add_paragraph().add_run(f"Figure {k}. Composite Q-sort of {content.factor_title(f)}").bold = True
        header, rows = composite_rows(cols)
        _table(doc, header, rows, font=9)
        doc.add_paragraph().add_run(COMPOSITE_NOTE).italic = True
    doc.add_heading("Factor interpretations", level=1)
    for n in parts["narratives"]:
        doc.add_heading(content.factor_title(n.factor), level=2)
        if n.summary:
            doc.add_paragraph().add_run(n.summary).italic = True
        for para in [p for p in n.narrative.split("\n\n") if p.strip()]:
            doc.add_paragraph(para.strip())
        if not n.summary and not n.narrative:
            doc.add_paragraph("(No narrative written yet.)")
        if n.quotes:
            doc.add_paragraph().add_run("In the participants' own words").bold = True
            for sid, score, text in n.quotes:
                doc.add_paragraph(f"“{text}” (statement {sid}, placed at {score:+d})", style="Quote")
        if n.authors:
            doc.add_paragraph().add_run("Written by " + ", ".join(n.authors) + ".").italic = True
    buf = io.BytesIO()
    doc.save(buf)
    data = buf.getvalue()
    if path is not None:
        Path(path).write_bytes(data)
    return data
