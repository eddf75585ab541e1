"""Interpretation: per factor the composite Q-sort, the statements that characterise it with the
comments of its defining participants, their survey answers, the crib sheet, and the team's name,
summary, narrative and notes. Researchers and invited co-researchers (who see no participant codes
and propose texts instead of changing them); researchers also manage the team and download the report.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from qmethod.errors import QMethodError, StorageBusyError
from qmethod.io.manuscript import signed
from qmethod.service import interpretation as it
from qmethod.service.analysis import file_stem
from qmethod.ui import flow, storage
from qmethod.ui.components.unsaved_guard import Field, guard_typing
from qmethod.ui.pages.researcher.interpret_common import LANG_NAMES, choose_analysis, load_view
from qmethod.ui.researcher import plots
from qmethod.ui.researcher.auth import gate, run
from qmethod.ui.text import escape_html, plain, table_html

user = gate("Interpretation", co_researchers=True)
db = flow.database()
st.title("Interpretation")
st.caption("Read each viewpoint together: the statements that characterise it, what the people who share it "
           "wrote, and the team's name, summary and notes. New to this? See the **Guide**.")

_DRAFTS_LEFT = "int_drafts_left"


def _collect_drafts(drafts: dict) -> None:
    st.session_state[_DRAFTS_LEFT] = {k: d.get("text") for k, d in drafts.items()}


def _show_unsaved() -> None:
    """What this user typed on the page and did not get saved (the page cannot go on, for example after
    they were removed from the team), to copy before leaving."""
    typed = []
    # the drafts this tab kept of the fields (a note typed just before the click that met the removal
    # never reached the server): asked for once, shown on the next run
    fields = [k for k in st.session_state if isinstance(k, str) and (k.startswith("tx_") or k.startswith("note_text_"))]
    guard_typing([Field(k, k) for k in fields], on_restore=_collect_drafts, key="unsaved_collect", collect=True)
    entries = dict(st.session_state.items())
    for key, draft in (st.session_state.get(_DRAFTS_LEFT) or {}).items():
        if isinstance(draft, str) and draft.strip() and not (entries.get(key) or "").strip():
            entries[key] = draft
    for key, value in list(entries.items()):
        if not isinstance(key, str) or not isinstance(value, str) or not value.strip():
            continue
        if key.startswith("note_text_"):
            typed.append((f"Your note on {key.rsplit('_', 1)[-1]}", value))
        elif key.startswith("tx_"):
            _, _, f_, field_ = key.split("_", 3)
            shown = st.session_state.get(f"txbase_{key[3:]}", (0, ""))[1]
            if value.strip() not in (shown, st.session_state.get(f"txsent_{key[3:]}")):
                typed.append((f"Your {field_} of {f_}", value))
    if typed:
        st.warning("What you typed was **not saved**. Copy it (the button at the right of each box) before you "
                   "leave this page:", icon=":material/content_copy:")
        for head, value in typed:
            st.markdown(f"**{plain(head)}**")
            st.code(value, language=None, wrap_lines=True)


analysis = choose_analysis(user, key="int_analysis")
if analysis is None:
    _show_unsaved()
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
           + (f" ({', '.join(fv.defining)})" if fv.defining else "") + f" of {view.n_sorts}."
           + (f" {fv.n_opposite} of them load{'s' if fv.n_opposite == 1 else ''} negatively"
              + (f" ({', '.join(fv.opposite)})" if fv.opposite else "")
              + ": they hold the opposite view, so their comments and survey answers are not shown with this "
                "factor's." if fv.n_opposite else ""))


def _wrapped_table(table: pd.DataFrame, label: str, *, index: bool = True) -> None:
    """``table`` with every text wrapped in its cell, none cut off at the edge (at any width)."""
    st.markdown(table_html(table, index=index, label=label), unsafe_allow_html=True)


def _quote_html(quotes) -> str:
    return "".join(
        f"<blockquote>“{escape_html(q.text)}”<br><small>placed at {signed(q.score)}"
        + (f" · {escape_html(q.participant)}" if q.participant else "") + "</small></blockquote>" for q in quotes)


def _proposal(p: it.TextVersion, heading: str, current: it.TextVersion | None) -> None:
    """A co-researcher's proposal under ``heading``, with the researcher's Accept button. ``current`` is
    the current version of its text now; Accept is made against the one the page showed when it was
    clicked (a text saved by someone else since then is shown first, and a second click accepts over it)."""
    st.markdown(heading)
    st.text(p.text)
    if not user.is_researcher:
        return
    drawn = f"accept_drawn_{p.id}"  # the current version when the page was last drawn
    seen = f"accept_seen_{p.id}"  # the newer text this researcher was shown; a second click accepts over it
    now_id = current.id if current is not None else 0
    based_on = st.session_state.get(seen, st.session_state.get(drawn, now_id))
    st.session_state[drawn] = now_id
    if seen in st.session_state:
        st.warning(f"{plain(st.session_state[seen + '_msg'])} Accepting this proposal replaces it; click "
                   "*Accept over theirs* to do so.", icon=":material/warning:")
    label = "Accept over theirs" if seen in st.session_state else "Accept"
    if storage.click(f"accept_{p.id}", st.button(label, key=f"accept_{p.id}")):
        try:
            done = it.accept(db, user, p.id, based_on=based_on)
        except it.TextChanged as exc:
            st.session_state[seen], st.session_state[seen + "_msg"] = exc.current.id, str(exc)
            st.rerun()
        except StorageBusyError as exc:
            storage.fault(exc)
            return
        except QMethodError as exc:
            st.error(plain(str(exc)), icon=":material/info:")
            return
        if done is not None:
            st.session_state.pop(seen, None)
            st.rerun()


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


note_key = f"note_text_{analysis.id}_{factor}"
LABELS = {"name": "Name", "summary": "Short summary", "narrative": "Narrative"}
#: the texts on this page: name, summary and narrative in the study's default language, then the name
#: and summary in each other study language (for the viewpoint cards in that language)
OTHER = [lg for lg in view.languages if lg != view.default_language and lg in it.LANGUAGES]
SHOWN = list(LABELS) + [it.field_in(f, lg, view.default_language) for lg in OTHER for f in it.PER_LANGUAGE]
for _f in SHOWN[len(LABELS):]:
    LABELS[_f] = f"{LABELS[_f.split('_')[0]]} in {it.LANGUAGES[_f.rsplit('_', 1)[1]]}"


def _keys(f: str) -> tuple[str, str, str]:
    """Session keys of a text field of this factor: the field, the version its page showed (id, text)
    and the text this user last sent (saved or proposed)."""
    stem = f"{analysis.id}_{factor}_{f}"
    return f"tx_{stem}", f"txbase_{stem}", f"txsent_{stem}"


def _clashes() -> dict[str, it.TextVersion]:
    """The fields whose save met a newer text by someone else: field -> that version."""
    return st.session_state.setdefault(f"txclash_{analysis.id}_{factor}", {})


def _take_theirs(key: str, base: str, clash: str, f: str, v: it.TextVersion) -> None:
    st.session_state[key], st.session_state[base] = v.text, (v.id, v.text)
    st.session_state.get(clash, {}).pop(f, None)


def _take_button(f: str, v: it.TextVersion, label: str) -> None:
    key, base, _ = _keys(f)
    st.button(label, key=f"take_{key}", on_click=_take_theirs,
              args=(key, base, f"txclash_{analysis.id}_{factor}", f, v))


def _when(v: it.TextVersion) -> str:
    return f"{v.accepted_at or v.created_at:%Y-%m-%d %H:%M} UTC"


def _texts_form(team: it.FactorTexts) -> None:
    """Name, summary and narrative, each saved (or proposed) against the version this page showed.

    A field is filled from the stored text once; afterwards it changes only by this user's typing or
    by their click, never because someone else saved (that could replace typing not yet saved). A newer
    text by someone else is shown beside the field with who wrote it; a save over it takes a second,
    deliberate click."""
    clashes = _clashes()
    if st.session_state.pop("drafts_restored", None):
        st.info("What you typed before the page was reloaded is back in its field. It is **not saved** yet.",
                icon=":material/restore:")
    for f in SHOWN:
        key, base, _ = _keys(f)
        cur = team.current.get(f)
        if key not in st.session_state or base not in st.session_state:  # first shown (again)
            st.session_state[key] = cur.text if cur else ""
            st.session_state[base] = (cur.id, cur.text) if cur else (0, "")
            clashes.pop(f, None)
        elif cur is not None and cur.id != st.session_state[base][0]:
            if st.session_state[key].strip() == cur.text:  # the same words: nothing to tell
                st.session_state[base] = (cur.id, cur.text)
            elif (cur.accepted_by == user.username and cur.author != user.username
                  and st.session_state[key].strip() == st.session_state[base][1]):
                # this user accepted a proposal and had typed nothing in the field: it shows the accepted text
                st.session_state[key] = cur.text
                st.session_state[base] = (cur.id, cur.text)
            elif f not in clashes:
                lbl = it.field_label(f)
                with st.container(border=True):
                    if cur.accepted_by == user.username and cur.author != user.username:
                        st.info(f"You accepted {plain(cur.author)}'s {lbl}. The field below still shows the {lbl} "
                                "from before (and anything you typed there).", icon=":material/sync_problem:")
                        _take_button(f, cur, f"Show the accepted {lbl} in the field")
                    else:
                        st.info(f"{plain(str(it.TextChanged(cur)))} The field below still shows the {lbl} from "
                                f"before (and anything you typed there). Their {lbl}:", icon=":material/sync_problem:")
                        st.text(cur.text)
                        _take_button(f, cur, f"Use their {lbl}")
    for f, v in clashes.items():
        lbl = it.field_label(f)
        with st.container(border=True):
            st.warning(f"{plain(str(it.TextChanged(v)))} Your {lbl} was **not saved**: it is still in the field "
                       f"below. Their {lbl}:", icon=":material/warning:")
            st.text(v.text)
            verb = "save yours over theirs" if user.is_researcher else "propose yours anyway"
            st.caption(f"Keep yours, take theirs, or merge the two in the field; then {verb} with the button "
                       "under the fields.")
            _take_button(f, v, f"Use their {lbl}")
    with st.form(f"texts_{analysis.id}_{factor}"):
        # no max_chars: a text over the limit stays in its box and the save says how long it may be,
        # instead of the browser cutting a paste short without a word
        st.text_input(LABELS["name"], key=_keys("name")[0], placeholder=f"At most {it.FIELDS['name']:,} characters")
        st.text_area(LABELS["summary"], key=_keys("summary")[0], height=90,
                     placeholder=f"At most {it.FIELDS['summary']:,} characters")
        st.text_area(LABELS["narrative"], key=_keys("narrative")[0], height=200,
                     placeholder=f"At most {it.FIELDS['narrative']:,} characters")
        for lg in OTHER:
            st.caption(f"For the viewpoint cards in {it.LANGUAGES[lg]}. Left empty, the card shows the name and "
                       f"summary above and says they are in {it.LANGUAGES[view.default_language]}.")
            name_f, summary_f = (it.field_in(f, lg, view.default_language) for f in ("name", "summary"))
            st.text_input(LABELS[name_f], key=_keys(name_f)[0], placeholder=f"At most {it.FIELDS[name_f]:,} characters")
            st.text_area(LABELS[summary_f], key=_keys(summary_f)[0], height=90,
                         placeholder=f"At most {it.FIELDS[summary_f]:,} characters")
        if clashes:
            label = "Save mine over theirs" if user.is_researcher else "Propose mine anyway"
        else:
            label = "Save" if user.is_researcher else "Propose"
        save_key = f"int_save_{analysis.id}_{factor}"
        submitted = storage.click(save_key, st.form_submit_button(label, type="primary", key=save_key))
    if submitted:
        _save_texts(team)


def _save_texts(team: it.FactorTexts) -> None:
    clashes = _clashes()
    todo = []
    for f in SHOWN:
        key, base, sent = _keys(f)
        typed = (st.session_state.get(key) or "").strip()
        if typed not in (st.session_state[base][1], st.session_state.get(sent)) and _unsaved(team, f, typed):
            todo.append((f, typed))
    if not todo:
        st.info("Nothing to save: the name, summary and narrative are as already saved. Write or change "
                "one of them first.")
        return
    problems = [p for p in (it.text_problem(f, typed) for f, typed in todo) if p]
    if problems:  # all or nothing: no field is stored while another one cannot be
        st.error(" ".join(plain(p) for p in problems) + " Nothing was saved; every text is still in its field.",
                 icon=":material/info:")
        return
    met = {}
    for f, typed in todo:
        key, base, sent = _keys(f)
        try:
            v = it.write_text(db, user, analysis.id, factor, f, typed, based_on=st.session_state[base][0])
        except it.TextChanged as exc:
            met[f] = exc.current
            st.session_state[base] = (exc.current.id, exc.current.text)  # a second click saves over it
            continue
        except StorageBusyError as exc:
            storage.fault(exc)
            return
        except QMethodError as exc:
            st.error(plain(str(exc)), icon=":material/info:")
            return
        clashes.pop(f, None)
        st.session_state[sent] = typed
        if v.status == "accepted":
            st.session_state[base] = (v.id, v.text)
    clashes.update(met)
    if len(met) < len(todo):
        st.toast("Saved." if user.is_researcher else "Proposal sent.")
    st.rerun()


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
    _texts_form(team)
    for v in team.current.values():
        if not v.same_analysis:
            st.warning(f"The {it.field_label(v.field)} was written before the analysis was last changed; check it still fits.")
    if team.proposals:
        st.markdown("**Proposals**")
        for p in team.proposals:
            with st.container(border=True):
                _proposal(p, f"*{it.field_label(p.field)}* by **{p.author}**, {p.created_at:%Y-%m-%d %H:%M} UTC",
                          team.current.get(p.field))
    with st.expander(f"History ({len(team.history)} versions)"):
        if team.history:
            # in the order the versions became the team's text (an accepted proposal where it was
            # accepted, not where it was written); open proposals where they were written
            current = {v.id for v in team.current.values()}
            order = sorted(team.history, key=lambda v: (v.accepted_at or v.created_at, v.id))
            _wrapped_table(pd.DataFrame([{"text": it.field_label(v.field),
                                          "status": "current" if v.id in current else (
                                              "earlier" if v.status == "accepted" else "proposal"), "by": v.author,
                                          "written (UTC)": v.created_at.strftime("%Y-%m-%d %H:%M"),
                                          "accepted (UTC)": (f"{v.accepted_at:%Y-%m-%d %H:%M} by {v.accepted_by}"
                                                             if v.accepted_at and v.accepted_by not in (None, v.author)
                                                             else ""),
                                          "content": v.text}
                                         for v in order]), f"History of {factor}", index=False)
        else:
            st.caption("Nothing written yet.")
    st.subheader("Notes")
    for n in team.notes:
        st.markdown(f"**{plain(n.author)}** · {n.created_at:%Y-%m-%d %H:%M} UTC")
        st.text(n.text)
    # the field keeps its text until the note is stored (a click that met a storage fault is made again
    # with it); emptied only after the note was stored
    if st.session_state.pop("clear_" + note_key, False):
        st.session_state[note_key] = ""
    with st.form(f"note_{analysis.id}_{factor}"):
        # (no max_chars: a longer paste stays in the box and Add note says how long a note may be)
        note = st.text_area("Add a note", height=80, key=note_key, placeholder=f"At most {it.NOTE_LENGTH:,} characters")
        if storage.click(f"note_add_{note_key}", st.form_submit_button("Add note", key=f"note_add_{note_key}")):
            if run(it.add_note, db, user, analysis.id, factor, note) is not None:
                st.session_state["sent_" + note_key] = note.strip()
                st.session_state["clear_" + note_key] = True
                st.rerun()

whole = view.team.get(it.ALL) or it.FactorTexts(it.ALL)
with st.expander("Why these factors (for the methods paragraph of the report)"):
    with st.form(f"reason_{analysis.id}"):
        reason = st.text_area("The team's reason for keeping these factors", value=whole.summary, height=90,
                              key=_key(whole, "summary", analysis.id),
                              placeholder=f"At most {it.FIELDS['summary']:,} characters")
        if storage.click(f"reason_save_{analysis.id}", st.form_submit_button(
                "Save the reason" if user.is_researcher else "Propose a reason", key=f"reason_save_{analysis.id}")):
            if not _unsaved(whole, "summary", reason):
                st.info("Nothing to save: the reason is as already saved" + ("." if user.is_researcher
                                                                                else " or proposed."))
            elif run(it.write_text, db, user, analysis.id, it.ALL, "summary", reason) is not None:
                st.rerun()
    for p in whole.proposals:
        _proposal(p, f"Proposal by **{p.author}**, {p.created_at:%Y-%m-%d %H:%M} UTC", whole.current.get(p.field))

def _restore(drafts: dict) -> None:
    """Put the drafts kept by the browser back into their fields after a reload (a text field keeps
    the version it was typed against, so a save over a newer text is still caught)."""
    back = []
    for key, d in drafts.items():
        text = d.get("text")
        if not isinstance(text, str) or not (key.startswith("tx_") or key.startswith("note_text_")):
            continue
        st.session_state[key] = text
        base = d.get("base")
        if key.startswith("tx_") and isinstance(base, list) and len(base) == 2:
            st.session_state["txbase_" + key[3:]] = (int(base[0]), str(base[1]))
        back.append(key)
    st.session_state["drafts_restored"] = back


guard_typing(
    [Field(LABELS[f], _keys(f)[0], [st.session_state[_keys(f)[1]][1]] + [
        t for t in [st.session_state.get(_keys(f)[2])] if t], list(st.session_state[_keys(f)[1]])) for f in SHOWN]
    + [Field("Add a note", note_key, ["", st.session_state.get("sent_" + note_key) or ""]),
       Field("The team's reason for keeping these factors", "", [whole.summary])],
    on_restore=_restore)

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
