"""Hostile workbooks and archives: XML entity chains and ZIP bombs are refused before any parser sees them.

The entity-chain workbook segfaulted the whole process through expat before 2.7.0 (CVE-2024-8176) when
openpyxl parsed without defusedxml; the CLI runs in a subprocess so a crash shows as exit 139.
"""
import io
import os
import re
import subprocess
import sys
import tracemalloc
import zipfile

import pytest

import io_builders as build
import qmethod.io as qio
from qmethod.errors import FormatError
MAX_RATIO = 200


def _rewrite(xlsx: bytes, member: str, change) -> bytes:
    """The workbook with one member's bytes replaced by ``change(old bytes)``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info.filename, change(data) if info.filename == member else data)
    return out.getvalue()


def entity_chain_xlsx(lipset_sorts, n: int = 60_000, member: str = "xl/workbook.xml") -> bytes:
    """A real workbook whose ``member`` carries a DOCTYPE with a chain of ``n`` nested entities."""
    chain = '<!ENTITY e0 "x">' + "".join(f'<!ENTITY e{i} "&e{i - 1};">' for i in range(1, n))

    def change(data: bytes) -> bytes:
        text = data.decode("utf-8")
        cut = text.index("?>") + 2 if text.startswith("<?xml") else 0
        root = text[cut:].lstrip()
        tag = root[1:].split(None, 1)[0].split(">")[0]
        return (text[:cut] + f"<!DOCTYPE {tag} [{chain}]>" + root).encode("utf-8")
    return _rewrite(build.generic_xlsx(lipset_sorts, rows="statements"), member, change)


def _cli(args, env_extra=None):
    env = dict(os.environ, **(env_extra or {}))
    return subprocess.run([sys.executable, "-m", "qmethod.cli", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=120)


@pytest.mark.parametrize("env", [{}, {"OPENPYXL_DEFUSEDXML": "False"}], ids=["defusedxml", "plain-expat"])
def test_entity_chain_xlsx_gives_a_clean_error_not_a_crash(tmp_path, lipset_sorts, env):
    path = tmp_path / "entity.xlsx"
    path.write_bytes(entity_chain_xlsx(lipset_sorts))
    assert 200_000 < path.stat().st_size < 400_000
    proc = _cli(["analyze", path, "-k", "1"], env)
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-500:])
    assert "entity.xlsx: xl/workbook.xml" in proc.stderr and "DOCTYPE or entity" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("member", ["xl/worksheets/sheet1.xml", "[Content_Types].xml", "docProps/app.xml"])
def test_doctype_in_any_part_is_refused(lipset_sorts, member):
    raw = entity_chain_xlsx(lipset_sorts, n=3, member=member)
    for fmt in (None, "xlsx", "kenq-type2", "long"):
        with pytest.raises(FormatError, match=rf"w\.xlsx: {re.escape(member)} .*DOCTYPE or entity"):
            qio.read(raw, name="w.xlsx", format=fmt)


def test_doctype_in_utf16_part_is_refused(lipset_sorts):
    chain = '<!DOCTYPE worksheet [<!ENTITY a "b">]>'

    def change(data: bytes) -> bytes:
        text = data.decode("utf-8").split("?>", 1)[-1]
        return ("\ufeff" + '<?xml version="1.0" encoding="UTF-16"?>' + chain + text).encode("utf-16-le")
    raw = _rewrite(build.generic_xlsx(lipset_sorts, rows="statements"), "xl/worksheets/sheet1.xml", change)
    with pytest.raises(FormatError, match="DOCTYPE or entity"):
        qio.read(raw, name="w.xlsx")


def test_xml_in_an_unusual_encoding_is_refused(lipset_sorts):
    def change(data: bytes) -> bytes:
        text = data.decode("utf-8").split("?>", 1)[-1]
        # a declaration expat reads, then markup in EBCDIC that no byte search for "<!DOCTYPE" finds
        return b'<?xml version="1.0" encoding="cp037"?>' + ('<!DOCTYPE workbook [<!ENTITY a "b">]>' + text).encode("cp037")
    raw = _rewrite(build.generic_xlsx(lipset_sorts, rows="statements"), "xl/workbook.xml", change)
    with pytest.raises(FormatError, match=r"w\.xlsx: xl/workbook\.xml: XML in the encoding 'cp037' is not accepted"):
        qio.read(raw, name="w.xlsx")


_CT = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
       'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
       'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
       'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
       '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
       'officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType='
       '"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
         '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
         'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WB = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
       'main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name='
       '"data" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WB_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://'
            'schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"'
            '/></Relationships>')


def bomb_xlsx(lipset_sorts, unpacked: int, *, varied: bool) -> bytes:
    """A workbook with the Lipset sorts as numbers and an xl/sharedStrings.xml of about ``unpacked`` bytes
    of small strings (one in ten different with ``varied``: packs about 50 times, else about 1,000 times)."""
    names = "".join(f'<c r="{chr(66 + j)}1" t="inlineStr"><is><t>{c}</t></is></c>'
                    for j, c in enumerate(lipset_sorts.columns))
    rows = [f'<row r="1"><c r="A1" t="s"><v>0</v></c>{names}</row>']
    for i, (k, row) in enumerate(lipset_sorts.iterrows(), start=2):
        cells = "".join(f'<c r="{chr(65 + j)}{i}"><v>{v}</v></c>' for j, v in enumerate([k, *map(int, row)]))
        rows.append(f'<row r="{i}">{cells}</row>')
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
             f'spreadsheetml/2006/main"><sheetData>{"".join(rows)}</sheetData></worksheet>')
    head = b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/' \
           b'spreadsheetml/2006/main"><si><t>statement</t></si>'
    items = []
    size, k = len(head), 0
    while size < unpacked:
        item = (f"<si><t>{k * 7919 % 100_003}</t></si>" if varied and k % 10 == 0 else "<si><t>aaaa</t></si>").encode()
        items.append(item)
        size += len(item)
        k += 1
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in (("[Content_Types].xml", _CT), ("_rels/.rels", _RELS), ("xl/workbook.xml", _WB),
                           ("xl/_rels/workbook.xml.rels", _WB_RELS), ("xl/worksheets/sheet1.xml", sheet)):
            zf.writestr(name, text)
        zf.writestr("xl/sharedStrings.xml", head + b"".join(items) + b"</sst>")
    return out.getvalue()


def test_bomb_builder_makes_a_readable_workbook(lipset_sorts):
    data = qio.read(bomb_xlsx(lipset_sorts, 1000, varied=True), name="small.xlsx")
    assert data.sorts.shape == (33, 9) and data.sorts.iloc[0, 0] == lipset_sorts.iloc[0, 0]


def _peak_read(raw: bytes, **kw) -> tuple[Exception | None, int]:
    tracemalloc.start()
    try:
        try:
            qio.read(raw, name="bomb.xlsx", **kw)
            err = None
        except FormatError as exc:
            err = exc
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return err, peak


def test_deflate_bomb_is_refused_before_parsing(lipset_sorts):
    raw = bomb_xlsx(lipset_sorts, 2 * 1024 * 1024, varied=False)
    assert len(raw) < 20_000  # 2 MB of XML packed about 1,000 times, far inside the 20 MB file limit
    err, peak = _peak_read(raw)
    assert err is not None and f"more than {MAX_RATIO} times" in str(err) and "xl/sharedStrings.xml" in str(err)
    assert peak < 1024 * 1024, peak  # nothing was unpacked


@pytest.mark.parametrize("fmt", [None, "xlsx", "kenq-type1"])
def test_unpack_limit_applies_in_detection_too(lipset_sorts, fmt):
    # the same kind of file as the 400 MB-from-1.2 MB sharedStrings.xml against the 200 MB default limit,
    # scaled down: 1.5 MB packed about 50 times against max_bytes = 128 KB (unpacked limit 1.25 MB)
    raw = bomb_xlsx(lipset_sorts, 1536 * 1024, varied=True)
    limit = 128 * 1024
    assert len(raw) < limit
    err, peak = _peak_read(raw, max_bytes=limit, format=fmt)
    assert err is not None and "unpacks to 1.5 MB; the limit is 1.2 MB (10 x max_bytes)" in str(err), err
    assert peak < 1024 * 1024, peak
    # detection alone reads no more than the archive's directory either
    tracemalloc.start()
    try:
        kind = qio.detect(raw, name="bomb.xlsx", max_bytes=limit)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert kind == "xlsx" and peak < 1024 * 1024, peak


def _empty_members(n: int, *, name_length: int = 0) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for k in range(n):
            zf.writestr(f"x/{k}.txt".rjust(name_length, "_"), b"")
    return out.getvalue()


def test_many_members_are_refused():
    """1,000 members at most (10,000 before: 10,000 tiny parts took 0.4 s to read, twice over)."""
    with pytest.raises(FormatError, match=r"p\.zip: the ZIP archive holds 1,001 files; the limit is 1,000"):
        qio.read(_empty_members(1_001), name="p.zip", format="kade-zip")
    with pytest.raises(FormatError, match=r"p\.xlsx: the xlsx workbook holds 1,001 files; the limit is 1,000"):
        qio.read(_empty_members(1_001), name="p.xlsx")


def test_a_huge_directory_is_refused_before_it_is_read():
    """The member count comes from the archive's end record: 20,000 entries are refused with nothing read
    (before, zipfile read the whole directory first: 11 MB traced here, 3.4 s and 111 MB for 200,000)."""
    raw = _empty_members(20_000)
    for kw in ({"name": "d.zip", "format": "kade-zip"}, {"name": "d.xlsx"}, {"name": "d.xlsx", "format": "xlsx"}):
        with pytest.raises(FormatError):  # once untraced: the readers' modules are imported
            qio.read(raw, **kw)
        tracemalloc.start()
        try:
            with pytest.raises(FormatError, match=r"holds 20,000 files; the limit is 1,000"):
                qio.read(raw, **kw)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 1024 * 1024, (kw, peak)


def test_a_directory_of_long_names_is_refused():
    raw = _empty_members(900, name_length=400)  # 900 members, but each entry holds a 400-byte name
    with pytest.raises(FormatError, match=r"d\.zip: the ZIP archive's list of files takes 4\d\d,\d\d\d bytes; "
                                          r"the limit is 256,000"):
        qio.read(raw, name="d.zip", format="kade-zip")


def test_an_end_record_that_understates_the_members_is_caught():
    raw = bytearray(_empty_members(1_500))
    at = raw.rfind(b"PK\x05\x06")
    raw[at + 8:at + 12] = (3).to_bytes(2, "little") * 2  # "3 files" on this disk and in all
    with pytest.raises(FormatError, match=r"holds 1,500 files; the limit is 1,000"):
        qio.read(bytes(raw), name="lie.zip", format="kade-zip")


def test_many_small_bombs_are_refused_before_unpacking(lipset_sorts):
    """Thirty extra parts of 1 MB, each packed about 1,000 times but below the 1 MB floor of the per-part
    limit: the workbook as a whole unpacks more than 200 times its size. Before, it was read (30 MB
    unpacked and scanned twice; 190 such parts took 1.5 s)."""
    good = build.generic_xlsx(lipset_sorts, rows="statements")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info))
        for k in range(30):
            zout.writestr(f"xl/media/part{k}.xml", b"<a>" + b"a" * (1024 * 1024 - 8) + b"</a>")
    raw = out.getvalue()
    assert len(raw) < 100_000
    for fmt in (None, "xlsx"):
        with pytest.raises(FormatError, match=r"bomb\.xlsx: the xlsx workbook unpacks from [\d,]+ bytes to 30\.\d MB, "
                                              r"more than 200 times; such a file is refused as a ZIP bomb"):
            qio.read(raw, name="bomb.xlsx", format=fmt)


def test_ordinary_workbooks_still_read(lipset_sorts):
    texts = [f"statement {k}" for k in range(1, 34)]
    for raw, fmt in ((build.generic_xlsx(lipset_sorts, rows="statements"), "xlsx"),
                     (build.type1_xlsx(lipset_sorts, texts), "kenq-type1"),
                     (build.type2_xlsx(lipset_sorts, texts), "kenq-type2")):
        data = qio.read(raw, name="ok.xlsx")
        assert data.format == fmt and data.sorts.shape == (33, 9)


@pytest.mark.parametrize("shape", ["wide", "tall"])
def test_a_table_far_larger_than_any_q_study_is_refused_before_it_is_analysed(shape):
    """Fails on the old code: a 6 MB CSV of 2 statements and 500,000 Q-sorts was read as 500,000 sorts
    (the app then took gigabytes computing its guidance); now refused at once, naming the limits."""
    n = 500_000
    if shape == "wide":
        text = "statement," + ",".join(f"s{j}" for j in range(n)) + "\n" + \
            "\n".join(f"S{i}," + ",".join("1" if (i + j) % 2 else "-1" for j in range(n)) for i in range(2))
    else:
        text = "sort,S1,S2\n" + "\n".join(f"q{j},1,-1" for j in range(n))
    with pytest.raises(FormatError, match="larger than a Q-sort data file may be"):
        qio.read(text.encode(), name="huge.csv")
