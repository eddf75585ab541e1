"""Mutated files thrown at every importer: reading either works or raises the package's own error.

Default run: a few dozen mutations per importer; ``-m slow``: 1,000 per importer.
"""
import io
import zipfile
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import io_builders as build
import qmethod.io as qio
from qmethod.errors import QMethodError

DATA = Path(__file__).resolve().parent.parent / "data"


@lru_cache(maxsize=None)
def _lipset() -> pd.DataFrame:
    frame = pd.read_csv(DATA / "lipset.csv")
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    return frame


@lru_cache(maxsize=None)
def seed(fmt: str) -> tuple[str, bytes]:
    s = _lipset()
    texts = [f"statement {k}" for k in range(1, 34)]
    return {
        "csv": ("lipset.csv", (DATA / "lipset.csv").read_bytes()),
        "kenq-csv": ("k.csv", (DATA / "lipset_qsorts_kade_csv.csv").read_bytes()),
        "pqmethod": ("L.DAT", (DATA / "LIPSET.DAT").read_bytes()),
        "kenq-type1": ("t1.xlsx", build.type1_xlsx(s, texts)),
        "kenq-type2": ("t2.xlsx", build.type2_xlsx(s, texts)),
        "xlsx": ("g.xlsx", build.generic_xlsx(s, rows="statements")),
        "kade-zip": ("p.zip", build.kade_zip(s, texts)),
        "htmlq-csv": ("h.csv", build.htmlq_csv(s)),
        "eqwebsort-json": ("f.json", (DATA / "ipad_sorts.json").read_bytes()),
        "eqwebsort-sheets": ("s.csv", build.sheets_csv(s)),
        "eqwebsort-netlify": ("n.csv", build.netlify_csv(s)),
        "long": ("l.csv", build.long_csv(s)),
    }[fmt]


FORMATS = ["csv", "kenq-csv", "pqmethod", "kenq-type1", "kenq-type2", "xlsx", "kade-zip", "htmlq-csv",
           "eqwebsort-json", "eqwebsort-sheets", "eqwebsort-netlify", "long"]
INTERESTING = [b"", b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"-", b"+", b"|", b",", b";", b"\t", b'"', b"\r", b"\n",
               b"\r\n", b"999", b"-99", b"1e308", b"nan", b"NaN", b"{", b"}", b"[", b"]", b":", b"sort:", b"<",
               b"=1+1", b"\x81\x40", b"\xe3\x81", b"0" * 40, b"s1", b"participants"]

mutation = st.tuples(
    st.sampled_from(["flip", "insert", "delete", "truncate", "duplicate", "replace"]),
    st.floats(min_value=0, max_value=1, allow_nan=False),
    st.one_of(st.sampled_from(INTERESTING), st.binary(min_size=1, max_size=8)),
    st.integers(min_value=1, max_value=64),
)


def mutate(data: bytes, ops) -> bytes:
    buf = bytearray(data)
    for kind, where, payload, length in ops:
        pos = int(where * len(buf)) if buf else 0
        if kind == "flip" and buf:
            pos = min(pos, len(buf) - 1)
            buf[pos] ^= (payload[0] if payload else 0) or 0x55
        elif kind == "insert":
            buf[pos:pos] = payload
        elif kind == "delete":
            del buf[pos:pos + length]
        elif kind == "truncate":
            del buf[pos:]
        elif kind == "duplicate":
            buf[pos:pos] = buf[pos:pos + length]
        elif kind == "replace":
            buf[pos:pos + len(payload)] = payload
    return bytes(buf)


def mutate_zip(data: bytes, ops, member_choice: float) -> bytes:
    """Mutate one member of a ZIP (an xlsx sheet, a KADE text file) and pack it again."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = [(i.filename, zf.read(i)) for i in zf.infolist()]
    k = min(int(member_choice * len(members)), len(members) - 1)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for j, (name, content) in enumerate(members):
            zf.writestr(name, mutate(content, ops) if j == k else content)
    return out.getvalue()


def check(fmt: str, raw: bytes, explicit: bool) -> None:
    name, _ = seed(fmt)
    try:
        qio.read(raw, name=name, format=fmt if explicit else None)
    except QMethodError as exc:
        assert not getattr(exc, "backstop", False), f"unchecked {type(exc.__cause__).__name__}: {exc}"
        assert name in str(exc), str(exc)


def _fuzz(fmt: str, examples: int) -> None:
    _, data = seed(fmt)
    zipped = data[:2] == b"PK"

    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(ops=st.lists(mutation, min_size=1, max_size=4), inner=st.booleans(), member=st.floats(0, 1),
           explicit=st.booleans())
    def run(ops, inner, member, explicit):
        calls.append(1)
        raw = mutate_zip(data, ops, member) if zipped and inner else mutate(data, ops)
        check(fmt, raw, explicit)

    calls: list[int] = []
    run()
    assert len(calls) >= examples


@pytest.mark.parametrize("fmt", FORMATS)
def test_fuzz_quick(fmt):
    _fuzz(fmt, 60 if seed(fmt)[1][:2] != b"PK" else 30)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", FORMATS)
def test_fuzz_1000(fmt):
    _fuzz(fmt, 1000)


@settings(max_examples=100, deadline=None, database=None, derandomize=True)
@given(raw=st.binary(max_size=400))
def test_random_bytes_any_format(raw):
    try:
        qio.read(raw, name="random.bin")
    except QMethodError as exc:
        assert not getattr(exc, "backstop", False), f"unchecked {type(exc.__cause__).__name__}: {exc}"


@settings(max_examples=100, deadline=None, database=None, derandomize=True)
@given(ops=st.lists(mutation, min_size=1, max_size=4))
def test_fuzz_statement_files(ops):
    raw = mutate((DATA / "ipad_statements.txt").read_bytes(), ops)
    try:
        qio.read_statements(raw, name="st.txt")
    except QMethodError:
        pass
