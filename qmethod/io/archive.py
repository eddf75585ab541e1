"""ZIP archives (xlsx workbooks, KADE projects) and XML from outside, checked before any parser sees them.

Every limit is applied to the archive's directory and to the raw member bytes, so neither format
detection nor a reader nor openpyxl unpacks or parses anything that fails one:

* at most :data:`MAX_MEMBERS` members and a directory of at most :data:`MAX_DIRECTORY` bytes, both
  read from the archive's end record before :mod:`zipfile` reads the directory (a directory of
  200,000 empty entries took 3.4 s and 111 MB to read before it was refused);
* the members together unpack to at most 10 x ``max_bytes`` (:data:`UNPACK_FACTOR`; ``max_bytes`` is
  the file limit, 20 MB by default, so 200 MB). The sizes are those the archive declares: Python's
  :mod:`zipfile` never hands out more than a member declares (the surplus fails its CRC check);
* no member larger than 1 MB unpacks to more than :data:`MAX_RATIO` times its packed size (whatever
  ``max_bytes`` is; real workbooks pack 5-30 times, a deflate bomb up to 1,000 times), and neither does
  the whole archive once it unpacks to more than 1 MB (many small bombs, each below the 1 MB floor);
* XML members have no document type declaration (``<!DOCTYPE``), hence no entity declarations and
  no external DTD, in UTF-8, UTF-16 or any ASCII-compatible encoding; XML declaring any other encoding
  is refused. Entity chains are what crashes expat before 2.7.0 (CVE-2024-8176) and what XML bombs
  ("billion laughs") are made of; no Office file needs them.

openpyxl also parses through ``defusedxml`` (a dependency), which refuses entity declarations too.
"""
from __future__ import annotations

import io
import re
import zipfile

from qmethod.errors import FormatError

__all__ = ["open_zip", "check_xml", "check_xml_members", "MAX_MEMBERS", "MAX_DIRECTORY", "MAX_RATIO",
           "UNPACK_FACTOR"]

#: Most members a ZIP or xlsx may hold (a workbook of Q-sorts has some 10-40; every member costs a
#: directory entry to read and a part to check).
MAX_MEMBERS = 1_000
#: Largest directory (central directory) of a ZIP or xlsx, in bytes: 256 per member allowed.
MAX_DIRECTORY = 256 * MAX_MEMBERS
#: Largest unpacked/packed size ratio of one member above :data:`_RATIO_FLOOR` bytes.
MAX_RATIO = 200
#: The members of an archive may unpack to this many times the file limit ``max_bytes``.
UNPACK_FACTOR = 10
_RATIO_FLOOR = 1024 * 1024

_MARKERS = tuple(m.encode(enc) for m in ("<!doctype", "<!entity") for enc in ("utf-8", "utf-16-le", "utf-16-be"))
_OVERLAP = max(len(m) for m in _MARKERS) - 1
_DECL_ENCODING = re.compile(rb"^\s*<\?xml[^>]*?\sencoding\s*=\s*[\"']([A-Za-z0-9._\-]+)[\"']", re.IGNORECASE)
_SAFE_ENCODINGS = {"utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "iso-8859-15",
                   "windows-1252", "cp1252", "utf-16", "utf-16le", "utf-16be"}
_BINARY = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".emf", ".wmf", ".bin", ".wdp")


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


def _end_record(data: bytes) -> tuple[int, int] | None:
    """(members, directory bytes) as the archive's end record declares them (ZIP64 too), read without
    reading the directory; None when there is no end record (:mod:`zipfile` then says what is wrong)."""
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 65_535))
    if at < 0 or len(data) < at + 22:
        return None
    members = int.from_bytes(data[at + 10:at + 12], "little")
    size = int.from_bytes(data[at + 12:at + 16], "little")
    loc = at - 20  # a ZIP64 end record and its locator come just before
    if (members == 0xFFFF or size == 0xFFFFFFFF) and loc >= 56 and data[loc:loc + 4] == b"PK\x06\x07":
        z64 = data[loc - 56:loc]
        if z64[:4] == b"PK\x06\x06":
            members = int.from_bytes(z64[32:40], "little")
            size = int.from_bytes(z64[40:48], "little")
    return members, size


