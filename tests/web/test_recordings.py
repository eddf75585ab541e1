"""``GET /recordings/<study>/<sha256>.<ext>``: statements' recordings from the database, on the app's own host."""
from __future__ import annotations

from pathlib import Path

import pytest

from qmethod import service as sv
from qmethod.errors import StudyError
from qmethod.study import load_study
from qmethod.web import media as web_media

RECORDINGS = Path(__file__).parents[1] / "ui" / "studies" / "ui-recordings"


@pytest.fixture
def recorded(db, client, monkeypatch):
    monkeypatch.setattr(web_media, "app_database", lambda: db)
    sv.publish_study_file(db, RECORDINGS)
    return load_study(RECORDINGS)


def test_recording_route_serves_the_stored_recording(recorded, client):
    audio = recorded.statements[0].audio
    r = client.get(f"/recordings/ui-recordings/{audio.name}")
    assert r.status_code == 200
    assert r.content == (RECORDINGS / "audio" / "r1.wav").read_bytes()
    assert r.headers["content-type"] == "audio/wav"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "immutable" in r.headers["cache-control"]


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
