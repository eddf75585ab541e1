"""Study files: the demo study, validation errors that name field and line, the stored round trip."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from qmethod.errors import StudyError
from qmethod.study import load_study, loads_study, parse_study, study_to_dict

ROOT = Path(__file__).parents[2]
DEMO = ROOT / "studies" / "brukermedvirkning"
MINI = ROOT / "tests" / "data" / "studies" / "mini"


def test_demo_study_is_complete_and_consistent():
    s = load_study(DEMO)
    assert s.id == "brukermedvirkning"
    assert set(s.languages) >= {"nb", "en"}
    assert 30 <= len(s.statements) <= 40
    assert s.grid.scores == tuple(range(-4, 5))
    assert s.grid.size == len(s.statements)
    assert len(set(s.statement_ids)) == len(s.statements)
    for st in s.statements:
        assert st.text["nb"] and st.text["en"] and st.text["nb"] != st.text["en"]
    for col in s.grid.columns:
        assert col.label["nb"] and col.label["en"]
    assert s.grid.column(-4).label == {"nb": "Mest uenig", "en": "Most disagree"}
    assert s.consent.version and s.consent.text["nb"] and s.consent.text["en"]
    assert s.presort and s.postsort.enabled and s.postsort.columns == (-4, 4)
    assert {q.type for q in s.survey} == {"text", "number", "single", "multiple"}


@pytest.mark.parametrize("path", [DEMO, MINI])
def test_stored_form_reads_back_identically(path):
    s = load_study(path)
    assert parse_study(study_to_dict(s)) == s


def _mini_text() -> str:
    return (MINI / "study.toml").read_text(encoding="utf-8")


def _line_of(text: str, needle: str, occurrence: int = 1) -> int:
    lines = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    return lines[occurrence - 1]


def _problems(text: str) -> list[str]:
    with pytest.raises(StudyError) as exc:
        loads_study(text, source="bad.toml")
    assert str(exc.value).startswith("bad.toml: ")
    return exc.value.problems


def test_counts_that_do_not_sum_name_the_grid_line():
    text = _mini_text().replace("{ score = 0, count = 2 }", "{ score = 0, count = 3 }")
    (p,) = _problems(text)
    assert p.startswith(f"line {_line_of(text, 'columns = [')}: grid.columns: ")
    assert "sum to 7" in p and "6 statements" in p


def test_missing_translation_names_statement_and_line():
    text = _mini_text().replace('text = { nb = "Utsagn C", en = "Statement C" }', 'text = { nb = "Utsagn C" }')
    (p,) = _problems(text)
    assert p == f"line {_line_of(text, 'Utsagn C')}: statements[2].text: missing text for language 'en'"


def test_several_problems_are_reported_together_with_lines():
    text = (_mini_text()
            .replace('id = "D"', 'id = "B"')
            .replace('type = "multiple"', 'type = "checkboxes"')
            .replace('version = "v1"', 'version = 1'))
    problems = _problems(text)
    dup_line = _line_of(text, 'id = "B"', 2)
    assert f"line {dup_line}: statements[3].id: statement id 'B' is already used by statements[1]" in problems
    assert any(p.startswith(f"line {_line_of(text, 'checkboxes')}: survey[2].type: expected one of") for p in problems)
    assert f"line {_line_of(text, 'version = 1')}: consent.version: expected a text, got 1" in problems


def test_scores_must_run_from_minus_k_to_k():
    text = _mini_text().replace("{ score = 1, count = 1 }", "{ score = 3, count = 1 }")
    (p,) = _problems(text)
    assert "grid.columns: columns must run from -k to +k" in p


def test_unknown_field_and_bad_postsort_column():
    text = _mini_text().replace("required = true\nprompt", "required = true\ncolumns = [5]\ncolour = \"red\"\nprompt")
    problems = _problems(text)
    assert any(re.match(r"line \d+: postsort.columns\[0\]: 5 is not a grid column score", p) for p in problems)
    assert any(re.match(r"line \d+: postsort.colour: unknown field", p) for p in problems)


def test_toml_syntax_error_names_line():
    text = _mini_text().replace('id = "mini"', 'id = "mini')
    with pytest.raises(StudyError, match=r"bad.toml: not valid TOML: .*line 3"):
        loads_study(text, source="bad.toml")


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(StudyError, match="does not exist"):
        load_study(tmp_path / "nothing")


def test_dates_need_a_time_zone():
    text = _mini_text().replace('id = "mini"', 'id = "mini"\nopens = 2025-09-01T00:00:00')
    (p,) = _problems(text)
    assert p.startswith("line 4: study.opens: give a time zone offset")
