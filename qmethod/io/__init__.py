"""File formats: read every Q-sort format researchers already have; write results and data back out.

Reading
-------
:func:`read` detects the format (or takes ``format=``) and returns :class:`ImportedData`
(statements x Q-sorts DataFrame, statements, distribution, forced or not, warnings).

========================  ======================================================================
format                    file
========================  ======================================================================
``csv``                   generic CSV, statements x sorts or sorts x statements (``rows=``)
``xlsx``                  generic Excel sheet, either orientation (``sheet=``, ``rows=``)
``long``                  CSV/xlsx with one row per participant, statement, value
``pqmethod``              PQMethod ``.DAT`` (+ ``.STA`` found next to it, or ``statements=``)
``kenq-csv``              KADE / Ken-Q CSV: ``participants,s1,..`` then ``name,v1,..`` (any line ending)
``kenq-type1``            Ken-Q / KADE Excel type 1 ("by pile": statement numbers per grid cell)
``kenq-type2``            Ken-Q / KADE Excel type 2 ("by statement": values per statement)
``kade-zip``              KADE project ZIP (name.txt, pattern.txt, sorts.txt, statements.txt)
``htmlq-csv``             HtmlQ / FlashQ backend CSV (``;``, columns sid, uid, s1.. and others)
``eqwebsort-json``        EQ Web Sort / Ken-Q Sort / Easy HtmlQ Firebase JSON (``id_field=``)
``eqwebsort-sheets``      EQ Web Sort Google Sheets CSV (cells ``key: value``; also Quince Baserow CSV)
``eqwebsort-netlify``     EQ Web Sort Netlify CSV (one ``key:| value | ...`` string per row)
========================  ======================================================================

Writing
-------
:func:`write_excel` (full results, a sheet per table), :func:`write_csv_zip` (the same tables as CSV),
:func:`write_json` (the result's JSON schema), :func:`text_report` / :func:`write_text_report` (PQMethod
``.LIS`` section order), :func:`write_pqmethod` (``.DAT``/``.STA``), :func:`write_sorts_csv` (data as
generic CSV), :func:`to_statements_xml` / :func:`to_map_xml` (HtmlQ / EQ Web Sort settings files).
Text that a spreadsheet could run as a formula is neutralised in every CSV and xlsx export.
:func:`download` builds one export for a page (file or error message, never an exception), so one
export that fails leaves the others available.

Every problem with a file is raised as :class:`qmethod.errors.FormatError` naming the file, the line
(or sheet and cell) and what was expected.
"""
from __future__ import annotations

import importlib
from typing import Any, Sequence

from qmethod.errors import FormatError, QMethodError
from qmethod.io._text import DEFAULT_MAX_BYTES, load_source
from qmethod.io.detect import detect_format
from qmethod.io.imported import ImportedData
from qmethod.io.statements import read_statements

from qmethod.io.csv_export import write_csv_zip, write_json, write_sorts_csv  # noqa: E402
from qmethod.io.downloads import DOWNLOADS, Download, download, downloads  # noqa: E402
from qmethod.io.excel_report import write_excel  # noqa: E402
from qmethod.io.htmlq import to_map_xml, to_statements_xml  # noqa: E402
from qmethod.io.pqmethod import write_pqmethod  # noqa: E402
from qmethod.io.text_report import text_report, write_text_report  # noqa: E402

__all__ = ["read", "read_statements", "detect", "ImportedData", "FORMATS", "DEFAULT_MAX_BYTES",
           "write_excel", "write_csv_zip", "write_json", "text_report", "write_text_report", "write_pqmethod",
           "write_sorts_csv", "to_statements_xml", "to_map_xml", "download", "downloads", "Download", "DOWNLOADS"]

#: format name -> (module, function, description, options the reader accepts)
FORMATS: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    "csv": ("table", "read_csv", "generic CSV (statements x sorts or sorts x statements)",
            ("rows", "encoding", "delimiter", "statements", "distribution")),
    "xlsx": ("table", "read_xlsx", "generic Excel sheet (statements x sorts or sorts x statements)",
             ("rows", "sheet", "statements", "distribution", "max_bytes")),
    "long": ("table", "read_long", "long table: participant, statement, value (CSV or xlsx)",
             ("encoding", "delimiter", "sheet", "statements", "distribution", "max_bytes")),
    "pqmethod": ("pqmethod", "read_dat", "PQMethod .DAT (+ .STA)", ("encoding", "statements")),
    "kenq-csv": ("kenq", "read_kenq_csv", "KADE / Ken-Q CSV (participants x statements)",
                 ("encoding", "delimiter", "statements", "distribution")),
    "kenq-type1": ("kenq", "read_type1", "Ken-Q Excel type 1 (by pile)", ("statements", "max_bytes")),
    "kenq-type2": ("kenq", "read_type2", "Ken-Q Excel type 2 (by statement)",
                   ("statements", "distribution", "max_bytes")),
    "kade-zip": ("kenq", "read_kade_zip", "KADE project ZIP", ("encoding", "statements", "max_bytes")),
    "htmlq-csv": ("htmlq", "read_htmlq_csv", "HtmlQ / FlashQ CSV", ("encoding", "id_field", "statements",
                                                                    "distribution")),
    "eqwebsort-json": ("eqwebsort", "read_firebase_json", "EQ Web Sort / Easy HtmlQ Firebase JSON",
                       ("encoding", "id_field", "statements", "distribution", "strict")),
    "eqwebsort-sheets": ("eqwebsort", "read_sheets_csv", "EQ Web Sort Google Sheets CSV (key: value cells)",
                         ("encoding", "id_field", "statements", "distribution", "strict")),
    "eqwebsort-netlify": ("eqwebsort", "read_netlify_csv", "EQ Web Sort Netlify CSV",
                          ("encoding", "id_field", "statements", "distribution", "strict")),
}

