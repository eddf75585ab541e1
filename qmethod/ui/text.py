"""Showing participant-provided and statement texts safely in Streamlit markdown."""
from __future__ import annotations

import re

__all__ = ["plain", "signed"]

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<&$:])")


def plain(text: str) -> str:
    """``text`` escaped so Streamlit markdown shows it literally (no HTML, links, emphasis, maths).

    ``<`` and ``&`` become entities so that ``<script>`` is shown as the characters typed.
    """
    out = _MD_SPECIAL.sub(lambda m: {"<": "&lt;", "&": "&amp;"}.get(m.group(1), "\\" + m.group(1)), text)
    return out.replace("\n", "  \n")


def signed(score: int) -> str:
    """A column score as shown to participants: ``+2``, ``0``, ``−3`` (with a real minus sign)."""
    return f"+{score}" if score > 0 else ("0" if score == 0 else f"\u2212{abs(score)}")
