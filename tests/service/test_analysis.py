"""Analysis service: data from a study or a file, replayable plans, flags by hand, exports, workspaces."""
from __future__ import annotations

import re
import io
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest

import qmethod
from qmethod.errors import DataError, QMethodError
from qmethod.service import accounts as ac
from qmethod.service import analysis as an

LIPSET = Path(__file__).parents[2] / "qmethod" / "data" / "lipset.csv"


@pytest.fixture(scope="module")
def lipset() -> an.AnalysisData:
    return an.upload_data(LIPSET.read_bytes(), "lipset.csv")


def test_upload_matches_core(lipset):
    out = an.run(lipset, an.Plan(n_factors=3))
    ref = qmethod.analyze(lipset.sorts, 3, distribution=list(lipset.distribution))
    np.testing.assert_allclose(out.result.zscores.to_numpy(), ref.zscores.to_numpy())


def test_plan_replays_rotation_and_flags(lipset):
    plan = an.Plan(n_factors=3).change(steps=[("F1", "F2", 12.0), ("F1", "F3", -5.0)])
    res = an.run(lipset, plan).result
    start = an.start_loadings(lipset, plan)
    jr = qmethod.JudgmentalRotation(start).rotate("F1", "F2", 12).rotate("F1", "F3", -5)
    np.testing.assert_allclose(res.loadings.to_numpy(), jr.loadings.to_numpy(), atol=1e-12)
    table = an.flag_table(res)
    pairs = an.flags_from_table(table, res.factors)
    assert set(pairs) == {(q, f) for q in res.loadings.index for f in res.factors if res.flags.loc[q, f]}
    # toggle one flag by hand: the result is rescored with it
    first = pairs[0]
    hand = plan.change(flags=tuple(p for p in pairs if p != first))
    res2 = an.run(lipset, hand).result
    assert not res2.flags.loc[first[0], first[1]] and res2.settings.flags == "manual"
    # a structural change resets flags by hand
    assert hand.change(n_factors=2).flags is None
    assert an.Plan.from_dict(hand.to_dict()) == hand


def test_invert_and_split(lipset):
    plan = an.Plan(n_factors=3)
    res = an.run(lipset, plan).result
    inv = an.run(lipset, plan.change(inverted=("F1",))).result
    np.testing.assert_allclose(inv.loadings["F1"], -res.loadings["F1"])
    split = an.run(lipset, plan.change(split=("F1",)))
    assert "F1a" in split.result.factors and "F1b" in split.result.factors
    assert split.before_split.factors == ["F1", "F2", "F3"]


def test_flag_issues_and_composite(lipset):
    res = an.run(lipset, an.Plan(n_factors=3)).result
    issues = " ".join(an.flag_issues(res))
    assert "Confounded" in issues and "negative" in issues
    comp = an.composite(res, "F1")
    counts = {v: len(ids) for v, ids in comp.items()}
    assert sorted(v for v, n in counts.items() for _ in range(n)) == sorted(int(v) for v in res.distribution)
    z = res.zscores["F1"]
    for ids in comp.values():
        assert list(z[ids]) == sorted(z[ids], reverse=True)


def test_guidance(lipset):
    g = an.guidance(lipset, max_factors=5, n_iter=50)
    assert {"eigenvalue", "parallel_p95", "kaiser", "humphrey", "significant_loaders"} <= set(g.table.columns)


def test_too_few_sorts(lipset):
    few = an.AnalysisData(source="x", name="x", sorts=lipset.sorts.iloc[:, :2], statements=None,
                          distribution=lipset.distribution, forced=True)
    with pytest.raises(DataError, match="at least 3"):
        an.run(few, an.Plan(n_factors=1))
    with pytest.raises(DataError, match="at most 8"):
        an.run(lipset, an.Plan(n_factors=9))


def test_exports(lipset):
    res = an.run(lipset, an.Plan(n_factors=2)).result
    data, name, mime = an.export(res, "xlsx", lipset)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert name == "lipset.xlsx" and len(wb.sheetnames) > 5
    data, name, _ = an.export(res, "pqmethod", lipset)
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert any(n.endswith(".DAT") for n in names)
    for kind in ("csv", "json", "report"):
        assert an.export(res, kind, lipset)[0]


