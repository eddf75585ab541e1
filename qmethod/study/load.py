"""Reading and validating study files (TOML).

:func:`load_study` reads ``study.toml`` (or a folder holding one), :func:`parse_study` validates the
parsed structure (also used for the copy stored in the database). All problems are collected and
raised together as one :class:`~qmethod.errors.StudyError` whose message names the file, the line and
the field of each, e.g. ``study.toml line 41: statements[3].text: missing text for language 'en'``.
"""
from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from ..chars import NUL, clean_text
from ..errors import StudyError
from .model import (
    QUESTION_TYPES,
    Condition,
    Consent,
    Grid,
    GridColumn,
    Option,
    PostSort,
    Question,
    Statement,
    StatementAudio,
    StatementImage,
    Study,
)
from .images import AUDIO_TYPES, MEDIA_TYPES, read_audio, read_image

__all__ = ["load_study", "loads_study", "parse_study", "STUDY_FILE"]

STUDY_FILE = "study.toml"
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}$")
#: most conditions of instruction a study may have
MAX_CONDITIONS = 20
_CONDITION_ID = re.compile(r"^[a-z0-9_]{1,16}$")
_STUDY_ID = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,63}$")
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")

#: Deepest nesting of arrays and inline tables a study file may use (the format needs 3).
MAX_NESTING = 16
#: Bounds of the whole numbers a study file holds: (lowest, highest) per field.
LIMITS = {"score": (-20, 20), "count": (1, 10_000), "max_length": (1, 1_000_000), "min_choices": (0, 10_000),
          "max_choices": (0, 10_000)}
#: Largest magnitude of a number question's min and max.
MAX_NUMBER = 1e15
#: Most problems a StudyError lists; the others are counted ("... and 199,980 more").
MAX_PROBLEMS = 20
#: a Markdown picture in a study text (``![alt](address)`` or ``![alt][name]``): the browser would fetch it
_MD_PICTURE = re.compile(r"!\[[^\]\n]*\]\s*[(\[]")
#: the start of the problem a study text with a picture by address gets (pages pick it out by this)
PICTURE_BY_ADDRESS = "shows a picture by address"


def load_study(path: str | Path) -> Study:
    """Read and validate a study file (``study.toml``, or a folder that contains one)."""
    p = Path(path)
    if p.is_dir():
        p = p / STUDY_FILE
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StudyError(f"Study file {p} does not exist.") from None
    except UnicodeDecodeError as exc:
        raise StudyError(f"{p}: the file is not UTF-8 text ({exc.reason} at byte {exc.start}).") from None
    return loads_study(text, source=str(p), folder=p.parent)


def loads_study(text: str, *, source: str = STUDY_FILE, folder: Path | None = None) -> Study:
    """Validate study TOML given as a string; ``source`` names it in error messages, ``folder`` is
    where picture statements' image files are (see :func:`parse_study`)."""
    deep = _too_deep(text)
    if deep is not None:
        line, key = deep
        raise StudyError(f"{source}: line {line}: {key or 'a value'}: arrays or tables nested more than "
                         f"{MAX_NESTING} levels deep; a study file needs at most 3.")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise StudyError(f"{source}: not valid TOML: {exc}") from None
    except (ValueError, RecursionError, MemoryError) as exc:  # e.g. a number of more than 4,300 digits
        m = re.search(r"[0-9_]{4000,}", text)
        if m is None:
            raise StudyError(f"{source}: not a readable study file ({type(exc).__name__}: {_clip(str(exc))}).") from None
        line = text.count("\n", 0, m.start()) + 1
        key = re.search(r"([A-Za-z0-9_\-]+)\s*=\s*[+-]?$", text[text.rfind("\n", 0, m.start()) + 1:m.start()])
        raise StudyError(f"{source}: line {line}: {key.group(1) if key else 'a value'}: a number of "
                         f"{m.end() - m.start()} digits; expected a small whole number.") from None
    return parse_study(data, source=source, lines=_KeyLines(text), folder=folder)


_SPECIAL = re.compile(r"[\"'#\[\]{}]")
_LINE_KEY = re.compile(r"\s*([^=\[\n]+?)\s*=")


