"""NUL bytes in text data files are a clear error naming the line; UTF-16 without byte order mark reads."""
import subprocess
import sys

import pytest

import qmethod.io as qio
from qmethod.errors import FormatError


def test_nul_in_a_csv_value_names_the_line(data_dir):
    lines = (data_dir / "lipset.csv").read_text().split("\n")
    lines[4] = lines[4].replace(",", ",\x00", 1)
    with pytest.raises(FormatError, match=r"^n\.csv, line 5: contains a NUL character \(byte 0\)"):
        qio.read("\n".join(lines).encode(), name="n.csv")


@pytest.mark.parametrize("fmt, name", [("pqmethod", "LIPSET.DAT"), ("kenq-csv", "lipset_qsorts_kade_csv.csv")])
def test_nul_in_other_text_formats(data_dir, fmt, name):
    raw = bytearray((data_dir / name).read_bytes())
    raw[len(raw) // 2] = 0
    with pytest.raises(FormatError, match=r"line \d+: contains a NUL character"):
        qio.read(bytes(raw), name=name, format=fmt)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_byte_order_mark_still_reads(data_dir, codec, lipset_sorts):
    text = (data_dir / "lipset.csv").read_text().replace("US1", "Søren")
    data = qio.read(text.encode(codec), name="u.csv")
    assert list(data.sorts.columns)[0] == "Søren" and data.sorts.shape == (33, 9)
    assert (data.sorts.to_numpy() == lipset_sorts.to_numpy()).all()


def test_cli_file_with_nul_exits_with_a_message(tmp_path, data_dir):
    path = tmp_path / "n.csv"
    path.write_bytes((data_dir / "lipset.csv").read_bytes().replace(b"\n", b"\n\x00", 3))
    proc = subprocess.run([sys.executable, "-m", "qmethod.cli", "analyze", str(path), "-k", "1"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "n.csv, line 2: contains a NUL character" in proc.stderr, proc.stderr
