"""Every Lipset fixture imports to the same Q-sorts as tests/data/lipset.csv."""
import numpy as np
import pytest

import qmethod.io as qio

LIPSET_GRID = (-4, -4, -3, -3, -3, -2, -2, -2, -2, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0,
               1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 4, 4)

FIXTURES = {
    "lipset.csv": "csv",
    "LIPSET.DAT": "pqmethod",
    "lipset_qsorts_kade_csv.csv": "kenq-csv",
    "lipset_kenq_legacy_type1.xlsx": "kenq-type1",
    "lipset_kenq_legacy_type2.xlsx": "kenq-type2",
}


@pytest.mark.parametrize("filename,fmt", sorted(FIXTURES.items()))
def test_fixture_reads_to_lipset(data_dir, lipset_sorts, filename, fmt):
    data = qio.read(data_dir / filename)
    assert data.format == fmt
    assert data.source == filename
    assert list(data.sorts.columns) == list(lipset_sorts.columns)
    assert list(data.sorts.index) == list(range(1, 34))
    np.testing.assert_array_equal(data.sorts.to_numpy(), lipset_sorts.to_numpy())
    assert data.sorts.dtypes.unique().tolist() == [np.dtype("int64")]
    assert data.distribution == LIPSET_GRID
    assert data.forced is True
    assert data.warnings == () or fmt == "csv"


@pytest.mark.parametrize("filename", ["LIPSET.DAT", "lipset_kenq_legacy_type1.xlsx", "lipset_kenq_legacy_type2.xlsx"])
def test_fixture_statements(data_dir, filename):
    data = qio.read(data_dir / filename)
    assert data.statements is not None and len(data.statements) == 33
    assert "improvements in status and power of lower class" in data.statements[1]
    assert data.statements[33].strip().endswith("Emphasis is on getting ahead")


def test_summary_reports_counts_distribution_and_forced(data_dir):
    text = qio.read(data_dir / "LIPSET.DAT").summary()
    assert "9 Q-sorts x 33 statements" in text
    assert "-4:2 -3:3 -2:4 -1:5 0:5 +1:5 +2:4 +3:3 +4:2" in text
    assert "Forced: yes" in text
    assert "Lipset Study" in text


def test_unforced_variant_is_flagged(data_dir, lipset_sorts):
    data = qio.read(data_dir / "lipset_qsorts_kade_csv_unforced-1.csv")
    assert data.forced is False
    assert data.distribution == LIPSET_GRID  # the grid the other eight sorts share
    assert data.sorts.loc[2, "US1"] == 1 and lipset_sorts.loc[2, "US1"] == 0
    breaks = [w for w in data.warnings if "breaks the distribution" in w]
    assert len(breaks) == 1 and "'US1'" in breaks[0]
    assert "Forced: no" in data.summary()


def test_kade_csv_with_statement_file(data_dir):
    data = qio.read(data_dir / "lipset_qsorts_kade_csv.csv", statements=data_dir / "lipset_statements_kade.txt")
    assert len(data.statements) == 33
    assert data.statements[3] == "Success in life by a previously deprived person is resented"


ALL_FIXTURES = sorted(FIXTURES) + ["ZIP", "HTMLQ", "JSON", "SHEETS", "NETLIFY", "LONG"]


def _load(name, data_dir, lipset_sorts):
    import io_builders as build
    built = {"ZIP": (build.kade_zip, "l.zip"), "HTMLQ": (build.htmlq_csv, "h.csv"),
             "JSON": (build.firebase_json, "f.json"), "SHEETS": (build.sheets_csv, "s.csv"),
             "NETLIFY": (build.netlify_csv, "n.csv"), "LONG": (build.long_csv, "long.csv")}
    if name in built:
        fn, fname = built[name]
        raw = fn(lipset_sorts, ["s"] * 33) if name == "ZIP" else fn(lipset_sorts)
        return qio.read(raw, name=fname, **({"id_field": "partId"} if name in ("JSON", "SHEETS", "NETLIFY") else {}))
    return qio.read(data_dir / name)


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_every_fixture_gives_the_reference_zscores(data_dir, lipset_sorts, name):
    """Through qmethod.analyze (PCA, varimax, 3 factors) each import matches R qmethod 1.8.4 on Lipset."""
    import json

    import qmethod
    ref = json.loads((data_dir / "lipset_3f_pca_varimax.json").read_text())
    data = _load(name, data_dir, lipset_sorts)
    result = qmethod.analyze(data.sorts, 3, distribution=data.distribution)
    expected = np.array(ref["zscores"]["values"], dtype=float)
    np.testing.assert_allclose(result.zscores.to_numpy(float), expected, atol=1e-4)
    assert list(result.zscores.index) == list(range(1, 34))
