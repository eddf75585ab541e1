"""Malformed files give one FormatError naming the file, the line or cell, and what was expected."""
import io
import zipfile

import openpyxl
import pytest

import io_builders as build
import qmethod.io as qio
from qmethod.errors import FormatError


def _dat(data_dir) -> str:
    return (data_dir / "LIPSET.DAT").read_bytes().decode("ascii")


def test_dat_bad_value_names_line_and_columns(data_dir):
    text = _dat(data_dir).replace("US2       -1 0", "US2       -1 x", 1)
    with pytest.raises(FormatError, match=r"^L\.DAT, line 4, columns 13-14 \(statement 2\): expected a Q-sort "
                                          r"value of 2 characters, found 'x'"):
        qio.read(text.encode(), name="L.DAT")


def test_dat_short_line(data_dir):
    lines = _dat(data_dir).split("\r\n")
    lines[5] = lines[5][:40]
    with pytest.raises(FormatError, match=r"L\.DAT, line 6: expected a Q-sort id .* \(76 characters\), found 40"):
        qio.read("\r\n".join(lines).encode(), name="L.DAT")


def test_dat_grid_does_not_match_statement_count(data_dir):
    text = _dat(data_dir).replace("  0  9 33", "  0  9 34", 1)
    with pytest.raises(FormatError, match=r"L\.DAT, line 2: the grid has 33 cells but line 1 declares 34"):
        qio.read(text.encode(), name="L.DAT")


def test_dat_sta_with_wrong_count(tmp_path, data_dir):
    (tmp_path / "S.DAT").write_bytes((data_dir / "LIPSET.DAT").read_bytes())
    (tmp_path / "S.STA").write_bytes(b"only one\r\n")
    with pytest.raises(FormatError, match=r"S\.STA: expected 33 statements .* found 1"):
        qio.read(tmp_path / "S.DAT")


def test_dat_without_sta_warns(tmp_path, data_dir):
    (tmp_path / "S.DAT").write_bytes((data_dir / "LIPSET.DAT").read_bytes())
    data = qio.read(tmp_path / "S.DAT")
    assert data.statements is None
    assert any("No .STA file" in w for w in data.warnings)


def test_csv_missing_value_names_line_and_field(data_dir):
    text = (data_dir / "lipset.csv").read_text().split("\n")
    text[3] = ",".join(text[3].split(",")[:4] + [""] + text[3].split(",")[5:])
    with pytest.raises(FormatError, match=r"x\.csv, line 4, field 5: the Q-sort value is missing"):
        qio.read("\n".join(text).encode(), name="x.csv")


def test_csv_non_integer(data_dir):
    text = (data_dir / "lipset.csv").read_text().replace("-1,-1,2,3", "-1,-1.5,2,3", 1)
    with pytest.raises(FormatError, match=r"x\.csv, line 2, field 2: expected an integer Q-sort value, found '-1.5'"):
        qio.read(text.encode(), name="x.csv")


def test_kenq_csv_ragged_row(data_dir):
    raw = (data_dir / "lipset_qsorts_kade_csv.csv").read_bytes().replace(b",4\rUS2", b"\rUS2", 1)
    with pytest.raises(FormatError, match=r"k\.csv, line 2, field 34: the Q-sort value is missing"):
        qio.read(raw, name="k.csv")


def test_only_a_header():
    with pytest.raises(FormatError, match=r"h\.csv: expected a header row and at least one row"):
        qio.read(b"a,b,c\n", name="h.csv")


def test_duplicate_ids_are_renamed_with_a_warning(lipset_sorts):
    text = "participants," + ",".join(f"s{k}" for k in range(1, 34)) + "\n"
    for c in ["A", "A", "B"]:
        text += c + "," + ",".join(str(v) for v in lipset_sorts["US1"]) + "\n"
    data = qio.read(text.encode(), name="d.csv")
    assert list(data.sorts.columns) == ["A", "A_2", "B"]
    assert any("Duplicate Q-sort id 'A' (Q-sort 2) renamed to 'A_2'" in w for w in data.warnings)


def test_type1_duplicate_statement(lipset_sorts):
    raw = build.type1_xlsx(lipset_sorts, ["s"] * 33)
    wb = openpyxl.load_workbook(io.BytesIO(raw))
    ws = wb["sorts"]
    ws["C3"] = ws["C2"].value
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(FormatError, match=r"t1\.xlsx, sheet 'sorts', cell C3: statement \d+ appears twice for US2 "
                                          r"\(also in cell C2\)"):
        qio.read(buf.getvalue(), name="t1.xlsx")


def test_type2_text_in_a_value_cell(lipset_sorts):
    raw = build.type2_xlsx(lipset_sorts, ["s"] * 33)
    wb = openpyxl.load_workbook(io.BytesIO(raw))
    wb["sorts"]["D4"] = "three"
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(FormatError, match=r"t2\.xlsx, sheet 'sorts', cell D4: expected an integer Q-sort value, "
                                          r"found 'three'"):
        qio.read(buf.getvalue(), name="t2.xlsx")


