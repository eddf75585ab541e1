"""Malformed study files: every one gets a StudyError naming the field (and line), never a traceback."""
from __future__ import annotations

import math
import random
from pathlib import Path

import pytest

from qmethod.errors import StudyError
from qmethod.study import load_study, loads_study, parse_study, study_to_dict

MINI = Path(__file__).parents[2] / "tests" / "data" / "studies" / "mini" / "study.toml"


def _mini() -> str:
    return MINI.read_text(encoding="utf-8")


def _error(text: str) -> str:
    with pytest.raises(StudyError) as info:
        loads_study(text)
    return str(info.value)


@pytest.mark.parametrize("depth", [17, 5_000, 100_000])
def test_deeply_nested_arrays_name_the_line_and_key(depth):
    text = _mini().replace('[study]\n', f'[study]\ndescription = {"[" * depth}{"]" * depth}\n', 1)
    msg = _error(text)
    assert msg.startswith("study.toml: line 3: description: arrays or tables nested more than 16 levels deep")


def test_nesting_inside_strings_and_comments_is_not_counted():
    deep = "[" * 40
    text = _mini().replace('[study]\n', f'[study]\n# {deep}\ndescription = "{deep}"\n', 1)
    assert loads_study(text).description == deep


def test_deeply_nested_inline_tables():
    text = _mini().replace('[study]\n', "[study]\n" + "description = " + "{a=" * 3000 + "1" + "}" * 3000 + "\n", 1)
    assert "line 3: description: arrays or tables nested more than 16 levels" in _error(text)


@pytest.mark.parametrize("value, shown", [("9" * 30, "999999999999999999999999999999"),
                                          ("9" * 5_000, "a number of 5000 digits"),
                                          ("100", "100"), ("-21", "-21")])
def test_huge_grid_score_names_the_field(value, shown):
    text = _mini().replace("score = -1,", f"score = {value},", 1)
    msg = _error(text)
    assert "score" in msg and shown in msg, msg
    if len(value) < 100:  # an element of an inline array: the line of the array (columns = [)
        line = next(k for k, ln in enumerate(text.splitlines(), 1) if ln.startswith("columns = ["))
        assert f"line {line}: grid.columns[1].score: expected a whole number from -20 to 20" in msg
    else:  # too long for the TOML reader: the line of the number itself
        line = next(k for k, ln in enumerate(text.splitlines(), 1) if f"score = {value[:20]}" in ln)
        assert f"line {line}: score: a number of 5000 digits" in msg


def test_huge_count_names_the_field():
    msg = _error(_mini().replace("score = -1, count = 1", f"score = -1, count = {10 ** 20}", 1))
    assert "grid.columns[1].count: expected a whole number from 1 to 10000, got 100000000000000000000" in msg


@pytest.mark.parametrize("field, value", [("min", "-inf"), ("max", "nan"), ("max", "inf"), ("min", "1e300"),
                                          ("max", str(10 ** 40))])
def test_number_question_bounds_must_be_finite(field, value):
    text = _mini().replace("min = 16", f"{field} = {value}" if field == "min" else "min = 16", 1)
    if field == "max":
        text = text.replace("max = 110", f"max = {value}", 1)
    msg = _error(text)
    assert f"survey[0].{field}: expected a finite number" in msg, msg


@pytest.mark.parametrize("field", ["max_length", "min_choices", "max_choices"])
def test_huge_question_limits_name_the_field(field):
    text = _mini().replace('id = "note"\n', f'id = "note"\n{field} = {10 ** 30}\n', 1).replace(
        "max_length = 50\n", "", 1 if field == "max_length" else 0)
    assert f"survey[3].{field}: expected a whole number from" in _error(text)


def test_stored_definitions_with_hostile_values_are_reported_not_raised():
    d = study_to_dict(load_study(MINI))
    nested: list = []
    for _ in range(5_000):
        nested = [nested]
    d["study"]["description"] = nested
    d["statements"][0]["id"] = 10 ** 5_000
    d["statements"][1]["text"]["nb"] = nested
    d["survey"][0]["min"] = float("nan")
    d["grid"]["columns"][0]["score"] = -10 ** 5_000
    with pytest.raises(StudyError) as info:
        parse_study(d, source="draft")
    msg = str(info.value)
    for field in ("study.description", "statements[0].id", "statements[1].text.nb", "survey[0].min",
                  "grid.columns[0].score"):
        assert field in msg, (field, msg)


def test_fuzzed_study_files_give_study_errors_only():
    """Random edits of the mini study: each loads or raises StudyError naming a line or a field."""
    base = _mini()
    rng = random.Random(15)
    tokens = ["[" * 3000, "9" * 5000, "]", "{", "}", "=", '"', "'''", "nan", "-inf", "inf", "9" * 40, "-" + "9" * 40, "1e999",
              "\\u000b", "\x00", "\x0b", "true", "[]", "{}", "[[survey]]", "[[statements]]", "score = ", "\n"]
    seen_errors = 0
    for _ in range(400):
        text = base
        for _ in range(rng.randint(1, 3)):
            pos = rng.randrange(len(text))
            if rng.random() < 0.5:
                text = text[:pos] + rng.choice(tokens) + text[pos:]
            else:
                text = text[:pos] + text[pos + rng.randint(1, 20):]
        try:
            loads_study(text)
        except StudyError as exc:
            seen_errors += 1
            assert "line " in str(exc) or "[" in str(exc) or "." in str(exc), str(exc)
    assert seen_errors > 200


