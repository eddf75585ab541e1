"""An invisible component that warns before the page is left (reload, closing the tab, another
address) while a text field holds typing that is not saved: the browser's own "Leave site? Changes
you made may not be saved" question.

The page names the fields by their label and gives, for each, the texts that count as saved (the
text stored, the text this user last sent); a field whose text is none of them, ignoring spaces at
either end, counts as unsaved.
Moving between the app's own pages (its navigation) does not leave the page and is not covered.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import streamlit as st

from .. import asset

__all__ = ["warn_before_leaving"]

_COMPONENT = st.components.v2.component("qmethod_unsaved_guard", js=asset("unsaved_guard", "guard.js"))


def warn_before_leaving(saved: Mapping[str, str | Sequence[str]], *, key: str = "unsaved_guard") -> None:
    """Warn before leaving the page while a field labelled by a key of ``saved`` (its visible label)
    holds another text than the value (or every text of the value), which is what is saved of it."""
    fields = [{"label": k, "saved": [v] if isinstance(v, str) else [t or "" for t in v]} for k, v in saved.items()]
    _COMPONENT(key=key, data={"fields": fields})
