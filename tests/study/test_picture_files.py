"""Picture statements in study files: images checked (exists, type by magic bytes, size), alt text
required in every language, errors naming the statement; the text falls back to the alt text."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qmethod.errors import StudyError
from qmethod.study import load_study
from qmethod.study.images import MAX_IMAGE_BYTES
from qmethod.study.model import study_to_dict
from qmethod.study.load import parse_study

PICTURES = Path(__file__).parents[1] / "ui" / "studies" / "ui-pictures"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    dst = tmp_path / "ui-pictures"
    shutil.copytree(PICTURES, dst)
    return dst


def _edit(folder: Path, old: str, new: str) -> None:
    p = folder / "study.toml"
    text = p.read_text(encoding="utf-8")
    assert old in text
    p.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_picture_study_loads_with_alt_text_as_fallback_text():
    study = load_study(PICTURES)
    p1, p2, p3, p4 = study.statements
    assert p1.image is not None and p1.image.media_type == "image/png" and not p1.image.caption
    assert p1.text == {"nb": "Et rødt rektangel", "en": "A red rectangle"}  # tables stay readable
    assert p2.image is not None and p2.image.caption and p2.text["en"] == "Nature helps me"
    assert p4.image is None
    assert p1.image.name.endswith(".png") and len(p1.image.sha256) == 64
    # the stored (database) form reads back to the same study without the folder
    assert parse_study(study_to_dict(study)) == study


def test_missing_alt_language_names_the_statement(folder: Path):
    _edit(folder, 'alt.en = "A red rectangle"\n', "")
    with pytest.raises(StudyError) as err:
        load_study(folder)
    assert "statements[0].alt: missing text for language 'en'" in str(err.value)


def test_missing_alt_table_names_the_statement(folder: Path):
    _edit(folder, 'alt.nb = "Et blått rektangel"\nalt.en = "A blue rectangle"\n', "")
    with pytest.raises(StudyError) as err:
        load_study(folder)
    assert "statement 'P3' is a picture; give its alt text in every study language" in str(err.value)


def test_missing_image_file(folder: Path):
    (folder / "images" / "p3.png").unlink()
    with pytest.raises(StudyError) as err:
        load_study(folder)
    assert "statements[2].image: statement 'P3': the image file 'images/p3.png' does not exist" in str(err.value)


def test_image_type_by_magic_bytes_not_name(folder: Path):
    (folder / "images" / "p1.png").write_bytes(b"GIF89a" + b"\0" * 40)
    with pytest.raises(StudyError) as err:
        load_study(folder)
    assert "statement 'P1': the image file 'images/p1.png' is not a PNG, JPEG or WebP picture" in str(err.value)


def test_image_too_large(folder: Path):
    (folder / "images" / "p2.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * MAX_IMAGE_BYTES)
    with pytest.raises(StudyError) as err:
        load_study(folder)
    assert "statement 'P2': the image file 'images/p2.png' is 2.0 MB; the limit is 2 MB" in str(err.value)


def test_image_outside_the_study_folder(folder: Path):
    _edit(folder, 'image = "images/p1.png"', 'image = "../../etc/passwd"')
    with pytest.raises(StudyError) as err:
        load_study(folder)
    assert "statement 'P1': '../../etc/passwd' must be a path inside the study folder" in str(err.value)


def test_a_bad_image_is_reported_once_not_also_as_a_missing_text(folder: Path):
    """A picture statement without a text whose file is not a picture (a GIF, a file that is not
    there) reports that, and no missing statement text beside it."""
    (folder / "images" / "p1.png").write_bytes(b"GIF89a" + b"\0" * 40)
    (folder / "images" / "p3.png").unlink()
    with pytest.raises(StudyError) as err:
        load_study(folder)
    assert err.value.problems == [
        "line 47: statements[0].image: statement 'P1': the image file 'images/p1.png' is not a PNG, JPEG or WebP picture",
        f"line 61: statements[2].image: statement 'P3': the image file 'images/p3.png' does not exist in {folder}",
    ]


def test_only_a_picture_without_alt_text_is_reported(folder: Path):
    """An image with its alt text needs no text of its own; without alt text it is reported as such."""
    _edit(folder, 'alt.nb = "Et blått rektangel"\nalt.en = "A blue rectangle"\n', "")
    with pytest.raises(StudyError) as err:
        load_study(folder)
    assert len(err.value.problems) == 1
    assert "statement 'P3' is a picture; give its alt text in every study language" in err.value.problems[0]
