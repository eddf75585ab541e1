"""Study design service: drafts, statements, grid, publish / close / reopen, link and QR code."""
from __future__ import annotations

import pytest

from qmethod import service as sv
from qmethod.errors import NotFoundError, StudyError
from qmethod.service import design as ds

NINE = "1. We are heard\n2) Staff listen\n- Plans are shared\n\n• Meetings suit me\nfive\nsix\nseven\neight\nnine\n"


def _ready(db, sid="pilot"):
    d = ds.new_draft(db, sid, "Pilot", ["nb", "en"], by="anna")
    defn = ds.set_languages(d.definition, ["nb"])
    defn = ds.set_statements(defn, ds.statements_from_text(NINE), "nb")
    defn = ds.set_grid(defn, {-2: 1, -1: 2, 0: 3, 1: 2, 2: 1})
    return ds.save_draft(db, sid, defn, by="anna")


def test_statements_from_text_drops_numbering_and_blank_lines():
    assert ds.statements_from_text(NINE)[:4] == ["We are heard", "Staff listen", "Plans are shared", "Meetings suit me"]
    assert len(ds.statements_from_text(NINE)) == 9


def test_statements_from_sta_file():
    data = "First statement   \r\nSecond one\r\n\r\nThird\r\n".encode("cp1252")
    assert ds.statements_from_file(data, "STUDY.STA") == ["First statement", "Second one", "Third"]


def test_set_statements_keeps_ids_and_other_languages():
    d = ds.blank_definition("x", "X", ["nb", "en"])
    d = ds.set_statements(d, ["a", "b"], "nb")
    d = ds.set_statements(d, ["A", "B", "C"], "en")
    assert [s["id"] for s in d["statements"]] == ["s01", "s02", "s03"]
    assert d["statements"][0]["text"] == {"nb": "a", "en": "A"}
    d = ds.set_statements(d, ["a"], "nb")
    assert len(d["statements"]) == 1
    rows = ds.statement_rows(d)
    assert rows[0] == {"id": "s01", "category": "", "nb": "a", "en": "A"}


def test_grid_suggestion_and_check():
    d = ds.set_statements(ds.blank_definition("x", "X", ["nb"]), [f"t{i}" for i in range(34)], "nb")
    ok, msg = ds.grid_check(d)
    assert not ok and "no columns" in msg
    d = ds.set_grid(d, ds.suggest_columns(34))
    assert sum(ds.grid_counts(d).values()) == 34
    assert ds.grid_check(d)[0]
    assert d["postsort"]["columns"] == [-4, 4]
    d = ds.set_grid(d, {**ds.grid_counts(d), 0: ds.grid_counts(d)[0] + 2})
    ok, msg = ds.grid_check(d)
    assert not ok and "36 cells but there are 34 statements" in msg
    assert any("36 cells" in p for p in ds.check_definition(d))
    free = ds.set_grid(d, ds.grid_counts(d), forced=False)
    assert ds.grid_check(free)[0]


def test_new_draft_rules(db):
    with pytest.raises(StudyError, match="not a valid study id"):
        ds.new_draft(db, "Bad Id", "T")
    ds.new_draft(db, "pilot", "Pilot")
    with pytest.raises(StudyError, match="already a draft"):
        ds.new_draft(db, "pilot", "Pilot")
    problems = ds.check_definition(ds.get_draft(db, "pilot").definition)
    assert any("statements" in p for p in problems)
    with pytest.raises(StudyError):
        ds.publish_draft(db, "pilot")
    with pytest.raises(NotFoundError):
        ds.get_draft(db, "nothing")


