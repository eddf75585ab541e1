"""Study design in the browser: drafts, statements, grid, texts, publish / close, participant link.

A draft is the study-file structure (see ``docs/study-format.md``) kept as JSON while the researcher
edits it; it may be incomplete. :func:`check_definition` lists what still has to be fixed (the same
checks as a study file), :func:`publish_draft` publishes it with
:func:`qmethod.service.publish_study` (which refuses structural changes once participants exist).
Pure helpers (``statements_from_text``, ``set_statements``, ``suggest_columns``, ``grid_check``,
``qr_svg``...) change or inspect a definition dict and return a new one.
"""
from __future__ import annotations

import copy
import io
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..chars import text_lines
from ..errors import NotFoundError, QMethodError, StudyError
from ..grid import suggest_grid
from ..io.manuscript import language_name
from ..store.db import Database
from ..store.models import StudyRow, utcnow
from ..study.load import parse_study
from ..study.model import Study, study_to_dict
from ..store.models import StudyDraftRow
from .studies import get_study, publish_study
from .types import StudyInfo

__all__ = [
    "Draft", "DEFAULT_TEXTS", "blank_definition", "new_draft", "draft_from_published", "get_draft", "list_drafts",
    "save_draft", "delete_draft", "check_definition", "build_study", "publish_draft", "close_study", "reopen_study",
    "statements_from_text", "statements_from_file", "set_statements", "statement_rows", "set_languages",
    "suggest_columns", "suggested_range", "set_grid", "grid_counts", "grid_check", "participant_link", "qr_svg",
    "qr_png", "survey_rows", "survey_from_rows", "design_problems",
]

_STUDY_ID = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,63}$")
_NUMBERING = re.compile(r"^\s*(?:[-*\u2022]\s+|\(?\d{1,3}[.)]\s+|\d{1,3}\t)")

#: Starting texts of a new study (the researcher edits them); other languages start empty.
DEFAULT_TEXTS: dict[str, dict[str, str]] = {
    "welcome": {
        "nb": "Takk for at du vil være med! Du skal sortere noen utsagn etter hvor enig eller uenig du er. "
              "Det finnes ingen riktige eller gale svar.",
        "en": "Thank you for taking part! You will sort a number of statements by how much you agree or "
              "disagree. There are no right or wrong answers.",
    },
    "instruction": {
        "nb": "Sorter utsagnene fra det du er mest uenig i (til venstre) til det du er mest enig i (til høyre).",
        "en": "Sort the statements from what you most disagree with (left) to what you most agree with (right).",
    },
    "thanks": {
        "nb": "Tusen takk! Svarene dine er lagret. Du kan nå lukke siden.",
        "en": "Thank you very much! Your answers have been saved. You may now close the page.",
    },
    "consent": {
        "nb": "Deltakelse er frivillig. Vi lagrer sorteringen og svarene dine uten navn. Du kan trekke deg når "
              "som helst: gi oss koden din, så sletter vi alt vi har lagret om deg.",
        "en": "Taking part is voluntary. We store your sort and your answers without your name. You may "
              "withdraw at any time: give us your code and we will delete everything we hold about you.",
    },
    "prompt": {
        "nb": "Vil du fortelle hvorfor du plasserte dette utsagnet her?",
        "en": "Would you like to tell us why you placed this statement here?",
    },
}


@dataclass(frozen=True)
class Draft:
    """A study being designed: its id, the (possibly incomplete) definition and who changed it when."""

    id: str
    definition: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    updated_by: str | None


def _draft(row: StudyDraftRow) -> Draft:
    return Draft(id=row.slug, definition=copy.deepcopy(row.definition), created_at=row.created_at,
                 updated_at=row.updated_at, updated_by=row.updated_by)


def _texts(key: str, languages: tuple[str, ...] | list[str]) -> dict[str, str]:
    return {lang: DEFAULT_TEXTS[key].get(lang, "") for lang in languages}


