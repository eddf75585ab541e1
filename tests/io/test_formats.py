"""Each input layout, written from its description, reads back to the Lipset sorts."""
import numpy as np
import pytest

import io_builders as build
import qmethod.io as qio
from qmethod.errors import FormatError

KADE_STATEMENTS = "lipset_statements_kade.txt"


@pytest.fixture(scope="module")
def lipset_texts(data_dir):
    raw = (data_dir / KADE_STATEMENTS).read_bytes().decode("ascii")
    return [ln.strip() for ln in raw.replace("\r", "\n").split("\n") if ln.strip()]


def _same(data, lipset_sorts, *, ids=True):
    np.testing.assert_array_equal(data.sorts.to_numpy(), lipset_sorts.to_numpy())
    assert list(data.sorts.index) == list(range(1, 34))
    if ids:
        assert list(data.sorts.columns) == list(lipset_sorts.columns)
    assert data.forced


def test_kade_zip(lipset_sorts, lipset_texts):
    data = qio.read(build.kade_zip(lipset_sorts, lipset_texts), name="lipset.zip")
    assert data.format == "kade-zip" and data.title == "Lipset"
    _same(data, lipset_sorts)
    assert data.statements[33] == "Emphasis is on getting ahead"


def test_kade_zip_in_a_folder(lipset_sorts, lipset_texts):
    data = qio.read(build.kade_zip(lipset_sorts, lipset_texts, folder="Lipset/"), name="x.zip")
    _same(data, lipset_sorts)


def test_type1_current_layout(lipset_sorts, lipset_texts):
    data = qio.read(build.type1_xlsx(lipset_sorts, lipset_texts), name="t1.xlsx")
    assert data.format == "kenq-type1" and data.title == "Lipset"
    _same(data, lipset_sorts)
    assert data.statements[1].startswith("We accept improvements")


def test_type2_current_layout(lipset_sorts, lipset_texts):
    data = qio.read(build.type2_xlsx(lipset_sorts, lipset_texts), name="t2.xlsx")
    assert data.format == "kenq-type2"
    _same(data, lipset_sorts)


def test_htmlq_csv(lipset_sorts):
    data = qio.read(build.htmlq_csv(lipset_sorts), name="htmlq.csv")
    assert data.format == "htmlq-csv"
    _same(data, lipset_sorts)
    assert data.extra.loc["JP5", "comment1"] == "(s1) comment by JP5"
    assert data.extra.loc["US1", "sid"] == "101"


def test_htmlq_csv_id_field(lipset_sorts):
    data = qio.read(build.htmlq_csv(lipset_sorts), name="htmlq.csv", id_field="sid")
    assert list(data.sorts.columns) == [str(100 + k) for k in range(1, 10)]


def test_firebase_json_default_id_is_random_id(lipset_sorts):
    data = qio.read(build.firebase_json(lipset_sorts), name="x.json")
    assert data.format == "eqwebsort-json"
    assert list(data.sorts.columns) == [f"r{k}" for k in range(9)]
    _same(data, lipset_sorts, ids=False)
    assert data.extra.loc["r0", "partId"] == "US1"


@pytest.mark.parametrize("field", ["partId", "partid"])
def test_firebase_json_choose_id_field(lipset_sorts, field):
    data = qio.read(build.firebase_json(lipset_sorts), name="x.json", id_field=field)
    _same(data, lipset_sorts)


def test_firebase_json_key_and_missing_field(lipset_sorts):
    data = qio.read(build.firebase_json(lipset_sorts), name="x.json", id_field="key")
    assert data.sorts.columns[0] == "-KYW0000abcdef"
    with pytest.raises(FormatError, match=r"x\.json, record '-KYW0000abcdef': no field 'email'"):
        qio.read(build.firebase_json(lipset_sorts), name="x.json", id_field="email")


def test_sheets_csv(lipset_sorts):
    data = qio.read(build.sheets_csv(lipset_sorts), name="sheet.csv", id_field="partId")
    assert data.format == "eqwebsort-sheets"
    _same(data, lipset_sorts)
    assert data.extra.loc["CA6", "urlUsercode"] == "u5"


def test_netlify_csv(lipset_sorts):
    data = qio.read(build.netlify_csv(lipset_sorts), name="netlify.csv", id_field="partId")
    assert data.format == "eqwebsort-netlify"
    _same(data, lipset_sorts)
    assert data.extra.loc["FR9", "randomId"] == "r8"


def test_long_csv(lipset_sorts):
    data = qio.read(build.long_csv(lipset_sorts), name="long.csv")
    assert data.format == "long"
    _same(data, lipset_sorts)


@pytest.mark.parametrize("rows", ["statements", "sorts"])
def test_generic_xlsx_both_orientations(lipset_sorts, rows):
    data = qio.read(build.generic_xlsx(lipset_sorts, rows=rows), name="g.xlsx")
    assert data.format == "xlsx"
    _same(data, lipset_sorts)


def test_generic_csv_sorts_by_statements_with_semicolons(lipset_sorts):
    text = "name;" + ";".join(f"stmt {k}" for k in range(1, 34)) + "\n"
    text += "".join(f"{c};" + ";".join(str(v) for v in lipset_sorts[c]) + "\n" for c in lipset_sorts)
    data = qio.read(text.encode(), name="x.csv")
    _same(data, lipset_sorts)


def test_generic_csv_orientation_from_values_alone(lipset_sorts):
    # no labels at all: the direction in which every line has the same multiset of values is a Q-sort
    text = "\n".join(",".join(str(v) for v in lipset_sorts[c]) for c in lipset_sorts)
    header = ",".join(f"c{k}" for k in range(1, 34))
    data = qio.read((header + "\n" + text).encode(), name="x.csv")
    np.testing.assert_array_equal(data.sorts.to_numpy(), lipset_sorts.to_numpy())
    data2 = qio.read((header + "\n" + text).encode(), name="x.csv", rows="statements")
    assert data2.sorts.shape == (9, 33)


def test_rows_option_forces_orientation(data_dir, lipset_sorts):
    data = qio.read(data_dir / "lipset.csv", rows="sorts")
    assert data.sorts.shape == (9, 33)


def test_format_aliases_and_unknown(data_dir):
    assert qio.read(data_dir / "LIPSET.DAT", format="DAT").format == "pqmethod"
    with pytest.raises(FormatError, match="Unknown format 'spss'"):
        qio.read(data_dir / "LIPSET.DAT", format="spss")


def test_option_that_does_not_apply(data_dir):
    with pytest.raises(FormatError, match="id_field= does not apply to the pqmethod format"):
        qio.read(data_dir / "LIPSET.DAT", id_field="uid")


def test_detect(data_dir, lipset_sorts):
    assert qio.detect(data_dir / "lipset_kenq_legacy_type1.xlsx") == "kenq-type1"
    assert qio.detect(build.netlify_csv(lipset_sorts), name="data") == "eqwebsort-netlify"
    assert qio.detect(data_dir / "LIPSET.DAT") == "pqmethod"