def test_publish_close_reopen(db):
    _ready(db)
    assert ds.check_definition(ds.get_draft(db, "pilot").definition) == []
    info = ds.publish_draft(db, "pilot")
    assert info.is_open and info.n_statements == 9
    with pytest.raises(StudyError, match="already a draft"):
        ds.new_draft(db, "pilot", "Again")
    ds.delete_draft(db, "pilot")
    with pytest.raises(StudyError, match="already published"):
        ds.new_draft(db, "pilot", "Again")
    ds.draft_from_published(db, "pilot")
    sess = sv.start_participant(db, "pilot")
    assert sess.state.stage == "consent"
    assert not ds.close_study(db, "pilot").is_open
    with pytest.raises(StudyError, match="closed"):
        sv.start_participant(db, "pilot")
    # the draft follows, so publishing it again keeps the study closed
    assert "closes" in ds.get_draft(db, "pilot").definition["study"]
    assert not ds.publish_draft(db, "pilot").is_open
    assert ds.reopen_study(db, "pilot").is_open
    # texts may still change; statements may not once someone started
    d = ds.get_draft(db, "pilot").definition
    d["texts"]["welcome"]["nb"] = "Velkommen!"
    ds.save_draft(db, "pilot", d)
    assert ds.publish_draft(db, "pilot").revision > 1
    d = ds.set_statements(d, ds.statements_from_text(NINE)[:8] + ["changed"], "nb")
    d["statements"][-1]["id"] = "new"
    ds.save_draft(db, "pilot", d)
    with pytest.raises(StudyError, match="cannot change"):
        ds.publish_draft(db, "pilot")


def test_draft_from_published(db, demo):
    d = ds.draft_from_published(db, "brukermedvirkning", by="anna")
    assert ds.check_definition(d.definition) == []
    assert len(d.definition["statements"]) == 34


def test_link_and_qr():
    url = ds.participant_link("https://q.example.org/", "pilot", lang="en")
    assert url == "https://q.example.org/?study=pilot&lang=en"
    svg = ds.qr_svg(url)
    assert svg.lstrip().startswith("<svg") and "</svg>" in svg
    assert ds.qr_png(url)[:8] == b"\x89PNG\r\n\x1a\n"


def test_survey_from_editor_rows_skips_empty_rows():
    """An empty row added in the table editor comes back with None/NaN cells; it is no question
    (the page used to publish it as a question with id and text "nan")."""
    import pandas as pd

    rows = pd.DataFrame([
        {"id": "role", "type": "single", "required": True, "text nb": "Rolle", "choices nb": "1=Bruker; 2=Ansatt"},
        {"id": None, "type": None, "required": None, "text nb": None, "choices nb": None},
        {"id": float("nan"), "type": float("nan"), "required": float("nan"), "text nb": float("nan"),
         "choices nb": float("nan")},
    ]).to_dict("records")
    survey = ds.survey_from_rows(rows, ["nb"])
    assert [q["id"] for q in survey] == ["role"]
    assert survey[0]["options"] == [{"value": "1", "nb": "Bruker"}, {"value": "2", "nb": "Ansatt"}]
    assert survey[0]["required"] is True
    with pytest.raises(StudyError, match="row 2 has a text but no id"):
        ds.survey_from_rows([rows[0], {"id": float("nan"), "text nb": "Alder"}], ["nb"])
    d = ds.blank_definition("x", "X", ["nb"])
    d["survey"] = survey
    assert ds.survey_from_rows(ds.survey_rows(d), ["nb"]) == survey


def test_suggested_grid_follows_the_statements():
    assert ds.suggested_range(25) == 4 and ds.suggested_range(50) == 5 and ds.suggested_range(70) == 6
    assert ds.suggested_range(5) == 2 and ds.suggested_range(0) == 1
    assert sorted(ds.suggest_columns(25)) == list(range(-4, 5)) and sum(ds.suggest_columns(25).values()) == 25
    assert sorted(ds.suggest_columns(25, 3)) == list(range(-3, 4))


def test_design_problems_name_the_place_and_tab_not_the_files_field():
    d = ds.blank_definition("x", "T", ("nb", "en"))
    d = ds.set_statements(d, [f"Utsagn {i}" for i in range(1, 31)], "nb")
    d["statements"][9]["text"]["en"] = "Statement 10"
    d["texts"]["welcome"]["en"] = ""
    d["survey"] = [{"id": "q1", "type": "single", "text": {"nb": "Rolle"}}]
    problems = ds.design_problems(ds.check_definition(d))
    assert "Statements 1–9, 11–30 (Statements tab): no English text yet; choose English above the box, or edit the " \
           "table" in problems
    assert "The welcome text in English (Texts tab): empty" in problems
    assert "Question 1 (Questions tab): no English text yet" in problems
    assert "Question 1 (Questions tab): the choices are missing" in problems
    assert sum("grid" in p.lower() for p in problems) == 1  # said once
    assert not any("[" in p for p in problems)
