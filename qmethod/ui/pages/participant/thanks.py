"""Thank-you page after a submitted sort."""
from __future__ import annotations

import streamlit as st

from qmethod.ui import flow
from qmethod.ui.i18n import t

ctx = flow.enter("thanks")
lang = ctx.lang
st.set_page_config(page_title=f"{t('stage_done', lang)} – {ctx.text(ctx.study.title)}")
flow.header(ctx, "thanks", lang, ctx.study)
st.title(t("thanks_heading", lang))
st.success(t("thanks_saved", lang))
st.markdown(ctx.text(ctx.study.thanks))
