"""An invisible component that has the server keep the researcher's session token in an HttpOnly
cookie (``POST /auth/session`` of :mod:`qmethod.web.security`), or delete it.

The server reads the cookie back through ``st.context.cookies`` when a page is opened or reloaded;
only the SHA-256 of the token is stored in the database, and the server ends the session after 30
minutes without activity or at logout whatever the cookie says.
"""
from __future__ import annotations

import streamlit as st

from qmethod.web.security import RESEARCHER_COOKIE

from .. import asset

__all__ = ["COOKIE", "set_session_cookie", "clear_session_cookie", "set_participant_cookie"]

COOKIE = RESEARCHER_COOKIE
_COMPONENT = st.components.v2.component("qmethod_session_cookie", js=asset("session_cookie", "cookie.js"))


def set_session_cookie(token: str) -> None:
    """Keep ``token`` in this browser (``HttpOnly``, ``SameSite=Strict``; ``Secure`` on https)."""
    _COMPONENT(key="session_cookie", data={"token": token, "path": "auth/session"})


def clear_session_cookie() -> None:
    """Delete the cookie (at logout, or when the session it names has ended)."""
    _COMPONENT(key="session_cookie", data={"clear": True, "path": "auth/session"})


def set_participant_cookie(token: str) -> None:
    """Keep a participant's token in this browser (``HttpOnly``, ``SameSite=Lax``), so that a reload
    continues without the token in the page address."""
    _COMPONENT(key="participant_cookie", data={"token": token, "path": "auth/participant"})
