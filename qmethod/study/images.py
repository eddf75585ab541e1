"""Media files of statements: pictures (picture statements) and recordings (a statement read aloud
by a recorded voice), which files a study may use, and reading them from the study folder.

A picture must be PNG, JPEG or WebP, a recording MP3, Ogg or WAV, each recognised by its first
bytes (never by its name). A picture is at most :data:`MAX_IMAGE_BYTES` long, a recording at most
:data:`MAX_AUDIO_BYTES`. The bytes are stored with the published study and served by
``qmethod.web.media`` under their SHA-256, so every app process serves the same file.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path, PurePosixPath

__all__ = ["MAX_IMAGE_BYTES", "MEDIA_TYPES", "MAX_AUDIO_BYTES", "AUDIO_TYPES", "image_type", "audio_type",
           "read_image", "read_audio"]

#: Largest picture a study may use, in bytes (2 MB).
MAX_IMAGE_BYTES = 2 * 1024 * 1024
#: The picture types a study may use.
MEDIA_TYPES: tuple[str, ...] = ("image/png", "image/jpeg", "image/webp")
#: Largest recording a study may use, in bytes (5 MB: several minutes of speech as MP3).
MAX_AUDIO_BYTES = 5 * 1024 * 1024
#: The recording types a study may use.
AUDIO_TYPES: tuple[str, ...] = ("audio/mpeg", "audio/ogg", "audio/wav")


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


def audio_type(data: bytes) -> str | None:
    """The media type of ``data`` from its magic bytes (``audio/mpeg`` for MP3 with an ID3 tag or
    starting with an MPEG audio frame, ``audio/ogg``, ``audio/wav``), or ``None`` for anything else."""
    if data.startswith(b"ID3") or (len(data) >= 2 and data[0] == 0xFF and data[1] & 0xE6 == 0xE2):
        return "audio/mpeg"
    if data.startswith(b"OggS"):
        return "audio/ogg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav"
    return None


def _read(folder: Path, file: str, kind_of: Callable[[bytes], str | None], limit: int, what: str,
          types: str) -> tuple[bytes, str, str]:
    rel = PurePosixPath(file.replace("\\", "/"))
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise ValueError(f"{file!r} must be a path inside the study folder, such as 'images/s01.png'")
    path = folder / Path(*rel.parts)
    if not path.is_file():
        raise ValueError(f"the {what} file {file!r} does not exist in {folder}")
    size = path.stat().st_size
    if size > limit:
        raise ValueError(f"the {what} file {file!r} is {size / 1024 / 1024:.1f} MB; "
                         f"the limit is {limit // (1024 * 1024)} MB")
    data = path.read_bytes()
    kind = kind_of(data)
    if kind is None:
        raise ValueError(f"the {what} file {file!r} is not {types}")
    return data, kind, hashlib.sha256(data).hexdigest()


def read_image(folder: Path, file: str) -> tuple[bytes, str, str]:
    """Read picture ``file`` (relative to the study ``folder``) and check it.

    Returns ``(data, media_type, sha256 hex)``. Raises :class:`ValueError` with a message naming the
    problem (outside the folder, missing, too large, not PNG/JPEG/WebP).
    """
    return _read(folder, file, image_type, MAX_IMAGE_BYTES, "image", "a PNG, JPEG or WebP picture")


def read_audio(folder: Path, file: str) -> tuple[bytes, str, str]:
    """Read recording ``file`` (relative to the study ``folder``) and check it.

    Returns ``(data, media_type, sha256 hex)``. Raises :class:`ValueError` with a message naming the
    problem (outside the folder, missing, too large, not MP3/Ogg/WAV).
    """
    return _read(folder, file, audio_type, MAX_AUDIO_BYTES, "recording", "an MP3, Ogg or WAV recording")
