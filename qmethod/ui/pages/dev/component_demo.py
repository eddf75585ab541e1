"""Component demo: the presort and the grid on made-up statements, kept only in this tab.

Reachable at ``/component-demo``; used by the component tests and for trying the widgets without a
database. Nothing here is sent or stored (the components keep the actions in the page).
"""
from __future__ import annotations

import streamlit as st

from qmethod.ui.components.presort import presort
from qmethod.ui.components.qsort_grid import qsort_grid
from qmethod.ui.i18n import GRID_KEYS, PRESORT_KEYS, strings_for

LANG = st.query_params.get("lang", "en")
FORCED = st.query_params.get("free") is None
TEXTS = [
    "I am listened to when decisions about my treatment are made.",
    "Staff use words I understand.",
    "<script>alert('x')</script> should show as text",
    "A long statement that goes on for a while so that we can see how wrapping works in a narrow column of the grid.",
    "I know who to contact when something is wrong.",
    "My experience is used to improve the service.",
    "<b>bold?</b> & ampersands",
]
STATEMENTS = [{"id": f"s{i + 1:02d}", "text": text} for i, text in enumerate(TEXTS)]
COLUMNS = [
    {"value": -2, "capacity": 1, "label": "Most disagree"},
    {"value": -1, "capacity": 2, "label": ""},
    {"value": 0, "capacity": 1, "label": "Neutral"},
    {"value": 1, "capacity": 2, "label": ""},
    {"value": 2, "capacity": 1, "label": "Most agree"},
]

st.title("Component demo")
st.subheader("Presort")
presort(key="demo_presort", statements=STATEMENTS, token=None, state=None, strings=strings_for(PRESORT_KEYS, LANG))
st.subheader("Grid")
qsort_grid(
    key="demo_grid",
    statements=[{**s, "pile": None} for s in STATEMENTS],
    columns=COLUMNS,
    forced=FORCED,
    token=None,
    state=None,
    strings=strings_for(GRID_KEYS, LANG),
)
