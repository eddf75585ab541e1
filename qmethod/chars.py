"""Characters that data may carry and no output can: one place that cleans text at input and output.

* :func:`clean_text` - for text typed, pasted or imported (statements, Q-sort names, study texts). The
  line break Word and PowerPoint put in pasted text (vertical tab, ``\\x0b``) and the other line and
  paragraph separators become a line break (``multiline=True``) or a space; every other control
  character, and the code points no XML document may hold (U+FFFE, U+FFFF, lone surrogates), is
  removed, as are terminal escape sequences (``\x1b[2J``). Tabs stay. Excel cannot store a control character; before this a single ``\\x0b`` in a
  statement made the whole workbook export fail.
* :func:`text_lines` - lines of pasted text split at CR/LF only (``str.splitlines`` also splits at
  ``\\x0b``, so a statement pasted from Word silently became two statements).
* :func:`strip_ansi` - text from data made safe to print on a terminal: ANSI escape sequences and other
  control characters removed (a sort named ``\\x1b[2J`` cleared the researcher's screen).
"""
from __future__ import annotations

import re

__all__ = ["clean_text", "text_lines", "strip_ansi", "LINE_SEPARATORS", "NUL"]

#: Characters that separate lines in text from word processors and other systems (besides CR and LF).
LINE_SEPARATORS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
#: The NUL character, which data files and input fields refuse outright (see the readers).
NUL = "\x00"

_SEPARATORS = re.compile(f"\r\n|[\r{LINE_SEPARATORS}]")
_DROP = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff\ud800-\udfff]")
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])|\x9b[0-?]*[ -/]*[@-~]")
_TERMINAL_DROP = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(text: str, *, multiline: bool = False) -> str:
    """``text`` without control characters (see the module notes); line separators become ``"\\n"``
    (``multiline``) or a space. Idempotent; plain text is returned unchanged."""
    text = _SEPARATORS.sub("\n", _ANSI.sub("", text))
    if not multiline:
        text = text.replace("\n", " ")
    return _DROP.sub("", text)


def text_lines(text: str) -> list[str]:
    """The lines of ``text`` split at CRLF, CR or LF only, each cleaned with :func:`clean_text`."""
    return [clean_text(line) for line in re.split(r"\r\n|\r|\n", text or "")]


def strip_ansi(text: str) -> str:
    """``text`` safe to print on a terminal: escape sequences and control characters but TAB/LF removed."""
    return _TERMINAL_DROP.sub("", _ANSI.sub("", text))
