"""An invisible component that sets ``<html lang>`` to the participant's language."""
from __future__ import annotations

import streamlit as st

from .. import asset

__all__ = ["page_lang"]

_COMPONENT = st.components.v2.component("qmethod_page_lang", js=asset("page_lang", "lang.js"))


def page_lang(lang: str) -> None:
    """Mark the page as being in ``lang`` (e.g. ``nb``, ``en``)."""
    _COMPONENT(key="page_lang", data={"lang": lang})
