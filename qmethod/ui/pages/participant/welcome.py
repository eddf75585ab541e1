"""Welcome: the study's welcome text, the language choice, start, or continue with a code."""
from __future__ import annotations

import streamlit as st

from qmethod import service
from qmethod.errors import (
    InvitationUsedError,
    NotFoundError,
    QMethodError,
    ResumeCodeError,
    ResumeLimitError,
    StorageBusyError,
)
from qmethod.store.tokens import normalize_resume_code
from qmethod.ui import flow, storage
from qmethod.ui.components.page_lang import INVITE_KEY, invite_tag, remembered
from qmethod.ui.i18n import t

db = flow.database()
token = flow.current_token()
if token is not None:
    # a participant already: go to the screen that is due, unless a facilitated sort came back here
    # (Back a step from the consent): then the study's welcome again, and Continue to the consent
    ctx = flow.enter("welcome")
    st.set_page_config(page_title=f"{t('stage_welcome', ctx.lang)} – {ctx.text(ctx.study.title)}")
    flow.header(ctx, "welcome", ctx.lang, ctx.study)
    st.title(ctx.text(ctx.study.title))
    st.markdown(ctx.text(ctx.study.welcome))
    if st.button(t("continue", ctx.lang), type="primary", key="welcome_continue"):
        flow.look_back(ctx, "consent")
    st.stop()

study_id = flow.query_study()
if study_id is None:
    published = service.list_studies(db)
    if len(published) == 1:
        study_id = published[0].id
study = None
if study_id is not None:
    try:
        study = flow.get_study(study_id)
    except NotFoundError:
        study = None
lang = flow.lang_of(study)
if study is None:
    flow.show_flash(lang)
    st.title(t("app_title", lang))
    st.warning(t("no_study", lang))
    st.stop()

st.set_page_config(page_title=f"{t('stage_welcome', lang)} – {flow.study_text(study.title, lang, study)}")
flow.header(None, "welcome", lang, study)
st.title(flow.study_text(study.title, lang, study))
st.markdown(flow.study_text(study.welcome, lang, study))


def _invite() -> str | None:
    return st.query_params.get("invite") or st.query_params.get("id") or None


def _own_sort():
    """The sort this browser remembers for this study (token, code, state), if it still exists and
    the link does not name another invitation (another person on a shared computer)."""
    mem = remembered(study.id)
    if mem is None or st.session_state.get("welcome_start_new"):
        return None
    if _invite() is not None and mem.invite != invite_tag(_invite()):
        return None
    try:
        state = service.resume(db, mem.token)
    except (QMethodError, StorageBusyError):
        return None
    return (mem, state) if state.study_id == study.id else None


def _continue_own(token: str, code: str, tag: str | None) -> None:
    flow.remember_token(token, study.id)
    st.session_state["resume_code"] = code
    if tag:
        st.session_state[INVITE_KEY] = tag


def _start() -> None:
    invite = _invite()
    if invite is not None and "\x00" in invite:  # refused by the service too; say why here
        flow.flash("invite_damaged", "error")
        return
    try:
        session = service.start_participant(db, study.id, language=lang, external_id=invite)
    except StorageBusyError:  # the calm message; the click waits and starts the sort once storage answers
        storage.fault()
        return
    except InvitationUsedError:
        flow.flash("invite_used", "warning")
        return
    except QMethodError:
        flow.flash("study_closed", "warning")
        return
    flow.remember_token(session.token, study.id)
    st.session_state["resume_code"] = session.resume_code
    if invite is not None:
        st.session_state[INVITE_KEY] = invite_tag(invite)
    else:
        st.session_state.pop(INVITE_KEY, None)


own = _own_sort()
if own is not None:  # this browser has a sort of this study: continue it, or start another (shared computer)
    mem, own_state = own
    with st.container(border=True, key="own_sort"):
        st.subheader(t("own_done_heading" if own_state.completed else "own_heading", lang))
        st.markdown(t("own_code", lang, code=mem.code))
        if st.button(t("own_show" if own_state.completed else "own_continue", lang), type="primary",
                     key="own_continue", on_click=_continue_own, args=tuple(mem)):
            flow.go(flow.screen_for(own_state), mem.token, study.id)
        st.markdown(t("own_new_help", lang))
        if st.button(t("own_new", lang), key="own_new"):
            st.session_state["welcome_start_new"] = True
            st.rerun()
elif storage.click("start", st.button(t("start", lang), type="primary", key="start", use_container_width=False)):
    _start()
    if flow.current_token():
        flow.go("consent", flow.current_token(), study.id)
    flow.show_flash(lang)  # why the sort did not start (an invitation already used, the study closed)

st.divider()
st.subheader(t("resume_heading", lang))
with st.form("resume", border=False, enter_to_submit=True):
    code = st.text_input(t("resume_label", lang), key="resume_code_input",
                         max_chars=20, autocomplete="off")
    st.caption(t("resume_help", lang))
    resumed = storage.click("resume_submit", st.form_submit_button(t("resume_button", lang), key="resume_submit"))
if resumed:
    if not code.strip():
        st.error(t("resume_empty", lang))
    elif normalize_resume_code(code) is None:  # cannot match anyone, and is not counted: say so
        st.error(t("resume_malformed", lang, code=code.strip()))
    else:
        try:
            session = service.resume_by_code(db, code, client=flow.client_key(), browser=flow.browser_key())
        except ResumeLimitError as exc:
            if exc.scope == "client" and exc.retry_at is not None:
                st.error(t("resume_limited", lang, minutes=exc.minutes_left()))
            else:
                st.error(t("resume_paused", lang))
        except ResumeCodeError:
            st.error(t("resume_wrong", lang))
        except StorageBusyError:  # the calm message; the code is checked once storage answers
            storage.fault()
        else:
            flow.remember_token(session.token, session.state.study_id)
            st.session_state["resume_code"] = session.resume_code
            flow.go(flow.screen_for(session.state), session.token, session.state.study_id)