def blank_definition(study_id: str, title: str, languages: tuple[str, ...] | list[str] = ("nb", "en")) -> dict[str, Any]:
    """A new study: default texts, no statements, no grid yet, comments on the two extreme columns."""
    langs = list(languages) or ["nb"]
    return {
        "study": {"id": study_id, "languages": langs, "default_language": langs[0], "presort": True,
                  "title": {lang: title for lang in langs}},
        "texts": {k: _texts(k, langs) for k in ("welcome", "instruction", "thanks")},
        "consent": {"version": "1", "text": _texts("consent", langs)},
        "grid": {"distribution": "forced", "columns": []},
        "postsort": {"enabled": True, "columns": [], "required": False, "prompt": _texts("prompt", langs)},
        "survey": [],
        "statements": [],
    }


def _check_id(study_id: str) -> str:
    sid = (study_id or "").strip()
    if not _STUDY_ID.match(sid):
        raise StudyError(f"{study_id!r} is not a valid study id: use 1-64 lower-case letters, digits, '-' or '_', "
                         "starting with a letter or digit (it appears in the participant link).")
    return sid


def new_draft(db: Database, study_id: str, title: str, languages: tuple[str, ...] | list[str] = ("nb", "en"),
              *, by: str | None = None, now: datetime | None = None) -> Draft:
    """Start designing a new study (the id must not be used by a draft or a published study)."""
    sid = _check_id(study_id)
    if not (title or "").strip():
        raise StudyError("Give the study a title.")
    definition = blank_definition(sid, title.strip(), languages)

    def work(session: Session) -> Draft:
        if session.scalars(select(StudyDraftRow).where(StudyDraftRow.slug == sid)).one_or_none() is not None:
            raise StudyError(f"There is already a draft called {sid!r}; open it from the study list.")
        if session.scalars(select(StudyRow).where(StudyRow.slug == sid)).one_or_none() is not None:
            raise StudyError(f"A study called {sid!r} is already published; choose another id or edit that study.")
        when = now or utcnow()
        row = StudyDraftRow(slug=sid, definition=definition, created_at=when, updated_at=when, updated_by=by)
        session.add(row)
        session.flush()
        return _draft(row)

    return db.write(work)


def draft_from_published(db: Database, study_id: str, *, by: str | None = None) -> Draft:
    """The draft of a published study; made from its published definition if there is none yet."""
    try:
        return get_draft(db, study_id)
    except NotFoundError:
        pass
    definition = study_to_dict(get_study(db, study_id))

    def work(session: Session) -> Draft:
        when = utcnow()
        row = StudyDraftRow(slug=study_id, definition=definition, created_at=when, updated_at=when, updated_by=by)
        session.add(row)
        session.flush()
        return _draft(row)

    return db.write(work)


def get_draft(db: Database, study_id: str) -> Draft:
    def work(session: Session) -> Draft:
        row = session.scalars(select(StudyDraftRow).where(StudyDraftRow.slug == study_id)).one_or_none()
        if row is None:
            raise NotFoundError(f"There is no draft of study {study_id!r}.")
        return _draft(row)

    return db.read(work)


def list_drafts(db: Database) -> tuple[Draft, ...]:
    return db.read(lambda s: tuple(_draft(r) for r in s.scalars(select(StudyDraftRow).order_by(StudyDraftRow.slug))))


def save_draft(db: Database, study_id: str, definition: dict[str, Any], *, by: str | None = None) -> Draft:
    """Store an edited definition (incomplete ones too). The study id inside cannot change."""
    if not isinstance(definition, dict):
        raise StudyError("A study definition must be a table of fields.")
    definition = copy.deepcopy(definition)
    definition.setdefault("study", {})["id"] = study_id

    def work(session: Session) -> Draft:
        row = session.scalars(select(StudyDraftRow).where(StudyDraftRow.slug == study_id)).one_or_none()
        if row is None:
            raise NotFoundError(f"There is no draft of study {study_id!r}.")
        row.definition, row.updated_at, row.updated_by = definition, utcnow(), by
        session.flush()
        return _draft(row)

    return db.write(work)


def delete_draft(db: Database, study_id: str) -> None:
    """Forget a draft (a published study stays published)."""
    db.write(lambda s: s.query(StudyDraftRow).filter(StudyDraftRow.slug == study_id).delete())