def test_study_data(db, mini):
    from tests.service.service_helpers import complete

    orders = [list(mini.statement_ids), list(reversed(mini.statement_ids)),
              list(mini.statement_ids[1:]) + [mini.statement_ids[0]], list(mini.statement_ids[::2] + mini.statement_ids[1::2])]
    for order in orders:
        complete(db, mini, order=order)
    data = an.study_data(db, mini.id)
    assert data.n_sorts == 4 and list(data.sorts.index) == list(mini.statement_ids)
    assert data.distribution == tuple(sorted(data.sorts.iloc[:, 0]))
    assert data.statements.iloc[0] == mini.statements[0].text[mini.default_language]
    res = an.run(data, an.Plan(n_factors=1)).result
    assert res.factor_arrays.shape == (len(mini.statement_ids), 1)


def test_workspace_roundtrip(db, lipset):
    r = ac.create_account(db, "anna", "correct horse battery")
    plan = an.Plan(n_factors=3, steps=(("F1", "F2", 10.0),))
    an.save_workspace(db, r.id, lipset.source, lipset.name, plan, data=LIPSET.read_bytes(), extra={"k": 1})
    w = an.load_workspace(db, r.id, lipset.source)
    assert w.plan == plan and w.data == LIPSET.read_bytes() and w.extra == {"k": 1}
    an.save_workspace(db, r.id, lipset.source, lipset.name, plan.change(n_factors=2))
    w = an.load_workspace(db, r.id, lipset.source)
    assert w.plan.n_factors == 2 and w.data == LIPSET.read_bytes() and w.extra == {"k": 1}
    assert [x.source for x in an.list_workspaces(db, r.id)] == [lipset.source]
    an.delete_workspace(db, r.id, lipset.source)
    assert an.load_workspace(db, r.id, lipset.source) is None


def test_the_statements_of_an_upload_are_kept_with_every_analysis_of_it(db, lipset):
    """Statements given after the data file (a second upload of the same file) are kept with the file:
    every named analysis of it, a new one and :func:`kept_statements` have them, and no version changes."""
    r = ac.create_account(db, "bea", "correct horse battery")
    blob = LIPSET.read_bytes()
    assert an.upload_source(blob) == lipset.source
    assert an.kept_statements(db, r.id, lipset.source) == {}
    an.save_workspace(db, r.id, lipset.source, lipset.name, an.Plan(), data=blob, extra={"statements": []})
    other = an.save_workspace(db, r.id, lipset.source, lipset.name, an.Plan(n_factors=3), label="three")
    texts = {"statements": [f"text {i}" for i in range(lipset.n_statements)], "statements_file": "L.STA"}
    an.save_workspace(db, r.id, lipset.source, lipset.name, an.Plan(), data=blob, extra=texts)
    assert an.kept_statements(db, r.id, lipset.source) == texts
    three = an.load_workspace(db, r.id, lipset.source, label="three")
    assert three.extra == texts and three.version == other.version
    assert an.save_workspace(db, r.id, lipset.source, lipset.name, an.Plan(), label="new").extra == texts


def test_statements_that_do_not_fit_are_named_and_the_data_read_without_them(lipset):
    """The message names the statements file and both numbers; the Q-sorts are read as without statements
    (before: the data file was named and nothing was read)."""
    blob = LIPSET.read_bytes()
    d = an.upload_data(blob, "lipset.csv", statements=["a"] * 16, statements_name="short.txt")
    assert d.problems == ("short.txt: 16 statements given, but the Q-sorts in lipset.csv have 33 statements, so "
                          "the analysis goes on without statement texts. Upload a statements file with 33 "
                          "statements to see them.",)
    assert d.source == lipset.source and d.sorts.equals(lipset.sorts)
    assert an.upload_data(blob, "lipset.csv", statements=["a"] * 33).problems == ()
    with pytest.raises(qmethod.errors.FormatError, match="broken.csv"):  # a data file that cannot be read
        an.upload_data(b"\x00\x01", "broken.csv", statements=["a"] * 16, statements_name="short.txt")


# ---------------------------------------------------------------- choices never rewritten silently


def test_lowering_k_after_rotation_by_hand_starts_a_new_history(db, lipset):
    """Centroid k=3, rotate F1-F3 by hand, set k=2: the analysis still runs (the old code raised
    "Unknown factor 'F3'"), the steps are set aside with a notice, and undo brings them back."""
    r = ac.create_account(db, "anna", "correct horse battery")
    rotated = an.Plan(n_factors=3, extraction="centroid").change(steps=[("F1", "F3", 10.0), ("F1", "F2", -4.0)])
    an.save_workspace(db, r.id, lipset.source, lipset.name, rotated)
    two = rotated.change(n_factors=2)
    res = an.run(lipset, two).result
    assert res.factors == ["F1", "F2"] and two.steps == ()
    assert "new rotation history" in two.notice(rotated) and "2 step(s)" in two.notice(rotated)
    w = an.save_workspace(db, r.id, lipset.source, lipset.name, two)
    back = an.undo_change(db, r.id, lipset.source, expected_version=w.version)
    assert back.plan == rotated
    np.testing.assert_allclose(an.run(lipset, back.plan).result.loadings.to_numpy(),
                               an.run(lipset, rotated).result.loadings.to_numpy())
    # the same for extraction and correlation
    assert rotated.change(extraction="pca").steps == () and rotated.change(correlation="spearman").steps == ()
    assert rotated.change(significance=0.01).steps == rotated.steps


