"""The participant flow shared by all participant pages: who is this tab, which screen is due,
calling the service layer and turning its errors into calm, translated messages.

The database decides where a participant is (``ParticipantState.stage``); each page asks
:func:`enter` for its context and is redirected to the right screen if it is not the due one. The
tab remembers only its participant token, in ``st.session_state`` and, through the server, in an
HttpOnly cookie (never in the page address), so a reload or a second server process continues from
the database; a link holding the token (``?p=``) still works and is dropped from the address.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import streamlit as st

from qmethod import service
from qmethod.errors import (
    CompletedError,
    ConflictError,
    IncompleteError,
    NotFoundError,
    QMethodError,
    ResumeCodeError,
    StorageBusyError,
)
from qmethod.service import Database, ParticipantState
from qmethod.study import Study
from qmethod.study.model import text_in
from qmethod.web.security import BROWSER_COOKIE, CLIENT_HEADER, PARTICIPANT_COOKIE

from .components.access_tools import access_tools
from ..web.database import app_database
from .components.page_lang import page_lang
from .components.session_cookie import set_participant_cookie
from .i18n import LANGUAGES, t
from . import storage
from .storage import LANG_KEY
from .text import plain, signed

__all__ = [
    "SCREENS", "PAGE_FILES", "Ctx", "database", "get_study", "enter", "go", "screen_for", "call",
    "flash", "show_flash", "missing_messages", "lang_of", "study_text", "header", "remember_token",
    "forget_token", "query_study", "ROOT", "start_facilitated", "facilitated_by", "look_back",
]

ROOT = Path(__file__).resolve().parents[2]
#: Participant screens in order; each is one page file.
SCREENS: tuple[str, ...] = ("welcome", "consent", "instruction", "presort", "grid", "comments", "survey", "thanks")
PAGE_FILES: dict[str, str] = {s: f"qmethod/ui/pages/participant/{s}.py" for s in SCREENS}
TOKEN_PARAM = "p"
#: session key (with ":<token>") of the participant state this tab last read
_LAST_STATE = "_last_state"
STUDY_PARAM = "study"


def database() -> Database:
    """The app's database, opened once per process (:func:`qmethod.web.database.app_database`, shared
    with the HTTP routes)."""
    return app_database()


@st.cache_resource(show_spinner=False, max_entries=64)
def _study(study_id: str, revision: int) -> Study:
    return service.get_study(database(), study_id)


def get_study(study_id: str, revision: int | None = None) -> Study:
    """The published study (cached per revision)."""
    if revision is None:
        revision = service.study_info(database(), study_id).revision
    return _study(study_id, revision)


@dataclass(frozen=True)
class Ctx:
    """What a participant page draws from: the participant's state, the study and the language."""

    db: Database
    token: str
    state: ParticipantState
    study: Study

    @property
    def lang(self) -> str:
        return self.state.language

    def text(self, texts: dict[str, str]) -> str:
        return study_text(texts, self.lang, self.study)

    def statement_text(self, statement_id: str) -> str:
        st_ = self.study.statement(statement_id)
        return self.text(st_.text) if st_ is not None else statement_id


def study_text(texts: dict[str, str], lang: str, study: Study | None = None) -> str:
    """A study text in ``lang`` (falling back to the study's default language, then any)."""
    return text_in(texts, lang, study.default_language if study is not None else None)


def lang_of(study: Study | None = None) -> str:
    """The language for a page without a participant: ``?lang=``, else the study default, else nb."""
    q = st.query_params.get("lang")
    if q in LANGUAGES and (study is None or q in study.languages):
        return q
    if study is not None:
        return study.default_language
    return LANGUAGES[0]


def query_study() -> str | None:
    return st.query_params.get(STUDY_PARAM) or None


def current_token(*, cookie: bool = False) -> str | None:
    """This tab's participant token: from the session, else from a link holding it (``?p=``), else,
    with ``cookie`` (after a reload of a participant page), from this browser's HttpOnly cookie.

    The welcome page does not read the cookie: whoever opens the study link on a shared device
    may start a new sort."""
    token = st.session_state.get("participant_token") or st.query_params.get(TOKEN_PARAM)
    if not token and cookie:
        token = st.context.cookies.get(PARTICIPANT_COOKIE)
        if token and token == st.session_state.get("_forgotten_token"):
            token = None
    return token or None


def client_key() -> str:
    """Who is asking, for rate limits: the client's address as resolved by
    :class:`qmethod.web.security.SecurityMiddleware` (forwarded headers count only from the trusted
    proxies of ``QMETHOD_TRUSTED_PROXIES``). Without it (a test harness) the websocket's peer."""
    return st.context.headers.get(CLIENT_HEADER) or st.context.ip_address or "127.0.0.1"