def check_definition(definition: dict[str, Any]) -> list[str]:
    """Everything that still keeps the definition from being published (empty when it is ready)."""
    problems: list[str] = []
    try:
        parse_study(definition, source="draft", max_problems=_DRAFT_PROBLEMS)
    except StudyError as exc:
        problems = list(getattr(exc, "problems", None) or [str(exc)])
        more = getattr(exc, "count", len(problems)) - len(problems)
        if more > 0:
            problems.append(f"... and {more:,} more (the first {len(problems)} are listed)")
    ok, message = grid_check(definition)
    if not ok and message not in problems:
        problems.insert(0, message)
    return problems


#: how many problems of a draft are named (every statement's missing translation, for example)
_DRAFT_PROBLEMS = 500

#: where a problem's field is on the Design page: (pattern of the field's path, place, tab)
_PLACES = (
    (re.compile(r"statements\[(\d+)\]"), "statement {n}", "Statements"),
    (re.compile(r"statements$"), "statements", "Statements"),
    (re.compile(r"study\.title"), "the title", "Texts"),
    (re.compile(r"texts\.(welcome|instruction|thanks)"), "the {0} text", "Texts"),
    (re.compile(r"consent\.text"), "the consent text", "Texts"),
    (re.compile(r"consent\.version"), "the consent version", "Texts"),
    (re.compile(r"postsort\.prompt"), "the comment prompt", "Texts"),
    (re.compile(r"postsort\."), "the comments", "Texts"),
    (re.compile(r"study\.(languages|default_language)"), "the languages", "Texts"),
    (re.compile(r"survey\[(\d+)\]\.options\[(\d+)\]"), "question {n}, choice {m}", "Questions"),
    (re.compile(r"survey\[(\d+)\]"), "question {n}", "Questions"),
    (re.compile(r"grid"), "the grid", "Grid"),
)
_FIELD_NAMES = {"options": "the choices are", "text": "the text is", "id": "the id is", "type": "the type is"}
_PROBLEM = re.compile(r"^(?:line \d+: )?([A-Za-z_][\w.\[\]]*): (.*)$", re.S)
_MISSING = re.compile(r"^missing text for language '([^']+)'$")


def design_problems(problems: list[str]) -> list[str]:
    """The problems of :func:`check_definition` in the Design page's terms: the place (``statement 3``,
    ``the welcome text``, ``question 2``) and its tab instead of the file's field path, and the
    missing translations of the statements gathered in one line per language ("Statements 1-25: no
    English text yet"). A problem of an unknown place is kept as it is."""
    out: list[str] = []
    missing: dict[str, list[int]] = {}
    for problem in problems:
        m = _PROBLEM.match(problem)
        if not m:
            out.append(problem)
            continue
        path, message = m.groups()
        for pattern, place, tab in _PLACES:
            hit = pattern.match(path)
            if hit:
                break
        else:
            out.append(problem)
            continue
        numbers = [int(g) + 1 for g in hit.groups() if g is not None and g.isdigit()]
        words = [g for g in hit.groups() if g is not None and not g.isdigit()]
        where = place.format(*words, n=numbers[0] if numbers else "", m=numbers[1] if len(numbers) > 1 else "")
        lang = re.search(r"\.([a-z]{2,3})$", path[hit.end():])
        if lang:  # a text in one language: texts.welcome.en
            where += f" in {language_name(lang.group(1))}"
        if message.startswith("expected a non-empty text"):
            message = "empty"
        elif message.startswith("required field is missing"):
            field = path[hit.end():].strip(".") or path.rsplit(".", 1)[-1]
            message = f"{_FIELD_NAMES.get(field, field)} missing"
        if path == "grid.columns" and message == "the grid needs columns" and any("no columns yet" in p for p in problems):
            continue  # said already by the grid check
        gap = _MISSING.match(message)
        if gap and place == "statement {n}":
            missing.setdefault(gap.group(1), []).append(numbers[0])
            continue
        if gap:
            message = f"no {language_name(gap.group(1))} text yet"
        out.append(f"{where[0].upper()}{where[1:]} ({tab} tab): {message}")
    for lang, numbers in missing.items():
        out.append(f"{'Statement' if len(numbers) == 1 else 'Statements'} {_ranges(numbers)} (Statements tab): no "
                   f"{language_name(lang)} text yet; choose {language_name(lang)} above the box, or edit the table")
    return out


