"""Interpretation: per factor the composite Q-sort, the statements that characterise it with the
comments of its defining participants, their survey answers, the crib sheet, and the team's name,
summary, narrative and notes. Researchers and invited co-researchers (who see no participant codes
and propose texts instead of changing them); researchers also manage the team and download the report.
"""
from __future__ import annotations


import pandas as pd
import streamlit as st

from qmethod.service import interpretation as it
from qmethod.service.analysis import file_stem
from qmethod.ui import flow
from qmethod.ui.pages.researcher.interpret_common import LANG_NAMES, choose_analysis, load_view
from qmethod.ui.researcher import plots
from qmethod.ui.researcher.auth import gate, run
from qmethod.ui.text import escape_html, plain, table_html

user = gate("Interpretation", co_researchers=True)
db = flow.database()
st.title("Interpretation")
st.caption("Read each viewpoint together: the statements that characterise it, what the people who share it "
           "wrote, and the team's name, summary and notes. New to this? See the **Guide**.")

analysis = choose_analysis(user, key="int_analysis")
if analysis is None:
    st.stop()
lang_options = ["nb", "en"]
language = st.radio("Statements in", lang_options, format_func=LANG_NAMES.get, horizontal=True, key="int_lang")
view = load_view(user, analysis, language)
if view is None:
    st.stop()
if not view.factors:
    st.warning("No factor has defining Q-sorts yet, so there is nothing to interpret.")
    st.stop()
texts = view.texts.get(language) if language in view.texts else next(iter(view.texts.values()))
factor = st.segmented_control("Factor", list(view.factors), default=view.factors[0], key="int_factor") or view.factors[0]
fv = view.factor_views[factor]
team = view.team.get(factor) or it.FactorTexts(factor)
st.header(f"{factor}" + (f": {team.name}" if team.name else ""))
st.caption(f"{fv.n_defining} defining Q-sort{'s' if fv.n_defining != 1 else ''}"
           + (f" ({', '.join(fv.defining)})" if fv.defining else "") + f" of {view.n_sorts}.")


def _wrapped_table(table: pd.DataFrame, label: str, *, index: bool = True) -> None:
    """``table`` with every text wrapped in its cell, none cut off at the edge (at any width)."""
    st.markdown(table_html(table, index=index, label=label), unsafe_allow_html=True)


def _quote_html(quotes) -> str:
    return "".join(
        f"<blockquote>“{escape_html(q.text)}”<br><small>placed at {q.score:+d}"
        + (f" · {escape_html(q.participant)}" if q.participant else "") + "</small></blockquote>" for q in quotes)


# the composite across the page's width, its text at the size drawn (sideways scrolling on a phone)
markers = {s.id: " " + s.level + ("▲" if s.direction == "higher" else "▼" if s.direction == "lower" else "")
           for s in fv.of_kind("distinguishing")}
svg = plots.composite_svg(fv.composite, statements=texts.reindex(view.zscores.index).fillna(""),
                          markers=markers, consensus={s.id for s in fv.of_kind("consensus")},
                          title=f"Composite Q-sort of {factor}",
                          labels=view.grid_labels.get(language) or None,
                          pictures=plots.study_picture_uris(db, view.study_id))
st.markdown(plots.figure_html(
    svg, label=f"Composite Q-sort of {factor}",
    alt=f"Composite Q-sort of {factor}{': ' + team.name if team.name else ''}: the grid as a person who shares "
        "this viewpoint would fill it in. Its statements are listed as text below, under Statements and "
        "comments."), unsafe_allow_html=True)
st.caption("The grid as a person who shares this viewpoint would fill it in. * p < .05, ** p < .01 "
           "distinguishing; ▲/▼ higher/lower than in every other factor; grey: consensus.")
