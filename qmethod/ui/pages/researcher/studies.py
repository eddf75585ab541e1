"""Studies: every published study and draft, with the way to design, follow and analyse each."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from qmethod import service
from qmethod.service import design
from qmethod.service import studies as studies_service
from qmethod.ui import flow
from qmethod.ui.text import plain
from qmethod.ui.researcher.auth import gate, page_path, run

user = gate("Studies")
db = flow.database()
st.title("Studies")

for problem in studies_service.publishing_problems():
    st.error(f"**Not published:** {plain(problem.path)}\n\n{plain(problem.message)}\n\nThe other studies are served as "
             "usual. Correct the file and restart the app to publish it.", icon=":material/error:")

published = {s.id: s for s in service.list_studies(db)}
drafts = {d.id: d for d in design.list_drafts(db)}

if published:
    rows = []
    for s in published.values():
        title = s.title.get("nb") or s.title.get("en") or next(iter(s.title.values()), s.id)
        rows.append({"study": s.id, "title": title, "open": "open" if s.is_open else "closed",
                     "statements": s.n_statements, "started": s.participants, "completed": s.completed,
                     "revision": s.revision, "updated": s.updated_at.strftime("%Y-%m-%d %H:%M")})
    st.dataframe(pd.DataFrame(rows), hide_index=True, use_container_width=True)
unpublished = [d for d in drafts.values() if d.id not in published]
if unpublished:
    st.subheader("Drafts (not published yet)")
    st.dataframe(pd.DataFrame([{"study": d.id, "title": next(iter(d.definition.get("study", {}).get("title", {}).values()), ""),
                                "statements": len(d.definition.get("statements") or []),
                                "changed": d.updated_at.strftime("%Y-%m-%d %H:%M"), "by": d.updated_by}
                               for d in unpublished]), hide_index=True, use_container_width=True)

ids = sorted(set(published) | set(drafts))
if ids:
    st.subheader("Open a study")
    chosen = st.selectbox("Study", ids, key="studies_pick")
    c1, c2, c3 = st.columns(3)
    if c1.button("Design", icon=":material/edit_note:", use_container_width=True):
        st.switch_page(page_path("design"), query_params={"study": chosen})
    if c2.button("Responses", icon=":material/groups:", use_container_width=True, disabled=chosen not in published):
        st.switch_page(page_path("responses"), query_params={"study": chosen})
    if c3.button("Analysis", icon=":material/insights:", use_container_width=True, disabled=chosen not in published):
        st.switch_page(page_path("analysis"), query_params={"study": chosen})
else:
    st.info("There are no studies yet. Create the first one below.")

st.subheader("New study")
with st.form("new_study"):
    c1, c2 = st.columns([1, 2])
    sid = c1.text_input("Study id (in the participant link)", placeholder="e.g. recovery-2025", max_chars=64)
    title = c2.text_input("Title", max_chars=200)
    langs = st.multiselect("Languages", ["nb", "en"], default=["nb", "en"],
                           format_func=lambda c: {"nb": "Norsk bokmål (nb)", "en": "English (en)"}.get(c, c))
    create = st.form_submit_button("Create study", type="primary")
if create:
    made = run(design.new_draft, db, sid, title, langs, by=user.username)
    if made is not None:
        st.switch_page(page_path("design"), query_params={"study": made.id})
