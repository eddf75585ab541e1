"""Text in PQMethod files: written in a DOS code page that holds it, read back in whatever code page it came."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import qmethod.io as qio
from qmethod.cli import main

DATA = Path(__file__).resolve().parent.parent / "data"
BUG = DATA / "bug-cases"
NORWEGIAN_10 = (DATA / "norwegian_10_statements.txt").read_text(encoding="utf-8").splitlines()


def test_ten_norwegian_statements_through_convert_and_back_are_identical(tmp_path, capsys):
    assert set("æøåÆØÅ") <= set("".join(NORWEGIAN_10))
    dat = tmp_path / "STUDY.DAT"
    assert main(["convert", str(DATA / "norwegian_10_sorts.csv"), str(dat),
                 "--statements", str(DATA / "norwegian_10_statements.txt")]) == 0
    out, err = capsys.readouterr()
    assert "warning" not in err
    assert main(["convert", str(dat), str(tmp_path / "back.csv")]) == 0
    back = qio.read(tmp_path / "back.csv")
    assert list(back.statements) == NORWEGIAN_10
    original = qio.read(DATA / "norwegian_10_sorts.csv")
    assert back.sorts.to_numpy().tolist() == original.sorts.to_numpy().tolist()
    assert list(back.sorts.columns) == ["P1", "P2", "P3", "P4"]
    # PQMethod under the Nordic DOS code page shows the same text
    lines = (tmp_path / "STUDY.STA").read_bytes().decode("cp865").splitlines()
    assert [ln.rstrip() for ln in lines] == NORWEGIAN_10


def test_characters_no_dos_code_page_holds_are_named_in_a_warning(tmp_path):
    src = qio.read(BUG / "norwegian_sorts.csv", statements=BUG / "norwegian_statements.txt")
    warns = qio.write_pqmethod(src, tmp_path / "NO.DAT")
    # cp850 holds « » and æ ø å; only the en dash of statement 16 exists in no DOS code page
    assert warns == ["The character '–' (EN DASH) in statement 16 exists in none of PQMethod's code pages "
                     "(cp437, cp850, cp865); it was written as '-'."]
    back = qio.read(tmp_path / "NO.DAT")
    expected = [s.replace("–", "-") for s in src.statements]
    assert list(back.statements) == expected
    assert list(back.statements)[:15] == list(src.statements)[:15]


def test_title_and_ids_keep_their_letters(tmp_path, lipset_sorts):
    sorts = lipset_sorts.iloc[:, :4].copy()
    sorts.columns = ["Bjørn", "Åse", "Ærlig", "Øyvind"]
    warns = qio.write_pqmethod(sorts, tmp_path / "T.DAT", title="Brukermedvirkning på Østlandet")
    assert [w for w in warns if "holds placeholders" not in w] == []  # no texts: placeholder .STA only
    back = qio.read(tmp_path / "T.DAT")
    assert list(back.sorts.columns) == ["Bjørn", "Åse", "Ærlig", "Øyvind"]
    assert back.title == "Brukermedvirkning på Østlandet"


NORDIC = ["Jeg blir møtt som en likeverdig partner", "Ærlige tilbakemeldinger", "Økonomien styrer",
          "Pårørende får også si sin mening", "Åpenhet gir styrke", "Det er lærerikt"]
NO_OSLASH = [s.replace("ø", "o").replace("Ø", "O") for s in NORDIC]  # cp437 has no ø / Ø
WESTERN = ["Café «au lait» for Åse", "Grüße aus München", "Señor niño", "L’école – à côté", "“Quoted” text",
           "Ærlig talt"]


@pytest.mark.parametrize("encoding, texts", [
    ("cp865", NORDIC),     # PQMethod under the Nordic DOS code page
    ("cp850", NORDIC),     # PQMethod under the Western European DOS code page
    ("cp437", NO_OSLASH),  # PQMethod under the US DOS code page
    ("cp1252", NORDIC),    # a .STA re-saved by a Windows editor
    ("cp1252", WESTERN),
    ("utf-8", NORDIC + WESTERN),
    ("utf-8-sig", NORDIC),
])
def test_sta_code_page_is_detected(tmp_path, lipset_sorts, encoding, texts):
    sorts = lipset_sorts.iloc[: len(texts), :3]
    sorts = sorts.rank(method="first").astype(int) - 1  # any forced grid 0..M-1
    qio.write_pqmethod(sorts, tmp_path / "X.DAT")
    (tmp_path / "X.STA").write_bytes(("\r\n".join(t.ljust(60) for t in texts) + "\r\n").encode(encoding))
    assert list(qio.read(tmp_path / "X.DAT").statements) == texts
    # the researcher page's statement import reads the .STA alone
    assert qio.read_statements(tmp_path / "X.STA") == texts


@pytest.mark.parametrize("encoding", ["cp1252", "cp865", "cp850", "utf-8"])
def test_statement_text_file_code_page_is_detected(encoding):
    texts = NORDIC if encoding != "cp1252" else NORDIC + WESTERN
    raw = "\n".join(texts).encode(encoding)
    assert qio.read_statements(raw, name="statements.txt") == texts


def test_named_encoding_is_used_and_lacking_characters_are_named(tmp_path, lipset_sorts):
    sorts = lipset_sorts.iloc[:3, :3].rank(method="first").astype(int) - 1
    warns = qio.write_pqmethod(sorts, tmp_path / "E.DAT", statements=["møte", "å gå", "«ja»"], encoding="cp437")
    assert len(warns) == 1 and "'ø' (LATIN SMALL LETTER O WITH STROKE) in statement 1" in warns[0]
    assert "cp850, cp865 has it" in warns[0]
    assert (tmp_path / "E.STA").read_bytes().decode("cp437").split("\r\n")[:3] == [
        "m?te".ljust(60), "å gå".ljust(60), "«ja»".ljust(60)]


def test_sorts_frame_is_not_changed_by_writing(tmp_path):
    sorts = pd.DataFrame({"Søs": [1, 0, -1], "Pål": [0, 1, -1]}, index=[1, 2, 3])
    qio.write_pqmethod(sorts, tmp_path / "S.DAT")
    assert list(sorts.columns) == ["Søs", "Pål"]
    assert list(qio.read(tmp_path / "S.DAT").sorts.columns) == ["Søs", "Pål"]
