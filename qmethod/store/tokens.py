"""Participant tokens and resume codes.

* token: 256 random bits (``secrets.token_urlsafe(32)``), kept by the participant's browser; the
  database stores only its SHA-256.
* resume code: 10 characters from an alphabet without look-alikes (no 0/O, 1/I/L), shown as
  ``ABCDE-FGHJK`` (about 49.5 bits); typed on another device it continues the same sort. Stored as
  SHA-256 too. Typing is forgiving: case, spaces and dashes are ignored.
"""
from __future__ import annotations

import hashlib
import secrets

__all__ = ["ALPHABET", "CODE_LENGTH", "new_token", "new_resume_code", "normalize_resume_code", "digest"]

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10


def new_token() -> str:
    """A fresh participant token (256 random bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def new_resume_code() -> str:
    """A fresh resume code such as ``K7PMR-3XWQA``."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def normalize_resume_code(code: str) -> str | None:
    """The canonical ``XXXXX-XXXXX`` form of a typed code, or ``None`` if it cannot be a code."""
    if not isinstance(code, str):
        return None
    raw = "".join(ch for ch in code.upper() if not ch.isspace() and ch not in "-_.")
    if len(raw) != CODE_LENGTH or any(ch not in ALPHABET for ch in raw):
        return None
    return f"{raw[:5]}-{raw[5:]}"


def digest(secret: str) -> str:
    """SHA-256 hex digest used to store tokens and codes (both are random, so no salt is needed)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
