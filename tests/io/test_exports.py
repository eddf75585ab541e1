"""Every export reads back to the data it was written from."""
import io
import json
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest

import qmethod
import qmethod.io as qio
from qmethod.io.excel_report import HEADER_ROW
from qmethod.io.result_tables import report_tables
from qmethod.io.safe import neutralise_frame
from qmethod.io.text_report import LIS_SECTIONS


@pytest.fixture(scope="module")
def lipset(data_dir):
    return qio.read(data_dir / "LIPSET.DAT")


@pytest.fixture(scope="module")
def result(lipset):
    return qmethod.analyze(lipset.sorts, 3, statements=lipset.statements)


@pytest.fixture(scope="module")
def workbook_bytes(result, lipset):
    return qio.write_excel(result, imported=lipset)


def _assert_frame_readback(expected: pd.DataFrame, got: pd.DataFrame):
    expected = neutralise_frame(expected)
    assert [str(c) for c in got.columns] == [str(c) for c in expected.columns]
    assert [str(i) for i in got.index] == [str(i) for i in expected.index]
    for col_e, col_g in zip(expected.columns, got.columns):
        e, g = expected[col_e], got[col_g]
        if pd.api.types.is_numeric_dtype(e.dtype) and not pd.api.types.is_bool_dtype(e.dtype):
            np.testing.assert_allclose(pd.to_numeric(g).to_numpy(float), e.to_numpy(float), rtol=0, atol=1e-12,
                                       equal_nan=True)
        else:
            ev = ["" if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else str(v) for v in e]
            gv = ["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in g]
            assert gv == ev, col_e


def test_excel_sheets_in_report_order(workbook_bytes, result):
    wb = openpyxl.load_workbook(io.BytesIO(workbook_bytes))
    names = wb.sheetnames
    assert names[:7] == ["Overview", "Statements", "Q-sorts", "Correlations", "Unrotated loadings",
                         "Cumul communalities", "Factor loadings"]
    order = ["Factor scores", "Factor score correlations", "F1 scores", "Diff F1-F2", "Factor arrays",
             "Consensus-disagreement", "Factor characteristics", "Standard errors for diffs", "Dist F1",
             "Consensus statements", "Crib F1"]
    assert [names.index(n) for n in order] == sorted(names.index(n) for n in order)


def test_excel_every_table_reads_back(workbook_bytes, result, lipset):
    sheets = pd.read_excel(io.BytesIO(workbook_bytes), sheet_name=None, header=HEADER_ROW - 1, index_col=0)
    for table in report_tables(result, imported=lipset):
        _assert_frame_readback(table.frame, sheets[table.sheet])


def test_excel_flags_marked_and_header_frozen(workbook_bytes, result):
    ws = openpyxl.load_workbook(io.BytesIO(workbook_bytes))["Factor loadings"]
    assert ws.freeze_panes == "B4"
    header = [c.value for c in ws[HEADER_ROW]]
    for r in range(HEADER_ROW + 1, HEADER_ROW + 1 + len(result.loadings)):
        sort = ws.cell(row=r, column=1).value
        for f in result.factors:
            cell = ws.cell(row=r, column=header.index(f) + 1)
            assert cell.font.bold == bool(result.flags.at[sort, f])
            assert (cell.fill.fgColor.rgb == "00C6EFCE") == bool(result.flags.at[sort, f])


def test_excel_sorts_sheet_round_trips_through_read(workbook_bytes, lipset):
    data = qio.read(workbook_bytes, name="results.xlsx", sheet="Q-sorts", rows="sorts")
    # title row and blank row are skipped: the header is row 3
    np.testing.assert_array_equal(data.sorts.to_numpy(), lipset.sorts.to_numpy())


def test_csv_zip_reads_back(result, lipset):
    raw = qio.write_csv_zip(result, imported=lipset)
    tables = report_tables(result, imported=lipset)
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        names = zf.namelist()
        assert names == [f"{k:02d}_{t.key}.csv" for k, t in enumerate(tables, start=1)]
        for name, table in zip(names, tables):
            got = pd.read_csv(zf.open(name), index_col=0, encoding="utf-8-sig", keep_default_na=False,
                              na_values=[""])
            _assert_frame_readback(table.frame, got)


def test_json_round_trip(result, tmp_path):
    text = qio.write_json(result, tmp_path / "r.json")
    back = qmethod.AnalysisResult.from_json(str(tmp_path / "r.json"))
    assert json.loads(text)["schema"] == "qmethod.result/1"
    np.testing.assert_allclose(back.zscores.to_numpy(float), result.zscores.to_numpy(float), atol=1e-12)
    assert back.factor_arrays.astype(int).to_numpy().tolist() == result.factor_arrays.astype(int).to_numpy().tolist()


def test_text_report_section_order(result, lipset):
    text = qio.text_report(result, imported=lipset)
    heads = [h.split("{")[0] for _, h in LIS_SECTIONS]
    positions = [text.index(h) for h in heads]
    assert positions == sorted(positions)
    assert text.count("Normalized Factor Scores -- For Factor") == 3
    assert text.count("Descending Array of Differences Between Factors") == 3
    us3 = next(ln for ln in text.splitlines() if ln.startswith("US3") and " X" in ln)
    assert f"{result.loadings.at['US3', 'F1']:.4f}" in us3


def test_pqmethod_round_trip_byte_for_byte(lipset, data_dir, tmp_path):
    warns = qio.write_pqmethod(lipset, tmp_path / "LIPSET.DAT")
    assert warns == []
    assert (tmp_path / "LIPSET.DAT").read_bytes() == (data_dir / "LIPSET.DAT").read_bytes()
    assert (tmp_path / "LIPSET.STA").read_bytes() == (data_dir / "LIPSET.STA").read_bytes()


def test_pqmethod_export_of_other_formats_reads_back(data_dir, tmp_path):
    src = qio.read(data_dir / "ipad_sorts.json", statements=data_dir / "ipad_statements.txt")
    warns = qio.write_pqmethod(src, tmp_path / "IPAD.DAT", encoding="shift_jis")
    assert warns == ["Some statements are longer than 60 characters; PQMethod may cut them when it prints."]
    back = qio.read(tmp_path / "IPAD.DAT", encoding="shift_jis")
    assert back.sorts.to_numpy().tolist() == src.sorts.to_numpy().tolist()
    assert list(back.sorts.columns) == [c[:8] for c in src.sorts.columns]
    assert list(back.statements) == list(src.statements)
    assert back.distribution == src.distribution


def test_pqmethod_long_ids_shortened_and_made_unique(lipset_sorts, tmp_path):
    sorts = lipset_sorts.iloc[:, :3].copy()
    sorts.columns = ["participant_one", "participant_two", "x"]
    warns = qio.write_pqmethod(sorts, tmp_path / "S.DAT")
    back = qio.read(tmp_path / "S.DAT")
    assert list(back.sorts.columns) == ["1_partic", "2_partic", "3_x"]
    assert any("shortened" in w for w in warns) and any("not unique" in w for w in warns)


def test_pqmethod_refuses_values_outside_its_grid(lipset_sorts, tmp_path):
    with pytest.raises(qmethod.QMethodError, match=r"-6 to \+13"):
        qio.write_pqmethod(lipset_sorts * 4, tmp_path / "S.DAT")


def test_sorts_csv_round_trip(lipset):
    raw = qio.write_sorts_csv(lipset)
    back = qio.read(raw, name="sorts.csv")
    pd.testing.assert_frame_equal(back.sorts, lipset.sorts)
    assert list(back.statements) == list(lipset.statements)


def test_settings_files_round_trip(lipset):
    from qmethod.io.htmlq import parse_map_xml
    assert parse_map_xml(qio.to_map_xml(lipset.distribution), "map.xml") == list(lipset.distribution)
    xml = qio.to_statements_xml(lipset.statements.tolist()).encode()
    assert qio.read_statements(xml, name="statements.xml") == [s.strip() for s in lipset.statements]
