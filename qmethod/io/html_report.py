"""The report as one self-contained HTML page (for the web, printable) and as Markdown.

Same content as the DOCX (:mod:`qmethod.io.manuscript`); every text is escaped (in Markdown also
Markdown's own signs, so the team's and the participants' words never become HTML, links or
formatting); nothing is loaded from another host. Tables are journal style (rules above and below
the header and under the last row, columns of numbers right-aligned), with captions and header cells
for screen readers. A composite Q-sort is a
figure drawn as its quasi-normal grid (a column per grid value, its statements stacked in boxes; each
column a list for screen readers); in Markdown it stays a table of statement numbers.
"""
from __future__ import annotations

import html
import re

from .manuscript import (COMPOSITE_NOTE, CompositeCell, ReportContent, attribution, composite_rows, numeric_columns,
                         reason_parts, sections, signed, table_rows)

__all__ = ["write_html", "write_markdown"]

_CSS = """
body{font-family:Georgia,'Times New Roman',serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1f2328;line-height:1.5}
h1,h2,h3{font-family:Helvetica,Arial,sans-serif}
table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:.85rem}
table{border-top:2px solid #1f2328;border-bottom:2px solid #1f2328}
th,td{padding:.2rem .45rem;vertical-align:top;text-align:left} thead th{border-bottom:1px solid #1f2328}
caption{caption-side:top;text-align:left;font-weight:bold;padding:.3rem 0}
.num{text-align:right} .note{font-style:italic;font-size:.85rem}
blockquote{margin:.3rem 0 .3rem 1rem;padding-left:.7rem;border-left:3px solid #8c959f}
figure.qsort{margin:.5rem 0 1.5rem} figcaption{font-weight:bold;padding:.3rem 0}
.qgrid{display:grid;gap:3px;align-items:start;font-family:Helvetica,Arial,sans-serif}
.qhead{text-align:center;font-weight:bold;padding:.1rem 0 .25rem}
.qcells{list-style:none;margin:0;padding:0}
.qcell{border:1px solid #8c959f;border-radius:3px;padding:.2rem .25rem;margin:0 0 3px;font-size:.68rem;line-height:1.25;
min-height:3.2rem;overflow-wrap:anywhere}
.qcell b{display:block;font-size:.78rem}.qcell.pos{background:#ddf4ff}.qcell.neg{background:#ffebe9}
.qcell.mid{background:#f6f8fa}.qcell.cons{background:#eaeef2}
@media print{body{margin:0;max-width:none}table,blockquote,figure{break-inside:avoid}h2{break-before:page}}
"""


def _e(x) -> str:
    return html.escape(str(x))


def _lang(lang: str) -> str:
    """The ``lang`` attribute of a text in ``lang`` inside the English report ("" for English)."""
    return f' lang="{_e(lang)}"' if lang and lang != "en" else ""


def _in(x, lang: str) -> str:
    """A text escaped, marked with its language when that is not the report's (English)."""
    return f"<span{_lang(lang)}>{_e(x)}</span>" if _lang(lang) else _e(x)