def test_a_change_from_a_stale_page_changes_nothing(db, lipset):
    r = ac.create_account(db, "anna", "correct horse battery")
    w1 = an.save_workspace(db, r.id, lipset.source, lipset.name, an.Plan(n_factors=3).change(steps=[("F1", "F2", 5)]))
    w2 = an.save_workspace(db, r.id, lipset.source, lipset.name, w1.plan.change(steps=[("F1", "F2", 5), ("F2", "F3", 7)]),
                           expected_version=w1.version)
    assert w2.version == w1.version + 1
    with pytest.raises(an.StaleAnalysis, match="another tab"):  # a tab that still shows w1 undoes a step
        an.save_workspace(db, r.id, lipset.source, lipset.name, w1.plan.change(steps=()), expected_version=w1.version)
    with pytest.raises(an.StaleAnalysis):
        an.undo_change(db, r.id, lipset.source, expected_version=w1.version)
    assert an.load_workspace(db, r.id, lipset.source).plan == w2.plan


def test_named_analyses_side_by_side_and_compared(db, lipset):
    r = ac.create_account(db, "anna", "correct horse battery")
    an.save_workspace(db, r.id, lipset.source, lipset.name, an.Plan(n_factors=3))
    an.save_workspace(db, r.id, lipset.source, lipset.name, an.Plan(n_factors=2, extraction="centroid"),
                      label="centroid two")
    assert {w.label for w in an.list_workspaces(db, r.id, lipset.source)} == {"main", "centroid two"}
    assert an.load_workspace(db, r.id, lipset.source).plan.n_factors == 3
    a = an.run(lipset, an.Plan(n_factors=3)).result
    b = an.run(lipset, an.Plan(n_factors=2, extraction="centroid")).result
    c = an.compare(a, b)
    assert c.shape == (3, 2)
    assert c.loc["F1", "F1"] == pytest.approx(np.corrcoef(a.zscores["F1"], b.zscores["F1"])[0, 1])
    best = an.best_matches(c)
    for f in c.index:
        g = c.loc[f].abs().idxmax()
        assert (best.loc[f, "match"], best.loc[f, "r"]) == (g, c.loc[f, g])


def test_a_named_copy_of_an_uploaded_file_keeps_the_file(db):
    """Saving a new named analysis of an upload keeps the file with it (before, the copy had none, so
    continuing the upload or interpreting the copy found no data)."""
    r = ac.create_account(db, "anna", "correct horse battery")
    blob = open("tests/data/lipset.csv", "rb").read()
    data = an.upload_data(blob, "lipset.csv")
    an.save_workspace(db, r.id, data.source, data.name, an.Plan(n_factors=3), data=blob, extra={"statements": ["a"]})
    copy = an.save_workspace(db, r.id, data.source, data.name, an.Plan(n_factors=2), label="two")
    assert copy.data == blob and copy.extra == {"statements": ["a"]}


def test_snapshot_freezes_the_sorts(lipset):
    snap = tuple(lipset.sorts.columns[:7])
    frozen = an.restrict(lipset, snap)
    assert frozen.n_sorts == 7 and an.new_sorts(lipset, snap) == list(map(str, lipset.sorts.columns[7:]))
    assert an.new_sorts(lipset, None) == [] and an.restrict(lipset, None) is lipset
    plan = an.Plan(n_factors=2, snapshot=snap).change(steps=[("F1", "F2", 5)])
    included = plan.change(snapshot=tuple(lipset.sorts.columns))
    assert included.steps == () and "New data" in included.notice(plan)


def test_every_offered_significance_level_runs(lipset):
    for p in an.SIGNIFICANCE_LEVELS:
        assert an.run(lipset, an.Plan(n_factors=2, significance=p)).result.settings.significance == p
    for tol in an.VARIMAX_TOLERANCES:
        assert an.run(lipset, an.Plan(n_factors=2, varimax_tolerance=tol)).result.settings.varimax_tolerance == tol


