"""``GET /pictures/<study>/<sha256>.<ext>`` and ``GET /recordings/<study>/<sha256>.<ext>``: statements'
pictures and recordings from the database, on the app's own host."""
from __future__ import annotations

from pathlib import Path

import pytest

from qmethod import service as sv
from qmethod.errors import StudyError
from qmethod.study import load_study
from qmethod.web import media as web_media

PICTURES = Path(__file__).parents[1] / "ui" / "studies" / "ui-pictures"
RECORDINGS = Path(__file__).parents[1] / "ui" / "studies" / "ui-recordings"


def _published(db, monkeypatch, folder: Path):
    monkeypatch.setattr(web_media, "app_database", lambda: db)
    sv.publish_study_file(db, folder)
    return load_study(folder)


@pytest.fixture
def pictures(db, client, monkeypatch):
    return _published(db, monkeypatch, PICTURES)


@pytest.fixture
def recorded(db, client, monkeypatch):
    return _published(db, monkeypatch, RECORDINGS)


@pytest.mark.parametrize(("folder", "route", "media", "file", "kind"), [
    (PICTURES, "pictures", "image", "images/p1.png", "image/png"),
    (RECORDINGS, "recordings", "audio", "audio/r1.wav", "audio/wav"),
])
def test_media_route_serves_the_stored_file(db, client, monkeypatch, folder, route, media, file, kind):
    stored = getattr(_published(db, monkeypatch, folder).statements[0], media)
    r = client.get(f"/{route}/{folder.name}/{stored.name}")
    assert r.status_code == 200
    assert r.content == (folder / file).read_bytes()
    assert r.headers["content-type"] == kind
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


def test_a_recording_address_serves_only_recordings_and_a_picture_address_only_pictures(recorded, client):
    audio, image = recorded.statements[1].audio, recorded.statements[1].image
    assert client.get(f"/recordings/ui-recordings/{image.name}").status_code == 404
    assert client.get(f"/pictures/ui-recordings/{audio.name}").status_code == 404
    assert client.get(f"/pictures/ui-recordings/{image.name}").status_code == 200
    assert client.get(f"/recordings/ui-recordings/{audio.sha256}.mpeg").status_code == 404   # wrong type
    assert client.get(f"/recordings/other-study/{audio.name}").status_code == 404


def test_publishing_without_the_recording_names_the_statement(db):
    with pytest.raises(StudyError, match="recording of statement 'R1'"):
        sv.publish_study(db, load_study(RECORDINGS))
