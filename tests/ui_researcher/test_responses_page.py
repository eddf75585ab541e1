"""The Responses page in Debian's chromium: counts of a study with conditions of instruction."""
from __future__ import annotations

from pathlib import Path

import pytest

from qmethod import service as sv
from qmethod.service.paper import enter_paper_sort
from qmethod.study import load_study

from .conftest import login, no_exception, settle

pytestmark = pytest.mark.browser
COND = Path(__file__).parents[2] / "tests" / "data" / "studies" / "conditions"


def test_a_conditions_study_counts_people_and_shows_the_sorts_per_condition(app, browser):
    sv.publish_study_file(app.db, COND)
    study = load_study(COND)
    sheet = {col.score: [] for col in study.grid.columns}
    cards = list(range(1, 7))
    for col in study.grid.columns:
        sheet[col.score] = [cards.pop(0) for _ in range(col.count)]
    comments = {sheet[-2][0]: "a", sheet[2][0]: "b"}
    for code in ("P1-now", "P1-ideal", "P2-now"):  # two people: P1 under both conditions, P2 under one
        enter_paper_sort(app.db, "conditions", sheet, researcher="admin", code=code, comments=comments,
                         answers={"age": 40} if code.endswith("ideal") else None)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(30_000)
    login(page, app.url, "responses?study=conditions", heading="Responses: Liten teststudie")
    metrics = page.get_by_test_id("stMetric")
    metrics.filter(has_text="People started").filter(has_text="2").wait_for()
    metrics.filter(has_text="People completed (every condition)").filter(has_text="1").wait_for()
    page.get_by_text("Sorts per condition: now 2 started, 2 completed · ideal 1 started, 1 completed").wait_for()
    no_exception(page)
