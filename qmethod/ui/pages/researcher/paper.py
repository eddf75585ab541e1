"""Paper sorts: print the cards and the score sheet, start a facilitated sort (the participant flow
in this browser, sorted together with a participant), and type a sort from a score sheet into the study.

The entry is made for the keyboard: one field per grid column (Tab moves to the next), card numbers
separated by spaces; every field is checked as soon as it is left (a card twice, a number that is no
card, a column over- or under-filled, cards not placed), then the participant's code (and, in a study
with conditions of instruction, the condition), the answers, and Save. A saved sort is a submitted
response of the study like any other.

Everything whose content changes while the sheet is typed (the check, the code's condition, the
survey) sits in a container of its own, so the fields after it keep their place in the page and the
keyboard focus stays where the researcher is typing when the page redraws.
"""
from __future__ import annotations

import streamlit as st

from qmethod.errors import StudyError
from qmethod.io.paper import print_pack
from qmethod.service import statement_pictures
from qmethod.service.design import participant_link
from qmethod.service.paper import SOURCES, check_sheet_code, enter_paper_sort
from qmethod.study.paper import check_paper_sort, parse_numbers, unanswered
from qmethod.ui import flow, storage
from qmethod.ui.text import plain
from qmethod.ui.researcher.auth import base_url, choose_published_study, gate, run

user = gate("Paper sorts")
db = flow.database()
study = choose_published_study("paper_study")
sid = study.id
st.title(f"Paper sorts: {flow.study_text(study.title, study.default_language, study)}")

st.subheader("1. Print the material")
st.caption("Statement cards (numbered, large print, cut lines; picture statements with their picture), the "
           "score sheet of the grid, and an instruction sheet with the study's link and QR code"
           + (" (an instruction sheet and a score sheet per condition of instruction: "
              + ", ".join(study.condition_ids) + ")." if study.conditions else "."))
lang_names = {"nb": "Norsk bokmål", "en": "English"}
c1, c2 = st.columns([1, 2])
print_lang = c1.selectbox("Language", study.languages, format_func=lambda c: lang_names.get(c, c),
                          key="paper_print_lang")
# The link is made here, in the page's run: the PDF is made by a callable that runs after it, where the
# page's own address is no longer known (base_url() would fall back to localhost).
print_link = participant_link(base_url(), sid, lang=print_lang)
c2.download_button(
    "Download cards, score sheet and instructions (PDF)",
    data=lambda: print_pack(study, language=print_lang, url=print_link,
                            pictures={k: data for k, (data, _type) in statement_pictures(db, sid).items()}),
    file_name=f"{sid}-paper-{print_lang}.pdf", mime="application/pdf", key="paper_pdf",
    on_click="ignore", icon=":material/print:",
)

st.subheader("2. Sort together with a participant")
st.caption("On a tablet, beside the participant: the participant flow opens in this browser with larger "
           "text, and a Back button on every step lets you go back a step. The response is marked as "
           "facilitated by you (Responses page).")
f1, f2 = st.columns([1, 2], vertical_alignment="bottom")
fac_lang = f1.selectbox("Language of the sort", study.languages, format_func=lambda c: lang_names.get(c, c),
                        index=study.languages.index(study.default_language), key="paper_fac_lang")
if storage.click("paper_facilitated", f2.button("Start a facilitated sort", icon=":material/tablet:",
                                                key="paper_facilitated")):
    run(flow.start_facilitated, sid, user.username, fac_lang)

st.subheader("3. Type in a score sheet")
form = st.session_state.setdefault("paper_form", 0)  # a new number clears the fields after a save
grid = study.grid.columns
with st.container():  # always there, so the message coming and going does not move the fields after it
    if saved := st.session_state.get("paper_saved"):
        st.success(f"Saved as participant {saved}. It is part of the study's completed sorts.", icon=":material/check:")
    if st.session_state.pop("paper_focus", False):  # right after a save: on to the next sheet's first column
        first = f"paper_{form}_{grid[0].score}"
        st.html(f"""<script>(() => {{ let tries = 0; const go = () => {{
            const e = document.querySelector('.st-key-{first} input');
            if (e) {{ e.focus(); return; }}
            if (++tries < 50) setTimeout(go, 100); }}; go(); }})();</script>""",
                unsafe_allow_javascript=True, width="content")
n = len(study.statements)
st.caption(f"Type the card numbers (1 to {n}) written in each column, separated by spaces. Tab moves to "
           "the next column; each column is checked when you leave it.")
