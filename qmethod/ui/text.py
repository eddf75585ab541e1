"""Showing participant-provided and statement texts safely in Streamlit markdown."""
from __future__ import annotations

import html
import re

__all__ = ["plain", "signed", "as_html", "escape_html"]

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
