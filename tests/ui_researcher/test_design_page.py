"""The Design page in Debian's chromium: the suggested grid follows the statements, and the preview
shows the real grid (grid view on a desktop) after the grid changed."""
from __future__ import annotations

import re

import pytest

from qmethod.service import design as ds

from .conftest import login, no_exception, settle

pytestmark = pytest.mark.browser


def _tab(page, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()
    settle(page)


def _suggest(page, k: int, n: int = 25) -> None:
    _tab(page, "Grid")
    box = page.get_by_label("Columns from −k to +k, k =")
    box.fill(str(k))
    box.press("Enter")
    settle(page)
    page.get_by_role("button", name="Suggest a grid").click()
    page.get_by_text(f"The grid has {n} cells for {n} statements.").wait_for()
    settle(page)


def _preview_shows_the_grid(page) -> None:
    _tab(page, "Preview")
    page.get_by_text("What participants see").wait_for()
    page.get_by_test_id("qsort-counter").first.wait_for()
    settle(page)
    no_exception(page)
    assert page.get_by_text("BidiComponent Error").count() == 0
    # grid view on a 1400 px desktop, not the list view
    assert page.get_by_test_id("qsort-view-grid").get_attribute("aria-pressed") == "true"
    assert page.get_by_test_id("qsort-list").count() == 0


def test_suggested_grid_and_preview(app, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, app.url)
    page.get_by_label("Study id (in the participant link)").fill("grid25")
    page.get_by_label("Title").fill("Rutenett")
    page.locator('[data-testid="stMultiSelect"]').get_by_role("button", name="Remove English (en)").first.click()
    page.get_by_role("button", name="Create study").click()
    page.get_by_role("heading", name=re.compile("^Design")).wait_for()
    settle(page)
    page.get_by_label(re.compile("^Statements, one per line")).fill("\n".join(f"Utsagn nummer {i}" for i in range(1, 26)))
    page.get_by_role("button", name="Use these statements").click()
    page.get_by_text("25 statements.").first.wait_for()
    settle(page)

    # the suggestion follows the 25 statements (the old page kept k = 1 from the empty study: 4/17/4 cells)
    _tab(page, "Grid")
    page.get_by_role("button", name="Suggest a grid").click()
    page.get_by_text("The grid has 25 cells for 25 statements.").wait_for()
    settle(page)
    assert sorted(ds.grid_counts(ds.get_draft(app.db, "grid25").definition)) == list(range(-4, 5))
    _preview_shows_the_grid(page)

    # the range can be chosen; after the grid changed the preview still draws it
    _suggest(page, 3)
    assert sorted(ds.grid_counts(ds.get_draft(app.db, "grid25").definition)) == list(range(-3, 4))
    _preview_shows_the_grid(page)
    assert page.get_by_test_id("col-3").count() == 1 and page.get_by_test_id("col-4").count() == 0
    assert not errors, errors
    context.close()


def test_responses_refresh_as_participants_arrive(app, browser):
    from qmethod import service as sv

    ds.publish_draft(app.db, "grid25")
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    login(page, app.url, "responses?study=grid25", "Responses")
    page.get_by_text("No one has started yet").wait_for()
    settle(page)
    sv.start_participant(app.db, "grid25")  # arrives while the page is open; nobody clicks anything
    page.get_by_test_id("stMetric").filter(has_text="Started").filter(has_text="1").wait_for(timeout=25_000)
    no_exception(page)
    context.close()


def test_analysis_frozen_on_its_sorts_until_new_ones_are_included(app, browser):
    """A participant who completes while the analysis is open changes nothing until the researcher
    includes the new sort (the old page silently re-ran everything on the new data)."""
    from qmethod import service as sv
    from tests.service.service_helpers import complete

    study = sv.get_study(app.db, "grid25")
    ids = list(study.statement_ids)
    for k in range(3):
        complete(app.db, study, order=ids[k:] + ids[:k])
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    login(page, app.url, "analysis?study=grid25", "Analysis")
    page.get_by_text("3 Q-sorts · 25 statements").wait_for()
    complete(app.db, study, order=ids[::-1])
    page.reload()
    page.get_by_text("1 new sort since this analysis: include them?").wait_for()
    settle(page)
    assert page.get_by_text("3 Q-sorts · 25 statements").count() == 1
    page.get_by_role("button", name="Include them").click()
    page.get_by_text("4 Q-sorts · 25 statements").wait_for()
    settle(page)
    no_exception(page)
    assert page.get_by_text("since this analysis: include them?").count() == 0
    context.close()


def test_including_new_sorts_keeps_the_choices_made_since(app, browser):
    """"Include them" (new sorts) changes the data snapshot and keeps the choices made after the page
    was opened, in the tabs redrawn on their own: the number of factors and the rotation (the old page
    stored the choices of its last whole run with the new snapshot, silently undoing them)."""
    from qmethod import service as sv
    from qmethod.service import analysis as an
    from tests.service.service_helpers import complete

    study = sv.get_study(app.db, "grid25")
    ids = list(study.statement_ids)  # (the test before left 4 completed sorts, all in the analysis)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    login(page, app.url, "analysis?study=grid25", "Analysis")
    settle(page)
    complete(app.db, study, order=ids[3:] + ids[:3])  # a new sort while the analysis is open
    page.reload()
    page.get_by_text("since this analysis: include them?").wait_for()
    settle(page)
    _tab(page, "Factors")
    page.get_by_label("Number of factors").fill("2")
    page.get_by_role("button", name="Apply", exact=True).click()
    settle(page)
    _tab(page, "Rotation")
    page.get_by_text("None (then by hand)").click()
    settle(page)

    def stored() -> an.Plan:
        (w,) = [w for w in an.list_workspaces(app.db, 1) if w.source == "study:grid25" and w.label == an.DEFAULT_ANALYSIS]
        return w.plan

    before = stored()
    assert (before.n_factors, before.rotation) == (2, "none")
    page.get_by_role("button", name="Include them").click()
    settle(page)
    page.get_by_text("new sorts since this analysis").wait_for(state="detached")
    no_exception(page)
    after = stored()
    assert len(after.snapshot) == len(before.snapshot) + 1
    assert (after.n_factors, after.rotation) == (2, "none")
    context.close()


def test_responses_show_comments_with_statement_texts(app, browser):
    from qmethod import service as sv

    done = [p for p in sv.participant_progress(app.db, "grid25") if p.submitted_at is not None]
    code = done[0].participant
    comments = sv.participant_state(app.db, "grid25", code).comments
    sid = next(iter(comments))
    text = sv.get_study(app.db, "grid25").statement(sid).text["nb"]
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    login(page, app.url, "responses?study=grid25", "Responses")
    from tests.ui_researcher.test_workspace import choose

    choose(page, "Participant", code)
    settle(page)
    row = page.get_by_role("region", name=f"Comments of {code}").get_by_role("row").filter(has_text=comments[sid])
    row.first.wait_for()
    assert text in row.first.inner_text()  # the statement's text beside its id (the old page showed the id only)
    no_exception(page)
    context.close()


def test_a_participants_comment_is_shown_as_typed_never_as_markdown(app, browser):
    """Fails on the old code: the comments table (st.table) turned a comment's Markdown into a picture
    loaded by the researcher's browser and a link ("Log in again") to another host."""
    from qmethod import service as sv
    from tests.service.service_helpers import complete

    study = sv.get_study(app.db, "grid25")
    hostile = "![c](/_stcore/health) [Log in again](http://127.0.0.9:8699/phish) **fet**"
    _, state = complete(app.db, study, comment=hostile)
    code = state.participant
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    login(page, app.url, "responses?study=grid25", "Responses")
    from tests.ui_researcher.test_workspace import choose

    choose(page, "Participant", code)
    settle(page)
    table = page.get_by_role("region", name=f"Comments of {code}")
    table.wait_for()
    assert hostile in table.inner_text()  # as typed
    assert table.locator("img").count() == 0 and table.locator("a").count() == 0 and table.locator("strong").count() == 0
    no_exception(page)
    context.close()


def test_what_is_still_missing_is_said_in_the_design_pages_terms(app, browser):
    """Fails on the old code: the Preview and Publish tabs listed "statements[0].text: missing text for
    language 'en'", one line per statement (only 12 shown), in the study file's terms."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    login(page, app.url)
    page.get_by_label("Study id (in the participant link)").fill("tospraak")
    page.get_by_label("Title").fill("To språk")
    page.get_by_role("button", name="Create study").click()
    page.get_by_role("heading", name=re.compile("^Design")).wait_for()
    settle(page)
    page.get_by_label(re.compile("^Statements, one per line")).fill("\n".join(f"Utsagn {i}" for i in range(1, 26)))
    page.get_by_role("button", name="Use these statements").click()
    page.get_by_text("25 statements.").first.wait_for()
    settle(page)
    _suggest(page, 4)
    for tab in ("Preview", "Publish & link"):
        _tab(page, tab)
        main = page.locator("main").inner_text()
        assert "Statements 1–25 (Statements tab): no English text yet" in main, main
        assert "statements[" not in main and "missing text for language" not in main
    no_exception(page)
    context.close()
