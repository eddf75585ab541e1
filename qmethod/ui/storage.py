"""The page-level answer to storage faults: a calm message, nothing typed lost, recovery by itself.

Service calls raise :class:`~qmethod.errors.StorageBusyError` (a held lock) or its kind
:class:`~qmethod.errors.StorageUnavailableError` (database stopped or unreachable, disk full,
read-only, I/O error). :func:`guard` catches them anywhere in a page run (reading the participant's
state, the study, the page's first database use), and also any raw database error of those kinds.
Where a page saves, the fault is caught on the spot (:func:`qmethod.ui.flow.call`,
:func:`qmethod.ui.researcher.auth.run`) and reported with :func:`fault`; the page goes on drawing.

Either way the page shows the calm message, reruns every :data:`RETRY_EVERY_S` seconds and, once
storage answers, finishes what was interrupted without the user acting:

* a button whose action met the fault stays pressed (:func:`click`) until a run of the page ends
  without a storage fault (its action done, or refused for another reason); a new click on another
  button replaces it;
* a save made by a widget callback (an answer, a comment) that met the fault is postponed
  (:func:`postpone`) and the page saves it again when :func:`due` says so;
* a widget callback that writes, wrapped in :func:`callback`, is made again with the same arguments
  by :func:`guard` on each retry until it is done once;
* what is typed or chosen in the page's keyed widgets is kept while the page cannot be drawn and put
  back when it is; a table being edited (``st.data_editor``) cannot be put back by Streamlit, so its
  edits are kept and applied to the table's data by :func:`table`.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy.exc import DBAPIError

from qmethod.errors import StorageBusyError, StorageUnavailableError
from qmethod.store.db import storage_fault

from .i18n import LANGUAGES, t

__all__ = ["guard", "fault", "click", "callback", "whole_page", "postpone", "due", "table", "RETRY_EVERY_S",
           "LANG_KEY"]

#: how often a page waiting for storage tries again
RETRY_EVERY_S = 4
#: the session key holding the language the participant's pages last used
LANG_KEY = "participant_lang"
#: what a researcher page says stops storage, by the kind of fault met (``None``: not known)
_RESEARCHER_CAUSE = {
    "busy": "The database is busy with other saves",
    "unreachable": "The database cannot be reached",
    "full": "The database's disk is full",
    "read-only": "The database is read-only",
    "io": "The database's storage reports an error",
    None: "The database is busy or cannot be reached",
}
#: the cause of the last storage fault met (a key of _RESEARCHER_CAUSE)
_CAUSE = "_storage_cause"


def _researcher_text(undone: bool) -> str:
    """The calm message of a researcher page: the cause, then what happens to what was entered;
    ``undone`` for a clicked button whose action is not redone by itself."""
    cause = _RESEARCHER_CAUSE.get(st.session_state.get(_CAUSE), _RESEARCHER_CAUSE[None])
    if undone:
        return (f"{cause}, so it cannot store anything just now and what you just clicked was not done. Nothing "
                "you entered is lost; once this message has gone, click it again.")
    return (f"{cause}, so it cannot store anything just now. Nothing you entered is lost; this page tries "
            "again by itself every few seconds.")


def _cause(exc: BaseException | None) -> str | None:
    """The kind of storage fault ``exc`` is: ``"busy"`` (a lock held too long) or a kind of
    :func:`qmethod.store.db.storage_fault`; ``None`` if not known."""
    if isinstance(exc, StorageUnavailableError):
        return exc.kind
    if isinstance(exc, StorageBusyError):
        return "busy"
    if isinstance(exc, DBAPIError):
        return storage_fault(exc) or "busy"
    return None


_KEPT = "_storage_kept_entries"
#: keys of the buttons whose action waits for storage
_CLICKS = "_storage_clicks"
#: saves made by widget callbacks that wait for storage ("answer:age", "comment:s07")
_LATER = "_storage_later"
#: a storage fault was met in this run (or in a callback before it)
_FAULT = "_storage_fault"
#: keys of the buttons pages ask :func:`click` about (their action is redone after a fault)
_REPLAYABLE = "_storage_replayable"
#: the postponed saves this run asked :func:`due` about
_ASKED = "_storage_asked"
#: widget callbacks (:func:`callback`) that met a storage fault: key -> [function, args, kwargs, new]
_CALLBACKS = "_storage_callbacks"
#: the edits of tables being edited (``st.data_editor``) when the page could not be drawn: key -> edits
_KEPT_TABLES = "_storage_kept_tables"
#: the data :func:`table` gave each table: key -> (fingerprint of the page's data, data with the kept edits)
_TABLES = "_storage_tables"


#: widgets whose value Streamlit refuses to take from session state (a table being edited, an uploaded
#: file, a chart selection): putting theirs back would break the page when it is drawn again
_NOT_SETTABLE = re.compile(r"DataEditor|FileUploader|Camera|Audio|MenuButton|VegaLite|Plotly|Pydeck|ECharts")


def _widgets(*, triggers: bool, tables: bool = False) -> dict[str, Any]:
    """The values of this page's keyed widgets: with ``triggers``, the buttons (True in the run of
    their click), else everything else (what is typed or chosen); with ``tables``, only the tables
    being edited that this run did not draw (their edits). Streamlit has no public list of widget
    kinds, so this reads its session state's widget metadata; if that ever changes, nothing is found
    (never an error)."""
    try:
        from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
        from streamlit.runtime.state.session_state_proxy import get_session_state

        state = get_session_state()._state
        metadata = state._new_widget_state.widget_metadata
        ctx = get_script_run_ctx()
        drawn = ctx.shared.widget_ids_this_run if ctx is not None and tables else ()
        out: dict[str, Any] = {}
        for key, widget_id in dict(state._key_id_mapper._key_id_mapping).items():
            meta = metadata.get(widget_id)
            if (meta is None or ("trigger" in str(meta.value_type)) != triggers or key not in st.session_state
                    or widget_id in drawn):
                continue
            kind = getattr(meta.deserializer, "__qualname__", "")
            if tables != ("DataEditor" in kind) or (not triggers and not tables and _NOT_SETTABLE.search(kind)):
                continue
            out[key] = st.session_state[key]
        return out
    except Exception:
        return {}


def _entered() -> dict[str, Any]:
    """What is typed or chosen in this page's keyed widgets (buttons excluded: they hold nothing
    entered and cannot be set)."""
    return _widgets(triggers=False)


def fault(exc: BaseException | None = None) -> None:
    """Report a storage fault met where a page saves (the page goes on drawing): at the end of the
    run :func:`guard` shows the calm message and retries. ``exc``, the fault met, lets the message
    name its cause (busy, cannot be reached, disk full, ...)."""
    st.session_state[_FAULT] = True
    if exc is not None:
        st.session_state[_CAUSE] = _cause(exc)


def click(key: str, clicked: bool) -> bool:
    """Whether the button ``key`` counts as pressed: ``clicked`` (what ``st.button`` returned), or
    an earlier click whose action met a storage fault and has not been finished since. Use it as
    ``if storage.click("consent_continue", st.button(..., key="consent_continue")):``."""
    replayable = st.session_state.setdefault(_REPLAYABLE, [])
    if key not in replayable:
        replayable.append(key)
    clicks = st.session_state.setdefault(_CLICKS, [])
    if clicked:
        clicks[:] = [key]
        return True
    return key in clicks


def _is_fault(exc: BaseException) -> bool:
    return isinstance(exc, StorageBusyError) or (isinstance(exc, DBAPIError) and storage_fault(exc) is not None)


def callback(key: str, fn: Callable[..., Any]) -> Callable[..., None]:
    """``fn`` as a widget callback (``on_click``, ``on_change``) that writes: if it meets a storage
    fault, the page shows the calm message and :func:`guard` makes the same call again (same
    arguments) on each retry until it is done once. ``key`` names it: the key of its widget, so that
    a click on it is not reported as undone. Use it as
    ``st.button(..., key="an_reset", on_click=storage.callback("an_reset", set_plan), args=(...))``."""
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            fn(*args, **kwargs)
        except Exception as exc:
            if not _is_fault(exc):
                raise
            # (new: not tried again in the run this callback starts, only on the retries after it)
            st.session_state.setdefault(_CALLBACKS, {})[key] = [fn, args, kwargs, True]
            replayable = st.session_state.setdefault(_REPLAYABLE, [])
            if key not in replayable:
                replayable.append(key)
            postpone(key, exc)

    return run


def _replay() -> None:
    """Make the callbacks that met a storage fault again (each until it is done once)."""
    waiting = st.session_state.get(_CALLBACKS) or {}
    for key in list(waiting):
        fn, args, kwargs, new = waiting[key]
        if new:  # it met the fault just now, before this run: from the next retry on
            waiting[key][3] = False
            st.session_state[_ASKED].append(key)
            continue
        del waiting[key]
        if not due(key):  # dropped meanwhile
            continue
        try:
            fn(*args, **kwargs)
        except Exception as exc:
            if not _is_fault(exc):
                raise
            waiting[key] = [fn, args, kwargs, False]
            postpone(key, exc)


def whole_page() -> None:
    """In a part of the page redrawn on its own (``st.fragment``), whose callbacks :func:`guard`
    does not see: a callback that has just met a storage fault reruns the whole page (message and
    retries)."""
    if any(new for _fn, _args, _kwargs, new in (st.session_state.get(_CALLBACKS) or {}).values()):
        st.rerun(scope="app")


def _fingerprint(data: pd.DataFrame) -> str:
    return json.dumps([list(map(str, data.columns)), list(map(str, data.index)), data.astype(str).values.tolist()])


def _apply_edits(data: pd.DataFrame, edits: dict) -> pd.DataFrame:
    """``data`` with a data editor's edits: changed cells (by row position), deleted rows, added rows."""
    out = data.copy()
    for row, change in (edits.get("edited_rows") or {}).items():
        for column, value in change.items():
            if column in out.columns and int(row) < len(out):
                cells = out[column].astype(object)
                cells.iloc[int(row)] = value
                try:  # the column keeps its kind (a number column stays one in the editor)
                    cells = cells.astype(out[column].dtype)
                except (TypeError, ValueError):
                    pass
                out[column] = cells
    deleted = {int(r) for r in edits.get("deleted_rows") or ()}
    out = out.iloc[[i for i in range(len(out)) if i not in deleted]]
    if isinstance(data.index, pd.RangeIndex):
        out = out.reset_index(drop=True)
    added = [{c: r.get(c) for c in out.columns} for r in edits.get("added_rows") or ()]
    if added:
        out = pd.concat([out, pd.DataFrame(added, columns=out.columns)], ignore_index=True)
    return out


