"""The presort: statements one at a time into three piles, by click, tap or the keys 1/2/3.

:func:`presort` mounts it; each action is one operation posted by the browser (see ``common.js``).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import streamlit as st

from .. import module_css, module_js, queue_data

__all__ = ["presort"]

_COMPONENT = st.components.v2.component(
    "qmethod_presort",
    html="",
    css=module_css("presort", "presort.css"),
    js=module_js("presort", "presort.js"),
)


def presort(
    *,
    key: str,
    statements: Sequence[Mapping[str, str]],
    token: str | None,
    state: Any,
    strings: Mapping[str, str],
    gate: Sequence[str] = (),
) -> Any:
    """Mount the presort; ``statements`` are ``{"id", "text"}`` in presentation order, ``state`` the
    stored :class:`~qmethod.service.ParticipantState`, ``gate`` as in the grid."""
    data = {"statements": list(statements), "strings": dict(strings), **queue_data(token, state, gate, local_key=key)}
    return _COMPONENT(key=key, data=data)
