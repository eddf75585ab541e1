"""Comments on the statements placed in the extreme columns (saved as soon as a box is left)."""
from __future__ import annotations

import streamlit as st

from qmethod import service
from qmethod.study.response import MAX_COMMENT
from qmethod.ui import flow
from qmethod.ui.i18n import t
from qmethod.ui.text import as_html, plain, signed
from qmethod.web.media import picture_html

ctx = flow.enter("comments")
lang = ctx.lang
study = ctx.study
st.set_page_config(page_title=f"{t('stage_comments', lang)} – {ctx.text(study.title)}")
flow.header(ctx, "comments", lang, study)
st.title(t("comments_heading", lang))
required = study.postsort.required
st.markdown(t("comments_intro_required" if required else "comments_intro", lang))
if study.postsort.prompt:
    st.markdown(ctx.text(study.postsort.prompt))


def _save(statement_id: str, key: str) -> None:
    value = st.session_state.get(key)
    if value is None:
        return
    flow.call(ctx, service.save_comment, statement_id, value, only_at="comments")


targets = [(score, sid) for score in study.postsort.columns for sid in ctx.state.columns.get(score, ())]
if not targets:
    st.info(t("comments_none", lang))
for score, sid in targets:
    key = f"comment_{sid}"
    if key not in st.session_state:
        st.session_state[key] = ctx.state.comments.get(sid, "")
    text = ctx.statement_text(sid)
    picture = study.statement(sid).image
    with st.container(border=True):
        if picture is not None:  # a picture statement: the picture, and its text only if it has one
            st.markdown(picture_html(study.id, picture, ctx.text(picture.alt)), unsafe_allow_html=True)
        if picture is None or picture.caption:
            st.markdown(as_html(text, "p", "statement"), unsafe_allow_html=True)
        st.caption(t("comment_column", lang, column=signed(score)))
        label = t("comment_label", lang, text=plain(text))
        if not required:
            label += " " + t("comment_optional", lang)
        st.text_area(label, key=key, max_chars=MAX_COMMENT, on_change=_save, args=(sid, key),
                     label_visibility="visible", height=100)
flow.saved_note(lang)
stages = ctx.state.stages
nxt = stages[stages.index("comments") + 1]
back, forward = st.columns(2)
if back.button(t("back", lang), key="comments_back"):
    if flow.call(ctx, service.set_stage, "grid") is not None:
        flow.go("grid", ctx.token, ctx.state.study_id)
label = t("submit", lang) if nxt == "done" else t("save_and_continue", lang)
if forward.button(label, type="primary", key="comments_continue"):
    ok = True
    for score, sid in targets:  # save every box once more: nothing typed is lost
        key = f"comment_{sid}"
        if (st.session_state.get(key) or "") != ctx.state.comments.get(sid, ""):
            ok = flow.call(ctx, service.save_comment, sid, st.session_state.get(key) or "") is not None and ok
    fresh = service.resume(ctx.db, ctx.token) if ok else None
    gaps = [m for m in fresh.missing if m.kind == "comment"] if fresh is not None else []
    if gaps:  # required comments: say which ones before moving on
        msgs = flow.missing_messages(flow.Ctx(ctx.db, ctx.token, fresh, study), gaps)
        st.error(t("submit_missing_heading", lang) + "\n\n" + "\n".join(f"- {plain(m)}" for m in msgs))
    elif ok:
        if nxt == "done":
            if flow.call(ctx, service.submit) is not None:
                flow.go("thanks", ctx.token, ctx.state.study_id)
        elif flow.call(ctx, service.set_stage, nxt) is not None:
            flow.go(nxt, ctx.token, ctx.state.study_id)
