"""The Streamlit script: the router, one page file per screen, grouped by role.

Served by ``app.py`` (``st.App``); run with ``make run`` (``streamlit run app.py``). Every page runs
inside :func:`qmethod.ui.storage.guard`: if storage fails (database stopped or unreachable, disk
full, read-only), the page shows a calm message in the participant's language instead of an error,
keeps what was typed, and comes back by itself once storage works again.
"""
from __future__ import annotations

import streamlit as st

from qmethod.ui.flow import PAGE_FILES, SCREENS
from qmethod.ui.storage import guard
from qmethod.web.security import dev_mode

participant = [
    st.Page(PAGE_FILES[screen], url_path=screen, default=(screen == "welcome"),
            title=screen.capitalize())
    for screen in SCREENS
]
# The component demo only with QMETHOD_DEV=1 (not public in production).
developer = ([st.Page("qmethod/ui/pages/dev/component_demo.py", url_path="component-demo", title="Component demo")]
             if dev_mode() else [])
# Researcher pages (studies, design, responses, analysis): each starts with the login gate
# (qmethod.ui.researcher.auth.gate), so without a valid session they show only the login form.
from qmethod.ui.researcher.auth import PAGES as RESEARCHER_PAGES  # noqa: E402

# No icon on the pages themselves: a ``:material/...:`` page icon becomes the tab's icon, which the
# browser fetches from fonts.gstatic.com (the sidebar links keep theirs: that font is served locally).
researcher: list = [st.Page(path, url_path=url, title=title) for url, (path, title, _icon) in RESEARCHER_PAGES.items()]

pages = {"Participant": participant}
if developer:
    pages["Developer"] = developer
if researcher:
    pages["Researcher"] = researcher
page = st.navigation(pages, position="hidden")
# One layout per page, the same on every run (a page that set another one would make the page jump
# between widths after each rerun): researchers and the grid need the width for tables, plots and
# nine columns; everything else is one readable column. The tab icon is an emoji, drawn by the
# browser itself: nothing is fetched from another host.
WIDE = {p.url_path for p in researcher} | {"grid"}
st.set_page_config(page_title="qmethod", page_icon="🗂️",
                   layout="wide" if page.url_path in WIDE else "centered")
with guard(researcher=page in researcher):
    page.run()