def _ranges(numbers: list[int]) -> str:
    """``[1, 2, 3, 5]`` -> ``"1-3, 5"``."""
    parts: list[str] = []
    for n in sorted(set(numbers)):
        if parts and parts[-1][1] == n - 1:
            parts[-1][1] = n
        else:
            parts.append([n, n])
    return ", ".join(f"{a}" if a == b else f"{a}\u2013{b}" for a, b in parts)


def build_study(definition: dict[str, Any]) -> Study:
    """The validated :class:`Study` of a definition (raises StudyError listing every problem)."""
    return parse_study(definition, source="draft")


def publish_draft(db: Database, study_id: str) -> StudyInfo:
    """Publish (or update) the study from its draft; participants can start once it is open."""
    draft = get_draft(db, study_id)
    return publish_study(db, build_study(draft.definition))


def _set_closes(db: Database, study_id: str, closes: datetime | None) -> StudyInfo:
    definition = study_to_dict(get_study(db, study_id))
    if closes is None:
        definition["study"].pop("closes", None)
        opens = definition["study"].get("opens")
        if opens and datetime.fromisoformat(opens) > utcnow():
            definition["study"].pop("opens")
    else:
        definition["study"]["closes"] = closes.isoformat()
        opens = definition["study"].get("opens")
        if opens and datetime.fromisoformat(opens) >= closes:
            definition["study"].pop("opens")
    info = publish_study(db, parse_study(definition, source=f"study {study_id!r}"))
    try:  # keep the draft in step, so publishing it later does not reopen or close the study by surprise
        draft = get_draft(db, study_id)
    except NotFoundError:
        return info
    d = draft.definition
    d.setdefault("study", {}).pop("closes", None)
    d["study"].pop("opens", None)
    for key in ("opens", "closes"):
        if key in definition["study"]:
            d["study"][key] = definition["study"][key]
    save_draft(db, study_id, d, by=draft.updated_by)
    return info


def close_study(db: Database, study_id: str, *, now: datetime | None = None) -> StudyInfo:
    """Close a published study now: no new participants; those who started can no longer start anew."""
    return _set_closes(db, study_id, now or utcnow())


def reopen_study(db: Database, study_id: str) -> StudyInfo:
    """Open a closed study again (removes its closing date)."""
    return _set_closes(db, study_id, None)


# ---------------------------------------------------------------- pure helpers


def statements_from_text(text: str) -> list[str]:
    """Statements typed or pasted one per line; blank lines, bullets and numbering ("1." "2)") are dropped.

    Only CR/LF end a line; Word's line break inside a pasted statement becomes a space (text_lines)."""
    out = []
    for line in text_lines(text):
        line = _NUMBERING.sub("", line, count=1).strip()
        if line:
            out.append(line)
    return out


def statements_from_file(data: bytes, name: str) -> list[str]:
    """Statements from an uploaded file: PQMethod .STA, text, CSV with a text column or HtmlQ XML."""
    from ..io import read_statements

    return read_statements(data, name=name)


def _ids(n: int) -> list[str]:
    width = max(2, len(str(n)))
    return [f"s{i:0{width}d}" for i in range(1, n + 1)]


def set_statements(definition: dict[str, Any], texts: list[str], language: str) -> dict[str, Any]:
    """Put ``texts`` (in order) as the statements' text in ``language``.

    Existing statements keep their id, category and other languages by position; new ones get the
    next free ids ``s01``...; statements beyond the list are removed.
    """
    d = copy.deepcopy(definition)
    old = list(d.get("statements") or [])
    used = {s.get("id") for s in old}
    out = []
    fresh = iter(i for i in _ids(len(texts) + len(old) + 1) if i not in used)
    for k, text in enumerate(texts):
        item = copy.deepcopy(old[k]) if k < len(old) else {"id": next(fresh), "text": {}}
        item.setdefault("text", {})[language] = str(text).strip()
        out.append(item)
    d["statements"] = out
    return d