def _too_deep(text: str) -> tuple[int, str] | None:
    """(line, key) where arrays/inline tables first nest deeper than :data:`MAX_NESTING`, else None.

    Scans outside strings and comments, so tomllib never recurses that deep (5,000 nested arrays
    exhaust Python's recursion limit). Jumps from one character that matters (quote, ``#``,
    bracket, brace) to the next, so plain ``key = value`` lines cost nothing; a bracket with only
    blanks before it on its line, outside any array, opens a table header and does not nest.
    """
    depth, opened = 0, 0  # opened: where the outermost open array or inline table starts
    i, n = 0, len(text)
    while True:
        m = _SPECIAL.search(text, i)
        if m is None:
            return None
        i, c = m.start(), m.group()
        if c in "\"'":
            triple = text.startswith(c * 3, i)
            end = text.find(c * 3, i + 3) if triple else i + 1
            if not triple:
                while end < n and text[end] != c and text[end] != "\n":
                    end += 2 if (c == '"' and text[end] == "\\") else 1
            i = (end + 3 if triple else end + 1) if end >= 0 else n
            continue
        if c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        if c in "[{":
            if depth == 0:
                line_start = text.rfind("\n", 0, i) + 1
                if not text[line_start:i].strip():
                    i += 1  # a table header
                    continue
                opened = i
            depth += 1
            if depth > MAX_NESTING:
                line_start = text.rfind("\n", 0, opened) + 1
                key = _LINE_KEY.match(text[line_start:opened + 1])
                return text.count("\n", 0, i) + 1, key.group(1).strip() if key else ""
        elif depth > 0:
            depth -= 1
        i += 1


def parse_study(data: dict[str, Any], *, source: str = "study", lines: "_KeyLines | None" = None,
                folder: Path | None = None, max_problems: int = MAX_PROBLEMS) -> Study:
    """Validate a parsed study structure and build the :class:`Study`.

    A picture statement's ``image`` file is read from ``folder`` and checked (see
    :mod:`qmethod.study.images`); without a folder (the copy stored in the database) its recorded
    ``image_sha256`` and ``image_type`` are used.

    Raises
    ------
    StudyError
        Listing every problem found, each with its field path (and line, when ``lines`` is given);
        the first ``max_problems`` of them are named, the others counted.
    """
    v = _Validator(data, source, lines)
    v.folder = folder
    v.max_problems = max_problems
    study = v.build()
    if v.count:
        n, shown = v.count, len(v.problems)
        head = f"{source}: {n:,} problem{'s' if n > 1 else ''} in the study definition:"
        more = [f"  ... and {n - shown:,} more (the first {shown} are listed)"] if n > shown else []
        err = StudyError("\n".join([head, *("  - " + p for p in v.problems), *more]))
        err.problems = list(v.problems)  # type: ignore[attr-defined]
        err.count = n  # type: ignore[attr-defined]
        raise err
    if study is None:  # cannot happen: no problems means a study was built
        raise StudyError(f"{source}: the study definition could not be read.")
    return study


