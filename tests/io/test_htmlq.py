"""HtmlQ response CSV rows with more fields than the header (an unquoted answer containing ';')."""
from __future__ import annotations

from pathlib import Path

import qmethod.io as qio

BUG = Path(__file__).resolve().parent.parent / "data" / "bug-cases"


def _expected_sorts(path: Path) -> dict[str, list[int]]:
    """The sort values of each row, read by hand: the 16 fields after sid and uid."""
    rows = path.read_text(encoding="utf-8").splitlines()[1:]
    return {r.split(";")[0]: [int(v) for v in r.split(";")[2:18]] for r in rows}


def test_answer_containing_the_separator_keeps_sort_and_later_fields():
    path = BUG / "htmlq_separator_in_answer.csv"
    data = qio.read(path)
    assert data.n_sorts == 4 and data.forced
    for sid, values in _expected_sorts(path).items():
        assert data.sorts[sid].tolist() == values
    row = data.extra.loc["1012026"]
    assert row["form1"] == "Brukerrepresentant; tidligere pasient; nå i brukerråd"
    assert (row["form2"], row["comment1"], row["dur0"], row["datetime"]) == (
        "Norge", "(s2) viktig", "901", "2026-03-02 10:11:00")
    assert data.extra.loc["1032026", "form1"] == "Pårørende"
    assert len(data.warnings) == 1
    warning = data.warnings[0]
    assert "line 3" in warning and "'1012026'" in warning and "'form1'" in warning


def test_separator_in_a_later_answer_and_in_two_rows():
    text = ("sid;uid;s1;s2;s3;s4;s5;form1;comment1;dur0;datetime\n"
            "1;a;-1;0;1;0;0;Oslo;ok;10;2026-01-01 10:00:00\n"
            "2;b;1;0;-1;0;0;Bergen;for mye; for fort;11;2026-01-02 10:00:00\n"
            "3;c;0;1;0;-1;0;Trondheim; Norge;ja;12;2026-01-03 10:00:00\n")
    data = qio.read(text.encode("utf-8"), name="h.csv")
    assert data.sorts.to_numpy().T.tolist() == [[-1, 0, 1, 0, 0], [1, 0, -1, 0, 0], [0, 1, 0, -1, 0]]
    assert data.extra.loc["b", "comment1"] == "for mye; for fort"
    assert data.extra.loc["b", "dur0"] == "11"
    assert data.extra.loc["c", "form1"] == "Trondheim; Norge"
    assert data.extra.loc["c", "comment1"] == "ja"
    assert [w.split(":")[0] for w in data.warnings] == ["h.csv, line 3 (participant 'b')",
                                                        "h.csv, line 4 (participant 'c')"]


def test_rows_that_fit_the_header_give_no_warning(lipset_sorts):
    import io_builders as build

    data = qio.read(build.htmlq_csv(lipset_sorts), name="htmlq.csv")
    assert not any("more field" in w for w in data.warnings)


def test_line_break_inside_an_answer_joins_the_lines():
    text = ("sid;uid;s1;s2;s3;s4;s5;form1;comment1;dur0;datetime;\n"
            "1;a;-1;0;1;0;0;Oslo;ok;10;2026-01-01 10:00:00;\n"
            "2;b;1;0;-1;0;0;Bergen;første linje\n"
            "andre linje; med semikolon;11;2026-01-02 10:00:00;\n"
            "3;c;0;1;0;-1;0;Tromsø;ja;12;2026-01-03 10:00:00;\n")
    data = qio.read(text.encode("utf-8"), name="h.csv")
    assert data.sorts.to_numpy().T.tolist() == [[-1, 0, 1, 0, 0], [1, 0, -1, 0, 0], [0, 1, 0, -1, 0]]
    assert data.extra.loc["b", "comment1"] == "første linje\nandre linje; med semikolon"
    assert (data.extra.loc["b", "dur0"], data.extra.loc["c", "form1"]) == ("11", "Tromsø")
    assert data.warnings[0].startswith("h.csv, lines 3-4 (participant 'b'): a line break inside an answer")


def test_trailing_separator_missing_from_the_header_is_no_answer():
    text = ("sid;uid;s1;s2;s3;form1;dur0\n"
            "1;a;-1;0;1;Oslo;10;\n"
            "2;b;1;0;-1;Bergen;11;\n")
    data = qio.read(text.encode("utf-8"), name="h.csv")
    assert data.extra.loc["b", "form1"] == "Bergen" and data.extra.loc["b", "dur0"] == "11"
    assert not any("more field" in w for w in data.warnings)


def test_trailing_separator_of_the_header_makes_no_empty_column():
    data = qio.read(BUG / "htmlq_separator_in_answer.csv")
    assert list(data.extra.columns) == ["sid", "uid", "npos", "nneu", "nneg", "form1", "form2", "comment1",
                                        "dur0", "datetime"]
    assert "column27" not in data.summary() and "datetime" in data.summary()


def test_an_unnamed_column_with_content_is_kept():
    text = "sid;uid;s1;s2;s3;\n1;a;-1;0;1;note\n2;b;1;0;-1;\n"
    data = qio.read(text.encode(), name="q.csv", format="htmlq-csv")
    assert data.extra["column6"].tolist() == ["note", ""]