right = st.container()  # the team's texts, below the composite
with right:
    st.subheader("The team's texts")
    role_note = ("Your changes are saved as the current text; earlier versions are kept."
                 if user.is_researcher else "You propose a text; a researcher accepts it. Everything you write is "
                 "kept with your name and the time.")
    st.caption(role_note)
    with st.form(f"texts_{analysis.id}_{factor}"):
        # no max_chars: a text over the limit stays in its box and the save says how long it may be,
        # instead of the browser cutting a paste short without a word
        name = st.text_input("Name", value=team.name, placeholder=f"At most {it.FIELDS['name']:,} characters")
        summary = st.text_area("Short summary", value=team.summary, height=90,
                               placeholder=f"At most {it.FIELDS['summary']:,} characters")
        narrative = st.text_area("Narrative", value=team.narrative, height=200,
                                 placeholder=f"At most {it.FIELDS['narrative']:,} characters")
        label = "Save" if user.is_researcher else "Propose"
        if st.form_submit_button(label, type="primary"):
            changed = [(k, v) for k, v in (("name", name), ("summary", summary), ("narrative", narrative))
                       if v.strip() != team.text(k) and (user.is_researcher or v.strip())]
            if not changed:
                st.info("Nothing to save: the name, summary and narrative are as already saved. Write or change "
                        "one of them first.")
            else:
                for k, v in changed:
                    if run(it.write_text, db, user, analysis.id, factor, k, v) is None:
                        break
                else:
                    st.toast("Saved." if user.is_researcher else "Proposal sent.")
                    st.rerun()
    for v in team.current.values():
        if not v.same_analysis:
            st.warning(f"The {v.field} was written before the analysis was last changed; check it still fits.")
    if team.proposals:
        st.markdown("**Proposals**")
        for p in team.proposals:
            with st.container(border=True):
                st.markdown(f"*{p.field}* by **{p.author}**, {p.created_at:%Y-%m-%d %H:%M} UTC")
                st.text(p.text)
                if user.is_researcher and st.button("Accept", key=f"accept_{p.id}"):
                    if run(it.accept, db, user, p.id) is not None:
                        st.rerun()
    with st.expander(f"History ({len(team.history)} versions)"):
        if team.history:
            _wrapped_table(pd.DataFrame([{"text": v.field, "status": v.status, "by": v.author,
                                          "when (UTC)": v.created_at.strftime("%Y-%m-%d %H:%M"),
                                          "accepted by": v.accepted_by or "", "content": v.text}
                                         for v in team.history]), f"History of {factor}", index=False)
        else:
            st.caption("Nothing written yet.")
    st.subheader("Notes")
    for n in team.notes:
        st.markdown(f"**{plain(n.author)}** · {n.created_at:%Y-%m-%d %H:%M} UTC")
        st.text(n.text)
    with st.form(f"note_{analysis.id}_{factor}", clear_on_submit=True):
        note = st.text_area("Add a note", height=80, max_chars=it.NOTE_LENGTH, key=f"note_text_{factor}")
        if st.form_submit_button("Add note"):
            if run(it.add_note, db, user, analysis.id, factor, note) is not None:
                st.rerun()

whole = view.team.get(it.ALL) or it.FactorTexts(it.ALL)
with st.expander("Why these factors (for the methods paragraph of the report)"):
    with st.form(f"reason_{analysis.id}"):
        reason = st.text_area("The team's reason for keeping these factors", value=whole.summary, height=90,
                              max_chars=it.FIELDS["summary"])
        if st.form_submit_button("Save the reason" if user.is_researcher else "Propose a reason"):
            if run(it.write_text, db, user, analysis.id, it.ALL, "summary", reason) is not None:
                st.rerun()
    for p in whole.proposals:
        st.markdown(f"Proposal by **{p.author}**, {p.created_at:%Y-%m-%d %H:%M} UTC")
        st.text(p.text)
        if user.is_researcher and st.button("Accept", key=f"accept_{p.id}"):
            if run(it.accept, db, user, p.id) is not None:
                st.rerun()