def test_zip_without_sorts():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(FormatError, match=r"p\.zip: expected a file sorts\.txt in the ZIP"):
        qio.read(buf.getvalue(), name="p.zip")


def test_zip_pattern_with_wrong_field_count(lipset_sorts):
    raw = build.kade_zip(lipset_sorts, ["s"] * 33)
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info.filename, b"2,3,4" if info.filename == "pattern.txt" else data)
    with pytest.raises(FormatError, match=r"p\.zip:pattern\.txt, line 1: expected 20 comma-separated counts"):
        qio.read(buf.getvalue(), name="p.zip")


def test_not_a_workbook():
    with pytest.raises(FormatError, match=r"x\.xlsx: not a readable xlsx workbook"):
        qio.read(b"PK\x03\x04garbage", name="x.xlsx")


def test_invalid_json_names_line_and_column():
    with pytest.raises(FormatError, match=r"r\.json, line 2, column \d+: not valid JSON"):
        qio.read(b'{"a": {"sort": "1|2"},\n  oops}', name="r.json")


def test_json_sort_with_bad_item(lipset_sorts):
    raw = build.firebase_json(lipset_sorts).replace(b'"sort": "-1|+0', b'"sort": "-1|zero', 1)
    with pytest.raises(FormatError, match=r"r\.json, record '-KYW0000abcdef', field 'sort', item 2: expected an "
                                          r"integer Q-sort value, found 'zero'"):
        qio.read(raw, name="r.json")


def test_long_duplicate_pair():
    with pytest.raises(FormatError, match=r"l\.csv, line 3, field 2: participant 'A' has statement '1' twice"):
        qio.read(b"participant,statement,value\nA,1,2\nA,1,-2\n", name="l.csv")


def test_long_missing_pair():
    with pytest.raises(FormatError, match=r"l\.csv: participant 'B' has no value for statement '2'"):
        qio.read(b"participant,statement,value\nA,1,1\nA,2,-1\nB,1,1\n", name="l.csv")


def test_size_limit(data_dir, tmp_path):
    with pytest.raises(FormatError, match=r"LIPSET\.DAT: the file is 0\.0 MB; the limit is 0\.0 MB \(max_bytes=\.\.\.\)"):
        qio.read(data_dir / "LIPSET.DAT", max_bytes=100)
    with pytest.raises(FormatError, match=r"upload\.csv: the file is larger than the limit"):
        qio.read(io.BytesIO(b"x" * 200), name="upload.csv", max_bytes=100)
    assert qio.read(data_dir / "LIPSET.DAT", max_bytes=None).n_sorts == 9


def test_zip_bomb_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("sorts.txt", b"0" * 5_000_000)
    with pytest.raises(FormatError, match=r"b\.zip: the ZIP archive unpacks to 4\.8 MB; the limit is 1\.0 MB"):
        qio.read(buf.getvalue(), name="b.zip", max_bytes=100_000)


def test_missing_file(tmp_path):
    with pytest.raises(FormatError, match=r"nope\.csv: cannot open the file"):
        qio.read(tmp_path / "nope.csv")


@pytest.mark.parametrize("bad", ["2.5", "1e155", "abc"])
@pytest.mark.parametrize("field", [1, 2])
def test_csv_bad_value_in_any_column_is_reported_where_it_is(data_dir, bad, field):
    """A bad first-column cell under a sort's name is a bad value, not a label column."""
    lines = (data_dir / "lipset.csv").read_text().splitlines()
    cells = lines[1].split(",")
    cells[field - 1] = bad
    lines[1] = ",".join(cells)
    with pytest.raises(FormatError, match=rf"^frac\.csv, line 2, field {field}: expected an integer Q-sort value, "
                                          rf"found '{bad}'"):
        qio.read("\n".join(lines).encode(), name="frac.csv", format="csv")


def test_long_format_statement_id_with_two_signs_is_a_clear_error_not_a_crash(tmp_path):
    """A long file whose statement ids are numbers but one reads '--27': the reader took it for a
    number (lstrip removed both signs) and crashed sorting the ids (found by the fuzz test)."""
    import qmethod

    rows = ["participant,statement,value"]
    rows += [f"P{p},{s},{v}" for p in (1, 2, 3) for s, v in ((1, -1), (2, 0), ("--27", 1))]
    f = tmp_path / "l.csv"
    f.write_text("\n".join(rows) + "\n", encoding="utf-8")
    data = qmethod.io.read(f)  # read as text ids, in file order, instead of failing
    assert list(data.sorts.index.astype(str)) == ["1", "2", "--27"]


def test_workbook_without_a_worksheet(lipset_sorts):
    """A workbook whose list of sheets is empty (the sheet entry removed from xl/workbook.xml): a
    message naming the file, not the reader's IndexError (found by the fuzz run)."""
    import re

    raw = build.type2_xlsx(lipset_sorts, ["s"] * 33)
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/workbook.xml":
                data = re.sub(rb"<sheet [^>]*/>", b"", data)
            dst.writestr(info.filename, data)
    with pytest.raises(FormatError, match=r"^t2\.xlsx: the workbook has no worksheet\.$"):
        qio.read(buf.getvalue(), name="t2.xlsx")
