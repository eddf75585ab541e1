"""Shared helpers for readers: input loading with size limits, text decoding, CSV splitting, values."""
from __future__ import annotations

import csv
import io
import math
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qmethod.errors import FormatError

#: Largest file :func:`qmethod.io.read` accepts by default (bytes): 20 MB. Pass ``max_bytes=`` to change it.
DEFAULT_MAX_BYTES = 20 * 1024 * 1024

#: Encodings tried for text files, in this order, when none is named (UTF-16 only with its BOM).
TEXT_ENCODINGS = ("utf-8", "shift_jis", "cp1252")


@dataclass(frozen=True)
class Source:
    """The raw bytes of an input and where they came from."""

    data: bytes
    name: str
    path: Path | None = None


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


def load_source(source: Any, *, name: str | None = None, max_bytes: int | None = DEFAULT_MAX_BYTES) -> Source:
    """Read ``source`` (a path, bytes or a binary file object) into memory, enforcing ``max_bytes``."""
    limit = max_bytes
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        return _checked(Source(data, name or "uploaded file"), limit)
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        label = name or path.name
        try:
            size = path.stat().st_size
            if limit is not None and size > limit:
                raise FormatError(f"{label}: the file is {_mb(size)}; the limit is {_mb(limit)} "
                                  "(max_bytes=...).")
            data = path.read_bytes()
        except FormatError:
            raise
        except OSError as exc:
            raise FormatError(f"{label}: cannot open the file ({exc.strerror or exc}).") from exc
        return _checked(Source(data, label, path), limit)
    if hasattr(source, "read"):
        label = name or Path(str(getattr(source, "name", "") or "uploaded file")).name
        try:
            data = source.read(limit + 1) if limit is not None else source.read()
        except (OSError, ValueError) as exc:
            raise FormatError(f"{label}: cannot read the file ({exc}).") from exc
        if isinstance(data, str):
            data = data.encode("utf-8")
        return _checked(Source(bytes(data), label), limit)
    raise FormatError(f"Cannot read {type(source).__name__!r}: give a file path, bytes or a binary file object.")


def _checked(src: Source, limit: int | None) -> Source:
    if limit is not None and len(src.data) > limit:
        raise FormatError(f"{src.name}: the file is larger than the limit of {_mb(limit)} (max_bytes=...).")
    return src


def _looks_japanese(text: str) -> bool:
    non_ascii = [c for c in text if ord(c) > 127]
    if not non_ascii:
        return True
    kana = sum(1 for c in non_ascii if "\u3040" <= c <= "\u30ff")
    cjk = sum(1 for c in non_ascii if "\u3000" <= c <= "\u9fff" or "\uff01" <= c <= "\uff60")
    return kana > 0 and cjk / len(non_ascii) >= 0.9


def decode_text(data: bytes, name: str, encoding: str | None = None, *,
                single_byte: tuple[str, ...] = ("cp1252",)) -> str:
    """Decode a text file: the named encoding, else UTF-8 (with or without BOM), UTF-16 (with BOM, or
    without when every other byte is 0), Shift_JIS (only if the result reads as Japanese), else one of
    the ``single_byte`` code pages.

    With one code page (default cp1252) that one is used. With several (e.g. :data:`PQMETHOD_CODEPAGES`
    for PQMethod files, written under DOS in cp437, cp850 or cp865, or in Windows' cp1252) the one whose
    reading looks most like text is chosen (see :func:`guess_single_byte`); ties go to the first.
    Line endings are left as they are. A NUL character in the text is a FormatError naming the line."""
    text = _decode(data, name, encoding, single_byte)
    nul = text.find("\x00")
    if nul >= 0:
        line = len(split_lines(text[:nul]))
        raise FormatError(f"{name}, line {line}: contains a NUL character (byte 0); expected text (is this a "
                          "binary file?).")
    return text


def _utf16_without_bom(data: bytes) -> str | None:
    head = data[:4096]
    even, odd = head[0::2].count(0), head[1::2].count(0)
    half = len(head) // 2
    for zeros, other, codec in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if half and zeros >= 0.4 * half and other == 0 and len(data) % 2 == 0:
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                return None
    return None


def _decode(data: bytes, name: str, encoding: str | None, single_byte: tuple[str, ...]) -> str:
    if encoding:
        try:
            return data.decode(encoding)
        except LookupError as exc:
            raise FormatError(f"{name}: unknown encoding {encoding!r}.") from exc
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + data[: exc.start].count(b"\r") - data[: exc.start].count(b"\r\n") + 1
            raise FormatError(f"{name}, line {line}: not valid {encoding} text (byte {exc.start}).") from exc
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise FormatError(f"{name}: starts with a UTF-16 mark but is not valid UTF-16 text.") from exc
    if b"\x00" in data and (text := _utf16_without_bom(data)) is not None:
        return text
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("shift_jis")
        if _looks_japanese(text):
            return text
    except UnicodeDecodeError:
        pass
    if len(single_byte) > 1:
        best = guess_single_byte(data, single_byte)
        if best is not None:
            return data.decode(best)
    # cp1252 leaves five bytes undefined; decode them as Latin-1 so any byte string reads.
    return data.decode("cp1252", errors="ignore") if _cp1252_ok(data) else data.decode("latin-1")


#: Code pages of PQMethod files, in order of preference: DOS Nordic, DOS Western Europe, DOS US
#: (PQMethod is a DOS program), and Windows' cp1252 for a .STA saved by a Windows editor.
PQMETHOD_CODEPAGES = ("cp865", "cp850", "cp437", "cp1252")