lang = study.default_language
# As many fields a row as show the fullest column's numbers whole (about 8 px a character on about
# 800 px at 1280 px wide), in rows of equal length: -4 -3 -2 / -1 0 +1 / +2 +3 +4 for 34 cards.
widest = max(c.count for c in grid) * (len(str(n)) + 1)
rows = -(-len(grid) // max(1, min(len(grid), 800 // (widest * 8 + 48))))
per_row = -(-len(grid) // rows)
typed: dict[int, list[int | str]] = {}
for start in range(0, len(grid), per_row):
    for box, col in zip(st.columns(per_row), grid[start:start + per_row]):
        label = f"{col.score:+d}" if col.score else "0"
        text = box.text_input(f"{label} ({col.count})", key=f"paper_{form}_{col.score}",
                              placeholder=flow.study_text(col.label, lang, study) if col.label else None)
        typed[col.score] = parse_numbers(text)
check = check_paper_sort(study, typed)
placed = n - len(check.missing)
shown = check.so_far(study, typed)  # only the columns typed into or passed, in column order
faulty = [f"paper_{form}_{score}" for score in check.columns if any(p in shown for p in check.columns[score])]
with st.container():
    if any(typed.values()):
        if check.ok:
            st.success(f"All {n} cards are placed and every column holds the right number.", icon=":material/check:")
        else:
            st.progress(placed / n, text=f"{placed} of {n} cards placed")
            if shown:
                st.markdown("\n".join(f"- {plain(p)}" for p in shown))
with st.container():  # the faulty fields marked: a red frame, and aria-invalid for screen readers
    st.html("<style>" + "".join(f".st-key-{k} [data-baseweb=input] {{border-color: #d1242f; border-width: 2px}}"
                                for k in faulty) + "</style>"
            + f"""<script>(() => {{ const bad = {faulty!r};
                document.querySelectorAll('[class*="st-key-paper_{form}_"] input').forEach(e => {{
                  const box = e.closest('[class*="st-key-paper_{form}_"]');
                  const on = bad.some(k => box.classList.contains('st-key-' + k));
                  if (on) e.setAttribute('aria-invalid', 'true'); else e.removeAttribute('aria-invalid'); }});
                }})();</script>""", unsafe_allow_javascript=True, width="content")

c1, c4, c2, c3 = st.columns([3, 2, 2, 2]) if study.conditions else (lambda a, b, c: (a, None, b, c))(
    *st.columns([3, 2, 2]))
code = c1.text_input("Participant's code (from the sheet)", key=f"paper_{form}_code")  # no max_chars: a long code is named, never cut
condition = None
if c4 is not None:  # next to the code: the code's ending (P001-now) can give the condition instead
    condition = c4.selectbox("Condition of instruction", study.condition_ids, index=None, key=f"paper_{form}_cond",
                             placeholder="From the code (P001-now)")
source = c2.selectbox("How the sort was made", list(SOURCES), format_func=lambda s: SOURCES[s].capitalize(),
                      key=f"paper_{form}_source")
language = c3.selectbox("Participant's language", study.languages, format_func=lambda c: lang_names.get(c, c),
                        key=f"paper_{form}_lang")
code_problem, cond = None, None
try:
    stored, cond = check_sheet_code(db, sid, code, condition)  # a code already stored is named at once
except StudyError as exc:
    code_problem = str(exc)
with st.container():
    if code_problem and (code.strip() or condition or any(typed.values())):
        st.warning(code_problem, icon=":material/warning:")
    elif study.conditions and not code_problem:
        st.caption(f"Stored as {stored or 'the next free code'} (condition {cond})")

answers: dict[str, object] = {}
with st.container():
    if study.survey and study.conditions and cond != study.condition_ids[-1]:  # (asked before the condition is
        # known, answers would be dropped when it turns out not to be the last)
        st.caption(f"The survey is answered once, with the sheet of the last condition ({study.condition_ids[-1]}).")
    elif study.survey:
        st.markdown("**Answers**")
        for q in study.survey:
            label = flow.study_text(q.text, lang, study) + (" *" if q.required else "")
            key = f"paper_{form}_q_{q.id}"
            if q.type == "number":
                answers[q.id] = st.number_input(label, value=None, step=1 if q.integer else None, key=key)
            elif q.type == "single":
                answers[q.id] = st.selectbox(label, q.option_values(), index=None, key=key,
                                             format_func=lambda v, q=q: flow.study_text(
                                                 next(o.label for o in q.options if o.value == v), lang, study))
            elif q.type == "multiple":
                answers[q.id] = st.multiselect(label, q.option_values(), key=key,
                                               format_func=lambda v, q=q: flow.study_text(
                                                   next(o.label for o in q.options if o.value == v), lang, study))
            else:
                answers[q.id] = st.text_input(label, key=key, max_chars=q.max_length)
        answers = {k: (int(v) if isinstance(v, float) and v.is_integer() else v) for k, v in answers.items()}

missing_answers = unanswered(study, answers, lang) if answers else []  # (only the questions asked)

comments: dict[int, str] = {}
if study.postsort.enabled:
    text = st.text_area("Comments written on the cards (one per line: card number, colon, comment)",
                        key=f"paper_{form}_comments", placeholder="12: Dette er det viktigste for meg.")
    with st.container():
        for line in text.splitlines():
            number, sep, comment = line.partition(":")
            if sep and number.strip().isdigit():
                comments[int(number)] = comment.strip()
            elif line.strip():
                st.warning(f"This line is not 'card number: comment': {line[:80]}")

with st.container():
    if missing_answers and (any(typed.values()) or code.strip()):
        st.warning("\n".join(f"- {plain(m)}" for m in missing_answers), icon=":material/warning:")

# a click that met a storage fault is made again by itself once storage answers (qmethod.ui.storage), with
# the fields as typed (kept through the fault); a saved sheet moves on to new fields, so it is saved once
if storage.click(f"paper_{form}_save", st.button(
        "Save the sort", type="primary", disabled=not check.ok or code_problem is not None or bool(missing_answers),
        key=f"paper_{form}_save")):
    state = run(enter_paper_sort, db, sid, typed, researcher=user.username, code=code.strip() or None,
                answers=answers, comments=comments, language=language, source=source, condition=condition)
    if state is not None:
        st.session_state["paper_form"] = form + 1
        st.session_state["paper_saved"] = state.participant
        st.session_state["paper_focus"] = True
        st.rerun()
