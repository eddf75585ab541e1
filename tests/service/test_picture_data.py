"""A picture study through the service layer: sorts of it are analysed and exported with the
pictures' alt texts as statement texts (tables stay readable), and the study reads back unchanged."""
from __future__ import annotations

import csv
import io
from pathlib import Path

from qmethod import service as sv
from qmethod.io.csv_export import write_sorts_csv
from qmethod.service import analysis as an
from qmethod.study import load_study

from tests.service.service_helpers import consented, fill_grid

PICTURES = Path(__file__).parents[1] / "ui" / "studies" / "ui-pictures"


def test_picture_sorts_are_analysed_and_exported_with_alt_texts(db):
    sv.publish_study_file(db, PICTURES)
    study = load_study(PICTURES)
    assert sv.get_study(db, study.id) == study  # pictures' names and alt texts survive the database
    for order in (["P1", "P2", "P3", "P4"], ["P4", "P3", "P2", "P1"], ["P2", "P1", "P4", "P3"]):
        s, st = consented(db, study)
        st = fill_grid(db, s.token, study, st, order)
        sv.submit(db, s.token, expected_version=st.version)
    data = an.study_data(db, study.id, language="nb")
    assert list(data.statements) == ["Et rødt rektangel", "Naturen hjelper meg", "Et blått rektangel",
                                      "Et utsagn uten bilde"]
    data_en = an.study_data(db, study.id, language="en")
    assert data_en.statements["P1"] == "A red rectangle"
    rows = list(csv.reader(io.StringIO(write_sorts_csv(data).decode("utf-8-sig"))))
    assert rows[1][:2] == ["P1", "Et rødt rektangel"]