def test_valid_extremes_still_load():
    text = _mini().replace("min = 16", "min = -1e15", 1).replace("max = 110", "max = 1e15", 1)
    q = loads_study(text).survey[0]
    assert q.min == -1e15 and q.max == 1e15 and math.isfinite(q.max)


@pytest.mark.parametrize("answer", ["9" * 4000, 10 ** 20, "1e400", -(10 ** 16)])
def test_number_answers_beyond_the_bounds_are_refused(answer):
    from qmethod.study.response import normalize_answer
    q = next(q for q in loads_study(_mini().replace("min = 16\nmax = 110\n", "", 1)).survey if q.type == "number")
    assert q.min is None and q.max is None
    with pytest.raises(StudyError, match=r"Question 'age': .* is not a finite number of at most 1e\+15"):
        normalize_answer(q, answer)


def test_category_is_cleaned():
    text = _mini().replace('id = "A"\n', 'id = "A"\ncategory = "helse\\u000btjenester"\n', 1)
    assert loads_study(text).statements[0].category == "helse tjenester"


def _with_conditions(*ids: str, extra: str = "") -> str:
    return _mini() + "".join(
        f'\n[[conditions]]\nid = "{cid}"\ninstruction = {{ nb = "Slik {cid}.", en = "As {cid}." }}\n{extra}'
        for cid in ids)


def test_conditions_load_and_round_trip():
    study = loads_study(_with_conditions("now", "ideal"))
    assert study.condition_ids == ("now", "ideal") and study.next_condition("now") == "ideal"
    assert study.for_condition("now").instruction == {"nb": "Slik now.", "en": "As now."}
    assert study.for_condition("now").survey == () and study.for_condition("ideal").survey == study.survey
    assert parse_study(study_to_dict(study)) == study


@pytest.mark.parametrize("text, message", [
    (_with_conditions("now"), "conditions: give at least 2 conditions"),
    (_with_conditions("now", "now"), "conditions[1].id: condition id 'now' is used twice"),
    (_with_conditions("Now!", "ideal"), "conditions[0].id: 'Now!' is not a valid condition id"),
    (_with_conditions("now", "ideal", extra='label = "x"\n'), "conditions[0].label: unknown field"),
    (_with_conditions(*[f"c{i}" for i in range(21)]), "conditions: at most 20 conditions, got 21"),
])
def test_malformed_conditions_name_the_field(text, message):
    assert message in _error(text)


def test_thousands_of_unknown_keys_list_twenty_and_count_the_rest():
    """A study file with 5,000 unknown keys listed all 5,000 problems (200,000 keys gave a 29 MB message);
    now the first 20 are listed, in file order with their lines, and the rest counted."""
    keys = "".join(f"colour_{i} = {i}\n" for i in range(5_000))
    msg = _error(_mini().replace("[study]\n", "[study]\n" + keys, 1))
    lines = msg.splitlines()
    assert lines[0] == "study.toml: 5,000 problems in the study definition:"
    assert lines[1].startswith("  - line 3: study.colour_0: unknown field; expected one of ")
    assert lines[20].startswith("  - line 22: study.colour_19: unknown field")
    assert lines[21:] == ["  ... and 4,980 more (the first 20 are listed)"]


def test_twenty_problems_are_all_listed():
    keys = "".join(f"colour_{i} = {i}\n" for i in range(20))
    lines = _error(_mini().replace("[study]\n", "[study]\n" + keys, 1)).splitlines()
    assert lines[0] == "study.toml: 20 problems in the study definition:" and len(lines) == 21
    assert "more" not in lines[-1]


def test_nesting_on_a_continuation_line_names_its_line_and_key():
    deep = "[" * 17 + "]" * 17
    text = _mini().replace("[study]\n", f"[study]\ndescription = [\n  1,\n  {deep},\n]\n", 1)
    assert _error(text).startswith("study.toml: line 5: description: arrays or tables nested more than 16")


@pytest.mark.parametrize("picture", ["![b](http://127.0.0.9:8099/title.png)", "![b] (//example.org/x.png)",
                                     "![logo][1]\n\n[1]: https://example.org/x.png"])
def test_a_picture_by_address_in_a_study_text_is_refused(picture):
    """Fails on the old code: the study was accepted and every participant's browser fetched the picture
    from the other host."""
    text = _mini().replace('welcome = { nb = "Velkommen.",', f'welcome = {{ nb = """Velkommen. {picture}""",', 1)
    msg = _error(text)
    assert "texts.welcome.nb: shows a picture by address" in msg
