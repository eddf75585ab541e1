"""Thank-you page after a submitted sort: what happens next, whom to contact, and the resume code
with what it is still for (withdrawing)."""
from __future__ import annotations

import streamlit as st

from qmethod.ui import flow
from qmethod.ui.i18n import t

ctx = flow.enter("thanks")
lang = ctx.lang
study = ctx.study
st.set_page_config(page_title=f"{t('stage_done', lang)} – {ctx.text(study.title)}")
flow.header(ctx, "thanks", lang, study)
st.title(t("thanks_heading", lang))
st.success(t("thanks_saved", lang))
st.markdown(ctx.text(study.thanks))
st.subheader(t("thanks_next_heading", lang))
st.markdown(ctx.text(study.next_steps) if study.next_steps else t("thanks_next", lang))
code = st.session_state.get("resume_code")
with st.container(border=True):
    st.subheader(t("code_heading", lang))
    if code:
        st.markdown(f"<p class='resume-code' data-testid='resume-code'>{code}</p>", unsafe_allow_html=True)
        st.markdown(t("thanks_code", lang))
    else:
        st.markdown(t("thanks_code_unknown", lang))
if study.contact:
    st.subheader(t("thanks_contact_heading", lang))
    st.markdown(ctx.text(study.contact))
st.caption(t("thanks_close", lang))
