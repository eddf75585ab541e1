"""The drag-and-drop Q-sort grid (with keyboard operation and a list view).

:func:`qsort_grid` mounts the component. It shows ``placements`` (the stored layout) and returns
the component result; its ``layout`` value is ``{"seq": n, "columns": {"<score>": [ids]}}``, the
participant's whole layout after their latest change. Pass the ``seq`` of the last saved layout
back as ``ack`` so the browser knows its changes are stored.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypedDict

import streamlit as st

from .. import asset, module_js

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
    css=asset("qsort_grid", "grid.css"),
    js=module_js("qsort_grid", "grid.js"),
)


def _noop() -> None:
    """The view mode and refresh requests need no saving; the rerun itself redraws the grid."""


def qsort_grid(
    *,
    key: str,
    statements: Sequence[GridStatement],
    columns: Sequence[GridColumn],
    forced: bool,
    placements: Mapping[str, tuple[int, int]],
    ack: int,
    strings: Mapping[str, str],
    on_layout_change: Callable[[], None],
    mode: str | None = None,
    message: str | None = None,
    lang: str | None = None,
) -> Any:
    """Mount the grid; ``on_layout_change`` runs (before the page) whenever the layout changes."""
    data = {
        "statements": list(statements),
        "columns": list(columns),
        "forced": forced,
        "placements": {sid: [score, pos] for sid, (score, pos) in placements.items()},
        "ack": ack,
        "strings": dict(strings),
        "mode": mode,
        "message": message,
        "lang": lang,
    }
    return _COMPONENT(key=key, data=data, on_layout_change=on_layout_change, on_mode_change=_noop,
                      on_refresh_change=_noop)