#: Letters of the languages Q studies are run in (Nordic, German, French, Spanish, Portuguese, Italian).
_COMMON_LETTERS = frozenset("æøåÆØÅäöüÄÖÜßéèêëàâáíìîïóòôúùûñçÉÈÊÀÂÁÍÓÔÚÑÇœŒÿ")
_OPENING = frozenset("“‘«„‚")
_CLOSING = frozenset("”’»")
_DASHES = frozenset("–—…·•°§")


_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_MAX_SCORED = 20000  # enough to decide; a large file is not scored character by character to its end


def _text_score(text: str) -> int:
    """How much a decoded text looks like prose, judged on its non-ASCII characters only.

    Letters of common European languages score, letters of other scripts, box drawing and control
    characters cost; typographic quotes and dashes score where such a mark stands (at the edge of a
    word) and cost inside one; a capital inside a word costs."""
    score = 0
    n = len(text)
    for k, m in enumerate(_NON_ASCII.finditer(text)):
        if k == _MAX_SCORED:
            break
        i, c = m.start(), m.group()
        prev = text[i - 1] if i else " "
        nxt = text[i + 1] if i + 1 < n else " "
        if c.isalpha():
            if c in _COMMON_LETTERS:
                score += 2
            elif "LATIN" in unicodedata.name(c, ""):
                score += 1
            else:
                score -= 3
            if ((c.isupper() and (prev.islower() or (prev.isalpha() and nxt.islower())))
                    or (c.islower() and nxt.isupper())):
                score -= 4  # a capital inside a word
        elif c in _OPENING:
            score += 2 if not nxt.isspace() and not prev.isalnum() else -2
        elif c in _CLOSING:
            score += 2 if not prev.isspace() and not nxt.isalnum() or (c == "’" and prev.isalpha()) else -2
        elif c in _DASHES:
            score += 1 if not (prev.isalpha() and nxt.isalpha()) else -2
        elif c == "\xa0":
            score += 0
        else:
            score -= 3
    return score


def guess_single_byte(data: bytes, codepages: tuple[str, ...]) -> str | None:
    """The code page among ``codepages`` whose reading of ``data`` looks most like text.

    Pure ASCII gives the first. Code pages that cannot decode every byte are left out; None when none can.
    """
    best, best_score = None, None
    for cp in codepages:
        try:
            text = data.decode(cp)
        except (UnicodeDecodeError, LookupError):
            continue
        score = _text_score(text)
        if best_score is None or score > best_score:
            best, best_score = cp, score
    return best


def _cp1252_ok(data: bytes) -> bool:
    try:
        data.decode("cp1252")
        return True
    except UnicodeDecodeError:
        return False


def split_lines(text: str) -> list[str]:
    """Lines of a text with any line ending (CRLF, LF or classic-Mac CR)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def sniff_delimiter(text: str, candidates: str = ",;\t|") -> str:
    """The delimiter that splits the first lines most consistently (comma when in doubt)."""
    lines = [ln for ln in split_lines(text)[:20] if ln.strip()]
    if not lines:
        return ","
    best, best_score = ",", (0, 0)
    for d in candidates:
        counts = [ln.count(d) for ln in lines]
        if counts[0] == 0:
            continue
        same = sum(1 for c in counts if c == counts[0])
        score = (same, counts[0])
        if score > best_score:
            best, best_score = d, score
    return best


def read_csv_rows(text: str, name: str, delimiter: str | None = None, *, strip: bool = True) -> list[list[str]]:
    """Rows of a delimited text as lists of strings, stripped unless ``strip=False`` (trailing empty rows
    removed)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    delim = delimiter or sniff_delimiter(text)
    try:
        rows = [[c.strip() if strip else c for c in row]
                for row in csv.reader(io.StringIO(text, newline=""), delimiter=delim)]
    except csv.Error as exc:
        raise FormatError(f"{name}: not a readable delimited text file ({exc}).") from exc
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()
    return rows


_INT = re.compile(r"^([+-]?)\s*(\d+)(?:\.0*)?$")

#: Largest absolute Q-sort value accepted on import (grids are small; this keeps nonsense out).
MAX_ABS_VALUE = 1000


def parse_value(cell: Any, where: str, *, name: str) -> int:
    """A Q-sort value (integer, optional sign) from a text or spreadsheet cell, else FormatError."""
    if isinstance(cell, bool):
        raise FormatError(f"{name}, {where}: expected an integer Q-sort value, found {cell!r}.")
    if isinstance(cell, float):
        if not (math.isfinite(cell) and cell == int(cell)):
            raise FormatError(f"{name}, {where}: expected an integer Q-sort value, found {cell!r}.")
        cell = int(cell)
    if isinstance(cell, int):
        value = cell
    else:
        text = "" if cell is None else str(cell).strip()
        if not text:
            raise FormatError(f"{name}, {where}: the Q-sort value is missing (every statement needs a value).")
        m = _INT.match(text)
        if m is None or len(m.group(2)) > 12:
            shown = text if len(text) <= 30 else text[:27] + "..."
            raise FormatError(f"{name}, {where}: expected an integer Q-sort value, found {shown!r}.")
        value = int(m.group(1) + m.group(2))
    if abs(value) > MAX_ABS_VALUE:
        raise FormatError(f"{name}, {where}: expected a Q-sort value from -{MAX_ABS_VALUE} to {MAX_ABS_VALUE}, "
                          f"found {value}.")
    return value


def is_int_text(cell: Any) -> bool:
    """True when a cell holds an integer (as number or text)."""
    if isinstance(cell, bool):
        return False
    if isinstance(cell, int):
        return True
    if isinstance(cell, float):
        return math.isfinite(cell) and cell == int(cell)
    return cell is not None and bool(_INT.match(str(cell).strip()))


def cell_ref(row: int, col: int) -> str:
    """``B7`` for 1-based row 7, column 2."""
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(col)}{row}"
