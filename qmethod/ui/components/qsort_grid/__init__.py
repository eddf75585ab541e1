"""The drag-and-drop Q-sort grid (with keyboard operation and a list view).

:func:`qsort_grid` mounts the component. It shows ``state`` (the stored state,
:func:`qmethod.web.participant.state_json`) and saves every action itself, as one operation posted
to ``qmethod.web.participant`` (see ``common.js``); nothing comes back to Python.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

import streamlit as st

from .. import module_css, module_js, queue_data

__all__ = ["GridStatement", "GridColumn", "qsort_grid"]


class GridStatement(TypedDict):
    """One card: id, text (shown as text, never as HTML) and its presort pile (or None)."""

    id: str
    text: str
    pile: str | None


class GridColumn(TypedDict):
    """One column: score, capacity (cells; a suggestion in free grids) and its label."""

    value: int
    capacity: int
    label: str


_COMPONENT = st.components.v2.component(
    "qmethod_qsort_grid",
    html="",
    css=module_css("qsort_grid", "grid.css"),
    js=module_js("qsort_grid", "grid.js"),
)


def qsort_grid(
    *,
    key: str,
    statements: Sequence[GridStatement],
    columns: Sequence[GridColumn],
    forced: bool,
    token: str | None,
    state: Any,
    strings: Mapping[str, str],
    gate: Sequence[str] = (),
    mode: str | None = None,
    lang: str | None = None,
) -> Any:
    """Mount the grid for the participant holding ``token``, drawn from the stored ``state``
    (a :class:`~qmethod.service.ParticipantState`). ``gate``: keys of the page's buttons that leave
    the page; they wait until every action is stored."""
    data = {
        "statements": list(statements),
        "columns": list(columns),
        "forced": forced,
        "strings": dict(strings),
        "mode": mode,
        "lang": lang,
        **queue_data(token, state, gate, local_key=key),
    }
    return _COMPONENT(key=key, data=data)
