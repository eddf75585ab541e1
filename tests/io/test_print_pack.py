"""The printable pack of a study: instruction sheet with link and QR code, score sheet, cards."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from qmethod.errors import QMethodError
from qmethod.io.paper import print_pack
from qmethod.study import load_study

DEMO = load_study(Path(__file__).parents[2] / "studies" / "brukermedvirkning")


def _text(pdf: bytes, tmp_path) -> list[str]:
    """The text of each page (pdftotext from poppler-utils)."""
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    f = tmp_path / "pack.pdf"
    f.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-raw", str(f), "-"], capture_output=True, text=True, check=True).stdout
    return out.split("\f")


def test_the_pack_has_instructions_with_the_link_a_score_sheet_and_every_card_in_norwegian(tmp_path):
    url = "https://q.example.no/?study=brukermedvirkning"
    pages = _text(print_pack(DEMO, url=url), tmp_path)
    assert "Slik gjør du det" in pages[0] and url in pages[0]
    assert "Svarark" in pages[1] and "Deltakerkode" in pages[1] and "+4" in pages[1]
    cards = "\n".join(pages[2:])
    for number, statement in enumerate(DEMO.statements, start=1):
        assert f"{number} {statement.text['nb']}" in " ".join(cards.split()), number
    assert cards.count("Klipp langs de stiplede linjene.") == -(-len(DEMO.statements) // 8)


def test_english_pack_and_chosen_parts(tmp_path):
    pages = [p for p in _text(print_pack(DEMO, language="en", parts=["score_sheet"]), tmp_path) if p.strip()]
    assert len(pages) == 1 and "Score sheet" in pages[0] and "Most agree" in pages[0]


def test_unknown_language_or_part_is_refused():
    with pytest.raises(QMethodError, match="no texts in 'de'"):
        print_pack(DEMO, language="de")
    with pytest.raises(QMethodError, match="Unknown part"):
        print_pack(DEMO, parts=["poster"])


def test_the_command_line_prints_the_pack(tmp_path, capsys):
    from qmethod.cli import main

    out = tmp_path / "pack.pdf"
    assert main(["study", "print", str(Path(__file__).parents[2] / "studies" / "brukermedvirkning"),
                 "--out", str(out), "--lang", "en", "--parts", "cards"]) == 0
    assert "34 cards" in capsys.readouterr().out
    pages = [p for p in _text(out.read_bytes(), tmp_path) if p.strip()]
    assert len(pages) == 5 and "Statement cards 1 of 5" in pages[0]


COND = Path(__file__).parents[2] / "tests" / "data" / "studies" / "conditions"
PICTURES = Path(__file__).parents[2] / "tests" / "ui" / "studies" / "ui-pictures"


def test_a_conditions_study_gets_an_instruction_and_a_score_sheet_per_condition(tmp_path):
    study = load_study(COND)
    now, ideal = (c.instruction["nb"] for c in study.conditions)
    pages = [" ".join(p.split()) for p in _text(print_pack(study, parts=["instructions", "score_sheet"]), tmp_path)
             if p.strip()]
    assert len(pages) == 4
    assert "Betingelse 1 av 2: now" in pages[0] and now in pages[0] and ideal not in pages[0]
    assert "Svarark" in pages[1] and "Betingelse 1 av 2: now" in pages[1] and "____-now" in pages[1]
    assert "Betingelse 2 av 2: ideal" in pages[2] and ideal in pages[2] and now not in pages[2]
    assert "Svarark" in pages[3] and "Betingelse 2 av 2: ideal" in pages[3] and "____-ideal" in pages[3]


def _card_colours(pdf: bytes, tmp_path) -> list[tuple[int, int, int]]:
    """The most frequent non-white, non-grey colour in each of the first three card cells of the
    first card page (rendered at 30 dpi with pdftoppm)."""
    from PIL import Image

    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    f = tmp_path / "cards.pdf"
    f.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "30", "-png", "-f", "1", "-l", "1", str(f), str(tmp_path / "page")], check=True)
    img = Image.open(next(tmp_path.glob("page*.png"))).convert("RGB")
    w, h = img.size
    out = []
    for k in range(3):  # cards 1, 2 (top row) and 3 (second row, left), 2 x 4 cards a page
        col, row = k % 2, k // 2
        box = img.crop((int(w * (0.05 + 0.45 * col)), int(h * (0.04 + 0.22 * row)),
                        int(w * (0.5 + 0.45 * col)), int(h * (0.26 + 0.22 * row))))
        colours = [(n, c) for n, c in box.getcolors(1 << 16) if max(c) - min(c) > 60]
        out.append(max(colours)[1] if colours else (255, 255, 255))
    return out


def test_picture_cards_print_the_picture_not_the_alt_text(tmp_path):
    study = load_study(PICTURES)
    from qmethod.study.images import read_image

    pictures = {s.id: read_image(PICTURES, s.image.file)[0] for s in study.statements if s.image is not None}
    pdf = print_pack(study, language="nb", parts=["cards"], pictures=pictures)
    text = " ".join(_text(pdf, tmp_path)[0].split())
    assert "Et rødt rektangel" not in text and "Et blått rektangel" not in text  # the picture, not its alt text
    assert "Naturen hjelper meg" in text and "Et utsagn uten bilde" in text  # a picture's text, a text card
    red, green, blue = _card_colours(pdf, tmp_path)
    assert red[0] > 150 > max(red[1:]) and green[1] > 100 > max(green[0], green[2]) and blue[2] > 150 > max(blue[:2])


def test_the_command_line_prints_a_picture_studys_pictures_from_its_folder(tmp_path, capsys):
    from qmethod.cli import main

    out = tmp_path / "cards.pdf"
    assert main(["study", "print", str(PICTURES), "--out", str(out), "--parts", "cards"]) == 0
    assert "A red rectangle" not in _text(out.read_bytes(), tmp_path)[0]
    assert _card_colours(out.read_bytes(), tmp_path)[0][0] > 150


def test_the_score_sheet_footer_says_the_studys_own_end_labels_in_its_language(tmp_path):
    from dataclasses import replace

    cols = list(DEMO.grid.columns)
    cols[0] = replace(cols[0], label={"nb": "Minst lik meg", "en": "Least like me"})
    cols[-1] = replace(cols[-1], label={"nb": "Mest lik meg", "en": "Most like me"})
    study = replace(DEMO, grid=replace(DEMO.grid, columns=tuple(cols)))
    [nb] = [p for p in _text(print_pack(study, parts=["score_sheet"]), tmp_path) if p.strip()]
    assert "<- Minst lik meg" in nb and "Mest lik meg ->" in nb
    assert "Mest uenig" not in nb and "Mest enig" not in nb
    [en] = [p for p in _text(print_pack(study, language="en", parts=["score_sheet"]), tmp_path) if p.strip()]
    assert "<- Least like me" in en and "Most like me ->" in en and "Most agree" not in en