class _KeyLines:
    """Maps field paths such as ``statements[3].text.en`` to the line where they are written.

    A light scan of the TOML text: table headers, arrays of tables and ``key = value`` lines (also
    dotted keys). Values inside multi-line strings are skipped. A path that is not written on a line of
    its own (an element of an inline array) maps to the line of its nearest written parent.
    """

    _HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
    _KEY = re.compile(r"""^\s*((?:[A-Za-z0-9_\-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_\-]+|"[^"]*"|'[^']*'))*)\s*=""")

    def __init__(self, text: str) -> None:
        self.text = text
        self._lines: dict[str, int] | None = None  # scanned on the first question (a valid file asks none)

    @property
    def lines(self) -> dict[str, int]:
        if self._lines is None:
            self._lines = {}
            self._scan(self.text)
        return self._lines

    def _scan(self, text: str) -> None:
        counts: dict[str, int] = {}
        prefix = ""
        in_multi: str | None = None
        for no, line in enumerate(text.splitlines(), start=1):
            if in_multi is not None:
                if line.count(in_multi) % 2 == 1:
                    in_multi = None
                continue
            m = self._HEADER.match(line)
            if m and not self._KEY.match(line):
                parts = self._split(m.group(2))
                resolved = self._resolve(parts[:-1], counts)
                path = f"{resolved}.{parts[-1]}" if resolved else parts[-1]
                if m.group(1) == "[[":
                    counts[path] = counts.get(path, 0) + 1
                    self._lines.setdefault(path, no)
                    path = f"{path}[{counts[path] - 1}]"
                prefix = path
                self._lines.setdefault(path, no)
                continue
            m = self._KEY.match(line)
            if m:
                parts = self._split(m.group(1))
                path = ".".join([prefix, *parts]) if prefix else ".".join(parts)
                self._lines.setdefault(path, no)
                rest = line[m.end():]
                for quote in ('"""', "'''"):
                    if rest.count(quote) % 2 == 1:
                        in_multi = quote
                        break

    @staticmethod
    def _split(key: str) -> list[str]:
        return [p.strip().strip("\"'") for p in re.findall(r"""(?:"[^"]*"|'[^']*'|[^.]+)""", key)]

    def _resolve(self, parts: list[str], counts: dict[str, int]) -> str:
        path = ""
        for part in parts:
            path = f"{path}.{part}" if path else part
            if path in counts:
                path = f"{path}[{counts[path] - 1}]"
        return path

    def line(self, path: str) -> int | None:
        """Line of ``path`` or of its nearest written parent; ``None`` if nothing matches."""
        while path:
            if path in self.lines:
                return self.lines[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return None


class _Validator:
    def __init__(self, data: dict[str, Any], source: str, lines: _KeyLines | None) -> None:
        self.data = data
        self.source = source
        self.lines = lines
        self.problems: list[str] = []  # the first max_problems, in the order found
        self.max_problems = MAX_PROBLEMS
        self.count = 0  # all problems found
        self.languages: tuple[str, ...] = ()
        self.folder: Path | None = None

    # -- reporting -------------------------------------------------------------------------------
    def problem(self, path: str, message: str) -> None:
        self.count += 1
        if len(self.problems) >= self.max_problems:
            return
        line = self.lines.line(path) if self.lines is not None else None
        where = f"line {line}: " if line is not None else ""
        self.problems.append(f"{where}{path}: {message}")

    def get(self, table: Any, path: str, key: str, kind: type | tuple[type, ...], *, required: bool = True,
            default: Any = None, what: str = "") -> Any:
        full = f"{path}.{key}" if path else key
        if not isinstance(table, dict) or key not in table:
            if required:
                self.problem(full, f"required field is missing{' (' + what + ')' if what else ''}")
            return default
        value = table[key]
        # bool is a subclass of int: keep them apart
        if isinstance(value, bool) and bool not in _tuple(kind):
            self.problem(full, f"expected {_kind_name(kind)}, got {_short(value)}")
            return default
        if not isinstance(value, kind):
            self.problem(full, f"expected {_kind_name(kind)}, got {_short(value)}")
            return default
        return value

    def whole(self, table: Any, path: str, key: str, *, required: bool = True) -> int | None:
        """A whole number within :data:`LIMITS` for ``key``."""
        value = self.get(table, path, key, int, required=required, default=None)
        lo, hi = LIMITS[key]
        if value is not None and not lo <= value <= hi:
            self.problem(f"{path}.{key}", f"expected a whole number from {lo} to {hi}, got {_short(value)}")
            return None
        return value

    def number(self, table: Any, path: str, key: str) -> float | int | None:
        """A finite number of magnitude at most :data:`MAX_NUMBER` (a number question's bound)."""
        value = self.get(table, path, key, (int, float), required=False, default=None)
        if value is not None and not (math.isfinite(value) and abs(value) <= MAX_NUMBER):
            self.problem(f"{path}.{key}", f"expected a finite number from -{MAX_NUMBER:.0e} to {MAX_NUMBER:.0e}, "
                                          f"got {_short(value)}")
            return None
        return value

    def texts(self, table: Any, path: str, key: str, *, required: bool = True,
              multiline: bool = True, what: str = "a table of texts, one per language") -> dict[str, str]:
        full = f"{path}.{key}" if path else key
        value = self.get(table, path, key, dict, required=required, default=None, what=what)
        if value is None:
            return {}
        return self.texts_of(value, full, multiline=multiline)

    def text(self, value: str, full: str, *, multiline: bool = True) -> str:
        """``value`` cleaned of control characters (:func:`qmethod.chars.clean_text`); a NUL is a problem."""
        if NUL in value:
            self.problem(full, "contains a NUL character (\\u0000); remove it")
        if _MD_PICTURE.search(value):
            self.problem(full, f"{PICTURE_BY_ADDRESS} (Markdown ![...](...)); a page may load nothing from "
                               "another host, so remove it (a statement can have a picture from the study's folder)")
        return clean_text(value, multiline=multiline).strip()

    def texts_of(self, value: dict[str, Any], full: str, *, extra: tuple[str, ...] = (),
                 multiline: bool = False) -> dict[str, str]:
        out: dict[str, str] = {}
        for lang in self.languages:
            if lang not in value:
                self.problem(full, f"missing text for language {lang!r}")
            elif not isinstance(value[lang], str) or not value[lang].strip():
                self.problem(f"{full}.{lang}", f"expected a non-empty text, got {_short(value[lang])}")
            else:
                out[lang] = self.text(value[lang], f"{full}.{lang}", multiline=multiline)
        for k in value:
            if k not in self.languages and k not in extra:
                self.problem(f"{full}.{k}", f"unknown language {k!r}; the study languages are "
                                            f"{', '.join(self.languages)}")
        return out

    def unknown(self, table: Any, path: str, known: set[str]) -> None:
        if isinstance(table, dict):
            message = f"unknown field; expected one of {', '.join(sorted(known))}"
            for k in table:
                if k not in known:
                    self.problem(f"{path}.{k}" if path else k, message)

    # -- building --------------------------------------------------------------------------------
    def build(self) -> Study | None:
        d = self.data
        self.unknown(d, "", {"study", "texts", "consent", "grid", "postsort", "survey", "statements",
                                "conditions"})
        st = self.get(d, "", "study", dict, default={})
        self.unknown(st, "study", {"id", "languages", "default_language", "presort", "title", "description",
                                   "opens", "closes"})
        sid = self.get(st, "study", "id", str, default="")
        if sid and not _STUDY_ID.match(sid):
            self.problem("study.id", f"{sid!r} is not a valid study id: use 1-64 lower-case letters, digits, "
                                     "'-' or '_', starting with a letter or digit")
        langs = self.get(st, "study", "languages", list, default=[])
        good_langs: list[str] = []
        for i, lang in enumerate(langs):
            if not isinstance(lang, str) or not _LANG.match(lang):
                self.problem(f"study.languages[{i}]", f"{lang!r} is not a language code such as 'nb' or 'en'")
            elif lang in good_langs:
                self.problem(f"study.languages[{i}]", f"language {lang!r} is listed twice")
            else:
                good_langs.append(lang)
        if isinstance(langs, list) and not langs and "languages" in st:
            self.problem("study.languages", "at least one language is needed")
        self.languages = tuple(good_langs)
        default_lang = self.get(st, "study", "default_language", str, required=False,
                                default=good_langs[0] if good_langs else "")
        if good_langs and default_lang not in good_langs:
            self.problem("study.default_language", f"{default_lang!r} is not one of the study languages "
                                                   f"{', '.join(good_langs)}")
        presort = self.get(st, "study", "presort", bool, required=False, default=True)
        title = self.texts(st, "study", "title", multiline=False)
        description = self.text(self.get(st, "study", "description", str, required=False, default=""),
                                "study.description")
        opens = self.datetime(st, "study", "opens")
        closes = self.datetime(st, "study", "closes")
        if opens and closes and closes <= opens:
            self.problem("study.closes", f"closes ({closes.isoformat()}) must be after opens ({opens.isoformat()})")

        texts = self.get(d, "", "texts", dict, default={})
        self.unknown(texts, "texts", {"welcome", "instruction", "thanks", "next_steps", "contact"})
        welcome = self.texts(texts, "texts", "welcome")
        instruction = self.texts(texts, "texts", "instruction")
        thanks = self.texts(texts, "texts", "thanks")
        next_steps = self.texts(texts, "texts", "next_steps", required=False)
        contact = self.texts(texts, "texts", "contact", required=False)

        c = self.get(d, "", "consent", dict, default={})
        self.unknown(c, "consent", {"version", "text"})
        cversion = self.get(c, "consent", "version", str, default="")
        if "version" in c and isinstance(c.get("version"), str) and not cversion.strip():
            self.problem("consent.version", "must not be empty")
        consent = Consent(version=cversion.strip(), text=self.texts(c, "consent", "text"))

        statements = self.statements(d)
        grid = self.grid(d, len(statements))
        postsort = self.postsort(d, grid)
        survey = self.survey(d)
        conditions = self.conditions(d)
        if self.count:
            return None
        return Study(
            id=sid, title=title, languages=self.languages, default_language=default_lang,
            statements=tuple(statements), grid=grid, consent=consent, welcome=welcome,
            instruction=instruction, thanks=thanks, presort=presort, postsort=postsort,
            survey=tuple(survey), opens=opens, closes=closes, description=description,
            next_steps=next_steps, contact=contact, conditions=tuple(conditions),
        )

    def datetime(self, table: dict[str, Any], path: str, key: str) -> datetime | None:
        if not isinstance(table, dict) or key not in table:
            return None
        value = table[key]
        full = f"{path}.{key}"
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                self.problem(full, f"expected a date-time such as 2025-09-01T00:00:00+02:00, got {_short(value)}")
                return None
        if isinstance(value, date) and not isinstance(value, datetime):
            value = datetime(value.year, value.month, value.day)
        if not isinstance(value, datetime):
            self.problem(full, f"expected a date-time such as 2025-09-01T00:00:00+02:00, got {_short(value)}")
            return None
        if value.tzinfo is None:
            self.problem(full, "give a time zone offset (e.g. 2025-09-01T00:00:00+02:00) so the time is unambiguous")
            return None
        return value.astimezone(timezone.utc)

    def statements(self, d: dict[str, Any]) -> list[Statement]:
        items = self.get(d, "", "statements", list, default=[])
        out: list[Statement] = []
        seen: dict[str, int] = {}
        for i, item in enumerate(items):
            path = f"statements[{i}]"
            if not isinstance(item, dict):
                self.problem(path, "expected a table with id and text")
                continue
            self.unknown(item, path, {"id", "text", "category", "image", "alt", "image_sha256", "image_type",
                                      "audio", "audio_sha256", "audio_type"})
            raw = self.get(item, path, "id", (str, int), default=None)
            if raw is None:
                continue
            sid = str(raw) if isinstance(raw, str) or abs(raw) < 10 ** 32 else "?"
            if not _ID.match(sid):
                self.problem(f"{path}.id", f"{_short(raw)} is not a valid statement id: use 1-32 letters, digits, "
                                           "'_', '.' or '-'")
                continue
            if sid in seen:
                self.problem(f"{path}.id", f"statement id {sid!r} is already used by statements[{seen[sid]}]")
                continue
            seen[sid] = i
            picture = "image" in item or "alt" in item
            image = self.image(item, path, sid) if picture else None
            # a picture statement's text is optional, also when its image has a problem of its own
            # (reported once, as that problem, not again as a missing text)
            text = self.texts(item, path, "text", multiline=False, required=not picture)
            if image is not None:
                image = StatementImage(file=image.file, sha256=image.sha256, media_type=image.media_type,
                                       alt=image.alt, caption="text" in item)
            category = self.get(item, path, "category", str, required=False, default=None)
            category = self.text(category, f"{path}.category", multiline=False) if category else None
            audio = self.audio(item, path, sid) if "audio" in item else None
            out.append(Statement(id=sid, text=text or (image.alt if image else {}), category=category or None,
                                 image=image, audio=audio))
        if isinstance(items, list) and len(items) < 2 and "statements" in d:
            self.problem("statements", f"a study needs at least 2 statements, found {len(items)}")
        return out

    def image(self, item: dict[str, Any], path: str, sid: str) -> StatementImage | None:
        """The checked picture of statement ``sid`` (problems name the statement)."""
        file = self.get(item, path, "image", str, default="", what=f"statement {sid!r} has alt text but no image")
        alt = self.texts(item, path, "alt", multiline=False,
                         what=f"statement {sid!r} is a picture; give its alt text in every study language")
        found = self.media_file(item, path, sid, file, "image", read_image, MEDIA_TYPES) if file else None
        return StatementImage(file=file, sha256=found[0], media_type=found[1], alt=alt) if found else None

    def audio(self, item: dict[str, Any], path: str, sid: str) -> StatementAudio | None:
        """The checked recording of statement ``sid`` (problems name the statement)."""
        file = self.get(item, path, "audio", str, default="")
        found = self.media_file(item, path, sid, file, "audio", read_audio, AUDIO_TYPES) if file else None
        return StatementAudio(file=file, sha256=found[0], media_type=found[1]) if found else None

    def media_file(self, item: dict[str, Any], path: str, sid: str, file: str, key: str,
                   read: Callable[[Path, str], tuple[bytes, str, str]], types: tuple[str, ...]) -> tuple[str, str] | None:
        """``(sha256, media type)`` of statement ``sid``'s file under ``key`` (``image``, ``audio``):
        read and checked from the study folder, or, for the stored copy, from ``<key>_sha256`` and
        ``<key>_type``; ``None`` after a problem naming the statement."""
        if self.folder is not None:
            try:
                _, kind, digest = read(self.folder, file)
            except (ValueError, OSError) as exc:
                self.problem(f"{path}.{key}", f"statement {sid!r}: {exc}")
                return None
            return digest, kind
        what = "image" if key == "image" else "recording"
        digest = self.get(item, path, f"{key}_sha256", str, default="",
                          what=f"statement {sid!r}: its {what} can only be checked from the study folder")
        kind = self.get(item, path, f"{key}_type", str, default="")
        if digest and not re.fullmatch(r"[0-9a-f]{64}", digest):
            self.problem(f"{path}.{key}_sha256", f"statement {sid!r}: expected 64 hex digits")
        elif kind and kind not in types:
            self.problem(f"{path}.{key}_type", f"statement {sid!r}: expected one of {', '.join(types)}")
        elif digest and kind:
            return digest, kind
        return None

    def grid(self, d: dict[str, Any], n_statements: int) -> Grid:
        g = self.get(d, "", "grid", dict, default={})
        self.unknown(g, "grid", {"distribution", "columns"})
        dist = self.get(g, "grid", "distribution", str, required=False, default="forced")
        if dist not in ("forced", "free"):
            self.problem("grid.distribution", f"expected 'forced' or 'free', got {dist!r}")
        cols = self.get(g, "grid", "columns", list, default=[])
        columns: list[GridColumn] = []
        for i, item in enumerate(cols):
            path = f"grid.columns[{i}]"
            if not isinstance(item, dict):
                self.problem(path, "expected a table with score, count and label")
                continue
            self.unknown(item, path, {"score", "count", "label"})
            score = self.whole(item, path, "score")
            count = self.whole(item, path, "count")
            label = self.texts(item, path, "label", required=False, multiline=False)
            if score is not None and count is not None:
                columns.append(GridColumn(score=score, count=count, label=label))
        if columns and len(columns) == len(cols):
            scores = [c.score for c in columns]
            k = max(abs(s) for s in scores)
            expected = list(range(-k, k + 1))
            if scores != expected:
                self.problem("grid.columns", "columns must run from -k to +k in steps of 1, from the left; "
                                             f"expected scores {expected}, got {scores}")
            total = sum(c.count for c in columns)
            if n_statements and total != n_statements:
                self.problem("grid.columns", f"the column counts sum to {total} but the study has "
                                             f"{n_statements} statements; they must be equal")
        elif isinstance(cols, list) and not cols and "columns" in g:
            self.problem("grid.columns", "the grid needs columns")
        return Grid(columns=tuple(columns), forced=dist != "free")

    def postsort(self, d: dict[str, Any], grid: Grid) -> PostSort:
        p = self.get(d, "", "postsort", dict, required=False, default={})
        self.unknown(p, "postsort", {"enabled", "columns", "required", "prompt"})
        enabled = self.get(p, "postsort", "enabled", bool, required=False, default=bool(p))
        default_cols = [grid.scores[0], grid.scores[-1]] if grid.columns else []
        cols = self.get(p, "postsort", "columns", list, required=False, default=default_cols)
        good: list[int] = []
        for i, s in enumerate(cols):
            if not isinstance(s, int) or isinstance(s, bool) or (grid.columns and s not in grid.scores):
                self.problem(f"postsort.columns[{i}]", f"{_short(s)} is not a grid column score "
                                                       f"({', '.join(map(str, grid.scores))})")
            else:
                good.append(s)
        required = self.get(p, "postsort", "required", bool, required=False, default=False)
        prompt = self.texts(p, "postsort", "prompt", required=enabled)
        return PostSort(enabled=enabled, columns=tuple(good), required=required, prompt=prompt)

    def conditions(self, d: dict[str, Any]) -> list[Condition]:
        items = self.get(d, "", "conditions", list, required=False, default=[])
        out: list[Condition] = []
        for i, item in enumerate(items):
            path = f"conditions[{i}]"
            if not isinstance(item, dict):
                self.problem(path, "expected a table with id and instruction")
                continue
            self.unknown(item, path, {"id", "instruction"})
            cid = self.get(item, path, "id", str, default="")
            if cid and not _CONDITION_ID.match(cid):
                self.problem(f"{path}.id", f"{cid!r} is not a valid condition id: use 1-16 lower-case letters, "
                                           "digits or '_'")
            elif cid in [c.id for c in out]:
                self.problem(f"{path}.id", f"condition id {cid!r} is used twice")
            out.append(Condition(id=cid, instruction=self.texts(item, path, "instruction")))
        if isinstance(items, list) and len(items) == 1:
            self.problem("conditions", "give at least 2 conditions (one condition is the study's own instruction)")
        if isinstance(items, list) and len(items) > MAX_CONDITIONS:
            self.problem("conditions", f"at most {MAX_CONDITIONS} conditions, got {len(items)}")
        return out

    def survey(self, d: dict[str, Any]) -> list[Question]:
        items = self.get(d, "", "survey", list, required=False, default=[])
        out: list[Question] = []
        seen: set[str] = set()
        for i, item in enumerate(items):
            path = f"survey[{i}]"
            if not isinstance(item, dict):
                self.problem(path, "expected a table with id, type and text")
                continue
            self.unknown(item, path, {"id", "type", "text", "required", "options", "min", "max", "integer",
                                      "max_length", "min_choices", "max_choices"})
            qid = self.get(item, path, "id", str, default="")
            if qid and not _ID.match(qid):
                self.problem(f"{path}.id", f"{qid!r} is not a valid question id: use 1-32 letters, digits, "
                                           "'_', '.' or '-'")
            elif qid in seen:
                self.problem(f"{path}.id", f"question id {qid!r} is used twice")
            seen.add(qid)
            qtype = self.get(item, path, "type", str, default="text")
            if qtype not in QUESTION_TYPES:
                self.problem(f"{path}.type", f"expected one of {', '.join(QUESTION_TYPES)}, got {qtype!r}")
            text = self.texts(item, path, "text")
            required = self.get(item, path, "required", bool, required=False, default=False)
            options: list[Option] = []
            if qtype in ("single", "multiple"):
                raw = self.get(item, path, "options", list, default=[])
                values: set[str] = set()
                for j, o in enumerate(raw):
                    opath = f"{path}.options[{j}]"
                    if not isinstance(o, dict):
                        self.problem(opath, "expected a table { value = ..., nb = ..., en = ... }")
                        continue
                    value = self.get(o, opath, "value", (str, int), default=None)
                    if value is None:
                        continue
                    value = str(value)
                    if value in values:
                        self.problem(f"{opath}.value", f"option value {value!r} is used twice")
                    values.add(value)
                    options.append(Option(value=value, label=self.texts_of(o, opath, extra=("value",))))
                if isinstance(raw, list) and len(raw) < 2 and "options" in item:
                    self.problem(f"{path}.options", "a choice question needs at least 2 options")
            elif "options" in item and qtype in QUESTION_TYPES:
                self.problem(f"{path}.options", f"options only apply to single and multiple questions, not {qtype!r}")
            qmin = self.number(item, path, "min")
            qmax = self.number(item, path, "max")
            if qmin is not None and qmax is not None and qmin > qmax:
                self.problem(f"{path}.max", f"max ({qmax}) is below min ({qmin})")
            integer = self.get(item, path, "integer", bool, required=False, default=False)
            max_length = self.whole(item, path, "max_length", required=False)
            min_choices = self.whole(item, path, "min_choices", required=False)
            max_choices = self.whole(item, path, "max_choices", required=False)
            out.append(Question(
                id=qid, type=qtype, text=text, required=required, options=tuple(options),  # type: ignore[arg-type]
                min=qmin, max=qmax, integer=integer, max_length=max_length,
                min_choices=min_choices, max_choices=max_choices,
            ))
        return out


def _short(value: Any) -> str:
    """``repr(value)`` cut to 60 characters; never raises (huge numbers, deep nesting)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10 ** 60:
        return f"a number of {len(str(abs(value))) if abs(value) < 10 ** 4000 else 'thousands of'} digits"
    try:
        text = repr(value)
    except (ValueError, RecursionError):
        return f"a {type(value).__name__} that cannot be shown"
    return _clip(text)


def _clip(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "a text", int: "a whole number", float: "a number", bool: "true or false",
             list: "a list [...]", dict: "a table"}
    return " or ".join(names.get(k, k.__name__) for k in _tuple(kind))
