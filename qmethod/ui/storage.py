"""The page-level answer to storage faults: a calm message, nothing typed lost, recovery by itself.

Service calls raise :class:`~qmethod.errors.StorageBusyError` (a held lock) or its kind
:class:`~qmethod.errors.StorageUnavailableError` (database stopped or unreachable, disk full,
read-only, I/O error). Participant pages already answer them where a step is saved
(:func:`qmethod.ui.flow.call`); :func:`guard` catches them anywhere else in a page run (reading the
participant's state, the study, the page's first database use), and also any raw database error of
those kinds.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import streamlit as st
from sqlalchemy.exc import DBAPIError

from qmethod.errors import StorageBusyError
from qmethod.store.db import storage_fault

from .i18n import LANGUAGES, t

__all__ = ["guard", "RETRY_EVERY_S", "LANG_KEY"]

#: how often a page waiting for storage tries again
RETRY_EVERY_S = 4
#: the session key holding the language the participant's pages last used
LANG_KEY = "participant_lang"
_RESEARCHER_TEXT = ("The database cannot be reached or cannot store anything just now. Nothing you "
                    "entered is lost; this page tries again by itself every few seconds.")


_KEPT = "_storage_kept_entries"


def _entered() -> dict[str, Any]:
    """What is typed or chosen in this page's keyed widgets (buttons excluded: they hold nothing
    entered and cannot be set). Streamlit has no public list of widget kinds, so this reads its
    session state's widget metadata; if that ever changes, nothing is kept (never an error)."""
    try:
        from streamlit.runtime.state.session_state_proxy import get_session_state

        state = get_session_state()._state
        metadata = state._new_widget_state.widget_metadata
        out: dict[str, Any] = {}
        for key, widget_id in dict(state._key_id_mapper._key_id_mapping).items():
            meta = metadata.get(widget_id)
            if meta is None or "trigger" in str(meta.value_type) or key not in st.session_state:
                continue
            out[key] = st.session_state[key]
        return out
    except Exception:
        return {}


def _keep_entered() -> None:
    """Keep what was typed in the widgets this run will not draw: Streamlit forgets the state of
    widgets missing from a run, so the values wait under another key and :func:`guard` puts them
    back before the page draws its widgets again."""
    kept = dict(st.session_state.get(_KEPT) or {})
    kept.update(_entered())
    st.session_state[_KEPT] = kept


def _restore_entered() -> None:
    for key, value in (st.session_state.pop(_KEPT, None) or {}).items():
        try:
            st.session_state[key] = value
        except Exception:  # a widget already drawn in this run: its own value wins
            continue


@st.fragment(run_every=RETRY_EVERY_S)
def _retry() -> None:
    """Runs every few seconds while the message is shown: the whole page runs again, and shows
    itself normally as soon as storage answers."""
    if st.session_state.pop("_storage_retry_armed", False):
        st.rerun(scope="app")
    st.session_state["_storage_retry_armed"] = True


def _show(researcher: bool) -> None:
    _keep_entered()
    if researcher:
        st.warning(_RESEARCHER_TEXT, icon=":material/hourglass_top:")
    else:
        lang = st.session_state.get(LANG_KEY)
        if lang not in LANGUAGES:
            q = st.query_params.get("lang")
            lang = q if q in LANGUAGES else LANGUAGES[0]
        st.info(t("save_retrying", lang), icon=":material/hourglass_top:")
    st.session_state.pop("_storage_retry_armed", None)
    _retry()


@contextmanager
def guard(*, researcher: bool = False) -> Iterator[None]:
    """Run a page; a storage fault anywhere in it shows the calm message and retries."""
    _restore_entered()
    try:
        yield
    except StorageBusyError:
        _show(researcher)
    except DBAPIError as exc:
        if storage_fault(exc) is None:
            raise
        _show(researcher)
