"""An invisible component that keeps what is typed in a page's text fields and warns before the page
is left while one holds typing that is not saved.

* **Drafts.** Every keystroke in a named field is kept in the tab's ``sessionStorage`` (with the
  version of the text it was typed against). When the page shows that field again after a reload,
  the draft comes back: :func:`guard_typing` puts it into the field (and the version it was typed
  against, so that a save over a newer text by someone else is still caught) and reports it.
* **Warning.** Reloading, closing the tab or typing another address while a field holds typing that is
  not saved makes the browser ask first ("Leave site? Changes you made may not be saved").

Fields are named by their visible label, with the session key of their widget, the texts that count
as saved (the stored one, the one this user last sent) and the version (id, text) they show.
Moving between the app's own pages (its navigation) does not leave the page and is not covered.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

from .. import asset

__all__ = ["Field", "guard_typing"]

_COMPONENT = st.components.v2.component("qmethod_unsaved_guard", js=asset("unsaved_guard", "guard.js"))


@dataclass(frozen=True)
class Field:
    """A guarded field: its label, the session key of its widget (``""``: warn only, keep no draft),
    the texts that count as saved, and the version it shows (``base``: any JSON value that the page
    gets back with a restored draft)."""

    label: str
    key: str = ""
    saved: Sequence[str] = ("",)
    base: Any = None


def guard_typing(fields: Sequence[Field], *, on_restore: Callable[[dict[str, dict[str, Any]]], None] | None = None,
                 key: str = "unsaved_guard", collect: bool = False) -> None:
    """Guard ``fields`` (see the module). ``on_restore`` is called, before the page's next run, with
    ``{session key: {"text": draft, "base": base it was typed against}}`` for the drafts found after a
    reload; it should put them into the fields. With ``collect``, every draft the tab holds for
    ``fields`` is reported, shown on the page or not (for a page that cannot go on and shows what was
    typed, to copy)."""

    def restored() -> None:
        state = st.session_state.get(key)
        value = (state.get("restore") if hasattr(state, "get") else None) or getattr(state, "restore", None) or {}
        if on_restore is not None and isinstance(value, dict):
            on_restore({k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, dict)})

    data = {"fields": [{"label": f.label, "key": f.key, "saved": [t or "" for t in f.saved], "base": f.base}
                       for f in fields], "collect": collect}
    _COMPONENT(key=key, data=data, on_restore_change=restored)
