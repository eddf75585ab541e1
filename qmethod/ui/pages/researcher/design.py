"""Design a study: statements, grid, texts and questions, preview as a participant, publish, link + QR."""
from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from qmethod import service
from qmethod.errors import NotFoundError
from qmethod.service import design
from qmethod.ui import flow, storage
from qmethod.ui.components.qsort_grid import qsort_grid
from qmethod.ui.i18n import GRID_KEYS, strings_for
from qmethod.ui.researcher.auth import base_url, current_study, gate, page_path, run
from qmethod.ui.researcher.plots import grid_svg
from qmethod.study.load import PICTURE_BY_ADDRESS
from qmethod.ui.text import plain

user = gate("Design")
db = flow.database()
choices = sorted({s.id for s in service.list_studies(db)} | {x.id for x in design.list_drafts(db)})
sid = current_study()
if not choices:
    st.info("There is no study yet: create one on the Studies page.")
    st.page_link(page_path("researcher"), label="Studies", icon=":material/folder_open:")
    st.stop()
if sid not in choices:
    sid = choices[0]
sid = st.selectbox("Study", choices, index=choices.index(sid), key="design_study")
if st.query_params.get("study") != sid:
    st.query_params["study"] = sid

try:
    draft = design.get_draft(db, sid)
except NotFoundError:
    draft = run(design.draft_from_published, db, sid, by=user.username)
    if draft is None:
        st.stop()
d = draft.definition
langs: list[str] = list(d.get("study", {}).get("languages") or ["nb"])
try:
    info = service.study_info(db, sid)
except NotFoundError:
    info = None


def save(new: dict, message: str = "Saved.") -> None:
    """Store ``new`` as the draft, unless it adds a picture loaded from another host: refused at once
    (not first at Preview), whatever was changed (texts, statements typed, imported or edited in the
    table); what was typed stays in its field."""
    had = {p for p in design.check_definition(d) if PICTURE_BY_ADDRESS in p}
    pictures = [p for p in design.check_definition(new) if PICTURE_BY_ADDRESS in p and p not in had]
    if pictures:
        st.error("Not saved: " + " ".join(plain(p) for p in pictures), icon=":material/info:")
        return
    if run(design.save_draft, db, sid, new, by=user.username) is not None:
        st.toast(plain(message), icon=":material/check:")
        st.rerun()


title = next(iter(d.get("study", {}).get("title", {}).values()), sid)
st.title(f"Design: {plain(title)}")
status = "not published" if info is None else ("published, open" if info.is_open else "published, closed")
st.caption(f"Study id `{sid}` · {status} · draft saved {draft.updated_at:%Y-%m-%d %H:%M} UTC"
           + (f" by {draft.updated_by}" if draft.updated_by else ""))
if info is not None and info.participants:
    st.info(f"{info.participants} participant(s) have started: statements, grid, comment columns and questions "
            "can no longer change (texts can). Publish a changed design under a new study id.")

# Only the open tab is drawn (the preview grid measures its width when it is mounted, so it must never be
# mounted in a hidden tab), and each click redraws one tab only.
tab_st, tab_grid, tab_text, tab_q, tab_prev, tab_pub = st.tabs(
    ["Statements", "Grid", "Texts", "Questions", "Preview", "Publish & link"], key="design_tab", on_change="rerun")

