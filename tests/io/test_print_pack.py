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