t1, t2, t3 = st.tabs(["Statements and comments", "Defining participants", "Crib sheet"])
with t1:
    heads = {"highest": "Ranked highest", "lowest": "Ranked lowest",
             "distinguishing": "Distinguishing (ranked differently from every other factor)",
             "consensus": "Consensus (ranked alike by all factors)"}
    for kind, head in heads.items():
        items = fv.of_kind(kind)
        if not items:
            continue
        st.markdown(f"#### {head}")
        for s in items:
            mark = f" {s.level}" if s.level else ""
            arrow = {"higher": " ▲ higher than elsewhere", "lower": " ▼ lower than elsewhere"}.get(s.direction, "")
            text = texts.get(s.id, s.text)
            column = f"{s.array:+d}" if s.array else "0"
            st.markdown(f"**{s.number}.** {plain(str(text))} — *{column}* (z {s.z:.2f}){mark}{arrow}")
            if s.quotes:
                st.markdown(_quote_html(s.quotes), unsafe_allow_html=True)
with t2:
    if fv.survey_hidden:
        st.caption(f"Fewer than {it.MIN_GROUP} people define this factor, so their answers are not shown "
                   "(they could tell who they are).")
    elif not fv.survey:
        st.caption("No survey answers for this analysis.")
    for q in fv.survey:
        st.markdown(f"**{plain(q.text)}** ({q.n} answered)")
        if q.counts:
            st.dataframe(pd.DataFrame({"answer": list(q.counts), "people": list(q.counts.values())}),
                         hide_index=True)
        elif q.type == "number":
            st.markdown(f"Median: **{q.median:g}**" if q.median is not None else "No answers.")
        else:
            st.caption("Free-text answers are not shown here (they may name people).")
with t3:
    if fv.crib is not None:
        st.caption("Watts & Stenner's crib sheet: highest, higher than in every other factor, lower than in every "
                   "other factor, lowest.")
        _wrapped_table(fv.crib, f"Crib sheet of {factor}")

if user.is_researcher:
    st.divider()
    if analysis.study_id:
        with st.expander("Team: co-researchers of this study"):
            members = run(it.members, db, user, analysis.study_id) or ()
            for m in members:
                c1, c2 = st.columns([4, 1])
                c1.markdown(f"**{m.username}** · invited by {m.added_by} {m.added_at:%Y-%m-%d}"
                            + (f" · removed by {m.removed_by} {m.removed_at:%Y-%m-%d}" if m.removed_at else ""))
                if m.active and c2.button("Remove", key=f"rm_{m.username}"):
                    run(it.remove_member, db, user, analysis.study_id, m.username)
                    st.rerun()
            with st.form("invite", clear_on_submit=True):
                st.markdown("**Invite a co-researcher** (they see only this study's anonymised results)")
                c1, c2 = st.columns(2)
                who = c1.text_input("User name", key="inv_name")
                pw = c2.text_input("First password (for a new account)", type="password", key="inv_pw")
                if st.form_submit_button("Invite"):
                    m = run(it.invite, db, user, analysis.study_id, who, password=pw or None)
                    if m is not None:
                        st.toast(f"{m.username} is on the team of {analysis.study_id}.")
                        st.rerun()
    st.subheader("Report")
    st.caption("Study summary, methods written from the analysis choices, journal tables, composite Q-sorts and "
               "the team's narratives.")
    boot = analysis.bootstrap
    st.caption("Each file is written when you click it (a few seconds for Word and PDF). "
               + (f"The methods state the bootstrap kept with this analysis ({boot['n_resamples']} resamples, seed "
                  f"{boot['seed']})." if boot else "No bootstrap has been run on these analysis choices (Analysis → "
                  "Bootstrap), so the report mentions none."))
    cols = st.columns(len(it.REPORTS))
    for col, (kind, (label, suffix, mime)) in zip(cols, it.REPORTS.items()):
        col.download_button(
            label, data=lambda kind=kind: it.report(db, user, analysis.id, kind)[0],
            file_name=f"{file_stem(view.title)}-report{suffix}", mime=mime, key=f"dl_report_{kind}",
            on_click="ignore")
