"""Printable material for sorting on paper: statement cards, the score sheet and an instruction sheet.

Face-to-face Q studies (a group room, printed cards on a table, a researcher who types the sort in
afterwards) need three things printed from the study definition:

* an **instruction sheet**: the study's title and instruction, and its link with a QR code for
  those who prefer to sort on their own phone;
* the **score sheet**: the grid, one column per score with as many empty cells as the column holds,
  where the participant (or the researcher) writes statement numbers; a line for the participant's
  code and the date;
* the **statement cards**: one statement per card in large print, numbered 1..N in the study's
  order (the numbers the score sheet and the paper-sort entry use), with dashed cut lines; a picture
  statement's card shows its picture (with its text under it when the study gives one).

In a study with conditions of instruction the instruction sheet and the score sheet are printed once
per condition: the condition's name and instruction on both, and its code after the participant's
code on the sheet (``____-ideal``), so a sheet typed in later is stored under its condition.

:func:`print_pack` returns one A4 PDF holding the parts asked for, in the study's language.
"""
from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..errors import QMethodError
from ..study.model import Condition, Study

__all__ = ["PARTS", "print_pack", "statement_numbers"]

#: The parts of the pack, in the order they are printed.
PARTS: tuple[str, ...] = ("instructions", "score_sheet", "cards")

_TEXTS: dict[str, dict[str, str]] = {
    "nb": {
        "instructions": "Slik gjør du det",
        "link": "Vil du heller sortere på mobilen? Skann koden eller gå til:",
        "score_sheet": "Svarark",
        "code": "Deltakerkode",
        "date": "Dato",
        "write": "Skriv nummeret på hvert kort i en rute i kolonnen der du la kortet.",
        "disagree": "Mest uenig",
        "agree": "Mest enig",
        "cards": "Utsagnskort",
        "cut": "Klipp langs de stiplede linjene.",
        "of": "av",
        "condition": "Betingelse",
    },
    "en": {
        "instructions": "How to take part",
        "link": "Would you rather sort on your phone? Scan the code or go to:",
        "score_sheet": "Score sheet",
        "code": "Participant code",
        "date": "Date",
        "write": "Write the number of each card in a box of the column where you placed it.",
        "disagree": "Most disagree",
        "agree": "Most agree",
        "cards": "Statement cards",
        "cut": "Cut along the dashed lines.",
        "of": "of",
        "condition": "Condition",
    },
}

# DejaVu Sans covers every script a study is likely to use; without it the PDF core font (Helvetica,
# Windows-1252: every Norwegian letter) is used and other characters are replaced.
_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu",)


def statement_numbers(study: Study) -> dict[int, str]:
    """Card number (1..N, the study's order) -> statement id."""
    return {i: s.id for i, s in enumerate(study.statements, start=1)}


def print_pack(study: Study, *, language: str | None = None, url: str | None = None,
               parts: Sequence[str] = PARTS, pictures: Mapping[str, bytes] | None = None,
               path: str | Path | None = None) -> bytes:
    """The printable material of ``study`` as an A4 PDF.

    Parameters
    ----------
    study : Study
        The study definition.
    language : str, optional
        One of ``study.languages``; default ``study.default_language``.
    url : str, optional
        The study's participant link, printed with a QR code on the instruction sheet (left out
        when not given).
    parts : sequence of str, default all of :data:`PARTS`
        Which parts to print, in the order of :data:`PARTS`. In a study with conditions of
        instruction, the instructions and the score sheet come once per condition (instruction
        sheet, then score sheet, condition by condition).
    pictures : mapping of statement id -> bytes, optional
        The pictures of picture statements (PNG, JPEG or WebP; as
        :func:`qmethod.service.statement_pictures` or :func:`qmethod.study.images.read_image` give
        them), printed on their cards; a picture statement without one gets its text (alt text).
    path : str or Path, optional
        Also write the PDF there.

    Returns
    -------
    bytes
        The PDF document.

    Raises
    ------
    QMethodError
        An unknown language or part.
    """
    from fpdf import FPDF

    lang = language or study.default_language
    if lang not in study.languages:
        raise QMethodError(f"The study has no texts in {lang!r}; choose one of {', '.join(study.languages)}.")
    unknown = [p for p in parts if p not in PARTS]
    if unknown or not parts:
        raise QMethodError(f"Unknown part(s) {unknown}; choose from {', '.join(PARTS)}.")
    t = _TEXTS.get(lang, _TEXTS["en"])

    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_title(_text(study.title, lang))
    font = _set_up_font(pdf)
    clean = (lambda s: s) if font != "helvetica" else _cp1252

    conditions: Sequence[Condition | None] = study.conditions or (None,)
    for i, condition in enumerate(conditions, start=1):
        heading = (f"{t['condition']} {i} {t['of']} {len(conditions)}: {condition.id}" if condition is not None
                   else None)
        if "instructions" in parts:
            _instructions(pdf, study.for_condition(condition and condition.id), lang, url, t, font, clean, heading)
        if "score_sheet" in parts:
            _score_sheet(pdf, study, lang, t, font, clean, heading, condition and condition.id)
    if "cards" in parts:
        _cards(pdf, study, lang, t, font, clean, pictures or {})
    data = bytes(pdf.output())
    if path is not None:
        Path(path).write_bytes(data)
    return data


