"""Presort: every statement into one of three piles (disagree / neutral / agree).

The presort saves each action itself (one operation posted to ``qmethod.web.participant``); this
page only draws it from the stored state. Its buttons wait in the browser until every action is stored.
"""
from __future__ import annotations

import streamlit as st

from qmethod import service
from qmethod.ui import flow, storage
from qmethod.ui.components import statement_item
from qmethod.ui.components.presort import presort
from qmethod.ui.i18n import PRESORT_KEYS, strings_for, t

ctx = flow.enter("presort")
lang = ctx.lang

st.set_page_config(page_title=f"{t('stage_presort', lang)} – {ctx.text(ctx.study.title)}")
flow.header(ctx, "presort", lang, ctx.study)
st.title(t("presort_heading", lang))
st.markdown(t("presort_intro", lang))
presort(
    key="presort_widget",
    statements=[statement_item(ctx.study, s, ctx.text) for s in ctx.study.statements],
    token=ctx.token,
    state=ctx.state,
    strings=strings_for(PRESORT_KEYS, lang),
    gate=("presort_continue", "presort_back"),
)
left = len(ctx.state.unpiled)
flow.saved_note(lang)
if left == 0:
    st.success(t("presort_done_hint", lang))
back, forward = st.columns(2)
if storage.click("presort_back", back.button(t("back", lang), key="presort_back")):
    if flow.call(ctx, service.set_stage, "consent") is not None:
        flow.go("instruction", ctx.token, ctx.state.study_id)
if storage.click("presort_continue", forward.button(t("continue", lang), type="primary", key="presort_continue")):
    if flow.call(ctx, service.set_stage, "grid") is not None:
        flow.go("grid", ctx.token, ctx.state.study_id)
