"""An invisible component on every participant page: the page's language, Streamlit's own texts in
that language, and this browser's memory of the participant.

* ``<html lang>`` is set to the participant's language.
* Streamlit's few English texts ("Skip to main content", "Press Enter to submit form", the
  "Connection error" dialog, ...) are shown in the study's language (:data:`qmethod.ui.i18n.STREAMLIT_TEXTS`).
* Once a participant is known, the browser keeps their token and resume code in a cookie for this
  study (:func:`remembered` reads it back), so that re-opening the study link in the same browser
  offers to continue the same sort (a link with another invitation id does not: that is another
  person on a shared computer), and the resume code can be shown again after a reload. The
  code is shown on every page, with what it is for.
"""
from __future__ import annotations

import hashlib
import html
import re
from typing import NamedTuple

import streamlit as st

from ...i18n import streamlit_texts, t
from .. import asset

__all__ = ["page_lang", "remembered", "cookie_name", "invite_tag", "Remembered", "COOKIE_MAX_AGE_S", "INVITE_KEY"]

_COMPONENT = st.components.v2.component("qmethod_page_lang", js=asset("page_lang", "lang.js"))
#: how long a browser remembers a participant (60 days)
COOKIE_MAX_AGE_S = 60 * 24 * 3600
_CODE = re.compile(r"^[A-Z0-9]{5}-[A-Z0-9]{5}$")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,200}$")
_TAG = re.compile(r"^[0-9a-f]{16}$")
#: session key of the invitation tag (:func:`invite_tag`) of this tab's participant
INVITE_KEY = "invite_tag"


class Remembered(NamedTuple):
    """The participant this browser remembers for a study."""

    token: str
    code: str
    invite: str | None  #: :func:`invite_tag` of the invitation id they started with, if any


def invite_tag(invite: str) -> str:
    """A short one-way tag of an invitation id (the cookie never holds the id itself)."""
    return hashlib.sha256(("qmethod-invite:" + invite).encode("utf-8")).hexdigest()[:16]


def cookie_name(study_id: str) -> str:
    """The cookie that remembers this browser's participant of ``study_id``."""
    return "qmethod_p_" + re.sub(r"[^A-Za-z0-9_-]", "_", study_id)[:80]


def remembered(study_id: str) -> Remembered | None:
    """The participant this browser remembers for ``study_id``, if any."""
    parts = (st.context.cookies.get(cookie_name(study_id)) or "").split(".")
    if len(parts) in (2, 3) and _TOKEN.match(parts[0]) and _CODE.match(parts[1]):
        tag = parts[2] if len(parts) == 3 and _TAG.match(parts[2]) else None
        return Remembered(parts[0], parts[1], tag)
    return None


def _resume_code(study_id: str | None, token: str | None) -> str | None:
    """This participant's resume code: known to this tab since the start, or remembered by the browser."""
    code = st.session_state.get("resume_code")
    if code or not (study_id and token):
        return code
    mem = remembered(study_id)
    if mem is not None and mem.token == token:
        st.session_state["resume_code"] = mem.code
        if mem.invite:
            st.session_state.setdefault(INVITE_KEY, mem.invite)
        return mem.code
    return None


def page_lang(lang: str) -> None:
    """Mark the page as being in ``lang`` (e.g. ``nb``, ``en``) and, on a participant's page, show
    their resume code and remember them in this browser."""
    token = st.session_state.get("participant_token") or st.query_params.get("p")
    study_id = st.query_params.get("study")
    code = _resume_code(study_id, token)
    data: dict = {"lang": lang, "texts": streamlit_texts(lang)}
    if code and token and study_id:
        line = html.escape(t("code_line", lang, code="\0")).replace("\0", f"<strong>{html.escape(code)}</strong>")
        st.markdown(f"<p class='code-line' data-testid='resume-code-line'>{line}</p>", unsafe_allow_html=True)
        if _CODE.match(code) and _TOKEN.match(token):
            tag = st.session_state.get(INVITE_KEY)
            value = f"{token}.{code}" + (f".{tag}" if tag and _TAG.match(tag) else "")
            data["remember"] = {"name": cookie_name(study_id), "value": value, "maxAge": COOKIE_MAX_AGE_S}
    _COMPONENT(key="page_lang", data=data)