_ALIASES = {"dat": "pqmethod", "kade-csv": "kenq-csv", "kade": "kade-zip", "zip": "kade-zip",
            "firebase": "eqwebsort-json", "easyhtmlq": "eqwebsort-json", "json": "eqwebsort-json",
            "htmlq": "htmlq-csv", "sheets": "eqwebsort-sheets", "netlify": "eqwebsort-netlify",
            "excel": "xlsx", "type1": "kenq-type1", "type2": "kenq-type2"}


def detect(source: Any, *, name: str | None = None, max_bytes: int | None = DEFAULT_MAX_BYTES) -> str:
    """The format name :func:`read` would use for ``source``."""
    return detect_format(load_source(source, name=name, max_bytes=max_bytes), max_bytes=max_bytes)


def read(source: Any, *, format: str | None = None, name: str | None = None,
         statements: Any = None, distribution: Sequence[int] | None = None, id_field: str | None = None,
         rows: str = "auto", sheet: str | int | None = None, encoding: str | None = None,
         delimiter: str | None = None, max_bytes: int | None = DEFAULT_MAX_BYTES,
         strict: bool | None = None) -> ImportedData:
    """Read Q-sorts (and statements) from a file in any supported format.

    Parameters
    ----------
    source : path, bytes or binary file object
        The data file. For PQMethod give the ``.DAT``; its ``.STA`` is picked up from the same folder.
    format : str, optional
        One of :data:`FORMATS` (default: detected from the name and content).
    name : str, optional
        File name used in messages (default: the path's name, or "uploaded file" for bytes).
    statements : path, bytes, file object or list of str, optional
        Statement texts when the data file has none (KADE CSV, Firebase JSON...) or to replace them.
    distribution : sequence of int, optional
        The grid (every cell's value, e.g. ``[-4, -4, -3, ...]``) when the file declares none.
        Default: the sorted values the Q-sorts share.
    id_field : str, optional
        For online-sorting exports: the field that names the participant (EQ Web Sort: ``randomId``
        by default; ``partId``, ``urlUsercode``, any survey field, or ``key`` for the record key).
    rows : {"auto", "statements", "sorts"}
        Generic tables: what one row is (default: decided from labels and values).
    sheet : str or int, optional
        Generic xlsx: the sheet to read (default: the first).
    encoding : str, optional
        Text encoding (default: UTF-8 with or without BOM, else Shift_JIS if the text reads as Japanese,
        else cp1252; PQMethod ``.DAT``/``.STA`` and statement files: cp1252 or the DOS code page cp865,
        cp850 or cp437, whichever reads as text).
    delimiter : str, optional
        CSV delimiter (default: sniffed among ``,`` ``;`` tab ``|``).
    max_bytes : int or None
        Largest accepted file, default :data:`DEFAULT_MAX_BYTES` (20 MB); ZIP/xlsx content may unpack to
        10 times that. None disables the limit.
    strict : bool, optional
        Online-sorting exports (EQ Web Sort, Easy HtmlQ): True refuses a file with an incomplete record
        (a participant who left before the sort); by default such records are skipped, each named in
        :attr:`ImportedData.warnings`.

    Returns
    -------
    ImportedData

    Raises
    ------
    qmethod.errors.FormatError
        The file cannot be read as the stated or detected format; the message names file, line/cell
        and what was expected.
    """
    src = load_source(source, name=name, max_bytes=max_bytes)
    fmt = (format or "").strip().lower() or None
    if fmt is not None:
        fmt = _ALIASES.get(fmt, fmt)
        if fmt not in FORMATS:
            raise FormatError(f"Unknown format {format!r}; choose one of {', '.join(FORMATS)}.")
    else:
        fmt = detect_format(src, max_bytes=max_bytes)
    module, func, _, accepted = FORMATS[fmt]
    given = {"statements": statements, "distribution": distribution, "id_field": id_field,
             "sheet": sheet, "encoding": encoding, "delimiter": delimiter, "strict": strict}
    if rows != "auto":
        given["rows"] = rows
    opts: dict[str, Any] = {}
    for key, value in given.items():
        if value is None:
            continue
        if key not in accepted:
            raise FormatError(f"The option {key}= does not apply to the {fmt} format ({src.name}).")
        opts[key] = value
    if "max_bytes" in accepted:
        opts["max_bytes"] = max_bytes
    if "statements" in opts and not (isinstance(statements, (list, tuple))
                                     and all(isinstance(s, str) for s in statements)):
        opts["statements"] = read_statements(statements, encoding=encoding, max_bytes=max_bytes)
    elif "statements" in opts:
        opts["statements"] = list(statements)
    reader = getattr(importlib.import_module(f"qmethod.io.{module}"), func)
    try:
        return reader(src, **opts)
    except QMethodError:
        raise
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001
        # A backstop: readers check what they read, but a file can be broken in more ways than anyone lists.
        # The fuzz tests treat reaching it as a bug (``backstop`` attribute).
        err = FormatError(f"{src.name}: not a readable {fmt} file ({type(exc).__name__}: {exc}).")
        err.backstop = True
        raise err from exc