def browser_key() -> str | None:
    """This browser's id for rate limits (the HttpOnly cookie set by the security middleware)."""
    return st.context.cookies.get(BROWSER_COOKIE) or None


def remember_token(token: str, study_id: str) -> None:
    """Keep the participant's token in this tab's session; :func:`header` also has the server keep it
    in an HttpOnly cookie, so that a reload continues. It never goes into the page address (a
    proxy's access log would keep it)."""
    st.session_state["participant_token"] = token
    st.query_params[STUDY_PARAM] = study_id


def forget_token() -> None:
    token = current_token(cookie=True)
    if token:
        st.session_state["_forgotten_token"] = token
    st.session_state.pop("participant_token", None)
    st.session_state.pop("resume_code", None)
    if TOKEN_PARAM in st.query_params:
        del st.query_params[TOKEN_PARAM]


def screen_for(state: ParticipantState) -> str:
    """The screen the participant is due to see, from the stored state."""
    if state.completed or state.stage == "done":
        return "thanks"
    if state.stage == "consent":
        return "consent" if state.consent_version is None else "instruction"
    return state.stage if state.stage in SCREENS else "consent"


def go(screen: str, token: str | None = None, study_id: str | None = None) -> NoReturn:
    """Switch to ``screen``, keeping the study in the URL (and the participant token in the session)."""
    params: dict[str, str] = {}
    sid = study_id or query_study()
    if sid:
        params[STUDY_PARAM] = sid
    tok = token or current_token()
    if tok:
        st.session_state["participant_token"] = tok
    if "lang" in st.query_params and not tok:
        params["lang"] = st.query_params["lang"]
    st.switch_page(PAGE_FILES[screen], query_params=params)


def enter(screen: str) -> Ctx:
    """The context of a participant page; redirects if this tab has no participant or another
    screen is due. Call it first on every participant page except the welcome page."""
    token = current_token(cookie=True)
    if token is None:
        go("welcome")
    db = database()
    try:
        state = service.resume(db, token)
        st.session_state[f"{_LAST_STATE}:{token}"] = state
    except ResumeCodeError:
        forget_token()
        flash("unknown_link", "warning")
        go("welcome")
    except StorageBusyError:
        # storage cannot be read: the page is drawn from the state this tab last read (the layout
        # stays; its saves meet the fault too and wait), with the calm message, retried by itself.
        # Without one, the fault goes on to qmethod.ui.storage.guard (the message alone).
        state = st.session_state.get(f"{_LAST_STATE}:{token}")
        if state is None:
            raise
        storage.fault()
    st.session_state["participant_token"] = token
    _remember_shown(token, state)
    st.session_state[LANG_KEY] = state.language
    if TOKEN_PARAM in st.query_params:  # a link holding the token: out of the address once read
        del st.query_params[TOKEN_PARAM]
    study = get_study(state.study_id, state.study_revision).for_condition(state.condition)
    due = screen_for(state)
    if due == screen:
        st.session_state.get(_BACK_TO, {}).pop(token, None)
    elif not _looking_back(token, screen, due):
        go(due, token, state.study_id)
    return Ctx(db=db, token=token, state=state, study=study)


def flash(key: str, kind: str = "info", **values: Any) -> None:
    """Queue a translated message for the next page render of this tab."""
    st.session_state.setdefault("flash", []).append((key, kind, values))


def show_flash(lang: str) -> None:
    for key, kind, values in st.session_state.pop("flash", []):
        text = t(key, lang, **values)
        {"error": st.error, "warning": st.warning, "success": st.success}.get(kind, st.info)(text)


def missing_messages(ctx: Ctx, missing: tuple | list) -> list[str]:
    """Translated, specific messages for what a submit or a stage change still needs."""
    lang = ctx.lang
    out: list[str] = []
    state = ctx.state
    for m in missing:
        if m.kind == "grid":
            out.append(t("missing_unplaced", lang, n=len(state.unplaced) or "?"))
        elif m.kind == "column":
            col = ctx.study.grid.column(int(m.item))
            used = len(state.columns.get(int(m.item), ()))
            out.append(t("missing_column", lang, column=signed(int(m.item)), used=used,
                         capacity=col.count if col else "?"))
        elif m.kind == "presort":
            out.append(t("missing_presort", lang, n=len(state.unpiled)))
        elif m.kind == "consent":
            out.append(t("missing_consent", lang))
        elif m.kind == "comment":
            out.append(t("missing_comment", lang, text=ctx.statement_text(str(m.item))))
        elif m.kind == "answer":
            q = ctx.study.question(str(m.item))
            text = ctx.text(q.text) if q else str(m.item)
            key = "missing_answer_choices" if "choices" in m.message else "missing_answer"
            out.append(t(key, lang, text=text))
        else:
            out.append(m.message)
    return out