def _set_up_font(pdf) -> str:
    for folder in _FONT_DIRS:
        regular, bold = Path(folder, "DejaVuSans.ttf"), Path(folder, "DejaVuSans-Bold.ttf")
        if regular.exists() and bold.exists():
            pdf.add_font("dejavu", "", str(regular))
            pdf.add_font("dejavu", "B", str(bold))
            return "dejavu"
    return "helvetica"


def _cp1252(s: str) -> str:
    return s.encode("cp1252", errors="replace").decode("cp1252")


def _text(texts: dict[str, str], lang: str) -> str:
    return texts.get(lang) or next(iter(texts.values()), "")


def _instructions(pdf, study: Study, lang: str, url: str | None, t, font: str, clean,
                  heading: str | None) -> None:
    pdf.add_page(orientation="portrait")
    pdf.set_font(font, "B", 22)
    pdf.multi_cell(0, 10, clean(_text(study.title, lang)), align="L", new_x="LMARGIN", new_y="NEXT")
    if heading:
        pdf.set_font(font, "B", 18)
        pdf.multi_cell(0, 10, clean(heading), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(font, "B", 16)
    pdf.cell(0, 9, clean(t["instructions"]), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, "", 14)
    pdf.multi_cell(0, 7.5, clean(_plain(_text(study.instruction, lang))), align="L", new_x="LMARGIN", new_y="NEXT")
    if url:
        import segno

        pdf.ln(6)
        pdf.set_font(font, "", 13)
        pdf.multi_cell(0, 7, clean(t["link"]), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(font, "B", 13)
        pdf.multi_cell(0, 7, clean(url), align="L", new_x="LMARGIN", new_y="NEXT")
        buf = io.BytesIO()
        segno.make(url, error="m").save(buf, kind="png", scale=10, border=4)
        buf.seek(0)
        pdf.image(buf, x=pdf.l_margin, y=pdf.get_y() + 3, w=50, h=50)


def _score_sheet(pdf, study: Study, lang: str, t, font: str, clean, heading: str | None,
                 condition: str | None) -> None:
    pdf.add_page(orientation="landscape")
    left, top = pdf.l_margin, pdf.t_margin
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_font(font, "B", 18)
    pdf.cell(0, 9, clean(f"{t['score_sheet']}: {_text(study.title, lang)}"), align="L", new_x="LMARGIN", new_y="NEXT")
    if heading:
        pdf.set_font(font, "B", 14)
        pdf.cell(0, 8, clean(heading), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, "", 13)
    suffix = f"-{condition}" if condition else ""
    pdf.cell(width / 2, 9, clean(f"{t['code']}: ____________________{suffix}"))
    pdf.cell(width / 2, 9, clean(f"{t['date']}: ______________"), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, "", 11)
    pdf.multi_cell(0, 6, clean(t["write"]), align="L", new_x="LMARGIN", new_y="NEXT")
    columns = study.grid.columns
    col_w = width / len(columns)
    head_y = pdf.get_y() + 2
    tallest = max(c.count for c in columns)
    bottom = pdf.h - pdf.b_margin - 8
    cell_h = min(14.0, (bottom - head_y - 14) / tallest)
    for i, col in enumerate(columns):
        x = left + i * col_w
        pdf.set_xy(x, head_y)
        pdf.set_font(font, "B", 14)
        score = f"+{col.score}" if col.score > 0 else str(col.score)
        pdf.cell(col_w, 7, score, align="C")
        pdf.set_xy(x, head_y + 7)
        pdf.set_font(font, "", 8)
        label = _text(col.label, lang) if col.label else f"({col.count})"
        pdf.cell(col_w, 5, clean(label)[:22], align="C")
        for r in range(col.count):
            pdf.rect(x + 1.5, head_y + 14 + r * cell_h, col_w - 3, cell_h - 1.5)
    pdf.set_font(font, "", 11)
    pdf.set_xy(left, bottom + 1)
    # the study's own end labels in the sheet's language ("Minst lik meg" / "Mest lik meg"), else ours
    low = _text(columns[0].label, lang) if columns[0].label else t["disagree"]
    high = _text(columns[-1].label, lang) if columns[-1].label else t["agree"]
    pdf.cell(width / 2, 6, clean(f"<- {low}"))
    pdf.cell(width / 2, 6, clean(f"{high} ->"), align="R")
    del top


def _cards(pdf, study: Study, lang: str, t, font: str, clean, pictures: Mapping[str, bytes]) -> None:
    cols, rows = 2, 4
    n = len(study.statements)
    per_page = cols * rows
    margin = 10.0
    card_w = (210 - 2 * margin) / cols
    card_h = (297 - 2 * margin - 8) / rows
    for start in range(0, n, per_page):
        pdf.add_page(orientation="portrait")
        pdf.set_font(font, "", 9)
        pdf.set_xy(margin, 4)
        page_no = start // per_page + 1
        pages = -(-n // per_page)
        pdf.cell(0, 5, clean(f"{t['cards']} {page_no} {t['of']} {pages}. {t['cut']}"))
        pdf.set_dash_pattern(dash=2, gap=2)
        pdf.set_draw_color(120, 120, 120)
        for c in range(cols + 1):
            x = margin + c * card_w
            pdf.line(x, margin, x, margin + rows * card_h)
        for r in range(rows + 1):
            y = margin + r * card_h
            pdf.line(margin, y, margin + cols * card_w, y)
        pdf.set_dash_pattern()
        pdf.set_draw_color(0, 0, 0)
        for k, statement in enumerate(study.statements[start:start + per_page]):
            number = start + k + 1
            x = margin + (k % cols) * card_w
            y = margin + (k // cols) * card_h
            pdf.set_xy(x + 4, y + 3)
            pdf.set_font(font, "B", 20)
            pdf.cell(card_w - 8, 9, str(number))
            inner_w, inner_h = card_w - 10, card_h - 17
            picture = pictures.get(statement.id) if statement.image is not None else None
            text = clean(_text(statement.text, lang))
            if picture is not None:
                # the picture fills the card, or its upper two thirds when the study gives a text too
                pic_h = inner_h * (0.66 if statement.image.caption else 1.0)  # type: ignore[union-attr]
                pdf.image(io.BytesIO(picture), x=x + 5, y=y + 14, w=inner_w, h=pic_h, keep_aspect_ratio=True)
                if not statement.image.caption:  # type: ignore[union-attr]
                    continue
                y, inner_h = y + pic_h + 2, inner_h - pic_h - 2
            _fit_text(pdf, font, text, x + 5, y + 14, inner_w, inner_h)


def _fit_text(pdf, font: str, text: str, x: float, y: float, w: float, h: float) -> None:
    """``text`` in the box at ``(x, y)``, in the largest size from 18 pt down to 10 pt that fits."""
    size = 18.0
    while size > 10:
        pdf.set_font(font, "", size)
        lines = pdf.multi_cell(w, size * 0.47, text, align="L", dry_run=True, output="LINES")
        if len(lines) * size * 0.47 <= h:
            break
        size -= 1
    pdf.set_xy(x, y)
    pdf.multi_cell(w, size * 0.47, text, align="L")


def _plain(text: str) -> str:
    """Study texts are Markdown: paragraphs joined into lines, emphasis marks and heading hashes dropped."""
    paragraphs = []
    for block in text.strip().split("\n\n"):
        lines = [ln.strip().lstrip("#").strip() for ln in block.splitlines() if ln.strip()]
        if lines and all(ln.startswith(("- ", "* ")) for ln in lines):
            paragraphs.append("\n".join("\u2022 " + ln[2:] for ln in lines))
        else:
            paragraphs.append(" ".join(lines))
    return "\n\n".join(p.replace("**", "").replace("__", "") for p in paragraphs)
