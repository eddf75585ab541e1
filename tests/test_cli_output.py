"""What the command line prints from data files cannot drive the terminal (ANSI escape sequences)."""
import shutil
from pathlib import Path

from qmethod.cli import main

DATA = Path(__file__).parent / "data"
ESCAPES = "\x1b[2J\x1b]0;owned\x07\x1b[31m"


def test_file_name_with_escape_sequences_is_printed_without_them(capsys, tmp_path):
    path = tmp_path / f"{ESCAPES}lipset.csv"
    shutil.copy(DATA / "lipset.csv", path)
    assert main(["analyze", str(path), "-k", "1"]) == 0
    out, err = capsys.readouterr()
    assert "lipset.csv" in out and "9 Q-sorts x 33 statements" in out
    assert "\x1b" not in out + err and "\x07" not in out + err and "[2J" not in out


def test_error_about_a_file_with_escape_sequences(capsys, tmp_path):
    path = tmp_path / f"{ESCAPES}bad.csv"
    path.write_text("a,b\n1,x\n")
    assert main(["analyze", str(path), "-k", "1"]) == 2
    _, err = capsys.readouterr()
    assert err.startswith("qmethod: error: bad.csv") and "\x1b" not in err and "\x07" not in err
