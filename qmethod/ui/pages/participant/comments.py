"""Comments on the statements placed in the extreme columns (saved as soon as a box is left).

A text longer than the limit is not refused silently: what fits is kept and the page says how much
was cut. A comment on a statement that has since been moved out of the extreme columns is shown
(with the choice to delete it), never sent in unseen."""
from __future__ import annotations

import streamlit as st

from qmethod import service
from qmethod.study.response import MAX_COMMENT
from qmethod.ui import flow, storage
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
    if len(value) > MAX_COMMENT:  # keep what fits, say what was cut (the box shows what is stored)
        st.session_state[f"cut_{statement_id}"] = len(value) - MAX_COMMENT
        value = value[:MAX_COMMENT]
        st.session_state[key] = value
    else:
        st.session_state.pop(f"cut_{statement_id}", None)
    flow.call(ctx, service.save_comment, statement_id, value, only_at="comments", retry=f"comment:{statement_id}")


def _delete(statement_id: str, key: str) -> None:
    st.session_state[key] = ""
    flow.call(ctx, service.save_comment, statement_id, "", only_at="comments", retry=f"comment:{statement_id}")


def _comment_box(sid: str, label: str) -> None:
    key = f"comment_{sid}"
    if key not in st.session_state:
        st.session_state[key] = ctx.state.comments.get(sid, "")
    if storage.due(f"comment:{sid}"):  # its save met a storage fault: again, now
        _save(sid, key)
    # no max_chars: the browser would drop a longer paste altogether; _save cuts it to the limit
    st.text_area(label, key=key, on_change=_save, args=(sid, key), label_visibility="visible", height=100)
    cut = st.session_state.get(f"cut_{sid}")
    if cut:
        st.warning(t("comment_cut", lang, limit=f"{MAX_COMMENT:,}".replace(",", "\u00a0"),
                     cut=f"{cut:,}".replace(",", "\u00a0")))


targets = [(score, sid) for score in study.postsort.columns for sid in ctx.state.columns.get(score, ())]
if not targets:
    st.info(t("comments_none", lang))
for score, sid in targets:
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
        _comment_box(sid, label)

# Comments written earlier on statements that are no longer in an extreme column: shown, not hidden.
placed_at = {sid: score for score, ids in ctx.state.columns.items() for sid in ids}
target_ids = {sid for _, sid in targets}
moved = [sid for sid, c in ctx.state.comments.items() if c and sid not in target_ids]
if moved:
    st.subheader(t("comments_moved_heading", lang))
    st.markdown(t("comments_moved_intro", lang))
    for sid in moved:
        text = ctx.statement_text(sid)
        with st.container(border=True, key=f"moved_{sid}"):
            st.markdown(as_html(text, "p", "statement"), unsafe_allow_html=True)
            where = placed_at.get(sid)
            st.caption(t("comment_column", lang, column=signed(where)) if where is not None
                       else t("comment_not_placed", lang))
            _comment_box(sid, t("comment_label", lang, text=plain(text)))
            st.button(t("comment_delete", lang), key=f"delete_{sid}", on_click=_delete, args=(sid, f"comment_{sid}"))
flow.saved_note(lang)
stages = ctx.state.stages
nxt = stages[stages.index("comments") + 1]
back, forward = st.columns(2)
if storage.click("comments_back", back.button(t("back", lang), key="comments_back")):
    if flow.call(ctx, service.set_stage, "grid") is not None:
        flow.go("grid", ctx.token, ctx.state.study_id)
label = t("submit", lang) if nxt == "done" else t("save_and_continue", lang)
if storage.click("comments_continue", forward.button(label, type="primary", key="comments_continue")):
    ok = True
    for sid in [sid for _, sid in targets] + moved:  # save every box once more: nothing typed is lost
        key = f"comment_{sid}"
        value = (st.session_state.get(key) or "")[:MAX_COMMENT]
        if value != ctx.state.comments.get(sid, ""):
            ok = flow.call(ctx, service.save_comment, sid, value) is not None and ok
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
