"""HTTP served beside the Streamlit pages by ``st.App`` (``app.py``): routes and middleware.

One list of routes and one of middleware, each entry from the module of its concern; ``app.py``
passes them to ``st.App``. Nothing here imports Streamlit's page code.
"""
from __future__ import annotations

from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from . import compression, loading, security


def routes() -> list[BaseRoute]:
    """The application's own HTTP routes (participant operations, cookies, ...)."""
    from . import media, participant

    return [*participant.routes(), *security.routes(), *media.routes()]


def middleware() -> list[Middleware]:
    """Middleware applied to every request, pages and routes alike (headers, compression, ...)."""
    # compression outermost: it sees the final page; security headers on every response
    return [*compression.middleware(), *loading.middleware(), *security.middleware()]
