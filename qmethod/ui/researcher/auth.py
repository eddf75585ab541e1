"""The login gate of every researcher page, the sidebar navigation and calm error display.

The browser keeps only a session token (in ``st.session_state`` and, so that a reload or a second
tab stays logged in, in a ``SameSite=Strict`` cookie); the session itself lives in the database
(:mod:`qmethod.service.accounts`), so any server process accepts it until it expires (30 minutes
without a page view) or the researcher logs out.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from qmethod.errors import QMethodError, StorageBusyError
from qmethod.service import accounts
from qmethod.service.accounts import Researcher
from qmethod.ui import flow, storage
from qmethod.ui.components.page_lang import page_lang
from qmethod.ui.components.session_cookie import COOKIE, clear_session_cookie, set_session_cookie
from qmethod.ui.text import plain

__all__ = ["gate", "PAGES", "page_path", "run", "current_study", "choose_published_study", "base_url"]

TOKEN_KEY = "researcher_token"
LOGGED_OUT_KEY = "researcher_logged_out"
T = TypeVar("T")

#: url path -> (page file, title, icon)
PAGES: dict[str, tuple[str, str, str]] = {
    "researcher": ("qmethod/ui/pages/researcher/studies.py", "Studies", ":material/folder_open:"),
    "design": ("qmethod/ui/pages/researcher/design.py", "Design", ":material/edit_note:"),
    "responses": ("qmethod/ui/pages/researcher/responses.py", "Responses", ":material/groups:"),
    "analysis": ("qmethod/ui/pages/researcher/analysis.py", "Analysis", ":material/insights:"),
    "paper": ("qmethod/ui/pages/researcher/paper.py", "Paper sorts", ":material/print:"),
    "interpret": ("qmethod/ui/pages/researcher/interpret.py", "Interpretation", ":material/forum:"),
    "viewpoints": ("qmethod/ui/pages/researcher/interpret_cards.py", "Viewpoints", ":material/diversity_3:"),
    "guide": ("qmethod/ui/pages/researcher/guide.py", "Guide", ":material/menu_book:"),
}
#: session key: the login form has just logged this browser in (the next page drawn is the first)
JUST_LOGGED_IN = "_researcher_just_logged_in"
#: the pages a co-researcher may open (every other page refuses them; see gate)
CO_RESEARCHER_PAGES = ("interpret", "viewpoints", "guide")


def page_path(name: str) -> str:
    return PAGES[name][0]


@st.cache_resource(show_spinner=False)
def _bootstrap_admin() -> bool:
    """Create the first account from QMETHOD_ADMIN_PASSWORD (once per process; ignored once accounts exist)."""
    accounts.ensure_admin_from_env(flow.database())
    return True


def run(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    """Call a service function; show a QMethodError calmly and return None instead of raising. A
    storage fault is reported to :func:`qmethod.ui.storage.fault` instead: the page shows the calm
    message and retries by itself (a button's action through :func:`qmethod.ui.storage.click`)."""
    try:
        return fn(*args, **kwargs)
    except StorageBusyError as exc:
        storage.fault(exc)
        return None
    except QMethodError as exc:
        st.error(plain(str(exc)), icon=":material/info:")
        return None


def _login_form() -> None:
    db = flow.database()
    st.title("Researcher login")
    if not accounts.has_accounts(db):
        st.info(
            "No researcher account exists yet. Create one on the server with\n\n"
            "`qmethod user add NAME`\n\n"
            "or start the app once with the environment variable `QMETHOD_ADMIN_PASSWORD` set "
            "(user name `admin`, or `QMETHOD_ADMIN_USER`)."
        )
        return
    with st.form("login", enter_to_submit=True):
        name = st.text_input("User name", autocomplete="username", key="login_name")
        password = st.text_input("Password", type="password", autocomplete="current-password", key="login_password")
        submitted = st.form_submit_button("Log in", type="primary")
    if submitted:
        try:
            session = accounts.login(db, name, password, source=flow.client_key())
        except QMethodError as exc:
            st.error(str(exc))
        else:
            st.session_state[TOKEN_KEY] = session.token
            st.session_state.pop(LOGGED_OUT_KEY, None)
            st.session_state[JUST_LOGGED_IN] = True
            st.rerun()
    st.caption("Sessions end after 30 minutes without activity.")


def _logout() -> None:
    accounts.logout(flow.database(), st.session_state.pop(TOKEN_KEY, None))
    st.session_state[LOGGED_OUT_KEY] = True  # the cookie this page was opened with no longer counts


def _token() -> tuple[str | None, bool]:
    """The session token of this tab, else of the cookie sent when the page was opened; and whether
    it came from the cookie."""
    token = st.session_state.get(TOKEN_KEY)
    if token:
        return token, False
    if st.session_state.get(LOGGED_OUT_KEY):
        return None, False
    cookie = st.context.cookies.get(COOKIE)
    return (cookie, True) if cookie else (None, False)


def gate(title: str, *, co_researchers: bool = False, lang: str | None = "en") -> Researcher:
    """The logged-in researcher; otherwise show the login form and stop the page.

    Co-researcher accounts pass only where ``co_researchers`` is True (the pages of
    :data:`CO_RESEARCHER_PAGES`); elsewhere they get a refusal and links to their pages.
    ``lang`` is the page's language (``<html lang>`` and Streamlit's own texts, such as the skip
    link, through :func:`~qmethod.ui.components.page_lang.page_lang`); ``None`` for a page that
    offers a choice of language and calls ``page_lang`` itself once chosen (the login form and the
    refusal are in English).
    """
    _bootstrap_admin()
    st.set_page_config(page_title=f"{title} – qmethod", layout="wide")
    if lang is not None:
        page_lang(lang)
    token, from_cookie = _token()
    user = accounts.session_user(flow.database(), token)
    if user is None:
        if st.session_state.pop(TOKEN_KEY, None) or from_cookie:  # (a cookie counts only before a logout)
            st.warning("Your session has ended (30 minutes without activity). Please log in again.")
            st.session_state[LOGGED_OUT_KEY] = True
        if token or st.session_state.get(LOGGED_OUT_KEY):
            clear_session_cookie()
        if lang is None:
            page_lang("en")
        _login_form()
        st.stop()
    st.session_state[TOKEN_KEY] = token
    with st.sidebar:
        set_session_cookie(token)
        st.markdown("**qmethod** · researcher")
        study = current_study()
        for name, (path, label, icon) in _pages_of(user).items():
            params = {"study": study} if study and name != "researcher" else None
            st.page_link(path, label=label, icon=icon, query_params=params)
        st.divider()
        st.caption(f"Logged in as **{user.username}**" + ("" if user.is_researcher else " (co-researcher)"))
        st.button("Log out", on_click=_logout, key="logout")
    just_in = st.session_state.pop(JUST_LOGGED_IN, False)
    if not user.is_researcher and not co_researchers:
        if just_in:  # logged in on a researcher's page (the login link, /researcher): to their own work page
            st.switch_page(page_path("interpret"), query_params={"study": study} if study else None)
        st.title(title)
        st.error("This page is for researchers only. As a co-researcher you can open the pages below.",
                 icon=":material/lock:")
        for path, label, icon in _pages_of(user).values():
            st.page_link(path, label=label, icon=icon)
        st.stop()
    return user


def _pages_of(user: Researcher) -> dict[str, tuple[str, str, str]]:
    """The navigation of ``user``: every page for researchers, the co-researcher pages otherwise."""
    return PAGES if user.is_researcher else {k: v for k, v in PAGES.items() if k in CO_RESEARCHER_PAGES}


def current_study() -> str | None:
    """The study chosen in the URL (``?study=``)."""
    return st.query_params.get("study") or None


def choose_published_study(key: str):
    """A select box of the published studies (``?study=`` preselects and follows the choice); the
    chosen :class:`~qmethod.study.Study`, or the page stops with a message when there is none."""
    from qmethod import service
    from qmethod.errors import NotFoundError

    published = [s.id for s in service.list_studies(flow.database())]
    if not published:
        st.info("No study is published yet.")
        st.stop()
    sid = current_study()
    if sid not in published:
        sid = published[0]
    sid = st.selectbox("Study", published, index=published.index(sid), key=key)
    if st.query_params.get("study") != sid:
        st.query_params["study"] = sid
    try:
        return flow.get_study(sid)
    except NotFoundError:
        st.stop()


def base_url() -> str:
    """This server's address as the browser sees it (for participant links)."""
    import os

    configured = os.environ.get("QMETHOD_PUBLIC_URL", "").strip()
    if configured:
        return configured.rstrip("/")
    url = st.context.url or ""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return "http://localhost:8501"
