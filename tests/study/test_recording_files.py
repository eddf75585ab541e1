"""Recordings of statements in study files (``audio = "audio/s01.mp3"``): checked like pictures
(inside the folder, exists, MP3/Ogg/WAV by magic bytes, size), errors naming the statement, and
kept in the stored form of the study."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qmethod.errors import StudyError
from qmethod.study import load_study
from qmethod.study.images import MAX_AUDIO_BYTES, audio_type
from qmethod.study.load import parse_study
from qmethod.study.model import study_to_dict

RECORDINGS = Path(__file__).parents[1] / "ui" / "studies" / "ui-recordings"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    dst = tmp_path / "ui-recordings"
    shutil.copytree(RECORDINGS, dst)
    return dst


def test_recordings_load_and_survive_the_stored_form():
    study = load_study(RECORDINGS)
    r1, r2, r3 = study.statements
    assert r1.audio is not None and r1.audio.media_type == "audio/wav" and r1.audio.name.endswith(".wav")
    assert r2.audio is not None and r2.image is not None and r3.audio is None
    assert parse_study(study_to_dict(study)) == study


@pytest.mark.parametrize(("head", "kind"), [(b"ID3\x04\x00", "audio/mpeg"), (b"\xff\xfb\x90\x64", "audio/mpeg"),
                                            (b"OggS\x00\x02", "audio/ogg"), (b"RIFF\x24\x00\x00\x00WAVEfmt ", "audio/wav"),
                                            (b"\xff\xd8\xff\xe0", None), (b"<html>", None)])
def test_recording_type_by_magic_bytes(head, kind):
    assert audio_type(head + b"\0" * 16) == kind


def test_a_file_that_is_no_recording_names_the_statement(folder: Path):
    (folder / "audio" / "r1.wav").write_bytes(b"<html>not a sound</html>")
    with pytest.raises(StudyError) as err:
        load_study(folder)
    assert err.value.problems == [
        "line 40: statements[0].audio: statement 'R1': the recording file 'audio/r1.wav' is not an MP3, Ogg or WAV "
        "recording"]


def test_missing_too_large_or_outside_the_folder(folder: Path):
    (folder / "audio" / "r1.wav").unlink()
    (folder / "audio" / "r2.wav").write_bytes(b"RIFF\0\0\0\0WAVE" + b"\0" * MAX_AUDIO_BYTES)
    text = (folder / "study.toml").read_text(encoding="utf-8")
    (folder / "study.toml").write_text(text.replace('audio = "audio/r1.wav"', 'audio = "../../r1.wav"'),
                                       encoding="utf-8")
    with pytest.raises(StudyError) as err:
        load_study(folder)
    message = str(err.value)
    assert "statement 'R1': '../../r1.wav' must be a path inside the study folder" in message
    assert "statement 'R2': the recording file 'audio/r2.wav' is 5.0 MB; the limit is 5 MB" in message
