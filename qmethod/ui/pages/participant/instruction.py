"""Instruction: the resume code (shown early, so the participant can come back) and the
condition of instruction."""
from __future__ import annotations

import streamlit as st

from qmethod import service
from qmethod.ui import flow, storage
from qmethod.ui.i18n import t

ctx = flow.enter("instruction")
lang = ctx.lang
st.set_page_config(page_title=f"{t('stage_instruction', lang)} – {ctx.text(ctx.study.title)}")
flow.header(ctx, "instruction", lang, ctx.study)
code = st.session_state.get("resume_code")
if code:
    with st.container(border=True):
        st.subheader(t("code_heading", lang))
        st.markdown(t("code_text", lang))
        st.markdown(f"<p class='resume-code' data-testid='resume-code'>{code}</p>", unsafe_allow_html=True)
st.title(t("instruction_heading", lang))
conditions = ctx.study.condition_ids
if ctx.state.condition in conditions:  # several conditions of instruction: which sort this is
    n = conditions.index(ctx.state.condition) + 1
    st.subheader(t("condition_progress", lang, n=n, total=len(conditions)))
    if n > 1:
        st.info(t("condition_next", lang))
with st.container(border=True):
    st.markdown(ctx.text(ctx.study.instruction))
st.caption(t("saved_note", lang))
next_stage = "presort" if ctx.study.presort else "grid"
if storage.click("instruction_continue", st.button(t("continue", lang), type="primary", key="instruction_continue")):
    if flow.call(ctx, service.set_stage, next_stage) is not None:
        flow.go(next_stage, ctx.token, ctx.state.study_id)