def _remember_shown(token: str, state: ParticipantState) -> None:
    """The version and stage of the state this page session last showed or stored (the version
    check of its next save is against it)."""
    st.session_state[f"shown:{token}"] = (state.version, state.stage)


def call(ctx: Ctx, fn: Callable[..., ParticipantState], *args: Any, only_at: str | None = None,
         retry: str | None = None, **kwargs: Any) -> ParticipantState | None:
    """Run a service step for this participant against the version this page session last showed
    or stored; on failure show a calm, specific, translated message and return ``None`` (nothing
    stored is lost). If another tab or device saved in between, the step is refused
    (``ConflictError``), the page says so and shows the stored state on its next run. A storage
    fault is reported to :func:`qmethod.ui.storage.fault`: the page shows the calm message and
    retries by itself (a button's action through :func:`qmethod.ui.storage.click`).

    ``only_at``: do nothing unless the page session's stage is this one (for widget callbacks, so
    that a late event from a page the participant has left cannot change that page's answers).
    ``retry``: for widget callbacks, the name under which a save that met a storage fault is
    postponed (:func:`qmethod.ui.storage.postpone`); the page makes it again when it is due.
    """
    lang = ctx.lang
    version, stage = st.session_state.get(f"shown:{ctx.token}", (ctx.state.version, ctx.state.stage))
    if only_at is not None and stage != only_at:
        return None
    try:
        state = fn(ctx.db, ctx.token, *args, expected_version=version, **kwargs)
        _remember_shown(ctx.token, state)
        return state
    except IncompleteError as exc:
        fresh_ctx = Ctx(ctx.db, ctx.token, service.resume(ctx.db, ctx.token), ctx.study)
        msgs = missing_messages(fresh_ctx, exc.missing)
        st.error(t("submit_missing_heading", lang) + "\n\n" + "\n".join(f"- {plain(m)}" for m in msgs))
    except ConflictError as exc:
        if isinstance(exc.state, ParticipantState):
            _remember_shown(ctx.token, exc.state)
        st.warning(t("error_conflict", lang))
    except StorageBusyError:
        if retry is not None:
            storage.postpone(retry)
        else:
            storage.fault()
    except CompletedError:
        go("thanks", ctx.token, ctx.state.study_id)
    except (NotFoundError, QMethodError):
        st.error(t("error_generic", lang))
    return None


_STYLE = """<style>
/* Calm while saving: Streamlit would fade the page during each short save. */
[data-stale="true"] { opacity: 1 !important; transition: none !important; }
.statement { font-weight: 700; font-size: 1.1rem; margin: 0 0 0.25rem; overflow-wrap: anywhere; }
.resume-code { font-size: 1.75rem; font-weight: 700; letter-spacing: 0.12em; font-family: ui-monospace, monospace;
               margin: 0.25rem 0; }
[data-testid="stMainBlockContainer"] { padding-top: 3rem; }
@media (max-width: 640px) { h1 { font-size: 1.9rem !important; }
                            [data-testid="stMainBlockContainer"] { padding-top: 1.5rem; } }
/* On a phone, text a participant reads or types is at least 16 px (an input under 16 px also
   makes iOS zoom in): Streamlit draws captions, fields, buttons and the language switch at 14 px. */
@media (max-width: 640px) {
  [data-testid="stMain"] :is([data-testid="stCaptionContainer"], [data-testid="stTextInput"],
      [data-testid="stTextArea"], [data-testid="stNumberInput"], [data-testid="stButton"],
      [data-testid="stFormSubmitButton"], [data-testid="stButtonGroup"], [data-testid="stWidgetLabel"],
      [data-testid="stAlert"], .code-line) :is(p, span, input, textarea, button, small, div),
  [data-testid="stMain"] :is([data-testid="stCaptionContainer"], .code-line) { font-size: 16px !important; }
}
</style>"""


