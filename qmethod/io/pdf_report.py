"""The report as PDF, drawn with fpdf2 (pure Python; no office suite needed), from the same content as
the DOCX (:mod:`qmethod.io.manuscript`).

The text is set in DejaVu Sans, embedded (subset), so the minus sign, √, ▲/▼ and every letter print
as written: the font files are taken from matplotlib's data when it is installed, or from the
system's fonts (Debian: ``fonts-dejavu-core``; the oblique styles from ``fonts-dejavu-extra``, else the
upright ones are used). Without them the built-in Helvetica is used, which covers Latin-1 only
(Norwegian æ, ø, å included): the other signs are then written as their nearest Latin-1 equivalent
(− as -, ▲/▼ as ^/v, √ as sqrt). Tables are in journal style (rules above and below the header and
under the last row; columns of numbers right-aligned). Composite Q-sorts are drawn as their
quasi-normal grid, one landscape page each.
"""
from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from fpdf.enums import TableBordersLayout, TableCellStyle
from fpdf.fonts import FontFace

from .manuscript import (COMPOSITE_NOTE, CompositeCell, ReportContent, attribution, composite_fill, numeric_columns,
                         sections, signed, table_rows)

__all__ = ["write_pdf", "unicode_font"]

#: the font files of DejaVu Sans per fpdf2 style, the first of each list that exists is used
_STYLES = {"": ("DejaVuSans.ttf",), "B": ("DejaVuSans-Bold.ttf",), "I": ("DejaVuSans-Oblique.ttf", "DejaVuSans.ttf"),
           "BI": ("DejaVuSans-BoldOblique.ttf", "DejaVuSans-Bold.ttf")}
_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/TTF", "/usr/share/fonts/dejavu",
              "/usr/share/fonts/dejavu-sans-fonts", "/usr/local/share/fonts", "/Library/Fonts")


def unicode_font() -> dict[str, Path] | None:
    """The DejaVu Sans files the PDF embeds (fpdf2 style -> file), or None when not found (the PDF then
    uses Helvetica, Latin-1 only). Looked for in matplotlib's data (when installed), then the system's
    font folders."""
    dirs = []
    try:
        import matplotlib

        dirs.append(Path(matplotlib.get_data_path()) / "fonts" / "ttf")
    except Exception:  # noqa: BLE001 - matplotlib is optional
        pass
    dirs += [Path(d) for d in _FONT_DIRS]
    for d in dirs:
        found = {style: next((d / n for n in names if (d / n).is_file()), None) for style, names in _STYLES.items()}
        if all(found.values()):
            return found
    return None

_MAP = str.maketrans({"−": "-", "–": "-", "—": "-", "…": "...", "▲": "^", "▼": "v", "√": "sqrt ", "≥": ">=",
                      "≤": "<=", "“": '"', "”": '"', "‘": "'", "’": "'", "•": "-", "\u00a0": " "})


class _Report(FPDF):
    title_text = ""
    family = "Helvetica"

    def use_unicode_font(self) -> bool:
        files = unicode_font()
        if files is None:
            return False
        for style, path in files.items():
            self.add_font("DejaVu", style, str(path))
        self.family = "DejaVu"
        return True

    def t(self, x) -> str:
        """A text as the font can print it (as it is with DejaVu; Latin-1 equivalents with Helvetica)."""
        if self.family != "Helvetica":
            return str(x).replace("\u00a0", " ")
        return str(x).translate(_MAP).encode("latin-1", "replace").decode("latin-1")

    def set_font(self, family=None, style="", size=0) -> None:  # every text in the report's one family
        super().set_font(self.family if family else family, style, size)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.set_text_color(100)
        self.cell(0, 8, self.t(f"{self.title_text} – page {self.page_no()}"), align="C")
        self.set_text_color(0)


class _JournalRules(TableBordersLayout):
    """A rule above the header, one below it and one under the last row; nothing else."""

    def cell_style_getter(self, row_idx, col_idx, col_pos, num_heading_rows, num_rows, num_col_idx,
                          num_col_pos) -> TableCellStyle:
        return TableCellStyle(left=False, right=False, top=row_idx == 0,
                              bottom=row_idx == num_heading_rows - 1 or row_idx == num_rows - 1)


def _heading(pdf: FPDF, text: str, size: float) -> None:
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", size)
    pdf.multi_cell(0, size * 0.55, pdf.t(text), align="L", new_x="LMARGIN", new_y="NEXT")  # never justified
    pdf.ln(1)
    pdf.set_font("Helvetica", size=10)


def _para(pdf: FPDF, text: str, style: str = "", size: float = 10, align: str = "J") -> None:
    pdf.set_font("Helvetica", style, size)
    pdf.multi_cell(0, size * 0.5, pdf.t(text), align=align, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1.5)
    pdf.set_font("Helvetica", size=10)


def _table(pdf: FPDF, header: list[str], rows: list[list[str]], *, bold=frozenset(), widths=None, size: float = 8):
    pdf.set_font("Helvetica", size=size)
    kw = {"col_widths": widths} if widths else {}
    right = numeric_columns(rows)
    align = tuple("RIGHT" if j in right else "LEFT" for j in range(len(header)))
    with pdf.table(headings_style=FontFace(emphasis="BOLD"), line_height=size * 0.5, text_align=align,
                   borders_layout=_JournalRules(), **kw) as table:
        r = table.row()
        for h in header:
            r.cell(pdf.t(h))
        for i, row in enumerate(rows):
            r = table.row()
            for j, v in enumerate(row):
                r.cell(pdf.t(v), style=FontFace(emphasis="BOLD") if (i, j) in bold else None)
    pdf.ln(1)
    pdf.set_font("Helvetica", size=10)