def statement_rows(definition: dict[str, Any]) -> list[dict[str, Any]]:
    """One dict per statement: id, category and one key per study language (for a table editor)."""
    langs = list(definition.get("study", {}).get("languages") or [])
    rows = []
    for s in definition.get("statements") or []:
        row = {"id": s.get("id", ""), "category": s.get("category") or ""}
        for lang in langs:
            row[lang] = (s.get("text") or {}).get(lang, "")
        rows.append(row)
    return rows


def set_languages(definition: dict[str, Any], languages: list[str]) -> dict[str, Any]:
    """Change the study languages; texts of removed languages are dropped, new ones start from the
    default texts where there are any (statements must then be translated)."""
    d = copy.deepcopy(definition)
    langs = [lang for lang in dict.fromkeys(languages) if lang]
    if not langs:
        raise StudyError("A study needs at least one language.")
    st = d.setdefault("study", {})
    st["languages"] = langs
    if st.get("default_language") not in langs:
        st["default_language"] = langs[0]

    def fix(texts: dict | None, default_key: str | None = None) -> dict:
        texts = dict(texts or {})
        out = {lang: texts[lang] for lang in langs if lang in texts}
        for lang in langs:
            if lang not in out and default_key and DEFAULT_TEXTS[default_key].get(lang):
                out[lang] = DEFAULT_TEXTS[default_key][lang]
        return out

    st["title"] = fix(st.get("title"))
    for key in ("welcome", "instruction", "thanks"):
        d.setdefault("texts", {})[key] = fix(d["texts"].get(key), key)
    d.setdefault("consent", {})["text"] = fix(d["consent"].get("text"), "consent")
    if "prompt" in d.get("postsort", {}):
        d["postsort"]["prompt"] = fix(d["postsort"]["prompt"], "prompt")
    for s in d.get("statements") or []:
        s["text"] = fix(s.get("text"))
    for c in d.get("grid", {}).get("columns") or []:
        if c.get("label"):
            c["label"] = fix(c["label"])
    for q in d.get("survey") or []:
        q["text"] = fix(q.get("text"))
        for o in q.get("options") or []:
            for k in list(o):
                if k != "value" and k not in langs:
                    del o[k]
    return d


