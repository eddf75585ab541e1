"""Responses: how far each participant got, time taken (refreshed as participants arrive), one
participant's full response with statement texts and answer labels, deletion."""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from qmethod import service
from qmethod.errors import QMethodError
from qmethod.study.response import stages
from qmethod.ui import flow
from qmethod.ui.researcher.auth import choose_published_study, gate, page_path, run
from qmethod.ui.text import plain, table_html

REFRESH_SECONDS = 10

user = gate("Responses")
db = flow.database()
study = choose_published_study("resp_study")
sid = study.id
st.title(f"Responses: {plain(flow.study_text(study.title, study.default_language, study))}")

order = list(stages(study))


def _minutes(a, b) -> float | None:
    if a is None or b is None:
        return None
    return round((b - a).total_seconds() / 60, 1)


@st.fragment(run_every=REFRESH_SECONDS)
def overview() -> list[str] | None:
    """Counts, stages and the table of participants; redrawn every few seconds as participants arrive."""
    progress = service.participant_progress(db, sid)
    rows = []
    for p in progress:
        stage = "done" if p.submitted_at else p.stage
        if stage == "consent" and p.consented_at is None:
            stage = "not consented"
        rows.append({
            "participant": p.participant, **({"condition": p.condition} if study.conditions else {}),
            "stage": stage, "placed": f"{p.placed}/{p.n_statements}",
            "language": p.language, "started": p.created_at.strftime("%Y-%m-%d %H:%M"),
            "last activity": p.updated_at.strftime("%Y-%m-%d %H:%M"),
            "minutes": _minutes(p.created_at, p.submitted_at or p.updated_at),
            "completed": p.submitted_at is not None, "invitation id": p.external_id or "",
            "facilitated by": p.facilitated_by or "",
        })
    table = pd.DataFrame(rows, columns=["participant", *(["condition"] if study.conditions else []), "stage",
                                        "placed", "facilitated by", "language", "started", "last activity",
                                        "minutes", "completed", "invitation id"])
    done = int(table["completed"].sum()) if len(table) else 0
    c1, c2, c3, c4 = st.columns(4)
    if study.conditions:  # a person sorts once per condition: count people, and the sorts per condition
        people: dict[str, list] = {}
        for p in progress:
            people.setdefault(p.person, []).append(p)
        ids = study.condition_ids
        c1.metric("People started", len(people))
        c2.metric("People consented", sum(any(q.consented_at is not None for q in s) for s in people.values()))
        c3.metric("People completed (every condition)",
                  sum({q.condition for q in s if q.submitted_at} >= set(ids) for s in people.values()))
        st.markdown("Sorts per condition: " + " · ".join(
            f"**{c}** {sum(p.condition == c for p in progress)} started, "
            f"{sum(p.condition == c and p.submitted_at is not None for p in progress)} completed" for c in ids))
    else:
        c1.metric("Started", len(table))
        c2.metric("Consented", sum(p.consented_at is not None for p in progress))
        c3.metric("Completed", done)
    med = table.loc[table["completed"], "minutes"].median() if done else None
    c4.metric("Median minutes (completed)", "–" if med is None or pd.isna(med) else f"{med:.0f}")

    if not len(table):
        st.info("No one has started yet. Share the participant link from the Design page.")
        st.page_link(page_path("design"), label="Design · Publish & link", icon=":material/edit_note:",
                     query_params={"study": sid})
        return None

    stage_order = ["not consented", *order]
    counts = table["stage"].value_counts().reindex(stage_order, fill_value=0).reset_index()
    counts.columns = ["stage", "participants"]
    chart = alt.Chart(counts).mark_bar(color="#1f6feb").encode(
        x=alt.X("participants:Q", title="Participants", axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("stage:N", sort=stage_order, title="Where they are now"),
        tooltip=["stage", "participants"],
    ).properties(height=30 * len(stage_order) + 20)
    st.altair_chart(chart, use_container_width=True)
    st.dataframe(table, hide_index=True, use_container_width=True,
                 column_config={"minutes": st.column_config.NumberColumn("minutes", format="%.1f"),
                                "completed": st.column_config.CheckboxColumn("completed")})
    st.caption("Minutes: from start to submission (or to the last activity, for those not done).")

    st.caption(f"Refreshed every {REFRESH_SECONDS} seconds (last {pd.Timestamp.now(tz='UTC'):%H:%M:%S} UTC).")
    return table["participant"].tolist()


codes = overview()
if not codes:
    codes = [p.participant for p in service.participant_progress(db, sid)]
if not codes:
    st.stop()
st.subheader("One participant")
code = st.selectbox("Participant", codes, key="resp_participant")
state = run(service.participant_state, db, sid, code)
if state is not None:
    left, right = st.columns([3, 2])
    with left:
        grid = {f"{'+' if s > 0 else ''}{s}": [f"{x}: {flow.study_text(study.statement(x).text, study.default_language, study)}"
                                              for x in ids] for s, ids in state.columns.items()}
        depth = max((len(v) for v in grid.values()), default=0)
        frame = pd.DataFrame({k: v + [""] * (depth - len(v)) for k, v in grid.items()})
        st.markdown("**Sort** (columns of the grid, top to bottom)")
        st.dataframe(frame, hide_index=True, use_container_width=True)
        if state.unplaced:
            st.caption(f"Not placed yet: {plain(', '.join(state.unplaced))}")
    with right:
        st.markdown(f"**Stage:** {state.stage} · **consent:** {state.consent_version or '–'} · "
                    f"**submitted:** {state.submitted_at:%Y-%m-%d %H:%M} UTC" if state.submitted_at else
                    f"**Stage:** {state.stage} · **consent:** {state.consent_version or '–'} · not submitted")
        column_of = {sid_: score for score, ids in state.columns.items() for sid_ in ids}
        if state.comments:
            st.markdown("**Comments**")
            # (a plain HTML table, read by screen readers, every text escaped and wrapped in its cell: a
            # participant's comment is shown as typed, never as Markdown (st.table made links and pictures))
            st.markdown(table_html(pd.DataFrame([
                {"statement": k, "text": flow.study_text(study.statement(k).text, study.default_language, study),
                 "column": column_of.get(k), "comment": v} for k, v in state.comments.items()]),
                index=False, label=f"Comments of {code}"), unsafe_allow_html=True)
        if state.answers:
            st.markdown("**Answers**")
            questions = {q.id: q for q in study.survey}

            def _label(qid: str, value) -> str:
                q = questions.get(qid)
                labels = {o.value: flow.study_text(o.label, study.default_language, study) for o in q.options} if q else {}
                values = value if isinstance(value, list) else [value]
                return ", ".join(labels.get(str(v), str(v)) for v in values)

            st.markdown(table_html(pd.DataFrame([
                {"question": flow.study_text(questions[k].text, study.default_language, study) if k in questions else k,
                 "answer": _label(k, v)} for k, v in state.answers.items()]), index=False,
                label=f"Answers of {code}"), unsafe_allow_html=True)
        with st.expander("Audit trail"):
            trail = service.audit_trail(db, sid, code)
            st.dataframe(pd.DataFrame([{"version": e.version, "time (UTC)": e.at.strftime("%H:%M:%S"),
                                        "step": e.kind, "details": str(e.payload)} for e in trail]),
                         hide_index=True, use_container_width=True)
        st.download_button("Everything stored about this participant (JSON)",
                           service.export_participant_json(db, sid, code).encode("utf-8"),
                           f"{sid}-{code}.json", "application/json", key="resp_export", on_click="ignore")
        with st.expander("Delete this participant's data"):
            st.warning("This erases the sort, comments, answers and audit trail for good. Only the code and the "
                       "time of deletion are kept.")
            typed = st.text_input(f"Type {code} to confirm", key="resp_confirm")
            if st.button("Delete", type="primary", disabled=typed.strip() != code, key="resp_delete"):
                try:
                    service.delete_participant(db, sid, code)
                except QMethodError as exc:
                    st.error(str(exc))
                else:
                    st.toast(f"{code} was deleted.", icon=":material/delete:")
                    st.rerun()
