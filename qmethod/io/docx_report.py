"""The report as a Word document (python-docx): study summary, methods, journal tables, composite
Q-sorts and the team's factor narratives, from :mod:`qmethod.io.manuscript`.

Tables are real Word tables in journal style (a rule above and below the header and under the last
row, no grid; columns of numbers right-aligned; the header row repeated on every page), captioned in
Word's Caption style, so they paste into a manuscript unchanged; defining sorts are bold in the
loadings table. Composite Q-sorts are
drawn as their quasi-normal grid (a landscape section): one column per grid value with its statements
stacked from the top, only the grid's places bordered and shaded. The page is A4 (as the PDF); the
study's texts (title, statements, the team's texts, the participants' words) are marked with the
study's language (``nb-NO`` for bokmål), so Word checks their spelling in that language, the report's
own words stay English.
"""
from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor, Twips

from .manuscript import (COMPOSITE_NOTE, CompositeCell, ReportContent, attribution, composite_fill, numeric_columns,
                         reason_parts, sections, signed, table_rows)

__all__ = ["write_docx"]

#: A4 in twentieths of a point (210 x 297 mm)
_A4 = (Twips(11906), Twips(16838))
#: the language tags Word's proofing uses for the study's language codes (others as they are)
_WORD_LANGUAGE = {"nb": "nb-NO", "no": "nb-NO", "nn": "nn-NO", "se": "se-NO", "en": "en-US", "sv": "sv-SE",
                  "da": "da-DK", "fi": "fi-FI", "de": "de-DE", "fr": "fr-FR", "es": "es-ES", "pl": "pl-PL",
                  "ar": "ar-SA", "so": "so-SO", "uk": "uk-UA"}


def _language(runs, tag: str) -> None:
    """Mark ``runs`` as written in the language ``tag`` (``nb-NO``), for Word's spelling and grammar."""
    for run in runs:
        r_pr = run._r.get_or_add_rPr()
        for old in r_pr.findall(qn("w:lang")):
            r_pr.remove(old)
        el = OxmlElement("w:lang")
        el.set(qn("w:val"), tag)
        r_pr.append(el)


def _table(doc, header: list[str], rows: list[list[str]], *, bold=(), font: float = 9, lang: str = ""):
    """A journal-style table: a rule above and below the header row and one under the last row, no
    other lines; columns of numbers right-aligned (header included); the header repeated on every page.
    The cells of the Statement column are marked as written in ``lang`` (a Word language tag)."""
    t = doc.add_table(rows=1, cols=len(header))
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    _rules(t)
    right = numeric_columns(rows)
    for j, (cell, text) in enumerate(zip(t.rows[0].cells, header)):
        cell.text = ""
        par = cell.paragraphs[0]
        run = par.add_run(str(text))
        run.bold = True
        run.font.size = Pt(font)
        if j in right:
            par.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        cell._tc.get_or_add_tcPr().append(_edges("w:tcBorders", {"bottom": "single"}))
    _repeat_header(t)
    for i, values in enumerate(rows):
        cells = t.add_row().cells
        for j, (cell, text) in enumerate(zip(cells, values)):
            par = cell.paragraphs[0]
            run = par.add_run(str(text))
            run.font.size = Pt(font)
            run.bold = (i, j) in bold
            if lang and header[j] == "Statement":
                _language([run], lang)
            if j in right:
                par.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return t


def _rules(t) -> None:
    """Table borders as journals print them: a rule at the top and at the bottom, no vertical lines
    and no lines between the rows (the rule under the header is set on its cells)."""
    t._tbl.tblPr.append(_edges("w:tblBorders", {"top": "single", "left": "nil", "bottom": "single", "right": "nil",
                                                "insideH": "nil", "insideV": "nil"}, size="8"))


def _edges(tag: str, values: dict[str, str], *, size: str = "4", color: str = "000000"):
    """A borders element (``w:tblBorders`` or ``w:tcBorders``): edge -> ``single`` or ``nil``."""
    out = OxmlElement(tag)
    for edge, val in values.items():
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), val)
        if val != "nil":
            el.set(qn("w:sz"), size)
            el.set(qn("w:color"), color)
        out.append(el)
    return out


def _caption(doc, text: str):
    """A table's or figure's caption in Word's Caption style, kept with what follows it."""
    par = doc.add_paragraph(text, style="Caption")
    par.paragraph_format.keep_with_next = True
    return par


def _cell_look(cell, *, borders: bool, fill: str | None = None) -> None:
    """Draw ``cell`` as a place of the grid (single borders, shaded) or leave it out (no borders)."""
    tc_pr = cell._tc.get_or_add_tcPr()
    tc_pr.append(_edges("w:tcBorders", dict.fromkeys(("top", "left", "bottom", "right"), "single" if borders else "nil"),
                        size="6", color="8C959F"))
    if fill:
        shd = OxmlElement("w:shd")
        shd.set(qn("w:val"), "clear")
        shd.set(qn("w:color"), "auto")
        shd.set(qn("w:fill"), fill)
        tc_pr.append(shd)


