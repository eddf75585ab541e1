"""Showing participant-provided and statement texts safely in Streamlit markdown."""
from __future__ import annotations

import html
import numbers
import re

import pandas as pd

__all__ = ["plain", "signed", "as_html", "escape_html", "table_html"]

_AUTOLINK = re.compile(r"(?i)(:/|www\.|@)")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<&$:])")


def plain(text: str) -> str:
    """``text`` escaped so Streamlit markdown shows it literally (no HTML, links, emphasis, maths).

    ``<`` and ``&`` become entities so that ``<script>`` is shown as the characters typed.
    """
    # Web and e-mail addresses would still become links (GFM autolinks); a zero-width space stops that.
    text = _AUTOLINK.sub(lambda m: m.group(0)[:-1] + "\u200b" + m.group(0)[-1], text)
    out = _MD_SPECIAL.sub(lambda m: {"<": "&lt;", "&": "&amp;"}.get(m.group(1), "\\" + m.group(1)), text)
    return out.replace("\n", "  \n")


def escape_html(text: str) -> str:
    """``text`` escaped for HTML given to ``st.markdown(..., unsafe_allow_html=True)``: every tag and
    entity shown as typed, and line breaks as ``<br>`` (a blank line would end the HTML block and let
    Markdown, an image among it, be read from the rest)."""
    return html.escape(text, quote=True).replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>")


def as_html(text: str, tag: str = "p", css_class: str = "statement") -> str:
    """``text`` as an escaped HTML element for ``st.markdown(..., unsafe_allow_html=True)``:
    shown exactly as typed (no markdown, no links, no tags)."""
    return f'<{tag} class="{css_class}">{escape_html(text)}</{tag}>'


def signed(score: int) -> str:
    """A column score as shown to participants: ``+2``, ``0``, ``−3`` (with a real minus sign)."""
    return f"+{score}" if score > 0 else ("0" if score == 0 else f"\u2212{abs(score)}")


_TABLE_STYLE = ("<style>.qm-table{overflow-x:auto;max-width:100%;margin-bottom:1rem}"
                ".qm-table table{border-collapse:collapse;width:100%;font-size:.9rem}"
                ".qm-table th,.qm-table td{padding:.3rem .5rem;border-bottom:1px solid rgba(128,128,128,.35);"
                "text-align:left;vertical-align:top;white-space:normal;overflow-wrap:break-word}"
                ".qm-table td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}"
                ".qm-table td.text{min-width:12em}</style>")


def table_html(table: pd.DataFrame, *, index: bool = True, label: str = "") -> str:
    """``table`` as an HTML table for ``st.markdown(..., unsafe_allow_html=True)``: every text in full,
    wrapped in its cell (Streamlit's ``st.dataframe`` cuts long texts off at the cell's edge), numbers
    right-aligned, everything escaped. A table wider than the screen scrolls sideways inside a region
    (named ``label``) that the keyboard can scroll too."""
    def cell(value: object, tag: str = "td") -> str:
        if value is None or (isinstance(value, float) and value != value):
            return f"<{tag}></{tag}>"
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            text = str(int(value)) if isinstance(value, numbers.Integral) else f"{float(value):.2f}"
            return f'<{tag} class="num">{html.escape(text)}</{tag}>'
        text = str(value)
        kind = ' class="text"' if len(text) > 30 else ""
        return f"<{tag}{kind}>{escape_html(text)}</{tag}>"

    head = ([html.escape(str(table.index.name or ""))] if index else []) + [html.escape(str(c)) for c in table.columns]
    rows = "".join("<tr>" + (f'<th scope="row">{escape_html(str(key))}</th>' if index else "")
                   + "".join(cell(v) for v in values) + "</tr>"
                   for key, values in zip(table.index, table.itertuples(index=False, name=None)))
    name = f' aria-label="{html.escape(label)}"' if label else ""
    return (f'{_TABLE_STYLE}<div class="qm-table" role="region" tabindex="0"{name}><table><thead><tr>'
            + "".join(f'<th scope="col">{h}</th>' for h in head) + f"</tr></thead><tbody>{rows}</tbody></table></div>")