def _widths(header: list[str]) -> tuple[float, ...] | None:
    if "Statement" not in header:
        return None
    return tuple(5.0 if h == "Statement" else 1.3 if h in ("No.", "Factor") else 1.6 for h in header)


def _grid(pdf: FPDF, cols: dict[int, list[CompositeCell]]) -> None:
    """A composite Q-sort drawn as its quasi-normal grid: a column per grid value, the value above it,
    its statements stacked from the top as boxes (number and marks in bold, then the text), only the
    grid's places drawn. The texts are left out (numbers only) when the grid would not fit the page."""
    values = sorted(cols)
    gap = 1.2
    room = pdf.w - pdf.l_margin - pdf.r_margin
    cw = min(32.0, (room - gap * (len(values) - 1)) / max(1, len(values)))
    depth = max((len(c) for c in cols.values()), default=0)
    size, lh = 6.5, 2.7
    pdf.set_font("Helvetica", size=size)

    def lines(text: str) -> list[str]:
        return pdf.multi_cell(cw - 2, lh, pdf.t(text), align="L", dry_run=True, output="LINES")

    most = max((len(lines(c.text)) for col in cols.values() for c in col), default=0)
    ch = 5.0 + most * lh
    with_text = pdf.get_y() + 7 + depth * (ch + gap) <= pdf.h - pdf.b_margin - 12
    if not with_text:
        ch = 6.0
    x0 = pdf.l_margin + (room - len(values) * cw - gap * (len(values) - 1)) / 2
    top = pdf.get_y()
    pdf.set_font("Helvetica", "B", 9)
    for j, v in enumerate(values):
        pdf.set_xy(x0 + j * (cw + gap), top)
        pdf.cell(cw, 5, pdf.t(signed(v)), align="C")
    y0 = top + 6.5
    pdf.set_draw_color(140, 149, 159)
    for j, v in enumerate(values):
        x = x0 + j * (cw + gap)
        for i, c in enumerate(cols[v]):
            y = y0 + i * (ch + gap)
            fill = composite_fill(c)
            pdf.set_fill_color(*(int(fill[k:k + 2], 16) for k in (0, 2, 4)))
            pdf.rect(x, y, cw, ch, style="DF")
            pdf.set_xy(x + 1, y + 0.8)
            pdf.set_font("Helvetica", "B", 8)
            pdf.cell(cw - 2, 3.4, pdf.t(c.label))
            if with_text:
                pdf.set_font("Helvetica", size=size)
                pdf.set_xy(x + 1, y + 4.4)
                pdf.multi_cell(cw - 2, lh, pdf.t(c.text), align="L")
    pdf.set_draw_color(0)
    pdf.set_xy(pdf.l_margin, y0 + depth * (ch + gap) + 2)
    pdf.set_font("Helvetica", size=10)


def write_pdf(content: ReportContent, path: str | Path | None = None) -> bytes:
    """The report as PDF bytes (A4; also written to ``path`` when given)."""
    parts = sections(content)
    pdf = _Report(format="A4")
    pdf.use_unicode_font()
    pdf.title_text = parts["title"]
    pdf.set_title(pdf.t(parts["title"]))
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=16)
    pdf.add_page()
    _heading(pdf, parts["title"], 18)
    _heading(pdf, "Study summary", 14)
    for line in parts["summary"]:
        _para(pdf, "• " + line)
    _heading(pdf, "Statements", 12)
    _table(pdf, ["No.", "Statement"], [[str(k), t] for k, t in parts["statements"]], widths=(1, 12), size=8.5)
    _heading(pdf, "Method", 14)
    for p in parts["methods"]:
        _para(pdf, p)
    pdf.add_page()
    _heading(pdf, "Results", 14)
    for tab in parts["tables"]:
        header, rows, bold = table_rows(tab)
        _para(pdf, tab.caption, "B", 10, align="L")
        _table(pdf, header, rows, bold=bold, widths=_widths(header), size=7 if len(header) > 7 else 8)
        if tab.note:
            _para(pdf, tab.note, "I", 8.5)
    if parts["composites"]:  # (the heading here: on a figure's page it left too little room for the texts)
        _heading(pdf, "Composite Q-sorts", 14)
        _para(pdf, "Each factor's composite Q-sort follows on a landscape page of its own.")
    for k, (f, cols) in enumerate(parts["composites"].items(), 1):
        pdf.add_page(orientation="L")  # one grid per landscape page
        _para(pdf, f"Figure {k}. Composite Q-sort of {content.factor_title(f)}", "B", 10, align="L")
        _grid(pdf, cols)
        _para(pdf, COMPOSITE_NOTE, "I", 8.5)
    pdf.add_page(orientation="P")
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
                pdf.multi_cell(0, 5, pdf.t(f"“{t}” (statement {s}, placed at {signed(sc)})"), new_x="LMARGIN",
                               new_y="NEXT")
                pdf.ln(1)
        if attribution(n):
            _para(pdf, attribution(n), "I", 8.5)
    _heading(pdf, "References", 14)
    for ref in parts["references"]:
        _para(pdf, ref, size=9.5)
    data = bytes(pdf.output())
    if path is not None:
        Path(path).write_bytes(data)
    return data