# ---------------------------------------------------------------- reports record the analysis run


def test_reports_record_the_whole_analysis(lipset):
    base = an.run(lipset, an.Plan(n_factors=3, significance=0.01)).result
    first = an.flags_from_table(an.flag_table(base), base.factors)[0]
    plan = (an.Plan(n_factors=3, significance=0.01, snapshot=tuple(lipset.sorts.columns))
            .change(steps=[("F1", "F2", 12.0), ("F1", "F3", -5.0)]))
    res0 = an.run(lipset, plan).before_split
    pairs = tuple(p for p in an.flags_from_table(an.flag_table(res0), res0.factors) if p != first)
    plan = plan.change(flags=pairs, inverted=("F2",), split=("F1",))
    res = an.run(lipset, plan).result
    text = an.export(res, "report", lipset, plan)[0].decode("utf-8")
    head = text.split("Correlation Matrix")[0]
    for expected in ("lipset.csv", "9 Q-sorts", "principal components", "p < .01",
                     "F1 and F2 rotated 12 degrees clockwise", "F1 and F3 rotated 5 degrees counter-clockwise",
                     "set by hand", "Inverted factors  F2".replace("  ", " "), "F1 into F1a (positive) and F1b"):
        assert expected in " ".join(head.split()), expected
    wb = openpyxl.load_workbook(io.BytesIO(an.export(res, "xlsx", lipset, plan)[0]))
    overview = " ".join(str(c.value) for row in wb["Overview"].iter_rows() for c in row if c.value is not None)
    assert "F1 and F3 rotated 5 degrees counter-clockwise" in overview and "set by hand" in overview
    assert "Q study" not in text
    assert an.composite_title(lipset, plan, "F1a") == "lipset.csv: composite Q-sort of F1a (positive pole of F1, split)"
    assert an.composite_title(lipset, plan, "F2").endswith("F2 (inverted)")


def test_qualitative_data_in_every_export(db, mini):
    from qmethod import service as sv
    from tests.service.service_helpers import complete, consented, fill_grid

    for order in ([list(mini.statement_ids), list(reversed(mini.statement_ids)),
                   list(mini.statement_ids[1:]) + [mini.statement_ids[0]]]):
        complete(db, mini, order=order, comment="fordi")
    s, st = consented(db, mini)  # one more, who answers the single-choice question
    for sid in mini.statement_ids:
        st = sv.set_pile(db, s.token, sid, "neutral", expected_version=st.version)
    st = fill_grid(db, s.token, mini, st, list(mini.statement_ids[::-2]) + list(mini.statement_ids[::2]))
    for score in mini.postsort.columns:
        for sid in st.columns[score]:
            st = sv.save_comment(db, s.token, sid, f"= mitt svar {sid}", expected_version=st.version)
    st = sv.save_answer(db, s.token, "age", 33, expected_version=st.version)
    st = sv.save_answer(db, s.token, "role", "staff", expected_version=st.version)
    st = sv.submit(db, s.token, expected_version=st.version)
    data = an.study_data(db, mini.id)
    plan = an.Plan(n_factors=1)
    res = an.run(data, plan).result
    q = an.qualitative(data, res)
    people, comments = q["participants"], q["comments"]
    assert people.loc[st.participant, "role: Rolle"] == "Ansatt"  # the label, not the code "staff"
    assert set(people["defines"]) <= {"", "F1", "F1 (negative)"} and (people["defines"] != "").any()
    mine = comments.loc[[st.participant]]
    first = mine["statement id"].iloc[0]
    row = mine.iloc[0]
    assert row["statement text"] == mini.statement(first).text["nb"] and row["comment"] == f"= mitt svar {first}"
    assert row["column"] == st.score_of(first)
    wb = openpyxl.load_workbook(io.BytesIO(an.export(res, "xlsx", data, plan)[0]))
    cells = [c.value for row_ in wb["Comments"].iter_rows() for c in row_]
    assert mini.statement(first).text["nb"] in cells and any(str(v).endswith(f"mitt svar {first}") for v in cells)
    assert "Ansatt" in [c.value for row_ in wb["Participants"].iter_rows() for c in row_]
    z = zipfile.ZipFile(io.BytesIO(an.export(res, "comments", data, plan)[0]))
    assert "Ansatt" in z.read("participants.csv").decode("utf-8-sig")
    assert f"mitt svar {first}" in z.read("comments.csv").decode("utf-8-sig")
    csvz = zipfile.ZipFile(io.BytesIO(an.export(res, "csv", data, plan)[0]))
    assert any(n.endswith("_comments.csv") for n in csvz.namelist())