def suggested_range(n_statements: int) -> int:
    """The k of the suggested grid −k..+k for ``n_statements``: 4 up to 40 statements, 5 up to 60, else 6,
    and never more columns than statements (1 for fewer than 3)."""
    n = int(n_statements)
    k = 4 if n <= 40 else 5 if n <= 60 else 6
    return max(1, min(k, (n - 1) // 2))


def suggest_columns(n_statements: int, max_value: int | None = None) -> dict[int, int]:
    """A quasi-normal grid ``{score: count}`` for ``n_statements``, columns −k..+k with k = ``max_value``
    (default :func:`suggested_range`; see :func:`qmethod.grid.suggest_grid`)."""
    return suggest_grid(int(n_statements), int(max_value) if max_value else suggested_range(n_statements))


def _cell(value: Any) -> str:
    """A table editor's cell as text: empty for None, NaN and blanks."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


def survey_rows(definition: dict[str, Any]) -> list[dict[str, Any]]:
    """One dict per survey question for a table editor: id, type, required, ``text <lang>`` and
    ``choices <lang>`` (``value=label; value=label``) per study language."""
    langs = list(definition.get("study", {}).get("languages") or [])
    rows = []
    for q in definition.get("survey") or []:
        r = {"id": q.get("id", ""), "type": q.get("type", "text"), "required": bool(q.get("required", False))}
        for lang in langs:
            r[f"text {lang}"] = (q.get("text") or {}).get(lang, "")
            r[f"choices {lang}"] = "; ".join(f"{o.get('value')}={o.get(lang, '')}" for o in q.get("options") or [])
        rows.append(r)
    return rows


def survey_from_rows(rows: list[dict[str, Any]], languages: list[str]) -> list[dict[str, Any]]:
    """Survey questions from edited :func:`survey_rows` (a table editor's rows, cells may be None or NaN).

    Empty rows are left out; a row with a text or choices but no id raises :class:`StudyError` naming it
    (nothing typed is dropped silently)."""
    survey = []
    for n, r in enumerate(rows, 1):
        qid = _cell(r.get("id"))
        content = [_cell(r.get(f"{p} {lang}")) for lang in languages for p in ("text", "choices")]
        if not qid:
            if any(content):
                raise StudyError(f"Question row {n} has a text but no id: give it an id (letters, digits, _).")
            continue
        qtype = _cell(r.get("type")) or "text"
        q: dict[str, Any] = {"id": qid, "type": qtype, "required": _cell(r.get("required")) == "True",
                             "text": {lang: _cell(r.get(f"text {lang}")) for lang in languages}}
        if qtype in ("single", "multiple"):
            opts: dict[str, dict] = {}
            for lang in languages:
                for part in _cell(r.get(f"choices {lang}")).split(";"):
                    if "=" in part:
                        value, label = part.split("=", 1)
                        opts.setdefault(value.strip(), {"value": value.strip()})[lang] = label.strip()
            q["options"] = list(opts.values())
        survey.append(q)
    return survey


def grid_counts(definition: dict[str, Any]) -> dict[int, int]:
    return {int(c["score"]): int(c["count"]) for c in definition.get("grid", {}).get("columns") or []}


def set_grid(definition: dict[str, Any], counts: dict[int, int], *, forced: bool | None = None,
             labels: dict[int, dict[str, str]] | None = None) -> dict[str, Any]:
    """Set the grid columns from ``{score: count}`` (labels kept for scores that stay); the comment
    columns default to the two extremes."""
    d = copy.deepcopy(definition)
    g = d.setdefault("grid", {})
    old_labels = {int(c["score"]): c.get("label") for c in g.get("columns") or []}
    labels = labels or {}
    cols = []
    for score in sorted(counts):
        c: dict[str, Any] = {"score": int(score), "count": int(counts[score])}
        label = labels.get(score, old_labels.get(score))
        if label:
            c["label"] = dict(label)
        cols.append(c)
    g["columns"] = cols
    if forced is not None:
        g["distribution"] = "forced" if forced else "free"
    ps = d.setdefault("postsort", {"enabled": True, "required": False})
    scores = [c["score"] for c in cols]
    if scores and (not ps.get("columns") or any(s not in scores for s in ps.get("columns", []))):
        ps["columns"] = sorted({scores[0], scores[-1]})
    return d


def grid_check(definition: dict[str, Any]) -> tuple[bool, str]:
    """Do the grid's cells match the statements? Returns (ok, a sentence saying so or what differs)."""
    n = len(definition.get("statements") or [])
    counts = grid_counts(definition)
    cells = sum(counts.values())
    if not counts:
        return False, f"grid: no columns yet; suggest a grid for the {n} statements."
    if any(c < 1 for c in counts.values()):
        return False, "grid: every column needs at least one cell."
    forced = definition.get("grid", {}).get("distribution", "forced") == "forced"
    if cells != n:
        more = "more" if cells > n else "fewer"
        if forced:
            return False, (f"grid: the grid has {cells} cells but there are {n} statements ({abs(cells - n)} {more} "
                           "cells than statements); a forced grid needs exactly one cell per statement.")
        return True, f"The free grid suggests {cells} cells for {n} statements."
    return True, f"The grid has {cells} cells for {n} statements."


def participant_link(base_url: str, study_id: str, *, lang: str | None = None) -> str:
    """The link that starts the study (``?study=ID``, optionally ``&lang=``)."""
    params = {"study": study_id}
    if lang:
        params["lang"] = lang
    return f"{base_url.rstrip('/')}/?{urlencode(params)}"


def qr_svg(url: str, *, scale: int = 6, title: str | None = None) -> str:
    """A QR code of ``url`` as an SVG document (for printed invitations)."""
    import segno

    if not url or len(url) > 2000:
        raise QMethodError("A QR code needs a link of at most 2,000 characters.")
    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="svg", scale=scale, border=4, title=title, xmldecl=False)
    return buf.getvalue().decode("utf-8")


def qr_png(url: str, *, scale: int = 10) -> bytes:
    """A QR code of ``url`` as PNG."""
    import segno

    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="png", scale=scale, border=4)
    return buf.getvalue()
