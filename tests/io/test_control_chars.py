"""Control characters in statements and Q-sort names: cleaned at input, never fatal to an export."""
import io
import json

import openpyxl
import pytest

import qmethod
import qmethod.io as qio
from qmethod.errors import FormatError, StudyError
from qmethod.service.design import statements_from_text

DIRTY = ["Line one\x0bline two", "bell\x01 here", "form\x0cfeed", "nel\x85x", "para\u2029graph", "esc\x1b[31mred"]


@pytest.fixture(scope="module")
def dirty_result(lipset_sorts):
    sorts = lipset_sorts.copy()
    sorts.columns = ["US1\x0b", "US2\x01", *sorts.columns[2:]]
    texts = [f"statement {k}" for k in range(1, 34)]
    texts[: len(DIRTY)] = DIRTY
    return qmethod.analyze(sorts, 2, statements=texts)


def _cells(raw: bytes) -> list:
    wb = openpyxl.load_workbook(io.BytesIO(raw))
    return [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def test_excel_export_of_a_result_with_control_characters(dirty_result):
    cells = _cells(qio.write_excel(dirty_result))
    assert "Line one\nline two" in cells and "bell here" in cells and "US1" in {c.strip() for c in cells}
    assert not any(ch in c for c in cells for ch in "\x01\x0b\x0c\x1b\x85")


def test_every_download_is_made_despite_control_characters(dirty_result):
    made = qio.downloads(dirty_result, stem="dirty")
    assert [d.kind for d in made] == ["xlsx", "csv", "json", "report", "pqmethod"]
    assert all(d.ok and d.error is None and len(d.data) > 100 for d in made), [d.error for d in made]
    assert made[0].file_name == "dirty.xlsx" and json.loads(made[2].data)["schema"] == "qmethod.result/1"


def test_one_failing_download_leaves_the_others(dirty_result, monkeypatch):
    def broken(result, imported, stem):
        raise RuntimeError("disk full")
    label, suffix, mime, _ = qio.DOWNLOADS["xlsx"]
    monkeypatch.setitem(qio.DOWNLOADS, "xlsx", (label, suffix, mime, broken))
    made = qio.downloads(dirty_result)
    assert not made[0].ok and "Excel workbook could not be made (RuntimeError: disk full)" in made[0].error
    assert all(d.ok for d in made[1:])


def test_imported_statements_and_names_are_cleaned(lipset_sorts):
    text = "participants," + ",".join(f"s{k}" for k in range(1, 34)) + "\n"
    for name in ["A\x0bB", "C\x01", "D"]:
        text += name + "," + ",".join(str(v) for v in lipset_sorts["US1"]) + "\n"
    statements = "\n".join(["Line one\x0bline two", "bell\x01"] + [f"s {k}" for k in range(3, 34)]).encode()
    data = qio.read(text.encode(), name="d.csv", statements=statements)
    assert list(data.sorts.columns) == ["A B", "C", "D"]
    assert list(data.statements[:2]) == ["Line one line two", "bell"]
    cells = _cells(qio.write_excel(qmethod.analyze(data.sorts, 1, statements=data.statements), imported=data))
    assert "Line one line two" in cells and "A B" in cells


def test_pasted_statement_with_word_line_break_stays_one_statement():
    assert statements_from_text("1. Jeg blir hørt\x0bav de ansatte\r\n2. Tjenesten\u2028passer meg\n\n- tre") == [
        "Jeg blir hørt av de ansatte", "Tjenesten passer meg", "tre"]


def test_statement_file_with_vertical_tab_is_not_split():
    assert qio.read_statements("en\x0bto\ntre\n".encode(), name="s.txt") == ["en to", "tre"]


def test_nul_in_a_statement_file_is_refused():
    with pytest.raises(FormatError, match=r"s\.txt, line 2: contains a NUL character"):
        qio.read_statements(b"one\ntw\x00o\n", name="s.txt")


def test_nul_in_a_sort_name_is_refused(lipset_sorts):
    recs = {f"-K{k}": {"randomId": f"r{k}", "partId": f"P\u0000{k}" if k == 1 else f"P{k}",
                       "sort": "|".join(str(v) for v in lipset_sorts[c])} for k, c in enumerate(lipset_sorts)}
    with pytest.raises(FormatError, match=r"f\.json: the Q-sort id of Q-sort 2 contains a NUL character"):
        qio.read(json.dumps(recs).encode(), name="f.json", id_field="partId")


def test_study_texts_are_cleaned_and_nul_refused():
    from pathlib import Path

    from qmethod.study import loads_study
    text = (Path(__file__).parents[2] / "tests/data/studies/mini/study.toml").read_text(encoding="utf-8")
    s = loads_study(text.replace('"Utsagn A"', '"Utsagn\\u000bA\\u0001"', 1)
                    .replace('"Velkommen."', '"Velkommen.\\u000bHei."', 1))
    assert s.statements[0].text["nb"] == "Utsagn A" and s.welcome["nb"] == "Velkommen.\nHei."
    with pytest.raises(StudyError, match=r"statements\[1\]\.text\.nb: contains a NUL character"):
        loads_study(text.replace('"Utsagn B"', '"Utsagn\\u0000B"', 1))
