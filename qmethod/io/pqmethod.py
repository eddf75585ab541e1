"""PQMethod project files: ``<study>.DAT`` (Q-sorts) and ``<study>.STA`` (statements), read and write.

``.DAT`` layout (fixed width, CRLF)::

    line 1   "  0" + N (I3) + M (I3) + " " + title (padded to 68 characters)
    line 2   min (I3), max (I3), then 20 x I3: cells per column for the values -6, -5, ..., +13
    line 3.. Q-sort id in columns 1-8, two blanks, then M values as I2 from column 11

``.STA``: one statement per line, in statement order, padded to 60 characters, CRLF.
Writing the Lipset files read by :func:`read_dat` reproduces them byte for byte.

Text encoding: PQMethod is a DOS program, so its files are in a DOS (OEM) code page: cp437 (US), cp850
(Western Europe) or cp865 (Nordic: æ ø å Æ Ø Å). :func:`write_pqmethod` picks one that holds every
character (cp865 for Nordic text, else cp437, else cp850) and names in a warning any character none of
them holds; :func:`read_dat` detects the code page of the ``.DAT`` and ``.STA`` (also cp1252 or UTF-8,
as a Windows editor saves them).
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from qmethod.errors import FormatError, QMethodError
from qmethod.io._text import PQMETHOD_CODEPAGES, Source, decode_text, load_source, split_lines
from qmethod.io.imported import ImportedData, build_imported
from qmethod.io.safe import neutralise
from qmethod.io.statements import parse_statements_text, sibling, statement_codepages

__all__ = ["read_dat", "to_dat", "to_sta", "write_pqmethod", "choose_codepage", "PQMETHOD_MIN", "PQMETHOD_MAX",
           "WRITE_CODEPAGES"]

PQMETHOD_MIN, PQMETHOD_MAX = -6, 13
_COLUMNS = tuple(range(PQMETHOD_MIN, PQMETHOD_MAX + 1))


def _int(text: str, where: str, what: str, name: str) -> int:
    t = text.strip()
    if not re.fullmatch(r"[+-]?\d+", t):
        raise FormatError(f"{name}, {where}: expected {what}, found {text.strip()!r}" + (
            "." if t else " (blank)."))
    return int(t)


def read_dat(src: Source, *, encoding: str | None = None,
             statements: Sequence[str] | None = None) -> ImportedData:
    """Read a PQMethod ``.DAT`` file (and the ``.STA`` beside it, unless ``statements`` are given).

    Without ``encoding`` the code page of each file is detected (cp865, cp850, cp437, cp1252 or UTF-8).
    """
    name = src.name
    text = decode_text(src.data, name, encoding, single_byte=PQMETHOD_CODEPAGES)
    lines = split_lines(text)
    while lines and not lines[-1].strip(" \x1a"):
        lines.pop()
    if len(lines) < 3:
        raise FormatError(f"{name}: expected a PQMethod .DAT file (header line, grid line, one line per Q-sort); "
                          f"found {len(lines)} line(s).")
    l1 = lines[0]
    if len(l1) >= 9 and re.fullmatch(r"[ \d+-]{9}", l1[:9]):
        n_sorts = _int(l1[3:6], "line 1, columns 4-6", "the number of Q-sorts", name)
        n_st = _int(l1[6:9], "line 1, columns 7-9", "the number of statements", name)
        title = l1[10:].strip() or None
    else:
        parts = l1.split(None, 3)
        if len(parts) < 3:
            raise FormatError(f"{name}, line 1: expected '  0', the number of Q-sorts and of statements "
                              "(3 characters each) and the title.")
        n_sorts = _int(parts[1], "line 1", "the number of Q-sorts", name)
        n_st = _int(parts[2], "line 1", "the number of statements", name)
        title = parts[3].strip() if len(parts) > 3 else None
    if n_st < 2:
        raise FormatError(f"{name}, line 1, columns 7-9: expected the number of statements (2 or more), "
                          f"found {n_st}.")
    l2 = lines[1].rstrip()
    fields = [l2[k:k + 3] for k in range(0, 66, 3)] if len(l2) >= 66 and len(l2) <= 69 else l2.split()
    if len(fields) != 22:
        raise FormatError(f"{name}, line 2: expected the grid: min, max and 20 counts for the values -6..+13 "
                          f"(22 numbers), found {len(fields)}.")
    nums = [_int(f, f"line 2, number {k + 1}", "an integer", name) for k, f in enumerate(fields)]
    lo, hi, counts = nums[0], nums[1], nums[2:]
    if any(c < 0 for c in counts):
        raise FormatError(f"{name}, line 2: expected counts of 0 or more, found {min(counts)}.")
    dist = [v for v, c in zip(_COLUMNS, counts) for _ in range(c)]
    warns: list[str] = []
    if len(dist) != n_st:
        raise FormatError(f"{name}, line 2: the grid has {len(dist)} cells but line 1 declares {n_st} "
                          "statements.")
    if dist and (min(dist) != lo or max(dist) != hi):
        warns.append(f"{name}, line 2: the grid runs from {min(dist)} to {max(dist)} but the line starts with "
                     f"{lo} {hi}.")
    ids, values = [], []
    width = 10 + 2 * n_st
    for i, line in enumerate(lines[2:], start=3):
        if not line.strip(" \x1a"):
            continue
        line = line.rstrip(" \x1a")
        if len(line) < width - 1 or len(line) > width:
            raise FormatError(f"{name}, line {i}: expected a Q-sort id (8 characters), 2 blanks and {n_st} values "
                              f"of 2 characters ({width} characters), found {len(line)} characters.")
        line = line.ljust(width)
        ids.append(line[:8].strip())
        row = []
        for k in range(n_st):
            cell = line[10 + 2 * k: 12 + 2 * k]
            row.append(_int(cell, f"line {i}, columns {11 + 2 * k}-{12 + 2 * k} (statement {k + 1})",
                            "a Q-sort value of 2 characters", name))
        values.append(row)
    if not values:
        raise FormatError(f"{name}: expected one line per Q-sort from line 3, found none.")
    if len(values) != n_sorts:
        warns.append(f"{name}: line 1 declares {n_sorts} Q-sorts but the file has {len(values)}.")
    texts = list(statements) if statements is not None else None
    if texts is None:
        sta = sibling(src.path, (".sta",))
        if sta is not None:
            sta_src = load_source(sta)
            texts = parse_statements_text(decode_text(sta_src.data, sta_src.name, encoding,
                                                      single_byte=statement_codepages(sta_src.name)),
                                          sta_src.name)
            if len(texts) != n_st:
                raise FormatError(f"{sta_src.name}: expected {n_st} statements (one per line, as in {name}), "
                                  f"found {len(texts)}.")
        else:
            warns.append(f"No .STA file found next to {name}: statements have no text.")
    return build_imported(sort_ids=ids, values=values, statements=texts, distribution=dist, format="pqmethod",
                          source=name, title=title, warnings=warns)


# ---------------------------------------------------------------------------------------------- write

def _pqmethod_ids(ids: Sequence[str]) -> tuple[list[str], list[str]]:
    """Ids as PQMethod accepts them: at most 8 characters, no blanks at the ends, unique."""
    warns = []
    out = [str(i).strip()[:8] for i in ids]
    if any(len(str(i).strip()) > 8 for i in ids):
        warns.append("Q-sort ids longer than 8 characters were shortened for PQMethod.")
    if len(set(out)) != len(out):
        out = [f"{k}_{str(i).strip()}"[:8] for k, i in enumerate(ids, start=1)]
        warns.append("Shortened Q-sort ids were not unique; all ids now start with their number (1_, 2_...).")
        if len(set(out)) != len(out):
            out = [f"sort{k}" for k in range(1, len(ids) + 1)]
    return out, warns


def to_dat(sorts: pd.DataFrame, *, distribution: Sequence[int] | None = None, title: str = "") -> str:
    """The ``.DAT`` text (CRLF line endings) for a statements x Q-sorts DataFrame.

    Parameters
    ----------
    sorts : DataFrame
        Statements x Q-sorts, integer values from -6 to +13.
    distribution : sequence of int, optional
        The grid (every cell's value). Default: the first Q-sort's sorted values.
    title : str
        Study title, cut to 68 characters.

    Raises
    ------
    QMethodError
        Values outside PQMethod's -6..+13, more than 999 Q-sorts or statements, or a distribution that does
        not have one cell per statement.
    """
    if sorts.shape[0] > 999 or sorts.shape[1] > 999:
        raise QMethodError("PQMethod files hold at most 999 Q-sorts and 999 statements.")
    vals = sorts.to_numpy()
    if vals.size and (vals.min() < PQMETHOD_MIN or vals.max() > PQMETHOD_MAX):
        raise QMethodError(f"PQMethod files hold values from {PQMETHOD_MIN} to +{PQMETHOD_MAX}; these Q-sorts use "
                           f"{vals.min()}..{vals.max()}.")
    dist = list(distribution) if distribution is not None else sorted(int(v) for v in vals[:, 0])
    if len(dist) != sorts.shape[0]:
        raise QMethodError(f"The distribution has {len(dist)} cells but there are {sorts.shape[0]} statements.")
    if min(dist) < PQMETHOD_MIN or max(dist) > PQMETHOD_MAX:
        raise QMethodError(f"PQMethod grids run from {PQMETHOD_MIN} to +{PQMETHOD_MAX}.")
    counts = Counter(int(v) for v in dist)
    title = " ".join(str(title or "").split())[:68]
    ids, _ = _pqmethod_ids([str(c) for c in sorts.columns])
    lines = [f"  0{sorts.shape[1]:3d}{sorts.shape[0]:3d} {title:<68}",
             f"{min(dist):3d}{max(dist):3d}" + "".join(f"{counts.get(v, 0):3d}" for v in _COLUMNS)]
    for sid, col in zip(ids, vals.T):
        lines.append(f"{sid:<8}  " + "".join(f"{int(v):2d}" for v in col))
    return "\r\n".join(lines) + "\r\n"


def to_sta(statements: Sequence[str], *, width: int = 60) -> str:
    """The ``.STA`` text: one statement per line (line breaks removed), padded to ``width``, CRLF."""
    out = []
    for s in statements:
        s = str(s).replace("\r\n", " ").replace("\r", " ").replace("\n", " ").rstrip()
        out.append(s.ljust(width))
    return "\r\n".join(out) + "\r\n"


#: DOS code pages :func:`write_pqmethod` chooses from (PQMethod's own; cp865 is the Nordic one).
WRITE_CODEPAGES = ("cp437", "cp850", "cp865")
_NORDIC = frozenset("æøåÆØÅ")
#: Plain stand-ins for typographic characters no DOS code page holds; anything else becomes '?'.
_STAND_INS = {"\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2018": "'", "\u2019": "'", "\u201a": "'",
              "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2026": "...", "\u2022": "*", "\u00a0": " "}


def _holds(codepage: str, char: str) -> bool:
    try:
        char.encode(codepage)
        return True
    except UnicodeEncodeError:
        return False


def _stand_in(char: str, encoding: str) -> str:
    sub = _STAND_INS.get(char, "?")
    return sub if _holds(encoding, sub) else "?"


def choose_codepage(text: str) -> str:
    """The DOS code page for a PQMethod project with this text: the one that holds the most of its
    characters, preferring cp865 for Nordic text (æ ø å) and cp437, then cp850, otherwise."""
    chars = set(text)
    order = ("cp865", "cp850", "cp437") if chars & _NORDIC else WRITE_CODEPAGES
    return min(order, key=lambda cp: sum(1 for c in chars if not _holds(cp, c)))


def _encode_texts(parts: list[tuple[str, str]], encoding: str, warns: list[str]) -> dict[str, str]:
    """Replace in every (where, text) the characters ``encoding`` lacks, with one warning per character
    naming where it occurs. Returns where -> text that encodes."""
    lacking: dict[str, list[str]] = {}
    out = {}
    for where, text in parts:
        fixed = []
        for c in text:
            if _holds(encoding, c):
                fixed.append(c)
                continue
            places = lacking.setdefault(c, [])
            if where not in places:
                places.append(where)
            fixed.append(_stand_in(c, encoding))
        out[where] = "".join(fixed)
    for c, places in lacking.items():
        shown = ", ".join(places[:5]) + (f" and {len(places) - 5} more" if len(places) > 5 else "")
        name = unicodedata.name(c, f"U+{ord(c):04X}")
        held = [cp for cp in WRITE_CODEPAGES if _holds(cp, c)]
        why = (f"is not in {encoding} (the code page chosen for the other characters; {', '.join(held)} has it)"
               if held else f"exists in none of PQMethod's code pages ({', '.join(WRITE_CODEPAGES)})"
               if encoding in WRITE_CODEPAGES else f"does not exist in {encoding}")
        warns.append(f"The character {c!r} ({name}) in {shown} {why}; it was written as {_stand_in(c, encoding)!r}.")
    return out


def write_pqmethod(data: ImportedData | pd.DataFrame, dat_path: str | Path, *, statements: Any = None,
                   title: str | None = None, distribution: Sequence[int] | None = None,
                   encoding: str | None = None) -> list[str]:
    """Write ``<study>.DAT`` and ``<study>.STA`` beside it (placeholder lines ``Statement <id>``, with
    a warning, when there are no statement texts: PQMethod needs one line per statement).

    Parameters
    ----------
    data : ImportedData or DataFrame
        The Q-sorts (statements x sorts); an ImportedData also brings statements, title and distribution.
    dat_path : path
        Where to write the ``.DAT``; the ``.STA`` gets the same name with suffix ``.STA``/``.sta``.
    statements : sequence of str or Series, optional
        Statement texts (default: those of ``data``).
    title : str, optional
        Study title for line 1 of the ``.DAT`` (default: that of ``data``).
    distribution : sequence of int, optional
        The grid (default: that of ``data``, else the first Q-sort's values).
    encoding : str, optional
        Code page of both files. Default: chosen by :func:`choose_codepage` among the DOS code pages
        PQMethod uses (cp865 for Nordic text, else cp437 or cp850), the one that holds every character.
        A character that the code page lacks is written as a plain stand-in ('-' for a dash, straight
        quotes for curly ones) or '?', with a warning naming it and where it occurs.
        :func:`read_dat` detects the code page when reading back.

    Returns
    -------
    list of str
        Warnings (shortened ids, characters the code page lacks, long statements, placeholder statements).

    Raises
    ------
    QMethodError
        Values or a grid outside PQMethod's limits (see :func:`to_dat`), or an unknown ``encoding``.
    """
    warns: list[str] = []
    if isinstance(data, ImportedData):
        sorts = data.sorts
        statements = statements if statements is not None else data.statements
        title = title if title is not None else (data.title or "")
        distribution = distribution if distribution is not None else data.distribution
    else:
        sorts = data
    # ids, statements and title start no spreadsheet formula (the files are plain text a spreadsheet opens)
    ids, id_warns = _pqmethod_ids([neutralise(str(c)) for c in sorts.columns])
    warns.extend(id_warns)
    placeholders = statements is None
    if placeholders:  # PQMethod's QANALYZE needs a .STA to print its tables: one line per statement
        texts = [f"Statement {sid}" for sid in sorts.index]
    else:
        texts = list(statements.astype(str)) if isinstance(statements, pd.Series) else [str(t) for t in statements]
        texts = [neutralise(t) for t in texts]
    title = neutralise(" ".join(str(title or "").split())[:68])[:68]
    parts = [("the title", title)] + [(f"Q-sort id {i!r}", i) for i in ids]
    parts += [(f"statement {k}", t) for k, t in enumerate(texts or [], start=1)]
    if encoding is None:
        encoding = choose_codepage("".join(t for _, t in parts))
    else:
        try:
            "".encode(encoding)
        except LookupError as exc:
            raise QMethodError(f"Unknown encoding {encoding!r}.") from exc
    fixed = _encode_texts(parts, encoding, warns)
    sorts = sorts.set_axis([fixed[f"Q-sort id {i!r}"] for i in ids], axis=1)
    dat = to_dat(sorts, distribution=distribution, title=fixed["the title"])
    dat_path = Path(dat_path)
    dat_path.write_bytes(dat.encode(encoding))
    texts = [fixed[f"statement {k}"] for k in range(1, len(texts) + 1)]
    if any(len(t) > 60 for t in texts):
        warns.append("Some statements are longer than 60 characters; PQMethod may cut them when it prints.")
    sta_path = dat_path.with_suffix(".STA" if dat_path.suffix.isupper() else ".sta")
    sta_path.write_bytes(to_sta(texts).encode(encoding))
    if placeholders:
        warns.append(f"No statement texts were given: {sta_path.name} holds placeholders ('{texts[0].strip()}', ...), "
                     "one line per statement as PQMethod needs; replace them with the statements in PQMethod's "
                     "STATES (or give the texts: statements=..., --statements FILE on the command line).")
    return warns
