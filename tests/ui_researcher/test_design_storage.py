"""The Design page when a save meets a storage fault, in Debian's chromium: the researcher sees the
calm message, and once storage is back the statements are saved without another click."""
from __future__ import annotations

import re

import pytest

from qmethod.service import design as ds
from tests.app_server import sqlite_write_lock

from .conftest import login, no_exception, settle

pytestmark = pytest.mark.browser


def _new_study(app, browser, study_id: str, title: str):
    """A new browser context logged in, on the Design page of a study created there."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    login(page, app.url)
    page.get_by_label("Study id (in the participant link)").fill(study_id)
    page.get_by_label("Title").fill(title)
    page.get_by_role("button", name="Create study").click()
    page.get_by_role("heading", name=f"Design: {title}").wait_for()
    settle(page)
    return context, page


def test_statements_saved_during_a_held_lock_are_stored_when_it_is_released(app, browser):
    """Fails on the old code: the page said "... busy right now and this step was not saved" and never
    tried again; the statements were stored only if the researcher clicked once more."""
    context, page = _new_study(app, browser, "locked", "Låst")
    with sqlite_write_lock(app):  # another process holds the write lock; reads go on
        page.get_by_label(re.compile("^Statements, one per line")).fill("\n".join(f"Utsagn {i}" for i in range(1, 7)))
        page.get_by_role("button", name="Use these statements").click()
        page.get_by_text("cannot store anything just now").wait_for(timeout=30_000)
        assert "not saved" not in page.inner_text("body")
    # nothing clicked from here on
    page.get_by_text("6 statements.").first.wait_for(timeout=40_000)
    settle(page)
    texts = [s["text"]["nb"] for s in ds.get_draft(app.db, "locked").definition["statements"]]
    assert texts == [f"Utsagn {i}" for i in range(1, 7)]
    page.get_by_text("cannot store anything just now").wait_for(state="detached", timeout=20_000)

    # again, now with the statements table on the tab: a table being edited cannot be put back into
    # Streamlit's session state, so it is not kept (putting it back broke the page once storage answered)
    with sqlite_write_lock(app):
        page.get_by_label(re.compile("^Statements, one per line")).fill("\n".join(f"Påstand {i}" for i in range(1, 8)))
        page.get_by_role("button", name="Use these statements").click()
        page.get_by_text("cannot store anything just now").wait_for(timeout=30_000)
    page.get_by_text("7 statements.").first.wait_for(timeout=40_000)
    settle(page)
    no_exception(page)
    texts = [s["text"]["nb"] for s in ds.get_draft(app.db, "locked").definition["statements"]]
    assert texts == [f"Påstand {i}" for i in range(1, 8)]
    context.close()


def test_texts_typed_during_a_held_lock_are_kept_and_saved_when_it_is_released(app, browser):
    """Fails on the old code: the Texts form's fields had no key, so the page drawn again after the
    fault showed the stored texts, and "Save texts" then saved those: the title and welcome text typed
    were gone without a word."""
    context, page = _new_study(app, browser, "texts", "Før")
    page.get_by_role("tab", name="Texts", exact=True).click()
    settle(page)
    with sqlite_write_lock(app):
        page.get_by_label("Title (nb)").fill("Etter feilen")
        page.get_by_label("Welcome (nb)").fill("Velkommen, skrevet mens databasen var låst")
        page.get_by_role("button", name="Save texts").click()
        page.get_by_text("cannot store anything just now").wait_for(timeout=30_000)
        assert "click it again" not in page.inner_text("body")
    # nothing clicked from here on
    page.get_by_role("heading", name="Design: Etter feilen").wait_for(timeout=40_000)
    settle(page)
    no_exception(page)
    d = ds.get_draft(app.db, "texts").definition
    assert d["study"]["title"]["nb"] == "Etter feilen"
    assert d["texts"]["welcome"]["nb"] == "Velkommen, skrevet mens databasen var låst"
    assert page.get_by_label("Welcome (nb)").input_value() == "Velkommen, skrevet mens databasen var låst"
    context.close()


def test_a_grid_cell_edited_during_a_held_lock_is_still_in_the_table_after_it(app, browser):
    """Fails on the old code: a table being edited could not be put back after the page had been
    replaced by the calm message, so the table came back with the stored counts and the edit was gone."""
    d = ds.set_statements(ds.new_draft(app.db, "tabell", "Tabell").definition, [f"U{i}" for i in range(1, 10)], "nb")
    ds.save_draft(app.db, "tabell", ds.set_grid(d, {-1: 2, 0: 5, 1: 2}))
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    login(page, app.url, "design?study=tabell", re.compile("^Design"))
    page.get_by_role("tab", name="Grid", exact=True).click()
    settle(page)
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.wait_for()
    page.wait_for_timeout(500)
    box = grid.bounding_box()
    grid.screenshot()  # (the grid is drawn on a canvas: once painted, it takes clicks)
    with sqlite_write_lock(app):
        # the cell of column -1 (the first after the row's name), as a researcher clicks it and types: typing
        # into a chosen cell replaces its number
        page.mouse.click(box["x"] + box["width"] * 0.28, box["y"] + 52)
        page.wait_for_timeout(300)
        page.keyboard.type("3")
        page.wait_for_timeout(300)
        page.keyboard.press("Enter")
        page.get_by_text("cannot store anything just now").wait_for()
    page.get_by_text("cannot store anything just now").wait_for(state="detached", timeout=40_000)
    settle(page)
    no_exception(page)
    cells = grid.locator("td")  # (the grid's accessible table)
    cells.first.wait_for(state="attached")
    assert cells.evaluate_all("els => els.map(e => e.textContent)")[:4] == ["cells", "3", "5", "2"]
    page.get_by_role("button", name="Save grid").click()
    page.get_by_text("the grid has 10 cells but there are 9 statements", exact=False).wait_for()
    assert ds.grid_counts(ds.get_draft(app.db, "tabell").definition) == {-1: 3, 0: 5, 1: 2}
    context.close()
