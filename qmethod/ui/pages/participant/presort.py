"""Presort: every statement into one of three piles (disagree / neutral / agree)."""
from __future__ import annotations

import streamlit as st

from qmethod import service
from qmethod.study import PILES
from qmethod.ui import flow
from qmethod.ui.components.presort import presort
from qmethod.ui.i18n import PRESORT_KEYS, strings_for, t
from qmethod.ui.sync import plan_piles

ctx = flow.enter("presort")
lang = ctx.lang
KEY = "presort_widget"
SEQ = f"presort_ack:{ctx.token}"


def _on_piles() -> None:
    value = (st.session_state.get(KEY) or {}).get("piles") or {}
    seq = int(value.get("seq") or 0)

    def plan(state, study, ours):
        return plan_piles(value, state.piles, ours and ours.piles, study.statement_ids, PILES)

    flow.apply_browser_change(ctx.token, SEQ, seq, plan, "presort")


st.set_page_config(page_title=f"{t('stage_presort', lang)} – {ctx.text(ctx.study.title)}")
flow.header(ctx, "presort", lang, ctx.study)
st.title(t("presort_heading", lang))
st.markdown(t("presort_intro", lang))
message = flow.take_component_message(lang)
slot = st.empty()  # always present, so the component below keeps its place (and its state)
if message:
    slot.warning(message)
presort(
    key=KEY,
    statements=[{"id": s.id, "text": ctx.text(s.text)} for s in ctx.study.statements],
    piles=ctx.state.piles,
    ack=int(st.session_state.get(SEQ, 0)),
    strings=strings_for(PRESORT_KEYS, lang),
    on_piles_change=_on_piles,
)
left = len(ctx.state.unpiled)
flow.saved_note(lang)
if left == 0:
    st.success(t("presort_done_hint", lang))
back, forward = st.columns(2)
if back.button(t("back", lang), key="presort_back"):
    if flow.call(ctx, service.set_stage, "consent") is not None:
        flow.go("instruction", ctx.token, ctx.state.study_id)
if forward.button(t("continue", lang), type="primary", key="presort_continue"):
    if flow.call(ctx, service.set_stage, "grid") is not None:
        flow.go("grid", ctx.token, ctx.state.study_id)