def header(ctx: Ctx | None, screen: str, lang: str, study: Study | None) -> None:
    """Step indicator, study title and the language switch (same place on every page)."""
    st.html(_STYLE)
    if study is not None:
        # the steps of the whole sort: with conditions of instruction the survey (asked after the
        # last condition) counts in every condition, so "Step x of y" keeps its y throughout
        whole = get_study(ctx.state.study_id, ctx.state.study_revision) if ctx is not None else study
        order = [s for s in SCREENS if s != "presort" or study.presort]
        order = [s for s in order if s != "comments" or study.postsort.enabled]
        order = [s for s in order if s != "survey" or whole.survey]
        n = order.index(screen) + 1 if screen in order else len(order)
        left, right = st.columns([3, 2], vertical_alignment="center")
        left.caption(t("step", lang, n=n, total=len(order)) + " · " + t("stage_" + (
            "done" if screen == "thanks" else screen), lang))
        if len(study.languages) > 1 and screen != "thanks":
            names = {"nb": "Norsk", "en": "English"}
            choice = right.segmented_control(
                t("language_label", lang), options=list(study.languages), default=lang,
                format_func=lambda code: names.get(code, code), key=f"lang_switch_{screen}",
                label_visibility="collapsed",
            )
            if choice and choice != lang:
                if ctx is None:
                    st.query_params["lang"] = choice
                    st.rerun()
                # rerun only once stored: a failed save shows its message (a storage fault: the calm
                # one, and the switch is tried again with each retry), where an immediate rerun would
                # hide it and try again at once, over and over
                if call(ctx, service.set_language, choice) is not None:
                    st.rerun()
        with right:
            page_lang(lang)  # renders nothing; sets <html lang>
            if ctx is not None:
                set_participant_cookie(ctx.token)  # renders nothing; the server keeps the token (HttpOnly)
    else:
        page_lang(lang)
    by = facilitated_by(ctx)
    access_tools(lang, preset={"large": True} if by else None, preset_id=f"facilitated:{ctx.state.participant}"
                 if by and ctx is not None else None)
    if by and ctx is not None:
        _facilitator_bar(ctx, screen, lang, by)
    show_flash(lang)


_FACILITATED = "facilitated_tokens"
#: In a facilitated sort, the earlier screen (welcome or consent) the researcher went back to, per token.
_BACK_TO = "facilitated_back_to"
_LOOK_BACK = ("welcome", "consent")


def start_facilitated(study_id: str, researcher: str, language: str | None = None) -> NoReturn:
    """Start a participant of ``study_id`` whom ``researcher`` sorts together with (a facilitated
    sort, recorded in its start event) and open the participant flow in this browser tab: larger
    text switched on, and a "Back a step" button on every step. Raises ``QMethodError`` if the
    study is not open."""
    session = service.start_participant(database(), study_id, language=language, facilitated_by=researcher)
    st.session_state.setdefault(_FACILITATED, {})[session.token] = researcher
    remember_token(session.token, study_id)
    st.session_state["resume_code"] = session.resume_code
    go("consent", session.token, study_id)


def facilitated_by(ctx: Ctx | None) -> str | None:
    """The researcher running this tab's participant flow together with the participant, if any."""
    if ctx is None:
        return None
    return st.session_state.get(_FACILITATED, {}).get(ctx.token)


def _looking_back(token: str, screen: str, due: str) -> bool:
    """True if this tab runs a facilitated sort whose researcher went back to ``screen`` (the welcome
    or the consent), a step before the ``due`` one: shown again, nothing stored changes."""
    if token not in st.session_state.get(_FACILITATED, {}) or due == "thanks":
        return False
    return (st.session_state.get(_BACK_TO, {}).get(token) == screen and screen in _LOOK_BACK
            and SCREENS.index(screen) < SCREENS.index(due))


def look_back(ctx: Ctx, screen: str) -> NoReturn:
    """Show ``screen`` (``welcome`` or ``consent``) again in a facilitated sort, though a later step
    is due; the consent given stays given."""
    st.session_state.setdefault(_BACK_TO, {})[ctx.token] = screen
    go(screen, ctx.token, ctx.state.study_id)


def _facilitator_bar(ctx: Ctx, screen: str, lang: str, researcher: str) -> None:
    """A facilitated sort: who runs it, and "Back a step" to the previous step. The instruction goes
    back to the consent and the consent to the welcome, which are shown again without undoing the
    consent; later steps go back a stage."""
    stages = ctx.state.stages
    if screen in ("consent", "instruction"):
        prev = "welcome" if screen == "consent" else "consent"
    else:
        prev = stages[stages.index(screen) - 1] if screen in stages and stages.index(screen) > 0 else None
    with st.container(key="facilitator_bar", horizontal=True, vertical_alignment="center"):
        st.caption(t("facilitated_note", lang, name=researcher))
        if prev is not None and not ctx.state.completed and st.button(t("facilitated_back", lang),
                                                                      key=f"facilitator_back_{screen}"):
            if screen in ("consent", "instruction"):
                look_back(ctx, prev)
            if call(ctx, service.set_stage, prev) is not None:
                go("instruction" if prev == "consent" else prev, ctx.token, ctx.state.study_id)


def saved_note(lang: str) -> None:
    """"Everything is saved", plus the resume code while this tab still knows it (it is shown in
    full after consent; the database keeps only its hash)."""
    text = t("saved_note", lang)
    code = st.session_state.get("resume_code")
    if code:
        text += " " + t("code_short", lang, code=code)
    st.caption(text)
