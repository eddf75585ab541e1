"""Consent: the consent text; ticking the box and continuing stores consent with its version."""
from __future__ import annotations

import streamlit as st

from qmethod import service
from qmethod.ui import flow, storage
from qmethod.ui.i18n import t

ctx = flow.enter("consent")
lang = ctx.lang
st.set_page_config(page_title=f"{t('stage_consent', lang)} – {ctx.text(ctx.study.title)}")
flow.header(ctx, "consent", lang, ctx.study)
st.title(t("consent_heading", lang))
st.markdown(ctx.text(ctx.study.consent.text))
agreed = st.checkbox(t("consent_check", lang), key="consent_check")
if storage.click("consent_continue", st.button(t("continue", lang), type="primary", key="consent_continue")):
    if not agreed:
        st.error(t("consent_needed", lang))
    elif flow.call(ctx, service.give_consent, ctx.study.consent.version) is not None:
        flow.flash("consent_given", "success")
        flow.go("instruction", ctx.token, ctx.state.study_id)