def table(key: str, data: pd.DataFrame) -> pd.DataFrame:
    """The data to draw the table being edited ``key`` (``st.data_editor(storage.table(key, data),
    key=key)``) with: ``data``, plus the edits made in it before a storage fault took it off the page
    (Streamlit forgets them and cannot be given them back). Once the page's ``data`` changes (a
    save), the edits kept for the old data are dropped."""
    fingerprint = _fingerprint(data)
    tables = st.session_state.setdefault(_TABLES, {})
    base = data
    if key in tables and tables[key][0] == fingerprint:
        base = tables[key][1]
    else:
        tables.pop(key, None)
    edits = (st.session_state.get(_KEPT_TABLES) or {}).pop(key, None)
    if edits:
        base = _apply_edits(base, edits)
        tables[key] = (fingerprint, base)
    return base


def postpone(key: str, exc: BaseException | None = None) -> None:
    """A save made by a widget callback (``key`` names it, e.g. ``"answer:age"``) met a storage
    fault (``exc``, if known): the page is told to make it again by :func:`due` on each retry until
    it succeeds."""
    later = st.session_state.setdefault(_LATER, [])
    if key not in later:
        later.append(key)
    fault(exc)


def due(key: str) -> bool:
    """True (once) when the save ``key`` was postponed: the page makes it now (and postpones it
    again if storage still fails)."""
    st.session_state.setdefault(_ASKED, []).append(key)
    later = st.session_state.get(_LATER) or []
    if key in later:
        later.remove(key)
        return True
    return False


