"""The grid: every statement into a column of the quasi-normal grid (drag, keyboard or list).

The grid saves each action itself (one operation posted to ``qmethod.web.participant``); this page
only draws it from the stored state. Its buttons wait in the browser until every action is stored.
"""
from __future__ import annotations

import streamlit as st

from qmethod import service
from qmethod.ui import flow, storage
from qmethod.ui.components import statement_item
from qmethod.ui.components.qsort_grid import qsort_grid
from qmethod.ui.i18n import GRID_KEYS, strings_for, t

ctx = flow.enter("grid")
lang = ctx.lang
study = ctx.study

st.set_page_config(page_title=f"{t('stage_grid', lang)} – {ctx.text(study.title)}", layout="wide")
flow.header(ctx, "grid", lang, study)
st.title(t("grid_page_heading", lang))
with st.container(border=True, key="grid_instruction"):  # in view while sorting, not folded away
    st.subheader(t("instruction_heading", lang))
    st.markdown(ctx.text(study.instruction))
st.markdown(t("grid_page_intro" if study.grid.forced else "grid_page_intro_free", lang))
qsort_grid(
    key="grid_widget",
    statements=[{**statement_item(study, s, ctx.text), "pile": ctx.state.piles.get(s.id)} for s in study.statements],
    columns=[{"value": c.score, "capacity": c.count, "label": ctx.text(c.label) if c.label else ""}
             for c in study.grid.columns],
    forced=study.grid.forced,
    token=ctx.token,
    state=ctx.state,
    strings=strings_for(GRID_KEYS, lang),
    gate=("grid_continue", "grid_back"),
    lang=lang,
)
flow.saved_note(lang)
# No "not finished" box drawn here: it would be stale after the first placement (the grid saves
# without reruns). The grid's own counter is always current, and Continue on an incomplete sort
# is refused with the missing items named, below the buttons.
stages = ctx.state.stages
nxt = stages[stages.index("grid") + 1]
back, forward = st.columns(2)
if ctx.study.presort and storage.click("grid_back", back.button(t("back", lang), key="grid_back")):
    if flow.call(ctx, service.set_stage, "presort") is not None:
        flow.go("presort", ctx.token, ctx.state.study_id)
label = t("submit", lang) if nxt == "done" else t("continue", lang)
if storage.click("grid_continue", forward.button(label, type="primary", key="grid_continue")):
    if nxt == "done":
        if flow.call(ctx, service.submit) is not None:
            flow.go("thanks", ctx.token, ctx.state.study_id)
    elif flow.call(ctx, service.set_stage, nxt) is not None:
        flow.go(nxt, ctx.token, ctx.state.study_id)