def test_fields_imported_from_eq_web_sort_are_exported():
    """Fields an EQ Web Sort (Firebase JSON) file carries per participant (survey answers such as
    ``ipadClass``, ``name``) reach the workbook, beside the factor each participant defines."""
    path = Path(__file__).parents[2] / "tests" / "data" / "ipad_sorts.json"
    data = an.upload_data(path.read_bytes(), path.name)
    assert data.participants is not None and "ipadClass" in data.participants.columns
    plan = an.Plan(n_factors=2)
    res = an.run(data, plan).result
    people = an.qualitative(data, res)["participants"]
    assert {"defines", "ipadClass", "name"} <= set(people.columns)
    first = str(data.sorts.columns[0])
    assert people.loc[first, "ipadClass"] == data.participants.loc[first, "ipadClass"]
    wb = openpyxl.load_workbook(io.BytesIO(an.export(res, "xlsx", data, plan)[0]))
    header = [c.value for c in wb["Participants"][3]]
    assert "ipadClass" in header and "defines" in header


def test_rotation_direction_is_kades_clockwise(lipset):
    """+10 in a plan is KADE's "clockwise" (a' = a cos t + b sin t, b' = -a sin t + b cos t, its B.7),
    and the log and the report say clockwise."""
    plan = an.Plan(n_factors=2, rotation="none")
    start = an.start_loadings(lipset, plan)
    turned = an.run(lipset, plan.change(steps=[("F1", "F2", 10.0)])).result.loadings
    t = np.deg2rad(10.0)
    a, b = start["F1"].to_numpy(), start["F2"].to_numpy()
    np.testing.assert_allclose(turned["F1"], a * np.cos(t) + b * np.sin(t), atol=1e-12)
    np.testing.assert_allclose(turned["F2"], -a * np.sin(t) + b * np.cos(t), atol=1e-12)
    rows = dict(an.provenance(lipset, plan.change(steps=[("F1", "F2", 10.0)])))
    assert rows["Rotation by hand, step 1"] == "F1 and F2 rotated 10 degrees clockwise"


@pytest.mark.parametrize("degrees", [1e300, float("nan"), float("inf"), 400, "twelve"])
def test_a_plan_refuses_an_absurd_rotation_angle(degrees):
    """The page and the service take the same angles as the command line: 1e300 and 400 degrees were
    stored in the plan and "twelve" raised a bare ValueError."""
    with pytest.raises(QMethodError, match=r"The angle of the rotation of F1 and F2 must be a number of degrees "
                                           r"between -360 and 360; got "):
        an.Plan(n_factors=3).change(steps=[("F1", "F2", degrees)])
    assert an.Plan(n_factors=3).change(steps=[("F1", "F2", "-12.5")]).steps == (("F1", "F2", -12.5),)


def test_the_reports_of_a_split_analysis_agree_on_the_number_of_factors(lipset):
    """Fails on the old code: after a split of F1 (3 factors extracted, 4 in the result) the text report
    said '4 factors' in its first line and 'Number of factors 3' in its record of the run, and the
    workbook's Overview had 'Number of factors' twice, 3 and 4."""
    import io

    import openpyxl

    plan = an.Plan(n_factors=3).change(split=("F1",))
    res = an.run(lipset, plan).result
    report = an.export(res, "report", lipset, plan)[0].decode("utf-8")
    assert "4 factors in the result" in report.splitlines()[1]
    assert re.search(r"Factors extracted\s+3", report) and "Number of factors" not in report
    wb = openpyxl.load_workbook(io.BytesIO(an.export(res, "xlsx", lipset, plan)[0]))
    cells = [c.value for row in wb["Overview"].iter_rows() for c in row]
    assert "Number of factors" not in cells
    assert cells[cells.index("Factors extracted") + 1] in ("3", 3)
    assert cells[cells.index("Factors in the result (after any split)") + 1] in ("4", 4)


def test_a_second_inversion_cancels_the_first(lipset):
    once = an.Plan(n_factors=2).change(inverted=("F1",))
    twice = once.change(inverted=once.inverted + ("F1",))
    assert twice.inverted == () and an.factor_label(twice, "F1") == "F1"
    np.testing.assert_allclose(an.run(lipset, twice).result.factor_arrays.to_numpy(float),
                               an.run(lipset, an.Plan(n_factors=2)).result.factor_arrays.to_numpy(float))
    assert an.Plan.from_dict({"inverted": ["F1", "F2", "F1"]}).inverted == ("F2",)  # (stored before)
