"""The report as PDF, drawn with fpdf2 (pure Python; no office suite needed), from the same content as
the DOCX (:mod:`qmethod.io.manuscript`).

The built-in PDF fonts cover Latin-1 (Norwegian æ, ø, å included); the few other signs the report uses
are written as their nearest Latin-1 equivalent (− as -, ▲/▼ as ^/v, √ as sqrt).
"""
from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from .manuscript import COMPOSITE_NOTE, ReportContent, composite_rows, sections, table_rows

__all__ = ["write_pdf"]

_MAP = str.maketrans({"−": "-", "–": "-", "—": "-", "…": "...", "▲": "^", "▼": "v", "√": "sqrt ", "≥": ">=",
                      "≤": "<=", "“": '"', "”": '"', "‘": "'", "’": "'", "•": "-", "\u00a0": " "})


def _t(x) -> str:
    return str(x).translate(_MAP).encode("latin-1", "replace").decode("latin-1")


class _Report(FPDF):
    title_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.set_text_color(100)
        self.cell(0, 8, _t(f"{self.title_text} - page {self.page_no()}"), align="C")
        self.set_text_color(0)


def _heading(pdf: FPDF, text: str, size: float) -> None:
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", size)
    pdf.multi_cell(0, size * 0.55, _t(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.set_font("Helvetica", size=10)


def _para(pdf: FPDF, text: str, style: str = "", size: float = 10) -> None:
    pdf.set_font("Helvetica", style, size)
    pdf.multi_cell(0, size * 0.5, _t(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1.5)
    pdf.set_font("Helvetica", size=10)


def _table(pdf: FPDF, header: list[str], rows: list[list[str]], *, bold=frozenset(), widths=None, size: float = 8):
    pdf.set_font("Helvetica", size=size)
    kw = {"col_widths": widths} if widths else {}
    with pdf.table(headings_style=FontFace(emphasis="BOLD", fill_color=(234, 238, 242)), line_height=size * 0.5,
                   text_align="LEFT", **kw) as table:
        r = table.row()
        for h in header:
            r.cell(_t(h))
        for i, row in enumerate(rows):
            r = table.row()
            for j, v in enumerate(row):
                r.cell(_t(v), style=FontFace(emphasis="BOLD") if (i, j) in bold else None)
    pdf.ln(1)
    pdf.set_font("Helvetica", size=10)


def _widths(header: list[str]) -> tuple[float, ...] | None:
    if "Statement" not in header:
        return None
    return tuple(5.0 if h == "Statement" else 1.3 if h in ("No.", "Factor") else 1.6 for h in header)


def write_pdf(content: ReportContent, path: str | Path | None = None) -> bytes:
    """The report as PDF bytes (A4; also written to ``path`` when given)."""
    parts = sections(content)
    pdf = _Report(format="A4")
    pdf.title_text = parts["title"]
    pdf.set_title(_t(parts["title"]))
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=16)
    pdf.add_page()
    _heading(pdf, parts["title"], 18)
    _heading(pdf, "Study summary", 14)
    for line in parts["summary"]:
        _para(pdf, "- " + line)
    _heading(pdf, "Statements", 12)
    _table(pdf, ["No.", "Statement"], [[str(k), t] for k, t in parts["statements"]], widths=(1, 12), size=8.5)
    _heading(pdf, "Method", 14)
    for p in parts["methods"]:
        _para(pdf, p)
    pdf.add_page()
    _heading(pdf, "Results", 14)
    for tab in parts["tables"]:
        header, rows, bold = table_rows(tab)
        _para(pdf, tab.caption, "B", 10)
        _table(pdf, header, rows, bold=bold, widths=_widths(header), size=7 if len(header) > 7 else 8)
        if tab.note:
            _para(pdf, tab.note, "I", 8.5)
    pdf.add_page()
    _heading(pdf, "Composite Q-sorts", 14)
    for k, (f, cols) in enumerate(parts["composites"].items(), 1):
        header, rows = composite_rows(cols)
        _para(pdf, f"Figure {k}. Composite Q-sort of {content.factor_title(f)}", "B", 10)
        _table(pdf, header, rows, size=9)
        _para(pdf, COMPOSITE_NOTE, "I", 8.5)
    pdf.add_page()
    _heading(pdf, "Factor interpretations", 14)
    for n in parts["narratives"]:
        _heading(pdf, content.factor_title(n.factor), 12)
        if n.summary:
            _para(pdf, n.summary, "I")
        for p in [p for p in n.narrative.split("\n\n") if p.strip()]:
            _para(pdf, p.strip())
        if not n.summary and not n.narrative:
            _para(pdf, "(No narrative written yet.)", "I")
        if n.quotes:
            _para(pdf, "In the participants' own words", "B")
            for s, sc, t in n.quotes:
                pdf.set_x(pdf.l_margin + 6)
                pdf.set_font("Helvetica", "I", 9.5)
                pdf.multi_cell(0, 5, _t(f'"{t}" (statement {s}, placed at {sc:+d})'), new_x="LMARGIN", new_y="NEXT")
                pdf.ln(1)
        if n.authors:
            _para(pdf, "Written by " + ", ".join(n.authors) + ".", "I", 8.5)
    data = bytes(pdf.output())
    if path is not None:
        Path(path).write_bytes(data)
    return data
