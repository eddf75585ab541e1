"""The presort: statements one at a time into three piles, by click, tap or the keys 1/2/3.

:func:`presort` mounts it; its ``piles`` value is ``{"seq": n, "piles": {id: pile}}``, the whole
pile mapping after the participant's latest change. Pass the last saved ``seq`` back as ``ack``.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import streamlit as st

from .. import asset, module_js

__all__ = ["presort"]

_COMPONENT = st.components.v2.component(
    "qmethod_presort",
    html="",
    css=asset("presort", "presort.css"),
    js=module_js("presort", "presort.js"),
)


def _noop() -> None:
    """A refresh request needs no saving; the rerun itself redraws from the database."""


def presort(
    *,
    key: str,
    statements: Sequence[Mapping[str, str]],
    piles: Mapping[str, str],
    ack: int,
    strings: Mapping[str, str],
    on_piles_change: Callable[[], None],
) -> Any:
    """Mount the presort; ``statements`` are ``{"id", "text"}`` in presentation order."""
    data = {"statements": list(statements), "piles": dict(piles), "ack": ack, "strings": dict(strings)}
    return _COMPONENT(key=key, data=data, on_piles_change=on_piles_change, on_refresh_change=_noop)
