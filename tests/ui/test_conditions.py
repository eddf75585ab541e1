"""Several conditions of instruction in real Chromium: one person sorts the same statements "as it
is" and then "as it should be" through the participant pages, and the analysis takes both sorts."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from qmethod import service
from qmethod.service import analysis as an
from tests.app_server import running_app

from .conftest import ROOT, WAIT_MS, give_consent, press_continue, settle, shot, start, token_of, wait_screen
from .flows import place_in_list

pytestmark = pytest.mark.browser

ADMIN_PASSWORD = "research-secret-1"
NOW = {"T1": -1, "T2": 0, "T3": 0, "T4": 0, "T5": 1}
IDEAL = {"T1": 1, "T2": 0, "T3": 0, "T4": 0, "T5": -1}


@pytest.fixture(scope="module")
def app(chromium: str):
    """The app with the two-condition study ``ui-conditions`` only."""
    tmp = Path(tempfile.mkdtemp(prefix="qmethod-ui-cond-"))
    shutil.copytree(Path(__file__).parent / "studies" / "ui-conditions", tmp / "studies" / "ui-conditions")
    with running_app(tmp, QMETHOD_STUDIES_DIR=str(tmp / "studies"), QMETHOD_ADMIN_PASSWORD=ADMIN_PASSWORD) as server:
        yield server
    shutil.rmtree(tmp, ignore_errors=True)


def _sort(page, layout: dict[str, int], done: str = "5 of 5 placed") -> None:
    for sid, score in layout.items():
        place_in_list(page, sid, score)
    settle(page)
    page.get_by_test_id("qsort-counter").get_by_text(done).wait_for()


def _other_person(db, now: dict[str, int], ideal: dict[str, int], age: int) -> None:
    """Another person completes both conditions through the service layer."""
    s = service.start_participant(db, "ui-conditions")
    st = service.give_consent(db, s.token, "test-1", expected_version=s.state.version)
    for layout in (now, ideal):
        st = service.set_stage(db, s.token, "grid", expected_version=st.version)
        for sid, score in layout.items():
            st = service.place_statement(db, s.token, sid, score, expected_version=st.version)
        if layout is ideal:
            st = service.save_answer(db, s.token, "age", age, expected_version=st.version)
        st = service.submit(db, s.token, expected_version=st.version)


def test_two_conditions_sorted_in_one_session_and_analysed_together_or_apart(app, page):
    start(page, app, "ui-conditions")
    give_consent(page)
    code = page.get_by_test_id("resume-code").inner_text().strip()
    page.get_by_text("Sorting 1 of 2").wait_for()
    page.get_by_text("Sort the statements as the service is today.").wait_for()
    shot(page, "conditions-1-instruction")
    press_continue(page)
    wait_screen(page, "grid")
    _sort(page, NOW)
    page.get_by_role("button", name="Submit").click()  # the first sort is done ...

    wait_screen(page, "instruction")  # ... and the same statements come again under the next condition
    page.get_by_text("Sorting 2 of 2").wait_for()
    page.get_by_text("Sort the statements as the service should be.").wait_for()
    page.get_by_text("Your sort is saved. Now you sort the same statements once more").wait_for()
    assert page.get_by_test_id("resume-code").inner_text().strip() == code
    shot(page, "conditions-2-next-instruction")
    state = service.resume(app.db, token_of(page))
    assert state.participant == "P001-ideal" and state.unplaced == ("T1", "T2", "T3", "T4", "T5")
    press_continue(page)
    wait_screen(page, "grid")
    _sort(page, IDEAL)
    # a reload in the middle of the second sort comes back to it
    page.reload()
    wait_screen(page, "grid")
    press_continue(page)
    wait_screen(page, "survey")  # asked once, after the last condition
    page.get_by_label("Age *", exact=True).fill("41")
    page.get_by_label("Age *", exact=True).press("Tab")
    settle(page)
    page.get_by_role("button", name="Submit").click()
    wait_screen(page, "thanks")

    done = service.completed_sorts(app.db, "ui-conditions")
    assert list(done.sorts.columns) == ["P001-now", "P001-ideal"]
    assert done.sorts["P001-now"].to_dict() == NOW and done.sorts["P001-ideal"].to_dict() == IDEAL
    assert done.participants["age"].tolist() == [41, 41]

    # two more people, then the analysis: every condition's sort is a Q-sort of its own
    _other_person(app.db, {"T1": -1, "T2": 0, "T3": 0, "T5": 0, "T4": 1}, {"T4": -1, "T2": 0, "T3": 0, "T5": 0,
                                                                          "T1": 1}, 35)
    _other_person(app.db, {"T2": -1, "T1": 0, "T3": 0, "T4": 0, "T5": 1}, {"T5": -1, "T2": 0, "T3": 0, "T4": 0,
                                                                          "T1": 1}, 52)
    both = an.study_data(app.db, "ui-conditions")
    assert list(both.sorts.columns) == ["P001-now", "P001-ideal", "P002-now", "P002-ideal", "P003-now",
                                        "P003-ideal"]
    out = an.run(both, an.Plan(n_factors=1))
    assert sorted(out.result.loadings.index) == sorted(both.sorts.columns)
    # "as it should be" sorts are alike, and unlike P001's "as it is" sort
    loading = out.result.loadings.iloc[:, 0]
    assert (loading[["P001-ideal", "P002-ideal", "P003-ideal"]] * loading["P001-ideal"] > 0).all()
    assert loading["P001-now"] * loading["P001-ideal"] < 0
    ideal = an.study_data(app.db, "ui-conditions", condition="ideal")
    assert list(ideal.sorts.columns) == ["P001-ideal", "P002-ideal", "P003-ideal"]
    assert ideal.source == "study:ui-conditions:ideal"

    # the Analysis page: all conditions together, then one condition
    page.goto(app.url + "/researcher")
    page.get_by_label("User name").fill("admin")
    page.get_by_label("Password", exact=True).fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Studies").wait_for()
    page.locator('[data-testid="stSidebar"]').get_by_role("link", name="Analysis", exact=True).click()
    page.get_by_text("6 Q-sorts · 5 statements").wait_for()
    page.get_by_label("Conditions of instruction").click()
    page.get_by_role("option", name="Only “ideal”").click()
    page.get_by_text("Two sorts (ideal) · 3 Q-sorts · 5 statements").wait_for()
    shot(page, "conditions-3-analysis-one-condition")


def _step(page) -> str:
    """The step indicator ("Steg 3 av 6 · Instruksjon")."""
    return page.get_by_text(" · ").first.inner_text().strip()


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_the_step_count_keeps_its_total_through_every_condition(app, browser, viewport):
    """"Steg x av y": y is the same from the first instruction to the survey after the last condition."""
    phone = viewport == "phone"
    context = browser.new_context(viewport={"width": 360, "height": 740} if phone else {"width": 1280, "height": 900},
                                  is_mobile=phone, has_touch=phone, locale="nb-NO")
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    try:
        start(page, app, "ui-conditions", "nb")
        seen = [_step(page)]
        give_consent(page, "nb")
        seen.append(_step(page))
        for layout in (NOW, IDEAL):
            press_continue(page, "nb")
            wait_screen(page, "grid", "nb")
            seen.append(_step(page))
            _sort(page, layout, "5 av 5 plassert")
            page.get_by_role("button", name="Send inn").or_(page.get_by_role("button", name="Gå videre")).first.click()
            wait_screen(page, "instruction" if layout is NOW else "survey", "nb")
            seen.append(_step(page))
        assert seen == ["Steg 2 av 6 · Samtykke", "Steg 3 av 6 · Instruksjon", "Steg 4 av 6 · Plassering",
                        "Steg 3 av 6 · Instruksjon", "Steg 4 av 6 · Plassering", "Steg 5 av 6 · Om deg"]
    finally:
        context.close()
