"""Entry point: ``streamlit run app.py`` (``make run``).

``st.App`` serves the Streamlit pages of ``app_pages.py`` and, beside them on the same server and
port, the application's own HTTP routes and middleware (``qmethod.web``). The database is
``QMETHOD_DATABASE_URL`` or a SQLite file under ``var/``; every study under ``studies/`` is
published at start.
"""
from __future__ import annotations

import gc

import streamlit as st

from qmethod.web import middleware, routes

app = st.App("app_pages.py", routes=routes(), middleware=middleware())

# What is imported by now (numpy, scipy, pandas, Streamlit: some 200 000 objects) lives as long as the
# server: frozen, Python's full garbage collections skip it, and each takes a millisecond instead of
# 0.2-0.4 s that would hold up whichever click it fell on (see runner.postScriptGC in .streamlit/config.toml).
gc.collect()
gc.freeze()
