"""Analysis service: data from a study or a file, replayable plans, flags by hand, exports, workspaces."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest

import qmethod
from qmethod.errors import DataError
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
