"""The edits of a table being edited when a storage fault took the page away are put back on its
data (the browser test in tests/ui_researcher/test_design_storage.py edits one grid cell; here the
Questions table's kinds of edit: a changed cell, a deleted row, an added row)."""
from __future__ import annotations

import pandas as pd

from qmethod.ui.storage import _apply_edits


def test_a_questions_table_gets_back_every_kind_of_edit():
    rows = pd.DataFrame([{"id": "age", "type": "number", "required": True, "text nb": "Alder"},
                         {"id": "role", "type": "single", "required": False, "text nb": "Rolle"}])
    edits = {"edited_rows": {1: {"text nb": "Din rolle"}}, "deleted_rows": [0],
             "added_rows": [{"id": "kommune", "type": "text", "required": False, "text nb": "Kommune"}]}
    back = _apply_edits(rows, edits)
    assert back.to_dict("records") == [
        {"id": "role", "type": "single", "required": False, "text nb": "Din rolle"},
        {"id": "kommune", "type": "text", "required": False, "text nb": "Kommune"}]
    assert list(back.index) == [0, 1]
    assert rows.loc[1, "text nb"] == "Rolle"  # (the page's own data is not changed)


def test_a_grid_table_keeps_its_numbers_as_numbers():
    grid = pd.DataFrame({"-1": [2], "0": [5], "+1": [2]}, index=["cells"])
    back = _apply_edits(grid, {"edited_rows": {0: {"-1": 3}}})
    assert back.loc["cells"].tolist() == [3, 5, 2] and all(t.kind == "i" for t in back.dtypes)
