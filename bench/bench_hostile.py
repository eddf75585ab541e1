"""Hostile uploads at full size: how fast and in how little memory they are refused.

    .venv/bin/python bench/bench_hostile.py

Builds (streaming, never holding the unpacked XML) a workbook whose xl/sharedStrings.xml unpacks to
400 MB, and the 60,000-entity workbook of issue 15, then reads each with the default limits through
``qmethod.io.read`` (detection included). Prints packed and unpacked sizes, the ratio, the time and
the peak memory traced while reading; then many small members packed about 1,000 times each (every one
below the 1 MB floor of the per-member ratio limit), 10,000 and 1,000 tiny members, and an archive directory of
200,000 empty entries (17 MB). Then a study file with 200,000 unknown keys: the time to
validate it (the nesting scan, the TOML reader, the checks) and the size of the error message.
Asserts nothing.
"""
from __future__ import annotations

import io
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "io"))

import pandas as pd  # noqa: E402

import qmethod.io as qio  # noqa: E402
from qmethod.errors import FormatError  # noqa: E402
from test_hostile_archives import _CT, _RELS, _WB, _WB_RELS, entity_chain_xlsx  # noqa: E402


def big_bomb(unpacked: int) -> bytes:
    out = io.BytesIO()
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
             'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>'
             '</worksheet>')
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in (("[Content_Types].xml", _CT), ("_rels/.rels", _RELS), ("xl/workbook.xml", _WB),
                           ("xl/_rels/workbook.xml.rels", _WB_RELS), ("xl/worksheets/sheet1.xml", sheet)):
            zf.writestr(name, text)
        with zf.open("xl/sharedStrings.xml", "w", force_zip64=True) as fh:
            fh.write(b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
                     b'spreadsheetml/2006/main">')
            chunk = b"<si><t>aaaa</t></si>" * 50_000
            for _ in range(unpacked // len(chunk)):
                fh.write(chunk)
            fh.write(b"</sst>")
    return out.getvalue()


def _read(label: str, raw: bytes) -> str:
    try:
        qio.read(raw, name=f"{label}.xlsx")
        return "read (not refused!)"
    except FormatError as exc:
        return f"refused: {exc}"


def measure(label: str, raw: bytes) -> None:
    """The time untraced (tracemalloc slows Python code many times), then the peak memory traced."""
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        unpacked = sum(i.file_size for i in zf.infolist())
    t0 = time.perf_counter()
    outcome = _read(label, raw)
    seconds = time.perf_counter() - t0
    tracemalloc.start()
    _read(label, raw)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"{label}: {len(raw) / 1e6:.2f} MB packed, {unpacked / 1e6:.1f} MB unpacked "
          f"(ratio {unpacked / len(raw):.0f}); {seconds * 1000:.1f} ms, peak traced {peak / 1e6:.2f} MB")
    print(f"    {outcome[:200]}")


def _workbook_parts(zf: zipfile.ZipFile) -> None:
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
             'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>'
             '</worksheet>')
    for name, text in (("[Content_Types].xml", _CT), ("_rels/.rels", _RELS), ("xl/workbook.xml", _WB),
                       ("xl/_rels/workbook.xml.rels", _WB_RELS), ("xl/worksheets/sheet1.xml", sheet),
                       ("xl/sharedStrings.xml", '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://'
                        'schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>a</t></si></sst>')):
        zf.writestr(name, text)


def small_bombs(n: int, each: int) -> bytes:
    """A workbook with ``n`` extra XML parts of ``each`` bytes of one repeated letter."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        _workbook_parts(zf)
        blob = b"<a>" + b"a" * (each - 7) + b"</a>"
        for k in range(n):
            zf.writestr(f"xl/media/p{k}.xml", blob)
    return out.getvalue()


def tiny_parts(n: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        _workbook_parts(zf)
        for k in range(n):
            zf.writestr(f"xl/x/p{k}.xml", b"<a/>")
    return out.getvalue()


def empty_entries(n: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        for k in range(n):
            zf.writestr(f"{k}", b"")
    return out.getvalue()


def measure_study(n_keys: int) -> None:
    import tomllib

    from qmethod.errors import StudyError
    from qmethod.study import load as study_load

    base = (ROOT / "tests" / "data" / "studies" / "mini" / "study.toml").read_text(encoding="utf-8")
    text = base.replace("[study]\n", "[study]\n" + "".join(f"unknown_{i} = {i}\n" for i in range(n_keys)), 1)
    t0 = time.perf_counter()
    study_load._too_deep(text)
    t1 = time.perf_counter()
    tomllib.loads(text)
    t2 = time.perf_counter()
    try:
        study_load.loads_study(text)
        message = ""
    except StudyError as exc:
        message = str(exc)
    t3 = time.perf_counter()
    print(f"study.toml with {n_keys:,} unknown keys ({len(text) / 1e6:.1f} MB): validated in {t3 - t2:.2f} s "
          f"(nesting scan {(t1 - t0) * 1000:.0f} ms, TOML reader alone {t2 - t1:.2f} s); message "
          f"{len(message.splitlines())} lines, {len(message):,} characters")
    print(f"    {message.splitlines()[-1] if message else 'accepted (!)'}")


def main() -> None:
    sorts = pd.read_csv(ROOT / "tests" / "data" / "lipset.csv")
    sorts.index = pd.RangeIndex(1, len(sorts) + 1)
    measure("bomb-400MB", big_bomb(400 * 1000 * 1000))
    measure("entity-60000", entity_chain_xlsx(sorts))
    measure("small-bombs-190x1MB", small_bombs(190, 1024 * 1024 - 1))
    measure("tiny-parts-10000", tiny_parts(9_994))
    measure("tiny-parts-1000", tiny_parts(994))  # the most members accepted
    measure("directory-200000", empty_entries(200_000))
    if "--no-study" not in sys.argv:
        measure_study(200_000)


if __name__ == "__main__":
    main()
