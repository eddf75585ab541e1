"""Shared by the interpretation pages: choosing a saved analysis the account may see, and loading it
(cached; the team's texts are always read fresh, which also re-checks the account's access)."""
from __future__ import annotations

import dataclasses

import streamlit as st

from qmethod import service
from qmethod.service import interpretation as it
from qmethod.service.accounts import Researcher
from qmethod.ui import flow
from qmethod.ui.researcher.auth import run
from qmethod.ui.text import plain

LANG_NAMES = {"nb": "Norsk (bokmål)", "en": "English"}


@st.cache_data(show_spinner="Loading the analysis…", max_entries=16, ttl=3600)
def _view(workspace_id: int, updated: str, completed: int, user_id: int, language: str,
          _user: Researcher) -> it.Interpretation:
    return it.interpretation(flow.database(), _user, workspace_id, language=language)


def choose_analysis(user: Researcher, *, key: str, language: str = "en") -> it.SharedAnalysis | None:
    """A select box of the saved analyses ``user`` may interpret (``?study=`` preselects); None, with a
    message, when there is none. ``language`` (``nb`` or ``en``) is the language of the chooser."""
    db = flow.database()
    found = run(it.analyses, db, user)
    gone = {} if user.is_researcher else (run(it.removals, db, user) or {})
    last = st.session_state.get(f"{key}_study")
    if gone and (not found or (last in gone and st.session_state.get(key) not in {a.id for a in found})):
        # removed from the team of the study on the screen (or of every study): say so, not "nothing shared"
        for sid in ([last] if last in gone else list(gone)):
            st.error(plain(gone[sid]), icon=":material/person_remove:")
        return None
    if not found:
        if user.is_researcher:
            st.info("No saved analysis yet. Open a study on the **Analysis** page first: its choices are saved "
                    "and appear here for the team.")
        else:
            st.info("No analysis has been shared with you yet. The researcher invites you to a study and saves "
                    "its analysis; it then appears here.")
        return None
    wanted = st.query_params.get("study")
    nb = language == "nb"
    labels = {a.id: f"{a.name} · {a.n_factors} {'faktorer' if nb else 'factors'} · "
                    f"{'lagret av' if nb else 'saved by'} {a.owner} {a.updated_at:%Y-%m-%d %H:%M}"
              for a in found}
    ids = list(labels)
    index = next((k for k, a in enumerate(found) if a.study_id == wanted), None)
    if index is None:
        index = 0
        if wanted:
            # a link to a study this account cannot see (or without a saved analysis): said, never silent
            # (the same words whether or not the study exists)
            st.info(f"Adressen viser til studien «{plain(wanted)}», men ingen analyse av den er delt med deg. "
                    "Under ser du en analyse du har tilgang til." if nb else
                    f"The address names the study “{plain(wanted)}”, but no analysis of it is shared with you. "
                    "Below is an analysis you can see.", icon=":material/link_off:")
    # a long label wraps on a phone instead of being cut off
    st.markdown("<style>[data-baseweb='select'] div[value], [data-baseweb='select'] span {white-space: normal !important;}"
                "</style>", unsafe_allow_html=True)
    chosen = st.selectbox("Analyse" if nb else "Analysis", ids, index=index, format_func=labels.get, key=key)
    analysis = next(a for a in found if a.id == chosen)
    st.session_state[f"{key}_study"] = analysis.study_id
    if analysis.study_id and st.query_params.get("study") != analysis.study_id:
        st.query_params["study"] = analysis.study_id
    return analysis


def load_view(user: Researcher, analysis: it.SharedAnalysis, language: str) -> it.Interpretation | None:
    """The interpretation of ``analysis`` with the team's current texts."""
    db = flow.database()
    team = run(it.factor_texts, db, user, analysis.id)
    if team is None:
        return None
    completed = service.study_info(db, analysis.study_id).completed if analysis.study_id else 0
    view = run(_view, analysis.id, analysis.updated_at.isoformat(), completed, user.id, language, user)
    return None if view is None else dataclasses.replace(view, team=team)