def open_zip(data: bytes, name: str, *, max_bytes: int | None, what: str = "ZIP archive") -> zipfile.ZipFile:
    """Open a ZIP (also xlsx) held in ``data`` after checking its directory against the limits above.

    Parameters
    ----------
    data : bytes
        The whole archive.
    name : str
        File name for messages.
    max_bytes : int or None
        The file limit; members may unpack to :data:`UNPACK_FACTOR` times it in total. None lifts the
        total (the member count and ratio limits stay).
    what : str
        What the archive is, for messages ("xlsx workbook").

    Returns
    -------
    zipfile.ZipFile
        Open on ``data``; nothing has been unpacked yet.

    Raises
    ------
    qmethod.errors.FormatError
        Not a readable ZIP, or over a limit (the message names the member and the limit).
    """
    end = _end_record(data)
    if end is not None and end[0] > MAX_MEMBERS:
        raise FormatError(f"{name}: the {what} holds {end[0]:,} files; the limit is {MAX_MEMBERS:,}.")
    if end is not None and end[1] > MAX_DIRECTORY:
        raise FormatError(f"{name}: the {what}'s list of files takes {end[1]:,} bytes; the limit is "
                          f"{MAX_DIRECTORY:,}.")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise FormatError(f"{name}: not a readable {what} ({exc}).") from exc
    try:
        if len(infos) > MAX_MEMBERS:  # an end record that understates the count
            raise FormatError(f"{name}: the {what} holds {len(infos):,} files; the limit is {MAX_MEMBERS:,}.")
        total = sum(i.file_size for i in infos)
        if max_bytes is not None and total > UNPACK_FACTOR * max_bytes:
            raise FormatError(f"{name}: the {what} unpacks to {_mb(total)}; the limit is "
                              f"{_mb(UNPACK_FACTOR * max_bytes)} ({UNPACK_FACTOR} x max_bytes).")
        for info in infos:
            if info.file_size > _RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise FormatError(f"{name}: {info.filename} in the {what} unpacks from {info.compress_size:,} bytes "
                                  f"to {_mb(info.file_size)}, more than {MAX_RATIO} times; such a file is refused "
                                  "as a ZIP bomb.")
        if total > _RATIO_FLOOR and total > MAX_RATIO * len(data):
            raise FormatError(f"{name}: the {what} unpacks from {len(data):,} bytes to {_mb(total)}, more than "
                              f"{MAX_RATIO} times; such a file is refused as a ZIP bomb.")
    except FormatError:
        zf.close()
        raise
    return zf


def check_xml(head: bytes, name: str) -> None:
    """Refuse XML whose first bytes declare an encoding in which :func:`check_xml_members` cannot see markup.

    ``head`` is the start of the document (its XML declaration, if any). UTF-16 (recognised by its
    byte order mark or its first ``<``) and ASCII-compatible encodings pass.
    """
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")):
        return
    m = _DECL_ENCODING.match(head.removeprefix(b"\xef\xbb\xbf"))
    if m is not None and m.group(1).decode("ascii").lower() not in _SAFE_ENCODINGS:
        raise FormatError(f"{name}: XML in the encoding {m.group(1).decode('ascii')!r} is not accepted; "
                          "expected UTF-8 or UTF-16.")


def _member_has_doctype(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> bool:
    tail = b""
    first = True
    with zf.open(info) as fh:
        while True:
            chunk = fh.read(1024 * 1024)
            if not chunk:
                return False
            if first:
                check_xml(chunk[:200], name)
                first = False
            window = (tail + chunk).lower()
            if any(m in window for m in _MARKERS):
                return True
            tail = window[-_OVERLAP:]


def check_xml_members(zf: zipfile.ZipFile, name: str, *, what: str = "xlsx workbook") -> None:
    """Refuse an archive any of whose text members holds a DOCTYPE or an entity declaration.

    Reads every member but pictures and binary parts in 1 MB pieces (bounded by :func:`open_zip`'s
    limits, which must have been applied to ``zf``). FormatError names the member.
    """
    for info in zf.infolist():
        if info.is_dir() or info.filename.lower().endswith(_BINARY):
            continue
        where = f"{name}: {info.filename}"
        try:
            found = _member_has_doctype(zf, info, where)
        except FormatError:
            raise
        except Exception as exc:  # zlib.error, BadZipFile (CRC), NotImplementedError (encrypted), ...
            raise FormatError(f"{name}: cannot unpack {info.filename} from the {what} "
                              f"({type(exc).__name__}: {exc}).") from exc
        if found:
            raise FormatError(f"{name}: {info.filename} in the {what} holds a DOCTYPE or entity declaration, "
                              "which no Excel file needs; such XML is refused (it can be an XML bomb).")
