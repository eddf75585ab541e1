"""The Analysis page in Debian's chromium, on an uploaded file: every download is the file its label
names, a statement file belongs to one data file, sort names are shown as text (no image beacon), a
change of k after a rotation by hand starts a new history (undoable), the pending turn survives a
detour, a stale tab changes nothing, and a copy of the choices has the steps just applied."""
from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from qmethod.service import analysis as an

from .conftest import login, no_exception, settle, shot

pytestmark = pytest.mark.browser

DATA = Path(__file__).parents[1] / "data"
SMALL = DATA / "researcher_small.csv"  # 8 sorts x 25 statements; one sort is named like a Markdown image
STATEMENTS = DATA / "researcher_small_statements.txt"
BEACON = "127.0.0.1:9"


def _tab(page, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()
    settle(page)


def _upload(page, label: str, path: Path) -> None:
    settle(page)
    uploader = page.locator('[data-testid="stFileUploader"]').filter(has_text=label)
    for _ in range(50):  # (while a keyed uploader is replaced, the old one can be in the page for a moment)
        if uploader.count() == 1:
            break
        page.wait_for_timeout(100)
    uploader.locator('input[type="file"]').set_input_files(str(path))
    page.wait_for_timeout(300)
    settle(page)


def _attached(page, label: str) -> int:
    """How many files the uploader ``label`` holds."""
    uploader = page.locator('[data-testid="stFileUploader"]').filter(has_text=label)
    return uploader.locator('[data-testid="stFileChip"]').count()


def _download(page, name: str) -> bytes:
    with page.expect_download(timeout=120_000) as dl:  # (files are made when clicked; the machine is shared)
        page.get_by_role("button", name=name, exact=True).click()
    return Path(dl.value.path()).read_bytes()


def _stored_plan(app) -> an.Plan:
    (w,) = [w for w in an.list_workspaces(app.db, 1) if w.name == SMALL.name and w.label == an.DEFAULT_ANALYSIS]
    return w.plan


@pytest.fixture(scope="module")
def page(app, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    p = context.new_page()
    p.set_default_timeout(30_000)
    requests: list[str] = []
    p.on("request", lambda r: requests.append(r.url))
    p.requests = requests
    login(p, app.url, "analysis", "Analysis")
    p.get_by_text("A file (PQMethod").click()
    settle(p)
    yield p
    context.close()


def test_statement_file_belongs_to_its_data_file(page):
    _upload(page, "Q-sort data file", DATA / "lipset.csv")
    _upload(page, "Statements (optional: .STA, .txt, .csv)", DATA / "lipset_statements_kade.txt")
    assert _attached(page, "Statements (optional") == 1
    _upload(page, "Q-sort data file", SMALL)
    page.get_by_text("8 Q-sorts · 25 statements").wait_for()
    no_exception(page)
    for _ in range(50):  # the old code kept it attached
        if _attached(page, "Statements (optional") == 0:
            break
        page.wait_for_timeout(100)
    assert _attached(page, "Statements (optional") == 0
    _upload(page, "Statements (optional: .STA, .txt, .csv)", STATEMENTS)
    page.get_by_text("8 Q-sorts · 25 statements").wait_for()


def test_sort_names_are_text_not_markdown(page):
    _tab(page, "Flags")
    page.get_by_text("Flagged with a negative loading").wait_for()
    page.get_by_text("![x](http://127.0.0.1:9/b.png) on F1", exact=False).first.wait_for()
    page.wait_for_timeout(500)
    assert not [u for u in page.requests if BEACON in u]


def test_every_download_is_what_its_label_names(page):
    _tab(page, "Factors")
    svg = _download(page, "Scree plot (SVG)").decode("utf-8")
    assert "Scree plot" in svg and "loading" not in svg  # the old code sent the loadings plot
    assert _download(page, "Scree plot (PNG)")[:4] == b"\x89PNG"
    _tab(page, "Rotation")
    svg = _download(page, "Loadings plot (SVG)").decode("utf-8")
    assert "F1 × F2" in svg and "F1 loading" in svg and "Scree" not in svg
    _tab(page, "Results")
    svg = _download(page, "Composite (SVG)").decode("utf-8")
    assert "composite Q-sort of F1" in svg and "Small statement number" in svg
    assert _download(page, "Composite (PNG)")[:4] == b"\x89PNG"
    _tab(page, "Downloads")
    wb = openpyxl.load_workbook(io.BytesIO(_download(page, "Excel workbook")))
    overview = [c.value for row in wb["Overview"].iter_rows() for c in row]
    assert "researcher_small.csv" in overview and "Rotation by hand" in overview
    assert "Participants" in wb.sheetnames
    names = zipfile.ZipFile(io.BytesIO(_download(page, "CSV tables (ZIP)"))).namelist()
    assert any(n.endswith("_zscores.csv") for n in names) and any(n.endswith("_participants.csv") for n in names)
    doc = json.loads(_download(page, "JSON (qmethod.result/1)"))
    assert doc["schema"] == "qmethod.result/1"
    report = _download(page, "Text report (.LIS order)").decode("utf-8")
    assert report.startswith("researcher_small.csv") and "Correlation Matrix Between Sorts" in report
    assert any(n.endswith(".DAT") for n in zipfile.ZipFile(io.BytesIO(_download(page, "PQMethod .DAT/.STA (ZIP)"))).namelist())
    assert "participants.csv" in zipfile.ZipFile(io.BytesIO(
        _download(page, "Comments and participants (CSV, ZIP)"))).namelist()
    choices = json.loads(_download(page, "Analysis choices (JSON: settings and rotation steps, replayable)"))
    assert choices["plan"]["n_factors"] >= 1
    no_exception(page)


def _set_factors(page, k: int, extraction: str | None = None) -> None:
    _tab(page, "Factors")
    if extraction:
        page.get_by_label("Extraction").click()
        page.get_by_role("option", name=extraction).click()
    page.get_by_label("Number of factors").fill(str(k))
    page.get_by_role("button", name="Apply", exact=True).click()
    settle(page)
    page.get_by_label("Number of factors").and_(page.locator(f'[value="{k}"]')).first.wait_for()


def test_lower_k_after_rotation_by_hand(page, app):
    _set_factors(page, 3, "Centroid (Brown, PQMethod)")
    _tab(page, "Rotation")
    page.get_by_label("Factor on y").click()
    page.get_by_role("option", name="F3").click()
    settle(page)
    page.get_by_role("button", name="+10°").click()
    settle(page)
    page.get_by_text("F1 × F3, turning +10°").first.wait_for()
    page.get_by_role("button", name="Apply rotation").click()
    settle(page)
    page.get_by_text("F1 and F3 rotated 10 degrees clockwise").wait_for()
    _set_factors(page, 2)
    page.get_by_text(re.compile("new rotation history starts")).wait_for()
    no_exception(page)
    assert page.get_by_text("Unknown factor").count() == 0  # the old code locked the page here
    _tab(page, "Rotation")
    page.get_by_text("No rotation by hand yet.").wait_for()
    page.get_by_role("button", name="Undo last change").click()
    settle(page)
    page.get_by_text("F1 and F3 rotated 10 degrees clockwise").wait_for()
    assert _stored_plan(app).n_factors == 3


def test_pending_turn_survives_a_detour(page, app):
    _tab(page, "Rotation")
    page.get_by_role("button", name="+5°").click()
    settle(page)
    page.get_by_text("turning +5°").first.wait_for()
    page.locator('[data-testid="stSidebar"]').get_by_role("link", name="Responses", exact=True).click()
    settle(page)
    page.locator('[data-testid="stSidebar"]').get_by_role("link", name="Analysis", exact=True).click()
    settle(page)
    page.get_by_text("A file (PQMethod").click()
    settle(page)
    _tab(page, "Rotation")
    page.get_by_text("turning +5°").first.wait_for()
    assert page.get_by_test_id("stSliderThumbValue").first.inner_text().strip() == "5"  # slider = title
    page.get_by_role("button", name="+10°").click()
    settle(page)
    page.get_by_role("button", name="Apply rotation").click()
    settle(page)
    page.get_by_text("rotated 15 degrees clockwise").wait_for()
    assert _stored_plan(app).steps[-1][2] == 15.0


def test_a_stale_tab_changes_nothing(page, app):
    steps = _stored_plan(app).steps
    assert len(steps) == 2
    other = page.context.new_page()
    other.goto(f"{app.url}/analysis")
    other.get_by_role("heading", name="Analysis").first.wait_for()
    settle(other)
    other.get_by_text("A file (PQMethod").click()
    settle(other)
    _tab(other, "Rotation")
    other.get_by_role("button", name="Undo last step").click()
    settle(other)
    assert _stored_plan(app).steps == steps[:1]
    page.get_by_role("button", name="Undo last step").click()  # this tab still shows two steps
    settle(page)
    page.get_by_text("changed in another tab").first.wait_for()
    assert _stored_plan(app).steps == steps[:1]  # nothing removed behind the researcher's back
    # a turn chosen on the stale view is not made on the other tab's choices: after a ± click the tab
    # says the analysis changed elsewhere and drops the pending turn (before: Apply made it silently)
    _turn_and_apply(other, 10)
    version = _stored_version(app)
    page.get_by_role("button", name="-5°").click()
    page.get_by_text("This analysis was changed in another tab or window").first.wait_for()
    settle(page)
    assert page.get_by_text("turning -5°").count() == 0
    assert page.get_by_role("button", name="Apply rotation").is_disabled()
    assert _stored_version(app) == version
    no_exception(page)
    other.close()


def _table(page) -> list[list[str]]:
    """The rows (header first) of the page's static table (``st.table``)."""
    table = page.locator('[data-testid="stTable"] table').first
    table.wait_for()
    return [[c.strip() for c in row.locator("th, td").all_inner_texts()] for row in table.locator("tr").all()]


def test_two_named_analyses_side_by_side_and_their_comparison(page, app):
    """Two named analyses of one file with different choices are kept side by side, and Results →
    Compare analyses shows the correlations of their factor z-scores as the service computes them."""
    _reopen_small(page, keep_analysis=True)
    _set_factors(page, 2, "Principal components")
    page.get_by_role("button", name="Save as a new analysis").click()
    page.get_by_label("Name of the new analysis").fill("three centroid factors")
    page.get_by_role("button", name="Save a copy of these choices").click()
    settle(page)
    _set_factors(page, 3, "Centroid (Brown, PQMethod)")
    no_exception(page)
    stored = {w.label: w for w in an.list_workspaces(app.db, 1) if w.name == SMALL.name}
    assert set(stored) == {an.DEFAULT_ANALYSIS, "three centroid factors"}
    main, three = stored[an.DEFAULT_ANALYSIS].plan, stored["three centroid factors"].plan
    assert (main.n_factors, main.extraction, three.n_factors, three.extraction) == (2, "pca", 3, "centroid")
    _tab(page, "Results")
    page.get_by_role("tab", name="Compare analyses").click()
    settle(page)
    page.get_by_text("Correlations between the factor z-scores").wait_for()
    rows = _table(page)
    # the service's comparison of the two stored analyses
    data = an.upload_data(SMALL.read_bytes(), SMALL.name, statements=STATEMENTS.read_text().splitlines())
    expected = an.compare(an.run(data, three).result, an.run(data, main).result)
    assert rows[0][1:] == list(expected.columns) == ["F1", "F2"]
    assert [r[0] for r in rows[1:]] == list(expected.index) == ["F1", "F2", "F3"]
    for r, (_, row) in zip(rows[1:], expected.iterrows()):
        assert r[1:] == [f"{v:.3f}" for v in row]
    best = an.best_matches(expected)
    page.get_by_text(" · ".join(f"{f} ↔ {m} (r = {v:.3f})" for f, (m, v) in best.iterrows())).wait_for()
    no_exception(page)
    # a reload opens the analysis chosen (failed before: back on "main", whose downloads then came)
    _reopen_small(page, keep_analysis=True)
    _tab(page, "Factors")
    assert page.get_by_label("Number of factors").input_value() == "3"  # (main has 2)


def test_the_flags_tab_answers_the_first_click_and_redraws_on_its_own(page, app):
    """Right after the Flags tab opens, one click opens the one-sort flag box (before, the box sat
    below the flag table and its first click was lost); setting a flag redraws the tab on its own,
    and the page's other buttons still act on what the tab showed (no false "changed in another tab")."""
    page.goto(re.sub(r"[?&]analysis=[^&]*", "", page.url))  # the main analysis
    page.get_by_role("heading", name="Analysis").first.wait_for()
    settle(page)
    page.get_by_text("A file (PQMethod").click()
    settle(page)
    _tab(page, "Flags")
    page.get_by_text("Flags are automatic.").wait_for()
    page.get_by_role("combobox", name="Flag on", exact=True).click()
    page.get_by_role("option", name="(none)", exact=True).wait_for(timeout=3000)  # the first click opened it
    page.get_by_role("option", name="(none)", exact=True).click()
    page.get_by_role("button", name="Set flag").click()
    settle(page)
    page.get_by_text("Flags are set by hand.").wait_for()
    version = _stored_version(app)
    page.get_by_role("button", name="Back to automatic flags").click()
    settle(page)
    page.get_by_text("Flags are automatic.").wait_for()
    assert _stored_version(app) == version + 1 and _stored_plan(app).flags is None
    page.get_by_role("button", name="Undo last change").click()  # drawn before the tab's own redraws
    settle(page)
    page.get_by_text("Flags are set by hand.").wait_for()
    assert page.get_by_text("changed in another tab").count() == 0
    assert _stored_plan(app).flags is not None
    no_exception(page)


def _reopen_small(page, *, keep_analysis: bool = False) -> None:
    """A fresh load of the Analysis page on the 8 x 25 file (uploaded first when a test runs on its own),
    on its main analysis (the address names no other), or with ``keep_analysis`` a reload of the
    address as it is (the analysis it names)."""
    if keep_analysis:
        page.reload()
    else:
        page.goto(re.sub(r"[?&]analysis=[^&]*", "", page.url))
    page.get_by_role("heading", name="Analysis").first.wait_for()
    settle(page)
    page.get_by_text("A file (PQMethod").click()
    settle(page)
    if page.get_by_text("8 Q-sorts · 25 statements").count() == 0:  # (run on its own: nothing uploaded yet)
        _upload(page, "Q-sort data file", SMALL)
    page.get_by_text("8 Q-sorts · 25 statements").wait_for()


def _turn_and_apply(page, angle: int) -> None:
    """On the Rotation tab: the +``angle``° button, then Apply rotation, each waited for."""
    page.get_by_role("button", name=f"+{angle}°").click()
    settle(page)
    page.get_by_text(f"turning +{angle}°").first.wait_for()
    page.get_by_role("button", name="Apply rotation").click()
    settle(page)
    page.get_by_text(f"rotated {angle} degrees clockwise").first.wait_for()


def _stored_version(app) -> int:
    (w,) = [w for w in an.list_workspaces(app.db, 1) if w.name == SMALL.name and w.label == an.DEFAULT_ANALYSIS]
    return w.version


def test_a_flag_set_during_a_held_lock_is_stored_once_when_it_is_released(page, app):
    """Fails on the old code: the click's callback met the lock outside the page's storage guard, so
    the calm message never came and nothing retried the change. The flag box redraws on its own (a
    fragment): the whole page now takes over the message and the retries, and the change is made once."""
    from tests.app_server import sqlite_write_lock

    _reopen_small(page)
    _tab(page, "Flags")
    if page.get_by_role("button", name="Back to automatic flags").count():
        page.get_by_role("button", name="Back to automatic flags").click()
        settle(page)
    page.get_by_text("Flags are automatic.").wait_for()
    version = _stored_version(app)
    page.get_by_role("combobox", name="Flag on", exact=True).click()
    page.get_by_role("option", name="(none)", exact=True).click()
    with sqlite_write_lock(app):
        page.get_by_role("button", name="Set flag").click()
        page.get_by_text("cannot store anything just now").wait_for()
        assert "click it again" not in page.inner_text("body")
        no_exception(page)
    page.get_by_text("Flags are set by hand.").wait_for(timeout=40_000)  # nothing clicked
    settle(page)
    no_exception(page)
    assert _stored_version(app) == version + 1 and _stored_plan(app).flags is not None  # once


def test_apply_during_a_held_lock_keeps_the_page_and_is_made_once_after_it(page, app):
    """Fails on the old code: Apply on the Factors tab met the lock in its callback and the page became
    Streamlit's "This app has encountered an error" (the storage error escaped), broken until a reload."""
    from tests.app_server import sqlite_write_lock

    _reopen_small(page)
    _tab(page, "Factors")
    k = _stored_plan(app).n_factors
    version = _stored_version(app)
    page.get_by_label("Number of factors").fill(str(k + 1))
    with sqlite_write_lock(app):
        page.get_by_role("button", name="Apply", exact=True).click()
        page.get_by_text("cannot store anything just now").wait_for()
        assert "encountered an error" not in page.inner_text("body")
        no_exception(page)
    page.get_by_text("cannot store anything just now").wait_for(state="detached", timeout=40_000)  # nothing clicked
    settle(page)
    no_exception(page)
    assert _stored_plan(app).n_factors == k + 1 and _stored_version(app) == version + 1  # once
    assert page.get_by_label("Number of factors").input_value() == str(k + 1)


def test_a_copy_has_the_choices_made_in_a_tab_redrawn_on_its_own(page, app):
    """"Save a copy of these choices" copies the choices as they are when it is clicked, including
    rotation steps applied in the Rotation tab, which is redrawn on its own (the old page copied the
    choices of its last whole redraw, so the latest steps were missing from the copy)."""
    _reopen_small(page)
    _set_factors(page, 2, "Principal components")
    _tab(page, "Rotation")
    for angle in (5, 10):  # (two steps: the first change of an analysis redraws the whole page)
        _turn_and_apply(page, angle)
    shown = _stored_plan(app)
    assert [s[2] for s in shown.steps[-2:]] == [5.0, 10.0]
    page.get_by_role("button", name="Save as a new analysis").click()
    page.get_by_label("Name of the new analysis").fill("with both turns")
    page.get_by_role("button", name="Save a copy of these choices").click()
    settle(page)
    no_exception(page)
    (copy,) = [w for w in an.list_workspaces(app.db, 1) if w.name == SMALL.name and w.label == "with both turns"]
    assert copy.plan.steps == shown.steps
    assert copy.plan == shown
    # the copy is the analysis shown now; its first change says what happens to the steps by hand, as the
    # original's would (failed before: the notice was lost with the first change of an analysis)
    _set_factors(page, 3)
    page.get_by_text("New number of factors: a new rotation history starts").first.wait_for()


def test_after_a_split_the_rotation_log_stays_in_view(page, app):
    """Fails on the old code: once a factor was split the Rotation tab said only that rotation by hand
    needs no split factor, and the steps already applied were no longer listed anywhere on the page."""
    _reopen_small(page)
    _set_factors(page, 3, "Principal components")
    _tab(page, "Rotation")
    _turn_and_apply(page, 5)
    _tab(page, "Flags")
    page.get_by_role("button", name="Split", exact=True).click()
    settle(page)
    page.get_by_text("split: F").first.wait_for()
    _tab(page, "Rotation")
    page.get_by_text("undo the split (Flags tab) to turn factors by hand").wait_for()
    page.get_by_text("rotated 5 degrees clockwise").first.wait_for()
    no_exception(page)
    # the loadings plot of the result, split factor's poles included, is still drawn and saved
    # (failed before: with a split factor the tab offered no plot and no plot download)
    (split,) = _stored_plan(app).split
    from .test_workspace import choose

    choose(page, "Factor on x", f"{split}b")
    settle(page)
    svg = _download(page, "Loadings plot (SVG)").decode()
    assert f"{split}b loading" in svg and svg.lstrip().startswith("<svg")
    assert _download(page, "Loadings plot (PNG)").startswith(b"\x89PNG")
    _tab(page, "Flags")
    page.get_by_role("button", name="Undo inversions and splits").click()
    settle(page)


def test_the_guidance_table_shows_every_header_whole(page, app):
    """Fails on the old code: the guidance table beside the scree plot cut its last headers off at the
    column's edge ("defining sorts (varimax)" could not be read)."""
    _reopen_small(page)
    _tab(page, "Factors")
    table = page.get_by_role("region", name="Guidance per factor")
    table.wait_for()
    for name in ("eigenvalue", "% variance", "random p95", "Kaiser", "parallel", "Humphrey", "significant loaders",
                 "defining sorts (varimax)"):
        header = table.get_by_role("columnheader", name=name, exact=True)
        assert header.count() == 1, name
        assert header.evaluate("el => el.scrollWidth <= el.clientWidth + 1"), name  # nothing cut off
    rows = table.get_by_role("row").all()
    assert len(rows) >= 3 and "yes" in rows[1].inner_text()  # F1's eigenvalue is above 1 (Kaiser)
    assert table.evaluate("el => el.scrollWidth <= el.clientWidth + 1")  # no sideways scrolling on a desktop
    table.scroll_into_view_if_needed()
    shot(page, "analysis-guidance")


def test_thousands_of_notes_on_an_upload_are_summed_up(page, app, tmp_path):
    """Fails on the old code: a file of 300 sorts that break the grid drew 300 notes above the analysis
    (with 99,000 rows the browser was still drawing after minutes)."""
    import numpy as np
    import pandas as pd

    from qmethod.io import write_sorts_csv

    rng = np.random.default_rng(7)
    values = [v for v, n in zip(range(-3, 4), (2, 3, 4, 5, 4, 3, 2)) for _ in range(n)]  # 23 statements
    cols = {f"G{i}": rng.permutation(values) for i in range(40)}  # 40 sorts on the grid
    cols.update({f"X{i}": rng.integers(-3, 4, size=len(values)) for i in range(300)})  # 300 off it
    path = tmp_path / "many_odd.csv"
    write_sorts_csv(pd.DataFrame(cols, index=[f"S{i}" for i in range(1, 24)]), path)
    _reopen_small(page)
    _upload(page, "Q-sort data file", path)
    page.get_by_text(re.compile(r"^[\d,]+ more notes$")).wait_for(timeout=120_000)
    settle(page)
    notes = page.locator('[data-testid="stCaptionContainer"]').filter(has_text="Note: ")
    assert notes.count() <= 10
    no_exception(page)


def test_a_number_of_factors_out_of_range_is_refused_with_a_message(page, app):
    """Fails on the old code: 99 (or 0, or -3) typed as the number of factors left the box red, and Apply
    kept the old number without a word while the box showed the typed one."""
    _reopen_small(page)
    _tab(page, "Factors")
    k = _stored_plan(app).n_factors
    version = _stored_version(app)
    for typed in ("99", "0", "-3"):
        page.get_by_label("Number of factors").fill(typed)
        page.get_by_role("button", name="Apply", exact=True).click()
        page.get_by_text(f"The number of factors must be a whole number from 1 to 7 (with 8 Q-sorts); {typed} was "
                         "typed. Nothing was changed.").wait_for()
        settle(page)
        assert (_stored_plan(app).n_factors, _stored_version(app)) == (k, version)
    no_exception(page)
def _hand_flag(page) -> None:
    """On the Flags tab: unflag the first Q-sort with the one-sort form (the flags are then set by hand)."""
    from .test_workspace import choose

    _tab(page, "Flags")
    choose(page, "Flag on", "(none)")
    page.get_by_role("button", name="Set flag").click()
    settle(page)
    page.get_by_text("Flags are set by hand.").wait_for()


def test_a_new_solution_names_the_hand_flags_it_sets_aside(page, app):
    """Fails on the old code: a new number of factors threw the flags set by hand away without a word
    (the notice only ever named rotation steps by hand). Now the notice names everything set aside and
    "Undo last change" brings it back."""
    _reopen_small(page)
    _set_factors(page, 2, "Principal components")
    _set_factors(page, 3)  # (one of the two is a new solution: no steps by hand, no hand flags left)
    _hand_flag(page)
    flagged = _stored_plan(app).flags
    assert flagged is not None
    _set_factors(page, 2)
    page.get_by_text("New number of factors: the flags set by hand was set aside").first.wait_for()
    page.get_by_text("“Undo last change” brings them back").first.wait_for()
    assert _stored_plan(app).flags is None
    page.get_by_role("button", name="Undo last change").click()
    settle(page)
    _tab(page, "Flags")
    page.get_by_text("Flags are set by hand.").wait_for()
    assert _stored_plan(app).flags == flagged and _stored_plan(app).n_factors == 3
    # steps by hand and hand flags together: the notice names both
    _tab(page, "Rotation")
    _turn_and_apply(page, 5)
    _hand_flag(page)
    _set_factors(page, 2)
    page.get_by_text("New number of factors: a new rotation history starts; the 1 step(s) by hand and the flags set "
                     "by hand were set aside").first.wait_for()
    no_exception(page)
    plan = _stored_plan(app)
    assert plan.flags is None and plan.steps == ()


def _click_if_shown(page, name: str) -> None:
    """Click the button ``name`` when the page shows it (what an earlier test left), and wait."""
    if page.get_by_role("button", name=name).count():
        page.get_by_role("button", name=name).click()
        settle(page)


def _invert(page, factor: str) -> None:
    from .test_workspace import choose

    _tab(page, "Flags")
    choose(page, "Invert a factor (turn its array upside down)", factor)
    page.get_by_role("button", name="Invert", exact=True).click()
    settle(page)


def test_a_second_inversion_of_a_factor_cancels_the_first(page, app):
    """Fails on the old code: inverting F1 twice turned its array back, yet Results still said
    "F1 (inverted)" and the text report "Inverted factors F1, F1"."""
    _reopen_small(page)
    _set_factors(page, 2, "Principal components")
    _tab(page, "Flags")
    _click_if_shown(page, "Undo inversions and splits")
    _invert(page, "F1")
    page.get_by_text("Inverted: F1").first.wait_for()
    assert _stored_plan(app).inverted == ("F1",)
    _tab(page, "Results")
    page.get_by_text("F1 (inverted)", exact=True).first.wait_for()
    _invert(page, "F1")
    page.get_by_text("Inverted: F1").wait_for(state="detached")
    assert _stored_plan(app).inverted == ()
    _tab(page, "Results")
    page.get_by_text("Numbers only").wait_for()
    page.get_by_text("F1", exact=True).first.wait_for()
    assert page.get_by_text("(inverted)").count() == 0
    _tab(page, "Downloads")
    report = _download(page, "Text report (.LIS order)").decode("utf-8")
    (line,) = [ln for ln in report.splitlines() if ln.startswith("Inverted factors")]
    assert line.split()[-1] == "none" and "was inverted" not in report
    no_exception(page)


def test_the_one_sort_flag_form_shows_the_sorts_flag_now(page, app):
    """Fails on the old code: choosing a flagged Q-sort in the Flags tab's form left "Flag on" at
    "(none)", so "Set flag" without looking unflagged it. Now the form opens on the sort's flag."""
    from .test_workspace import choose

    _reopen_small(page)
    _set_factors(page, 2, "Principal components")
    _tab(page, "Flags")
    _click_if_shown(page, "Back to automatic flags")
    page.get_by_text("Flags are automatic.").wait_for()
    data = an.upload_data(SMALL.read_bytes(), SMALL.name)
    flags = an.run(data, _stored_plan(app)).before_split.flags
    named = [s for s in flags.index if re.fullmatch(r"[A-Z]\d", str(s))]
    sort, = [s for s in named if flags.loc[s].sum() == 1][-1:]  # (not the first sort: the box's default)
    factor = str(flags.columns[flags.loc[sort].astype(bool).to_numpy()][0])
    choose(page, "Q-sort", sort)
    settle(page)
    assert page.get_by_role("combobox", name="Flag on", exact=True).input_value() == factor
    page.get_by_text(f"{sort} is flagged now on {factor}.").wait_for()
    page.get_by_role("button", name="Set flag").click()
    settle(page)
    page.get_by_text("Flags are set by hand.").wait_for()
    assert (sort, factor) in _stored_plan(app).flags  # still flagged where it was
    no_exception(page)


def test_a_name_too_long_for_an_analysis_stays_in_its_box_and_is_refused(page, app):
    """Trial finding: pasting a 300-character name left the box empty (the browser cut it), and Save
    said "Give the new analysis a name not used yet"."""
    _reopen_small(page)
    page.get_by_role("button", name="Save as a new analysis").click()
    name = "Lang " * 60  # 300 characters
    page.get_by_label("Name of the new analysis").fill(name)
    page.get_by_role("button", name="Save a copy of these choices").click()
    page.get_by_text(f"The name may have at most 100 characters; this one has {len(name.strip())}.").wait_for()
    settle(page)
    if not page.get_by_label("Name of the new analysis").is_visible():  # (the popover closes as the page redraws)
        page.get_by_role("button", name="Save as a new analysis").click()
    assert page.get_by_label("Name of the new analysis").input_value() == name
    assert not any(w.label.startswith("Lang") for w in an.list_workspaces(app.db, 1))
    no_exception(page)


def test_the_statements_file_is_kept_with_the_upload(page, app):
    """Fails on the old code: after a reload (or a new login) "…or continue an earlier upload" brought the
    .DAT back without its statements ("No .STA file found next to LIPSET.DAT"), the composite showed
    numbers only and every download made after it had no statement texts."""
    first = _fresh_login(page, app)
    _upload(first, "Q-sort data file", DATA / "LIPSET.DAT")
    first.get_by_text("9 Q-sorts · 33 statements").wait_for()
    _upload(first, "Statements (optional: .STA, .txt, .csv)", DATA / "LIPSET.STA")
    _lipset_texts_in_results(first)
    first.reload()
    first.get_by_role("heading", name="Analysis").first.wait_for()
    settle(first)
    first.get_by_text("A file (PQMethod").click()
    settle(first)
    first.get_by_role("combobox", name="…or continue an earlier upload", exact=True).click()
    first.get_by_role("option", name=re.compile(r"^LIPSET\.DAT ")).click()
    settle(first)
    first.get_by_text("9 Q-sorts · 33 statements").wait_for()
    _lipset_texts_in_results(first)
    first.get_by_text("9 Q-sorts · 33 statements · forced distribution · statement texts from LIPSET.STA").wait_for()
    first.context.close()
    again = _fresh_login(page, app)  # a new login; the same file uploaded again, without its statements
    _upload(again, "Q-sort data file", DATA / "LIPSET.DAT")
    again.get_by_text("9 Q-sorts · 33 statements").wait_for()
    _lipset_texts_in_results(again)
    again.context.close()


def test_a_statements_file_that_does_not_fit_names_itself_and_the_analysis_goes_on(page, app, tmp_path):
    """Fails on the old code: LIPSET.DAT with a 16-statement file gave "LIPSET.DAT: the statement list has
    16 statements..." (the wrong file named), the analysis disappeared and the page asked for a data file."""
    short = tmp_path / "SHORT16.STA"
    short.write_bytes(b"\r\n".join((DATA / "LIPSET.STA").read_bytes().splitlines()[:16]) + b"\r\n")
    p = _fresh_login(page, app)
    _upload(p, "Q-sort data file", DATA / "LIPSET.DAT")
    p.get_by_text("9 Q-sorts · 33 statements").wait_for()
    _upload(p, "Statements (optional: .STA, .txt, .csv)", short)
    p.get_by_text("SHORT16.STA: 16 statements given, but the Q-sorts in LIPSET.DAT have 33 statements").wait_for()
    p.get_by_text("9 Q-sorts · 33 statements").wait_for()  # the analysis of the data file goes on
    assert p.get_by_text("Upload a data file to analyse it").count() == 0
    assert p.get_by_text("LIPSET.DAT: the statement list has").count() == 0
    no_exception(p)
    _tab(p, "Results")
    svg = _download(p, "Composite (SVG)").decode("utf-8")
    assert "composite Q-sort of F1" in svg and LIPSET_LINE not in svg  # numbers only, as with no statements file
    p.context.close()


def test_including_new_sorts_says_the_hand_flags_were_set_aside(app, browser):
    """Fails on the old code: "Include them" (new sorts since the analysis' snapshot) dropped the flags
    set by hand without a word (the Flags tab then just said "Flags are automatic"). Now a notice says so,
    and "Undo last change" brings them back. (Last in this module: it publishes a study with sorts.)"""
    from qmethod import service as sv
    from qmethod.study import load_study
    from tests.service.service_helpers import complete

    mini = DATA / "studies" / "mini"
    sv.publish_study_file(app.db, mini)
    study = load_study(mini)
    ids = list(study.statement_ids)
    for k in range(3):
        complete(app.db, study, order=ids[k:] + ids[:k])
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    login(page, app.url, "analysis?study=mini", "Analysis")
    page.get_by_text("3 Q-sorts · 6 statements").wait_for()
    _hand_flag(page)

    def stored() -> an.Plan:
        (w,) = [w for w in an.list_workspaces(app.db, 1) if w.source == "study:mini" and w.label == an.DEFAULT_ANALYSIS]
        return w.plan

    flagged = stored().flags
    assert flagged is not None
    complete(app.db, study, order=ids[::-1])
    page.reload()
    page.get_by_text("1 new sort since this analysis: include them?").wait_for()
    settle(page)
    page.get_by_role("button", name="Include them").click()
    page.get_by_text("4 Q-sorts · 6 statements").wait_for()
    settle(page)
    page.get_by_text("New data (new sorts included): the flags set by hand was set aside").first.wait_for()
    page.get_by_text("“Undo last change” brings them back").first.wait_for()
    no_exception(page)
    assert stored().flags is None
    page.get_by_role("button", name="Undo last change").click()
    settle(page)
    page.get_by_text("3 Q-sorts · 6 statements").wait_for()
    assert stored().flags == flagged
    context.close()
LIPSET_TEXT = "improvements in status and power of lower class"  # LIPSET.STA's first statement
LIPSET_LINE = "Close ties to Mother"  # the first line of statement 16 in the composite


def _fresh_login(page, app):
    """A new login (a new browser context) on the Analysis page, a file as the data."""
    context = page.context.browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    p = context.new_page()
    p.set_default_timeout(30_000)
    login(p, app.url, "analysis", "Analysis")
    p.get_by_text("A file (PQMethod").click()
    settle(p)
    return p


def _lipset_texts_in_results(page) -> None:
    """The composite and the text report made now have LIPSET.STA's texts, and no note says they are missing."""
    _tab(page, "Results")
    assert LIPSET_LINE in _download(page, "Composite (SVG)").decode("utf-8")
    _tab(page, "Downloads")
    assert LIPSET_TEXT in _download(page, "Text report (.LIS order)").decode("utf-8")
    assert page.get_by_text("statements have no text").count() == 0
    no_exception(page)