def _new_click() -> None:
    """A button clicked in this run that is not the one waiting: the waiting click is dropped."""
    waiting = st.session_state.get(_CLICKS)
    if waiting and any(v is True and k not in waiting for k, v in _widgets(triggers=True).items()):
        waiting.clear()


def _settled() -> None:
    """A run ended without a storage fault: the waiting click's action is done."""
    st.session_state.pop(_CLICKS, None)
    st.session_state.pop(_CAUSE, None)


def _keep_entered() -> None:
    """Keep what was typed in the widgets this run will not draw: Streamlit forgets the state of
    widgets missing from a run, so the values wait under another key and :func:`guard` puts them
    back before the page draws its widgets again."""
    kept = dict(st.session_state.get(_KEPT) or {})
    kept.update(_entered())
    st.session_state[_KEPT] = kept
    edits = {k: v for k, v in _widgets(triggers=False, tables=True).items()
             if v and any(v.get(part) for part in ("edited_rows", "added_rows", "deleted_rows"))}
    if edits:
        st.session_state.setdefault(_KEPT_TABLES, {}).update(edits)


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


def _keep_click() -> None:
    """A button clicked in a run that a storage fault stopped before the page drew it (and asked
    :func:`click`): its click waits all the same."""
    clicked = [k for k, v in _widgets(triggers=True).items() if v is True]
    if clicked:
        st.session_state[_CLICKS] = clicked[:1]


