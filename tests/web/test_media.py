"""``GET /pictures/<study>/<sha256>.<ext>``: picture statements' images from the database."""
from __future__ import annotations

from pathlib import Path

import pytest

from qmethod import service as sv
from qmethod.errors import StudyError
from qmethod.study import load_study
from qmethod.web import media as web_media

PICTURES = Path(__file__).parents[1] / "ui" / "studies" / "ui-pictures"


@pytest.fixture
def pictures(db, client, monkeypatch):
    monkeypatch.setattr(web_media, "app_database", lambda: db)
    sv.publish_study_file(db, PICTURES)
    return load_study(PICTURES)


def test_media_route_serves_the_stored_picture(pictures, client):
    img = pictures.statements[0].image
    r = client.get(f"/pictures/ui-pictures/{img.name}")
    assert r.status_code == 200
    assert r.content == (PICTURES / "images" / "p1.png").read_bytes()
    assert r.headers["content-type"] == "image/png"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "max-age=31536000" in r.headers["cache-control"] and "immutable" in r.headers["cache-control"]


def test_media_route_unknown_names_are_404(pictures, client):
    img = pictures.statements[0].image
    assert client.get(f"/pictures/ui-pictures/{img.sha256}.jpeg").status_code == 404  # wrong type
    assert client.get(f"/pictures/other-study/{img.name}").status_code == 404
    assert client.get(f"/pictures/ui-pictures/{'0' * 64}.png").status_code == 404
    assert client.get("/pictures/ui-pictures/p1.png").status_code == 404


def test_publishing_without_the_pictures_names_the_statement(db):
    with pytest.raises(StudyError, match="picture of statement 'P1'"):
        sv.publish_study(db, load_study(PICTURES))