def _grid(doc, cols: dict[int, list[CompositeCell]], lang: str = ""):
    """A composite Q-sort drawn as its quasi-normal grid: one column per grid value, the header row
    with the values, each column's statements stacked from the top (number and marks in bold, then the
    text), and only the grid's places drawn (the cells below a column's last place have no borders)."""
    values = sorted(cols)
    depth = max((len(c) for c in cols.values()), default=0)
    t = doc.add_table(rows=1 + depth, cols=len(values))
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    width = Cm(min(2.8, 24.0 / max(1, len(values))))
    size = Pt(6.5 if len(values) > 9 else 7)
    _repeat_header(t)
    for j, v in enumerate(values):
        head = t.cell(0, j)
        head.width = width
        par = head.paragraphs[0]
        par.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = par.add_run(signed(v))
        run.bold = True
        run.font.size = Pt(9)
        _cell_look(head, borders=False)
        for i in range(depth):
            cell = t.cell(1 + i, j)
            cell.width = width
            if i >= len(cols[v]):
                _cell_look(cell, borders=False)
                continue
            c = cols[v][i]
            _cell_look(cell, borders=True, fill=composite_fill(c))
            first = cell.paragraphs[0]
            r = first.add_run(c.label)
            r.bold = True
            r.font.size = Pt(8)
            r = cell.add_paragraph().add_run(c.text)
            r.font.size = size
            if lang:
                _language([r], lang)
    return t


def _repeat_header(t) -> None:
    tr_pr = t.rows[0]._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _orientation(doc, *, landscape: bool) -> None:
    """Start a new section, in landscape or portrait (the document's size, A4, turned)."""
    sec = doc.add_section(WD_SECTION.NEW_PAGE)
    w, h = sec.page_width, sec.page_height
    if landscape != (w > h):
        sec.page_width, sec.page_height = h, w
    sec.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT


def write_docx(content: ReportContent, path: str | Path | None = None) -> bytes:
    """The report as DOCX bytes (also written to ``path`` when given)."""
    parts = sections(content)
    doc = Document()
    doc.sections[0].page_width, doc.sections[0].page_height = _A4  # python-docx's template is US Letter
    lang = _WORD_LANGUAGE.get(content.language, content.language)  # the study's texts; the report's words: English
    doc.styles["Normal"].font.name = "Calibri"
    doc.styles["Normal"].font.size = Pt(11)
    caption = doc.styles["Caption"].font  # journal captions: black, the text's size, bold
    caption.color.rgb, caption.size, caption.bold, caption.italic = RGBColor(0, 0, 0), Pt(10), True, False
    _language(doc.add_heading(parts["title"], level=0).runs, lang)
    doc.add_heading("Study summary", level=1)
    for line in parts["summary"]:
        doc.add_paragraph(line, style="List Bullet")
    doc.add_heading("Statements", level=2)
    _table(doc, ["No.", "Statement"], [[str(k), t] for k, t in parts["statements"]], lang=lang)
    doc.add_heading("Method", level=1)
    for para in parts["methods"]:
        par = doc.add_paragraph()
        for text, own in reason_parts(para, content):
            run = par.add_run(text)
            if own:
                _language([run], lang)
    doc.add_heading("Results", level=1)
    for tab in parts["tables"]:
        _caption(doc, tab.caption)
        header, rows, bold = table_rows(tab)
        _table(doc, header, rows, bold=bold, font=8 if len(header) > 6 else 9, lang=lang)
        if tab.note:
            doc.add_paragraph().add_run(tab.note).italic = True
    _orientation(doc, landscape=True)  # the grids are wide: a landscape section of their own
    doc.add_heading("Composite Q-sorts", level=1)
    for k, (f, cols) in enumerate(parts["composites"].items(), 1):
        name = content.narratives[f].name if f in content.narratives else ""
        par = _caption(doc, f"Figure {k}. Composite Q-sort of {f}" + (": " if name else ""))
        _language([par.add_run(name)] if name else [], lang)
        _grid(doc, cols, lang)
        doc.add_paragraph().add_run(COMPOSITE_NOTE).italic = True
    _orientation(doc, landscape=False)
    doc.add_heading("Factor interpretations", level=1)
    for n in parts["narratives"]:
        _language(doc.add_heading(content.factor_title(n.factor), level=2).runs, lang)
        if n.summary:
            run = doc.add_paragraph().add_run(n.summary)
            run.italic = True
            _language([run], lang)
        for para in [p for p in n.narrative.split("\n\n") if p.strip()]:
            _language(doc.add_paragraph(para.strip()).runs, lang)
        if not n.summary and not n.narrative:
            doc.add_paragraph("(No narrative written yet.)")
        if n.quotes:
            doc.add_paragraph().add_run("In the participants' own words").bold = True
            for sid, score, text in n.quotes:
                par = doc.add_paragraph(style="Quote")
                _language([par.add_run(f"“{text}”")], lang)
                par.add_run(f" (statement {sid}, placed at {signed(score)})")
        if attribution(n):
            doc.add_paragraph().add_run(attribution(n)).italic = True
    doc.add_heading("References", level=1)
    for ref in parts["references"]:
        doc.add_paragraph(ref)
    buf = io.BytesIO()
    doc.save(buf)
    data = buf.getvalue()
    if path is not None:
        Path(path).write_bytes(data)
    return data