def _undone() -> bool:
    """A button clicked in this run whose action the page will not redo by itself."""
    replayable = st.session_state.get(_REPLAYABLE) or []
    return any(v is True and k not in replayable for k, v in _widgets(triggers=True).items())


def _show(researcher: bool) -> None:
    st.session_state.pop(_FAULT, None)
    _keep_entered()
    if researcher:
        st.warning(_researcher_text(_undone()), icon=":material/hourglass_top:")
    else:
        lang = st.session_state.get(LANG_KEY)
        if lang not in LANGUAGES:
            q = st.query_params.get("lang")
            lang = q if q in LANGUAGES else LANGUAGES[0]
        st.info(t("save_retrying", lang), icon=":material/hourglass_top:")
    st.session_state.pop("_storage_retry_armed", None)
    _retry()


def _waiting() -> bool:
    """A fault reported in this run, or a postponed save still to make."""
    return bool(st.session_state.get(_FAULT) or st.session_state.get(_LATER))


@contextmanager
def guard(*, researcher: bool = False) -> Iterator[None]:
    """Run a page; a storage fault anywhere in it, or reported by :func:`fault`, shows the calm
    message and retries until the page runs without one (see the module's description)."""
    _restore_entered()
    _new_click()
    # a fault in a callback before this run left a postponed save (_LATER) to make: only this run's count
    st.session_state.pop(_FAULT, None)
    st.session_state[_ASKED] = []
    try:
        _replay()
        yield
    except StorageBusyError as exc:
        st.session_state[_CAUSE] = _cause(exc)
        _keep_click()
        _show(researcher)
    except DBAPIError as exc:
        if storage_fault(exc) is None:
            _settled()
            raise
        st.session_state[_CAUSE] = _cause(exc)
        _keep_click()
        _show(researcher)
    except BaseException as exc:  # st.stop, a page switch or rerun, or an error that is not storage's
        if not _waiting():
            _settled()
        elif type(exc).__name__ == "StopException":  # the run ends here: show the message first
            _show(researcher)
        raise  # (a page switch or rerun: the next run meets the fault again if storage still fails)
    else:
        later = st.session_state.get(_LATER)
        if later:  # a postponed save the page no longer asks about (it is not drawn any more) is dropped
            asked = st.session_state.get(_ASKED) or []
            later[:] = [k for k in later if k in asked]
        if _waiting():
            _show(researcher)
        else:
            _settled()
