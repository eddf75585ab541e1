"""Text a spreadsheet could run as a formula is neutralised in CSV and xlsx exports; numbers stay numbers."""
import csv
import io
import re
import zipfile

import openpyxl
import pytest

import qmethod
import qmethod.io as qio
from qmethod.io.safe import DANGEROUS_STARTS, neutralise

NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
PAYLOADS = ['=HYPERLINK("http://evil.example","click")', "+1+2", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1",
            "\n=1+1", "=cmd|' /C calc'!A0"]


@pytest.mark.parametrize("text", PAYLOADS)
def test_neutralise_prefixes_an_apostrophe(text):
    if text[0] in "\t\r\n":  # a separator first: the formula after it would be a cell of its own
        assert neutralise(text) == "'" + text[0] + "'" + text[1:]
    else:
        assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text, safe", [("x;=1+2;y", "x;'=1+2;y"), ("a,@SUM(A1:A9)", "a,'@SUM(A1:A9)"),
                                        ("a\t=cmd|' /C calc'!A0", "a\t'=cmd|' /C calc'!A0"),
                                        ("ja\n+1+2", "ja\n'+1+2"), ("1;-2;+3", "1;-2;+3"), ("a;b=c", "a;b=c"),
                                        # spreadsheets trim the space a separator leaves (failed before)
                                        ("ok; =2+3", "ok; '=2+3"), ("a,  @SUM(A1)", "a,  '@SUM(A1)"),
                                        ("x; -5", "x; -5")])
def test_neutralise_every_piece_a_separator_could_split_off(text, safe):
    assert neutralise(text) == safe


@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_csv_opened_with_any_separator_has_no_formula_cell(hostile, sep):
    """Excel in Norwegian settings splits a CSV at ';': no field may start a formula however it is split."""
    _, _, result = hostile
    with zipfile.ZipFile(io.BytesIO(qio.write_csv_zip(result))) as zf:
        text = zf.read("02_statements.csv").decode("utf-8-sig") if "02_statements.csv" in zf.namelist() else \
            "\n".join(zf.read(n).decode("utf-8-sig") for n in zf.namelist())
    cells = [c for row in csv.reader(io.StringIO(text, newline=""), delimiter=sep) for c in row]
    assert any("1+2" in c for c in cells)
    assert not [c for c in cells if _unsafe(c)], [c for c in cells if _unsafe(c)][:5]


def test_text_report_has_no_formula_token(hostile):
    _, _, result = hostile
    report = qio.text_report(result)
    assert "\t" not in report
    tokens = report.split()
    assert "'=cmd|'" in tokens and "'=evil()" in tokens
    assert not [t for t in tokens if t[0] in "=+@" or (t[0] == "-" and not NUMBER.match(t) and set(t) != {"-"})]


@pytest.mark.parametrize("sep", [",", ";"])
def test_text_report_split_at_a_separator_has_no_formula_piece(hostile, sep):
    """Fails on the old code: 'x;=1+2;y' stayed as it was, so the text report imported into a
    spreadsheet with ';' as separator (the Norwegian default) had a '=1+2' cell."""
    _, _, result = hostile
    report = qio.text_report(result)
    assert "x;'=1+2;y" in report
    pieces = [p.strip() for line in report.splitlines() for p in line.split(sep)]
    bad = [p for p in pieces if p and p[0] in "=+@" or (p[:1] == "-" and not NUMBER.match(p.split()[0])
                                                          and set(p.split()[0]) != {"-"})]
    assert not bad, bad[:5]


def test_pqmethod_export_has_no_line_starting_a_formula(hostile, tmp_path):
    """Fails on the old code: the .STA had lines starting '=1+2' and '@SUM(A1:A9)' and the .DAT a line
    starting with a sort named '=evil()'."""
    sorts, texts, _ = hostile
    qio.write_pqmethod(sorts, tmp_path / "h.DAT", statements=texts, title="hostile")
    for name in ("h.DAT", "h.STA"):
        lines = (tmp_path / name).read_bytes().decode("cp850").splitlines()
        bad = [ln for ln in lines if ln[:1] in ("=", "+", "@") or (ln[:1] == "-" and not NUMBER.match(ln.split()[0]))]
        assert not bad, (name, bad[:3])


@pytest.mark.parametrize("value", ["-3", "+1", "-0.25", "12", 3, -3.5, None, "plain text", "a=b"])
def test_neutralise_leaves_numbers_and_plain_text(value):
    assert neutralise(value) == value


@pytest.fixture(scope="module")
def hostile(lipset_sorts):
    sorts = lipset_sorts.copy()
    sorts.columns = ["=evil()", "+US2", "-US3", "@US4", "\tJP5", "CA6", "UK7", "US8", "-3"]
    texts = [f"statement {k}" for k in range(1, 34)]
    texts[: len(PAYLOADS)] = PAYLOADS
    texts[len(PAYLOADS)] = "x;=1+2;y"
    texts[len(PAYLOADS) + 1] = "ok\t=cmd|' /C calc'!A0"
    result = qmethod.analyze(sorts, 2, statements=texts)
    return sorts, texts, result


def _unsafe(value) -> bool:
    return isinstance(value, str) and value.startswith(DANGEROUS_STARTS) and not NUMBER.match(value)


def test_xlsx_has_no_formula_and_no_unsafe_text(hostile):
    _, _, result = hostile
    wb = openpyxl.load_workbook(io.BytesIO(qio.write_excel(result)))
    seen_payload = False
    numeric_negative = False
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                assert not _unsafe(cell.value), (ws.title, cell.coordinate, cell.value)
                seen_payload |= cell.value == "'" + PAYLOADS[0]
                numeric_negative |= ws.title == "Q-sorts" and cell.value == -3 and cell.data_type == "n"
    assert seen_payload and numeric_negative


def test_csv_zip_has_no_unsafe_field(hostile):
    _, _, result = hostile
    raw = qio.write_csv_zip(result)
    fields = 0
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        for name in zf.namelist():
            text = zf.read(name).decode("utf-8-sig")
            for row in csv.reader(io.StringIO(text, newline="")):
                for field in row:
                    fields += 1
                    assert not _unsafe(field), (name, field)
        sorts = list(csv.reader(io.StringIO(zf.read("03_sorts.csv").decode("utf-8-sig"), newline="")))
    assert sorts[-1][0] == "-3" and "-4" in sorts[1]  # an id "-3" and values like -4 stay numbers
    assert fields > 1000


def test_sorts_csv_neutralised(hostile):
    sorts, texts, _ = hostile
    data = qio.read(qio.write_sorts_csv(sorts), name="s.csv")
    assert data.sorts.columns[0] == "'=evil()"
    assert data.sorts.columns[-1] == "-3"
