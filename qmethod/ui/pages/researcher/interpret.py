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
from qmethod.ui import flow, storage
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


def _key(texts: it.FactorTexts, field: str, analysis_id: int) -> str:
    """The key of ``field``'s box: it changes when the field's current text does, so the box shows the
    stored text after a save, and keeps what is typed (through a storage fault too, qmethod.ui.storage)
    until then."""
    v = texts.current.get(field)
    return f"int_{field}_{analysis_id}_{texts.factor}_{v.id if v is not None else 0}"


def _unsaved(texts: it.FactorTexts, field: str, text: str) -> bool:
    """Whether ``text`` for ``field`` is still to be saved: not the current text, and (a proposal) not
    already proposed by this account (a click made again after a storage fault proposes it once)."""
    text = text.strip()
    if text == texts.text(field):
        return False
    if user.is_researcher:
        return True
    return bool(text) and not any(p.field == field and p.author == user.username and p.text == text
                                  for p in texts.proposals)


# Every button here that writes goes through storage.click: a click that met a storage fault is made
# again by itself once storage answers, with what was typed (its fields are keyed, so they are kept).


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
        name = st.text_input("Name", value=team.name, placeholder=f"At most {it.FIELDS['name']:,} characters",
                             key=_key(team, "name", analysis.id))
        summary = st.text_area("Short summary", value=team.summary, height=90,
                               placeholder=f"At most {it.FIELDS['summary']:,} characters",
                               key=_key(team, "summary", analysis.id))
        narrative = st.text_area("Narrative", value=team.narrative, height=200,
                                 placeholder=f"At most {it.FIELDS['narrative']:,} characters",
                                 key=_key(team, "narrative", analysis.id))
        label = "Save" if user.is_researcher else "Propose"
        if storage.click(f"int_save_{analysis.id}_{factor}",
                         st.form_submit_button(label, type="primary", key=f"int_save_{analysis.id}_{factor}")):
            changed = [(k, v) for k, v in (("name", name), ("summary", summary), ("narrative", narrative))
                       if _unsaved(team, k, v)]
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
                if user.is_researcher and storage.click(f"accept_{p.id}", st.button("Accept", key=f"accept_{p.id}")):
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
    # a new field after each note stored (instead of clear_on_submit, which would empty it before a save
    # that met a storage fault is made again)
    nn = st.session_state.setdefault("int_notes_added", 0)
    with st.form(f"note_{analysis.id}_{factor}"):
        note = st.text_area("Add a note", height=80, max_chars=it.NOTE_LENGTH, key=f"note_text_{factor}_{nn}")
        if storage.click(f"note_add_{factor}_{nn}", st.form_submit_button("Add note", key=f"note_add_{factor}_{nn}")):
            if run(it.add_note, db, user, analysis.id, factor, note) is not None:
                st.session_state["int_notes_added"] = nn + 1
                st.rerun()

whole = view.team.get(it.ALL) or it.FactorTexts(it.ALL)
with st.expander("Why these factors (for the methods paragraph of the report)"):
    with st.form(f"reason_{analysis.id}"):
        reason = st.text_area("The team's reason for keeping these factors", value=whole.summary, height=90,
                              max_chars=it.FIELDS["summary"], key=_key(whole, "summary", analysis.id))
        if storage.click(f"reason_save_{analysis.id}", st.form_submit_button(
                "Save the reason" if user.is_researcher else "Propose a reason", key=f"reason_save_{analysis.id}")):
            if not _unsaved(whole, "summary", reason):
                st.info("Nothing to save: the reason is as already saved" + ("." if user.is_researcher
                                                                                else " or proposed."))
            elif run(it.write_text, db, user, analysis.id, it.ALL, "summary", reason) is not None:
                st.rerun()
    for p in whole.proposals:
        st.markdown(f"Proposal by **{p.author}**, {p.created_at:%Y-%m-%d %H:%M} UTC")
        st.text(p.text)
        if user.is_researcher and storage.click(f"accept_{p.id}", st.button("Accept", key=f"accept_{p.id}")):
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
                if m.active and storage.click(f"rm_{m.username}", c2.button("Remove", key=f"rm_{m.username}")):
                    if run(lambda name=m.username: it.remove_member(db, user, analysis.study_id, name) or True):
                        st.rerun()
            ni = st.session_state.setdefault("int_invited", 0)  # new, empty fields after each invitation
            with st.form("invite"):
                st.markdown("**Invite a co-researcher** (they see only this study's anonymised results)")
                c1, c2 = st.columns(2)
                who = c1.text_input("User name", key=f"inv_name_{ni}")
                pw = c2.text_input("First password (for a new account)", type="password", key=f"inv_pw_{ni}")
                if storage.click(f"inv_go_{ni}", st.form_submit_button("Invite", key=f"inv_go_{ni}")):
                    m = run(it.invite, db, user, analysis.study_id, who, password=pw or None)
                    if m is not None:
                        st.session_state["int_invited"] = ni + 1
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
