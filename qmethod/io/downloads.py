"""Downloads of a result, each built on its own: one that fails leaves every other one available.

A page calls :func:`download` once per button (or :func:`downloads` for all of them) and shows either
the file or, in its place, the :attr:`Download.error` message. Nothing here raises for a problem in
the data: before, one control character in a statement made the Excel export raise, and a page that
built every download in one go showed none.
"""
from __future__ import annotations

import io
import logging
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

__all__ = ["Download", "DOWNLOADS", "download", "downloads"]

_log = logging.getLogger(__name__)


def _xlsx(result: Any, imported: Any, stem: str) -> bytes:
    from qmethod.io.excel_report import write_excel
    return write_excel(result, imported=imported)


def _csv(result: Any, imported: Any, stem: str) -> bytes:
    from qmethod.io.csv_export import write_csv_zip
    return write_csv_zip(result, imported=imported)


def _json(result: Any, imported: Any, stem: str) -> bytes:
    return result.to_json().encode("utf-8")


def _report(result: Any, imported: Any, stem: str) -> bytes:
    from qmethod.io.text_report import text_report
    return text_report(result, imported=imported).encode("utf-8")


def _pqmethod(result: Any, imported: Any, stem: str) -> bytes:
    from qmethod.io.pqmethod import write_pqmethod
    data = imported if imported is not None else result.sorts.astype(int)
    texts = None if imported is not None else result.statements
    buf = io.BytesIO()
    with tempfile.TemporaryDirectory() as tmp:
        notes = write_pqmethod(data, Path(tmp) / f"{(stem[:8].upper() or 'STUDY')}.DAT", statements=texts)
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in sorted(Path(tmp).iterdir()):
                zf.write(f, f.name)
            if notes:
                zf.writestr("NOTES.txt", "\r\n".join(notes) + "\r\n")
    return buf.getvalue()


#: kind -> (label, file name suffix, MIME type, builder(result, imported, stem) -> bytes)
DOWNLOADS: dict[str, tuple[str, str, str, Callable[[Any, Any, str], bytes]]] = {
    "xlsx": ("Excel workbook", ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _xlsx),
    "csv": ("CSV tables (ZIP)", "-csv.zip", "application/zip", _csv),
    "json": ("JSON (qmethod.result/1)", ".json", "application/json", _json),
    "report": ("Text report (.LIS order)", ".txt", "text/plain", _report),
    "pqmethod": ("PQMethod .DAT/.STA (ZIP)", "-pqmethod.zip", "application/zip", _pqmethod),
}


@dataclass(frozen=True)
class Download:
    """One download: the file (``data``) or, when it could not be made, ``error`` (a message to show)."""

    kind: str
    label: str
    file_name: str
    mime: str
    data: bytes | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the file was made."""
        return self.data is not None


def download(result: Any, kind: str, *, imported: Any = None, stem: str = "qmethod") -> Download:
    """Build one download of ``result``.

    Parameters
    ----------
    result : AnalysisResult
    kind : str
        A key of :data:`DOWNLOADS` (``xlsx``, ``csv``, ``json``, ``report``, ``pqmethod``).
    imported : ImportedData, optional
        The data read from a file (title, statements, warnings for the reports).
    stem : str
        File name without suffix.

    Returns
    -------
    Download
        With ``data``, or with ``error`` when building this one failed (logged with its traceback).

    Raises
    ------
    ValueError
        Only for an unknown ``kind``.
    """
    if kind not in DOWNLOADS:
        raise ValueError(f"Unknown download {kind!r}; choose one of {', '.join(DOWNLOADS)}.")
    label, suffix, mime, build = DOWNLOADS[kind]
    name = (stem or "qmethod") + suffix
    try:
        return Download(kind, label, name, mime, data=build(result, imported, stem))
    except Exception as exc:  # noqa: BLE001 - one failed export must not take the others down
        _log.exception("download %s failed", kind)
        return Download(kind, label, name, mime,
                        error=f"The {label} could not be made ({type(exc).__name__}: {exc}); the other downloads "
                              "are not affected.")


def downloads(result: Any, *, imported: Any = None, stem: str = "qmethod",
              kinds: tuple[str, ...] | None = None) -> tuple[Download, ...]:
    """:func:`download` for each of ``kinds`` (default: every kind in :data:`DOWNLOADS`), each on its own."""
    return tuple(download(result, k, imported=imported, stem=stem) for k in (kinds or tuple(DOWNLOADS)))