# ---------------------------------------------------------------- statements
if tab_st.open:
    with tab_st:
        n = len(d.get("statements") or [])
        st.markdown(f"**{n} statements.** Type or paste them one per line, import a file, or edit the table.")
        lang = st.selectbox("Language of the texts below", langs, key="st_lang") if len(langs) > 1 else langs[0]
        current = "\n".join((s.get("text") or {}).get(lang, "") for s in d.get("statements") or [])
        with st.form("statements_text"):
            text = st.text_area("Statements, one per line (numbering and bullets are removed)", value=current, height=260,
                                key=f"st_text:{sid}:{lang}:{draft.updated_at.isoformat()}")
            if storage.click("st_text_use", st.form_submit_button("Use these statements", type="primary", key="st_text_use")):
                save(design.set_statements(d, design.statements_from_text(text), lang),
                     f"{len(design.statements_from_text(text))} statements saved.")
        with st.expander("Import statements from a file (.STA, .txt, .csv with a text column, HtmlQ statements.xml)"):
            up = st.file_uploader("Statement file", type=["sta", "txt", "csv", "xml"], key="st_file")
            if up is not None and storage.click("st_import", st.button("Import", key="st_import")):
                texts = run(design.statements_from_file, up.getvalue(), up.name)
                if texts is not None:
                    save(design.set_statements(d, texts, lang), f"{len(texts)} statements imported from {up.name}.")
        if n:
            with st.expander("Edit as a table (ids, categories, every language)"):
                table = pd.DataFrame(design.statement_rows(d))
                edited = st.data_editor(storage.table("st_table", table), hide_index=True, num_rows="fixed",
                                        use_container_width=True, disabled=["id"], key="st_table")
                if storage.click("st_table_save", st.button("Save table", key="st_table_save")):
                    new = dict(d)
                    new["statements"] = [
                        {"id": r["id"], **({"category": r["category"]} if str(r["category"] or "").strip() else {}),
                         "text": {lg: str(r[lg] or "").strip() for lg in langs}}
                        for r in edited.to_dict("records")
                    ]
                    save(new)

# ---------------------------------------------------------------- grid
if tab_grid.open:
    with tab_grid:
        n = len(d.get("statements") or [])
        counts = design.grid_counts(d)
        forced = d.get("grid", {}).get("distribution", "forced") == "forced"
        left, right = st.columns([3, 2])
        with left:
            st.markdown(f"**{n} statements.** Suggest a quasi-normal grid, then adjust the number of cells per column.")
            c1, c2 = st.columns(2)
            # keyed by the number of statements, so the suggested range follows them (a value typed for
            # this number of statements is kept)
            top = c1.number_input("Columns from −k to +k, k =", min_value=1, max_value=6,
                                  value=design.suggested_range(n), key=f"grid_k_{n}")
            if storage.click("grid_suggest", c2.button("Suggest a grid", type="primary", disabled=n < 3, key="grid_suggest")):
                s = run(design.suggest_columns, n, int(top))
                if s is not None:
                    save(design.set_grid(d, s), "Grid suggested.")
            if counts:
                df = pd.DataFrame({"column": [f"{'+' if k > 0 else ''}{k}" for k in counts], "cells": list(counts.values())})
                edited = st.data_editor(storage.table("grid_table", df.set_index("column").T), use_container_width=True,
                                        key="grid_table")
                free = st.toggle("Free distribution (the counts are only a suggested shape)", value=not forced, key="grid_free")
                if storage.click("grid_save", st.button("Save grid", key="grid_save")):
                    new_counts = {int(c.replace("+", "")): int(edited[c].iloc[0] or 0) for c in edited.columns}
                    save(design.set_grid(d, new_counts, forced=not free))
        with right:
            ok, message = design.grid_check(d)
            (st.success if ok else st.error)(message)
            if counts:
                st.image(grid_svg(counts), caption="Grid shape")

