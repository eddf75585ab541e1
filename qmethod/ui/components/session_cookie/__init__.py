"""An invisible component that keeps the researcher's session token in a cookie (or deletes it).

The server reads the cookie back through ``st.context.cookies`` when a page is opened or reloaded;
only the SHA-256 of the token is stored in the database, and the server ends the session after 30
minutes without activity or at logout whatever the cookie says.
"""
from __future__ import annotations

import streamlit as st

from .. import asset

__all__ = ["COOKIE", "set_session_cookie", "clear_session_cookie"]

COOKIE = "qmethod_researcher"
_COMPONENT = st.components.v2.component("qmethod_session_cookie", js=asset("session_cookie", "cookie.js"))


def set_session_cookie(token: str, *, max_age_s: int = 12 * 3600) -> None:
    """Keep ``token`` in this browser (``SameSite=Strict``; ``Secure`` on https)."""
    _COMPONENT(key="session_cookie", data={"name": COOKIE, "token": token, "maxAge": max_age_s})


def clear_session_cookie() -> None:
    """Delete the cookie (at logout, or when the session it names has ended)."""
    _COMPONENT(key="session_cookie", data={"name": COOKIE, "clear": True})
