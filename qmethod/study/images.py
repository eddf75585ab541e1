"""Picture statements: which image files a study may use, and reading them from the study folder.

A picture must be PNG, JPEG or WebP (recognised by its first bytes, never by its name) and at most
:data:`MAX_IMAGE_BYTES` long. The bytes are stored with the published study and served by
``qmethod.web.media`` under their SHA-256, so every app process serves the same picture.
"""
from __future__ import annotations

import hashlib
from pathlib import Path, PurePosixPath

__all__ = ["MAX_IMAGE_BYTES", "MEDIA_TYPES", "image_type", "read_image"]

#: Largest picture a study may use, in bytes (2 MB).
MAX_IMAGE_BYTES = 2 * 1024 * 1024
#: The picture types a study may use.
MEDIA_TYPES: tuple[str, ...] = ("image/png", "image/jpeg", "image/webp")


def image_type(data: bytes) -> str | None:
    """The media type of ``data`` from its magic bytes (``image/png``, ``image/jpeg``,
    ``image/webp``), or ``None`` for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def read_image(folder: Path, file: str) -> tuple[bytes, str, str]:
    """Read picture ``file`` (relative to the study ``folder``) and check it.

    Returns ``(data, media_type, sha256 hex)``. Raises :class:`ValueError` with a message naming the
    problem (outside the folder, missing, too large, not PNG/JPEG/WebP).
    """
    rel = PurePosixPath(file.replace("\\", "/"))
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise ValueError(f"{file!r} must be a path inside the study folder, such as 'images/s01.png'")
    path = folder / Path(*rel.parts)
    if not path.is_file():
        raise ValueError(f"the image file {file!r} does not exist in {folder}")
    size = path.stat().st_size
    if size > MAX_IMAGE_BYTES:
        raise ValueError(f"the image file {file!r} is {size / 1024 / 1024:.1f} MB; "
                         f"the limit is {MAX_IMAGE_BYTES // (1024 * 1024)} MB")
    data = path.read_bytes()
    kind = image_type(data)
    if kind is None:
        raise ValueError(f"the image file {file!r} is not a PNG, JPEG or WebP picture")
    return data, kind, hashlib.sha256(data).hexdigest()
