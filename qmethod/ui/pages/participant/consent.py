"""Consent: the consent text; ticking the box and continuing stores consent with its version.

In a facilitated sort the researcher can come back here from the instruction (Back a step): the
box shows ticked and Continue goes on without storing anything new."""
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
# Consent already given (a facilitated sort back on this step) shows ticked; a tick not yet stored
# is kept while the researcher goes back to the welcome and on again.
given = ctx.state.consent_version == ctx.study.consent.version
ticked = f"consent_ticked:{ctx.token}"
st.session_state.setdefault("consent_check", given or st.session_state.get(ticked, False))
agreed = st.checkbox(t("consent_check", lang), key="consent_check",
                     on_change=lambda: st.session_state.__setitem__(ticked, st.session_state["consent_check"]))
if storage.click("consent_continue", st.button(t("continue", lang), type="primary", key="consent_continue")):
    if not agreed:
        st.error(t("consent_needed", lang))
    elif given:  # shown again: the consent stands as given, nothing new is stored
        flow.go("instruction", ctx.token, ctx.state.study_id)
    elif flow.call(ctx, service.give_consent, ctx.study.consent.version) is not None:
        flow.flash("consent_given", "success")
        flow.go("instruction", ctx.token, ctx.state.study_id)
