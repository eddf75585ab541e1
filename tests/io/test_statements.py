"""Statement files in UTF-8, UTF-8 with BOM, UTF-16, cp1252 and Shift_JIS, any line ending, and XML."""
import pytest

import qmethod.io as qio
from qmethod.errors import FormatError
from qmethod.io.htmlq import to_statements_xml

TEXTS = ["Café au lait for élite", "Naïve “quotes” – dash", "Plain ASCII statement"]


@pytest.mark.parametrize("encoding,bom", [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("cp1252", b""),
                                          ("utf-16", b"")])
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_european_encodings(encoding, bom, newline):
    raw = bom + newline.join(TEXTS + [""]).encode(encoding)
    assert qio.read_statements(raw, name="st.txt") == TEXTS


def test_shift_jis_fixture(data_dir):
    texts = qio.read_statements(data_dir / "ipad_statements.txt")
    assert len(texts) == 30
    assert texts[0] == "私は、iPadがこの授業で良い学習環境作りに役立ったと思います"


def test_named_encoding_wins_and_bad_bytes_report_the_line():
    raw = "first\nsecond é\n".encode("cp1252")
    assert qio.read_statements(raw, encoding="cp1252")[1] == "second é"
    with pytest.raises(FormatError, match=r"st\.txt, line 2: not valid utf-8"):
        qio.read_statements(raw, name="st.txt", encoding="utf-8")


def test_blank_lines_skipped_and_padding_removed(data_dir):
    texts = qio.read_statements(data_dir / "lipset_statements_kade.txt")
    assert len(texts) == 33 and texts[0] == "We accept improvements in status and power of lower class"


def test_csv_statement_file(data_dir):
    texts = qio.read_statements(data_dir / "lipset_statements.csv")
    assert len(texts) == 33 and texts[1].startswith("All men are expected")


def test_statements_xml_round_trip():
    xml = to_statements_xml(["A & B <b>", "Zwei"]).encode("utf-8")
    assert qio.read_statements(xml, name="statements.xml") == ["A & B <b>", "Zwei"]


def test_xml_entities_refused():
    bomb = b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "aaaa">]><statements><statement id="1">&a;</statement></statements>'
    with pytest.raises(FormatError, match="DOCTYPE"):
        qio.read_statements(bomb, name="statements.xml")


def test_empty_statement_file():
    with pytest.raises(FormatError, match=r"empty\.txt: expected one statement per line"):
        qio.read_statements(b"\r\n  \r\n", name="empty.txt")