# ---------------------------------------------------------------- texts
if tab_text.open:
    with tab_text:
        # every field keyed (by the draft it shows, so a save shows what is stored): what is typed is kept
        # through a storage fault (qmethod.ui.storage) and saved by itself once storage answers
        k = f"{sid}:{draft.updated_at.isoformat()}"
        with st.form("texts"):
            st.markdown("**Languages**")
            c1, c2 = st.columns(2)
            new_langs = c1.multiselect("Study languages", ["nb", "en"], default=[lg for lg in langs if lg in ("nb", "en")],
                                       key=f"tx_langs:{k}")
            default_lang = c2.selectbox("Default language", langs,
                                        index=langs.index(d["study"].get("default_language", langs[0]))
                                        if d["study"].get("default_language") in langs else 0, key=f"tx_default:{k}")
            presort = st.toggle("Presort into three piles first", value=bool(d["study"].get("presort", True)),
                                key=f"tx_presort:{k}")
            ps = d.get("postsort", {})
            comments = st.toggle("Ask for comments on the extreme columns", value=bool(ps.get("enabled", True)),
                                 key=f"tx_comments:{k}")
            comments_required = st.toggle("Comments are required", value=bool(ps.get("required", False)),
                                          key=f"tx_required:{k}")
            consent_version = st.text_input("Consent version (change it when the consent text changes)",
                                            value=d.get("consent", {}).get("version", "1"), key=f"tx_version:{k}")
            values: dict[str, dict[str, str]] = {}
            for lg in langs:
                st.markdown(f"**Texts in `{lg}`** (Markdown allowed)")
                v = values.setdefault(lg, {})
                v["title"] = st.text_input(f"Title ({lg})", value=d["study"].get("title", {}).get(lg, ""),
                                           key=f"tx_title_{lg}:{k}")
                v["welcome"] = st.text_area(f"Welcome ({lg})", value=d["texts"].get("welcome", {}).get(lg, ""),
                                            key=f"tx_welcome_{lg}:{k}")
                v["consent"] = st.text_area(f"Consent ({lg})", value=d["consent"].get("text", {}).get(lg, ""),
                                            key=f"tx_consent_{lg}:{k}")
                v["instruction"] = st.text_area(f"Instruction ({lg})", value=d["texts"].get("instruction", {}).get(lg, ""),
                                                key=f"tx_instruction_{lg}:{k}")
                v["prompt"] = st.text_input(f"Comment prompt ({lg})", value=ps.get("prompt", {}).get(lg, ""),
                                            key=f"tx_prompt_{lg}:{k}")
                v["thanks"] = st.text_area(f"Thank-you text ({lg})", value=d["texts"].get("thanks", {}).get(lg, ""),
                                           key=f"tx_thanks_{lg}:{k}")
            if storage.click("texts_save", st.form_submit_button("Save texts", type="primary", key="texts_save")):
                new = {**d, "study": dict(d["study"]), "texts": dict(d["texts"]), "consent": dict(d["consent"]),
                       "postsort": dict(ps)}
                new["study"]["title"] = {lg: values[lg]["title"] for lg in langs}
                for key in ("welcome", "instruction", "thanks"):
                    new["texts"][key] = {lg: values[lg][key] for lg in langs}
                new["consent"] = {"version": consent_version.strip(), "text": {lg: values[lg]["consent"] for lg in langs}}
                new["postsort"].update(enabled=comments, required=comments_required,
                                       prompt={lg: values[lg]["prompt"] for lg in langs})
                new["study"]["presort"] = presort
                new["study"]["default_language"] = default_lang
                if new_langs and set(new_langs) != set(langs):
                    new = design.set_languages(new, new_langs)
                save(new, "Texts saved.")

# ---------------------------------------------------------------- questions
if tab_q.open:
    with tab_q:
        st.markdown("Questions asked after the sort. Types: `text`, `number`, `single` (one choice), `multiple`. "
                    "Choices: `value=label; value=label` in each language.")
        rows = design.survey_rows(d)
        cols = ["id", "type", "required"] + [f"{p} {lg}" for lg in langs for p in ("text", "choices")]
        qdf = pd.DataFrame(rows, columns=cols)
        edited_q = st.data_editor(
            storage.table("q_table", qdf), num_rows="dynamic", hide_index=True, use_container_width=True, key="q_table",
            column_config={"type": st.column_config.SelectboxColumn("type", options=["text", "number", "single", "multiple"],
                                                                    required=True, default="text"),
                           "required": st.column_config.CheckboxColumn("required", default=False)})
        if storage.click("q_save", st.button("Save questions", key="q_save")):
            survey = run(design.survey_from_rows, edited_q.to_dict("records"), langs)
            if survey is not None:
                save({**d, "survey": survey}, "Questions saved.")

