"""Survey questions (each answer saved as soon as it is given), then submit.

A number that cannot be stored (not a plain whole or decimal number, not whole, out of range) is
not kept silently: the earlier answer is taken away (what the field shows is what is stored), the
field says what is wrong and what to write, and "Send inn" waits until it is fixed. Only plain
numbers are taken ("34", "-2", "1,5", "1.5"; spaces between digits are ignored): "1e1" or "0x10"
would be read as another number than the one shown. "Send inn" lists every problem at once, each
naming its question."""
from __future__ import annotations

import math
import re

import streamlit as st

from qmethod import service

from qmethod.errors import ConflictError, QMethodError, StorageBusyError
from qmethod.study import Question
from qmethod.study.response import normalize_answer
from qmethod.ui import flow, storage
from qmethod.ui.i18n import t
from qmethod.ui.text import plain

ctx = flow.enter("survey")
lang = ctx.lang
study = ctx.study
st.set_page_config(page_title=f"{t('stage_survey', lang)} – {ctx.text(study.title)}")
flow.header(ctx, "survey", lang, study)
st.title(t("survey_heading", lang))
st.markdown(t("survey_intro", lang))


def _value(q: Question) -> object:
    if q.type == "multiple":
        return [o.value for o in q.options if st.session_state.get(f"answer_{q.id}_{o.value}")]
    return st.session_state.get(f"answer_{q.id}")


#: a plain whole or decimal number, with a decimal comma or point (after spaces are taken out)
_PLAIN_NUMBER = re.compile(r"^[+-]?[0-9]{1,15}(?:[.,][0-9]{1,15})?$")


def _number_problem(q: Question, raw: object) -> str | None:
    """What is wrong with ``raw`` as an answer to number question ``q`` (translated), or ``None``."""
    if isinstance(raw, str) and raw.strip() and not _PLAIN_NUMBER.match(
            raw.strip().replace(" ", "").replace("\u00a0", "")):
        return t("number_invalid", lang, value=raw)
    try:
        normalize_answer(q, raw)
        return None
    except QMethodError:
        pass
    text = str(raw).strip().replace(" ", "").replace("\u00a0", "").replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return t("number_invalid", lang, value=raw)
    if not math.isfinite(number):
        return t("number_invalid", lang, value=raw)
    if q.integer and not number.is_integer():
        return t("number_whole", lang, value=raw)
    low, high = (f"{v:g}" if v is not None else None for v in (q.min, q.max))
    if low is not None and high is not None:
        return t("number_range", lang, value=raw, min=low, max=high)
    return t("number_min" if low is not None else "number_max", lang, value=raw, min=low, max=high)


def _save(q: Question) -> None:
    value = _value(q)
    problem = _number_problem(q, value) if q.type == "number" else None
    if problem is not None:  # what is shown is what is stored: the earlier answer goes
        value = None
    try:
        fresh = service.resume(ctx.db, ctx.token)
        if fresh.stage != "survey":  # a late event from a page the participant has left
            return
        service.save_answer(ctx.db, ctx.token, q.id, value, expected_version=fresh.version)
        if problem is None:
            st.session_state.pop(f"answer_error_{q.id}", None)
        else:
            st.session_state[f"answer_error_{q.id}"] = problem
    except StorageBusyError:  # the calm message, and the answer saved again by itself (below)
        storage.postpone(f"answer:{q.id}")
    except ConflictError:
        st.session_state[f"answer_error_{q.id}"] = t("error_busy", lang)
    except QMethodError:
        key = "number_invalid" if q.type == "number" else "error_generic"
        st.session_state[f"answer_error_{q.id}"] = t(key, lang, value=value)


for q in study.survey:
    if storage.due(f"answer:{q.id}"):  # its save met a storage fault: again, now
        _save(q)
answers = ctx.state.answers
for q in study.survey:
    label = plain(ctx.text(q.text)) + (" " + t("required_mark", lang) if q.required else "")
    key = f"answer_{q.id}"
    with st.container(border=True):
        if q.type == "text":
            st.session_state.setdefault(key, answers.get(q.id) or "")
            st.text_area(label, key=key, max_chars=q.max_length, on_change=_save, args=(q,), height=100)
        elif q.type == "number":
            stored = answers.get(q.id)
            st.session_state.setdefault(key, "" if stored is None else str(stored))
            st.text_input(label, key=key, on_change=_save, args=(q,))
        elif q.type == "single":
            values = list(q.option_values())
            if key not in st.session_state:
                st.session_state[key] = answers.get(q.id)
            st.radio(label, options=values, key=key, on_change=_save, args=(q,), index=None,
                     format_func=lambda v, q=q: plain(ctx.text(next(o.label for o in q.options if o.value == v))))
        else:
            st.markdown(f"**{label}**")
            chosen = answers.get(q.id) or []
            for o in q.options:
                okey = f"{key}_{o.value}"
                st.session_state.setdefault(okey, o.value in chosen)
                st.checkbox(plain(ctx.text(o.label)), key=okey, on_change=_save, args=(q,))
        error = st.session_state.get(f"answer_error_{q.id}")
        if error:
            st.error(error)

flow.saved_note(lang)
st.caption(t("submit_help", lang))
back, forward = st.columns(2)
prev = ctx.state.stages[ctx.state.stages.index("survey") - 1]
if storage.click("survey_back", back.button(t("back", lang), key="survey_back")):
    if flow.call(ctx, service.set_stage, prev) is not None:
        flow.go(prev if prev != "consent" else "instruction", ctx.token, ctx.state.study_id)
if storage.click("survey_submit", forward.button(t("submit", lang), type="primary", key="survey_submit")):
    # every problem at once, each naming its question: numbers shown but not stored (never submit
    # something else than what is shown) and what is still missing
    problems = {q.id: t("question_problem", lang, text=ctx.text(q.text), problem=p)
                for q in study.survey if q.type == "number"
                for p in [_number_problem(q, st.session_state.get(f"answer_{q.id}"))] if p}
    fresh = flow.Ctx(ctx.db, ctx.token, service.resume(ctx.db, ctx.token), study)
    gaps = [m for m in fresh.state.missing if not (m.kind == "answer" and str(m.item) in problems)]
    messages = [*problems.values(), *flow.missing_messages(fresh, gaps)]
    if messages:
        heading = t("submit_fix_heading" if problems else "submit_missing_heading", lang)
        st.error(heading + "\n\n" + "\n".join(f"- {plain(m)}" for m in messages))
    elif flow.call(ctx, service.submit) is not None:
        flow.go("thanks", ctx.token, ctx.state.study_id)