def _html_table(caption: str, header: list[str], rows: list[list[str]], *, bold=frozenset(), note: str = "",
                lang: str = "en") -> str:
    """A journal table; the cells of its Statement column are marked as written in ``lang``."""
    right = numeric_columns(rows)
    texts = {j for j, h in enumerate(header) if h == "Statement"}

    def num(j: int) -> str:
        return ' class="num"' if j in right else ""

    out = [f"<table><caption>{_e(caption)}</caption><thead><tr>"]
    out += [f'<th scope="col"{num(j)}>{_e(h)}</th>' for j, h in enumerate(header)]
    out.append("</tr></thead><tbody>")
    for i, row in enumerate(rows):
        cells = [f'<th scope="row"{num(0)}>{_e(row[0])}</th>']
        for j, v in enumerate(row[1:], 1):
            text = f"<strong>{_e(v)}</strong>" if (i, j) in bold else _e(v)
            cells.append(f"<td{num(j)}{_lang(lang) if j in texts else ''}>{text}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    if note:
        out.append(f'<p class="note">{_e(note)}</p>')
    return "".join(out)


def _grid_figure(caption: str, cols: dict[int, list[CompositeCell]], ident: str, lang: str = "en") -> str:
    """A composite Q-sort drawn as its quasi-normal grid (CSS grid): a column per grid value, the value
    on top, the statements stacked below as boxes (number and marks, then the text). For screen
    readers each column is a list named by its value. ``caption`` is HTML; the statements' texts are
    marked as written in ``lang``."""
    values = sorted(cols)
    out = [f'<figure class="qsort" aria-labelledby="{ident}"><figcaption id="{ident}">{caption}</figcaption>',
           f'<div class="qgrid" style="grid-template-columns:repeat({len(values)},minmax(0,1fr))">']
    for v in values:
        n = len(cols[v])
        out.append(f'<div class="qcol" data-value="{v}"><div class="qhead" aria-hidden="true">{_e(signed(v))}</div>'
                   f'<ol class="qcells" aria-label="Column {_e(signed(v))}, {n} statement{"s" if n != 1 else ""}">')
        side = "pos" if v > 0 else "neg" if v < 0 else "mid"
        for c in cols[v]:
            out.append(f'<li class="qcell {"cons" if c.consensus else side}"><b>{_e(c.label)}</b> {_in(c.text, lang)}</li>')
        out.append("</ol></div>")
    out.append(f'</div><p class="note">{_e(COMPOSITE_NOTE)}</p></figure>')
    return "".join(out)


def write_html(content: ReportContent) -> str:
    """The report as a standalone HTML page (inline CSS with print rules)."""
    parts = sections(content)
    lang = content.language  # the study's texts; the report's own words are English

    def factor(f: str) -> str:  # "F1: name", the name in the study's language
        n = content.narratives.get(f)
        return f"{_e(f)}: {_in(n.name, lang)}" if n is not None and n.name else _e(f)

    methods = [f"<p>{''.join(_in(x, lang) if own else _e(x) for x, own in reason_parts(p, content))}</p>"
               for p in parts["methods"]]  # the team's reason in the study's language
    out = ['<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
           f'<meta name="viewport" content="width=device-width, initial-scale=1"><title{_lang(lang)}>'
           f'{_e(parts["title"])}</title>',
           f"<style>{_CSS}</style></head><body><main>", f"<h1{_lang(lang)}>{_e(parts['title'])}</h1>",
           "<section><h2>Study summary</h2><ul>", *[f"<li>{_e(x)}</li>" for x in parts["summary"]], "</ul>",
           "<h3>Statements</h3><ol>", *[f"<li{_lang(lang)}>{_e(t)}</li>" for _, t in parts["statements"]],
           "</ol></section>",
           "<section><h2>Method</h2>", *methods, "</section>",
           "<section><h2>Results</h2>"]
    for tab in parts["tables"]:
        header, rows, bold = table_rows(tab)
        out.append(_html_table(tab.caption, header, rows, bold=bold, note=tab.note, lang=lang))
    out.append("</section><section><h2>Composite Q-sorts</h2>")
    for k, (f, cols) in enumerate(parts["composites"].items(), 1):
        out.append(_grid_figure(f"Figure {k}. Composite Q-sort of {factor(f)}", cols, f"fig{k}", lang))
    out.append("</section><section><h2>Factor interpretations</h2>")
    for n in parts["narratives"]:
        out.append(f"<article><h3>{factor(n.factor)}</h3>")
        if n.summary:
            out.append(f"<p{_lang(lang)}><em>{_e(n.summary)}</em></p>")
        out += [f"<p{_lang(lang)}>{'<br>'.join(_e(x) for x in p.strip().splitlines() if x.strip())}</p>"
                for p in n.narrative.split("\n\n") if p.strip()]  # its line breaks kept, as in DOCX and PDF
        if n.quotes:
            out.append("<h4>In the participants' own words</h4>")
            out += [f"<blockquote>“{_in(t, lang)}” <small>(statement {_e(s)}, placed at {_e(signed(sc))})</small>"
                    "</blockquote>" for s, sc, t in n.quotes]
        if attribution(n):
            out.append(f'<p class="note">{_e(attribution(n))}</p>')
        out.append("</article>")
    out.append("</section><section><h2>References</h2>")
    out += [f"<p>{_e(ref)}</p>" for ref in parts["references"]]
    out.append("</section></main></body></html>")
    return "\n".join(out)


_MD_INLINE = re.compile(r"([\\`*_\[\]{}|~!#])")
_MD_ENTITY = re.compile(r"&(#?\w+;)")  # only an & that would start an entity is escaped
_MD_LINE_START = re.compile(r"^(>|[-+=](?=\s|$|[-=])|\d+(?=[.)](\s|$)))")


def _md(x) -> str:
    """A text as Markdown shows it literally: < and > (and & before an entity name) as entities (no tag,
    no autolink, no entity), Markdown's
    signs backslash-escaped (no link, emphasis or table cell), no line starting a heading, quote or
    list; line breaks as spaces."""
    text = _MD_ENTITY.sub(r"&amp;\1", " ".join(str(x).split())).replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_INLINE.sub(r"\\\1", text)
    return _MD_LINE_START.sub(lambda m: m.group(1) + "\\" if m.group(1)[0].isdigit() else "\\" + m.group(1), text)


def _md_table(header: list[str], rows: list[list[str]], bold=frozenset()) -> list[str]:
    right = numeric_columns(rows)
    out = ["| " + " | ".join(_md(h) for h in header) + " |",
           "|" + "".join("---:|" if j in right else "---|" for j in range(len(header)))]
    for i, row in enumerate(rows):
        out.append("| " + " | ".join(f"**{_md(v)}**" if (i, j) in bold else _md(v) for j, v in enumerate(row)) + " |")
    return out + [""]


def write_markdown(content: ReportContent) -> str:
    """The report as Markdown (pipe tables, columns of numbers right-aligned). Every text (the team's,
    the participants', the statements) is escaped: it shows as written, never as HTML or a link."""
    parts = sections(content)
    out = [f"# {_md(parts['title'])}", "", "## Study summary", ""]
    out += [f"* {_md(x)}" for x in parts["summary"]] + ["", "### Statements", ""]
    out += [f"{k}. {_md(t)}" for k, t in parts["statements"]] + ["", "## Method", ""]
    for p in parts["methods"]:
        out += [_md(p), ""]
    out += ["## Results", ""]
    for tab in parts["tables"]:
        header, rows, bold = table_rows(tab)
        out += [f"**{_md(tab.caption)}**", ""] + _md_table(header, rows, bold)
        if tab.note:
            out += [f"*{_md(tab.note)}*", ""]
    out += ["## Composite Q-sorts", ""]
    for k, (f, cols) in enumerate(parts["composites"].items(), 1):
        header, rows = composite_rows(cols)
        out += [f"**{_md(f'Figure {k}. Composite Q-sort of {content.factor_title(f)}')}**", ""] + _md_table(header, rows)
        out += [f"*{_md(COMPOSITE_NOTE)}*", ""]
    out += ["## Factor interpretations", ""]
    for n in parts["narratives"]:
        out += [f"### {_md(content.factor_title(n.factor))}", ""]
        if n.summary:
            out += [f"*{_md(n.summary)}*", ""]
        out += ["\\\n".join(_md(x) for x in p.strip().splitlines() if x.strip()) + "\n"  # line breaks kept (hard breaks)
                for p in n.narrative.split("\n\n") if p.strip()]
        if not n.summary and not n.narrative:
            out += ["*(No narrative written yet.)*", ""]
        if n.quotes:
            out += ["**In the participants' own words**", ""]
        for s, sc, t in n.quotes:
            out += ["> " + _md(f"“{t}” (statement {s}, placed at {signed(sc)})"), ""]
        if attribution(n):
            out += [f"*{_md(attribution(n))}*", ""]
    out += ["## References", ""]
    for ref in parts["references"]:
        out += [_md(ref), ""]
    return "\n".join(out)
