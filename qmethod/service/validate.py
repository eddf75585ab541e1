"""Checks every text from outside passes at the service boundary before it reaches the database."""
from __future__ import annotations

from typing import Any

from ..errors import QMethodError

__all__ = ["check_text"]


def check_text(value: Any, what: str, error: type[QMethodError] = QMethodError) -> Any:
    """``value`` unchanged; :class:`~qmethod.errors.QMethodError` (or ``error``) if it is a text
    holding a NUL character, which no database column may store (PostgreSQL refuses it outright).

    Lists and dicts are checked item by item. ``what`` names the field in the message."""
    if isinstance(value, str):
        if "\x00" in value:
            raise error(f"{what} contains a NUL character (\\x00), which is not allowed. "
                        "Remove it and try again.")
    elif isinstance(value, (list, tuple)):
        for item in value:
            check_text(item, what, error)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(key, what, error)
            check_text(item, what, error)
    return value
