"""Reading and seeing aids on every participant page: larger text, high contrast and read aloud.

A small toolbar under the step indicator. Each aid is a toggle the participant can switch on at any
step; the choice is kept in the browser (``localStorage``) for the rest of the sort, reloads included.

* **Larger text** scales the whole page (and the grid, presort and list view, which size their text
  in ``rem``) by 1.3.
* **High contrast** shows black text on white with strong borders and underlined links, also inside
  the grid and presort.
* **Read aloud**: "Read the page" reads the page's headings and texts; while read aloud is on, every
  statement card, pile button or text the participant focuses (Tab or keys) or taps is read aloud
  once, so one tap or key per card is enough. Pictures are read by their alt text; a list view's
  place chooser by its statement and the chosen place; a statement with a recording (``audio`` in
  the study file) by that recording, from the app's own host.
* A switch that is on shows a check mark and a thicker border besides its colour (``aria-pressed``). The browser's own speech synthesis is used, with a voice
  of the page's language (``nb-NO`` for bokmål) where the device has one; nothing is sent anywhere.
"""
from __future__ import annotations

import streamlit as st

from .. import asset
from ...i18n import strings_for

__all__ = ["access_tools", "STRING_KEYS"]

STRING_KEYS: tuple[str, ...] = ("access_label", "access_large", "access_contrast", "access_speak",
                                "access_read_page", "access_no_voice")

_COMPONENT = st.components.v2.component(
    "qmethod_access_tools",
    html="",
    css=asset("access_tools", "access.css"),
    js=asset("access_tools", "access.js"),
)


def access_tools(lang: str, *, preset: dict[str, bool] | None = None, preset_id: str | None = None) -> None:
    """Draw the toolbar in ``lang`` (the page's language). ``preset`` (e.g. ``{"large": True}`` for
    a facilitated sort) switches aids on once per ``preset_id``; the participant can switch them off."""
    data = {"lang": lang, "strings": strings_for(STRING_KEYS, lang)}
    if preset and preset_id:
        data.update(preset=preset, preset_id=preset_id)
    _COMPONENT(key="access_tools", data=data)