# ---------------------------------------------------------------- preview
if tab_prev.open:
    with tab_prev:
        problems = design.design_problems(design.check_definition(d))
        if problems:
            st.warning("The preview needs a complete design. Still to do:\n\n"
                       + "\n".join(f"- {plain(p)}" for p in problems[:12])
                       + (f"\n- ... and {len(problems) - 12} more: every one is listed on the Publish & link tab"
                          if len(problems) > 12 else ""))
        else:
            study = design.build_study(d)
            plang = st.segmented_control("Preview language", langs, default=langs[0], key="prev_lang") or langs[0]
            tx = lambda texts: flow.study_text(texts, plang, study)  # noqa: E731
            with st.container(border=True):
                st.caption("What participants see (nothing here is stored)")
                st.header(tx(study.title))
                st.markdown(tx(study.welcome))
                st.subheader("Consent")
                st.markdown(tx(study.consent.text))
                st.subheader("Instruction")
                st.markdown(tx(study.instruction))
                # One grid component per grid shape: a changed grid mounts a new one (the old one's layout
                # does not fit it).
                shape = "-".join(f"{c.score}x{c.count}" for c in study.grid.columns) + ",".join(study.statement_ids)
                grid_key = "preview_grid_" + hashlib.sha1(shape.encode()).hexdigest()[:10]
                qsort_grid(
                    key=grid_key,
                    statements=[{"id": s.id, "text": tx(s.text), "pile": None} for s in study.statements],
                    columns=[{"value": c.score, "capacity": c.count, "label": tx(c.label) if c.label else ""}
                             for c in study.grid.columns],
                    forced=study.grid.forced, token=None, state=None, strings=strings_for(GRID_KEYS, plang),
                )
                if study.survey:
                    st.subheader("Questions")
                    for q in study.survey:
                        label = tx(q.text) + (" *" if q.required else "")
                        if q.type in ("single", "multiple"):
                            opts = [tx(o.label) for o in q.options]
                            (st.radio if q.type == "single" else st.multiselect)(label, opts, key=f"prev_q_{q.id}")
                        elif q.type == "number":
                            st.number_input(label, key=f"prev_q_{q.id}", value=None)
                        else:
                            st.text_input(label, key=f"prev_q_{q.id}")
                st.markdown(tx(study.thanks))
            st.link_button("Open the participant pages (published version)",
                           design.participant_link(base_url(), sid, lang=plang), disabled=info is None)

# ---------------------------------------------------------------- publish & link
if tab_pub.open:
    with tab_pub:
        problems = design.design_problems(design.check_definition(d))
        if problems:
            st.error("Not ready to publish yet:\n\n" + "\n".join(f"- {plain(p)}" for p in problems))
        else:
            st.success("The design is complete and can be published.")
        c1, c2 = st.columns(2)
        if storage.click("publish", c1.button("Publish" if info is None else "Publish changes", type="primary",
                                              disabled=bool(problems), key="publish")):
            res = run(design.publish_draft, db, sid)
            if res is not None:
                st.toast(f"Published (revision {res.revision}).", icon=":material/check:")
                st.rerun()
        if info is not None:
            if info.is_open:
                if storage.click("close", c2.button("Close the study (no new participants)", key="close")):
                    if run(design.close_study, db, sid) is not None:
                        st.rerun()
            elif storage.click("reopen", c2.button("Reopen the study", key="reopen")):
                if run(design.reopen_study, db, sid) is not None:
                    st.rerun()
            link = design.participant_link(base_url(), sid)
            st.markdown("**Participant link**")
            st.code(link, language=None)
            svg = design.qr_svg(link, title=f"Invitation: {sid}")
            q1, q2 = st.columns([1, 2])
            q1.image(svg, caption="QR code for printed invitations", width=220)
            q2.download_button("QR code (SVG)", svg.encode("utf-8"), f"{sid}-qr.svg", "image/svg+xml", key="qr_svg", on_click="ignore")
            q2.download_button("QR code (PNG)", design.qr_png(link), f"{sid}-qr.png", "image/png", key="qr_png", on_click="ignore")
            q2.caption("Set QMETHOD_PUBLIC_URL on the server if participants reach it under another address.")
