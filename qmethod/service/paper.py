"""Sorts made on paper (or with a researcher beside the participant), entered by a researcher.

A paper sort becomes a response like any other: a participant of the study with the whole sort, the
survey answers and the comments, submitted, in one transaction. Its audit trail holds the ordinary
steps (consent, piles, placements, answers, comments, submit), each marked with the source and the
researcher who entered it, and starts with "entered by researcher NAME from paper", so
:func:`qmethod.service.research.replay_participant` rebuilds it like any other response and the
analysis takes it with the others.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from ..errors import StudyError
from ..store import repo
from ..store.db import Database
from ..store.models import utcnow
from ..study.model import Study
from ..study.paper import paper_columns, sheet_code
from ..study.response import Response, apply
from .participants import _startable, free_code, new_participant, state_of
from .types import ParticipantState

__all__ = ["SOURCES", "enter_paper_sort", "check_sheet_code"]

#: How a sort entered by a researcher was made.
SOURCES: dict[str, str] = {"paper": "from paper", "facilitated": "with the participant (facilitated)"}


def enter_paper_sort(db: Database, study_id: str, columns: Mapping[int, Sequence[int | str]], *,
                     researcher: str, code: str | None = None, answers: Mapping[str, Any] | None = None,
                     comments: Mapping[int, str] | None = None, language: str | None = None,
                     source: str = "paper", condition: str | None = None,
                     now: datetime | None = None) -> ParticipantState:
    """Store a complete Q-sort entered by a researcher as a submitted response of ``study_id``.

    Parameters
    ----------
    columns : mapping of score -> sequence of card numbers
        The card numbers (1..N, the study's order) written in each column of the score sheet.
    researcher : str
        Who entered the sort (recorded in the audit trail).
    code : str, optional
        The participant's code written on the score sheet: the sort is stored under it (the code the
        Responses page, the analysis and the exports show; at most 32 characters). Default: the
        study's next code (``P012``). A code the study already has is refused.
    answers : mapping of question id -> value, optional
        Survey answers, checked as a participant's answers are.
    comments : mapping of card number -> text, optional
        Comments written on the cards.
    language : str, optional
        The language the participant used; default the study's.
    source : {"paper", "facilitated"}
        How the sort was made.
    condition : str, optional
        In a study with conditions of instruction: the condition the sheet was sorted under (one of
        ``study.condition_ids``), unless the code ends with it (``P001-ideal``); see
        :func:`qmethod.study.paper.sheet_code`. The sort is stored under that condition, like an
        online sort of it, and linked to the person's sorts under the other conditions
        (``P001-now``). Survey answers go with the sheet of the last condition.

    Returns
    -------
    ParticipantState
        The stored, submitted state (its ``participant`` is the code it is stored under, and
        ``condition`` its condition).

    Raises
    ------
    StudyError
        The sort is not a complete sort of the grid (every problem listed), an answer or comment is
        not valid, the study is not open, a required answer or comment is missing, the code is taken
        or too long, or the condition is missing or not the study's. Nothing is stored.
    """
    if source not in SOURCES:
        raise StudyError(f"source must be one of {', '.join(SOURCES)}, got {source!r}.")
    if code is not None and not isinstance(code, str):
        raise StudyError("The participant code must be a text.")
    if not isinstance(researcher, str) or not researcher:
        raise StudyError("The researcher entering the sort must be named.")
    when = now or utcnow()
    how = SOURCES[source]

    def work(conn: Connection) -> ParticipantState:
        sid, revision, number = repo.allocate_participant_number(conn, study_id)
        whole = repo.study_by_id(conn, sid, revision)
        lang = _startable(whole, study_id, language, when)
        stored_code, cond = sheet_code(whole, code, condition)
        study = whole.for_condition(cond)
        if cond is not None and study is not whole and not study.survey and any(
                v not in (None, "", []) for v in (answers or {}).values()):
            raise StudyError(f"The survey is answered once, with the sheet of the last condition "
                             f"({whole.condition_ids[-1]!r}); this sheet is under {cond!r}.")
        if stored_code is None:
            number, stored_code = free_code(conn, whole, sid, number, cond)
        person_id = _person(conn, whole, sid, stored_code, cond)
        placed = paper_columns(study, columns)  # StudyError naming every problem
        ids = study.statement_ids
        steps: list[tuple[str, dict[str, Any]]] = [("consent", {"version": study.consent.version})]
        if study.presort:  # on paper the cards are laid out from the three piles: a card's pile is its side
            for score, sids in placed.items():
                pile = "disagree" if score < 0 else "agree" if score > 0 else "neutral"
                steps += [("pile", {"statement": s, "pile": pile}) for s in sids]
        for score, sids in placed.items():
            steps += [("place", {"statement": s, "score": score, "position": i}) for i, s in enumerate(sids)]
        for qid, value in (answers or {}).items():
            if value not in (None, "", []):
                steps.append(("answer", {"question": qid, "value": value}))
        for number_, text in (comments or {}).items():
            if not isinstance(number_, int) or not 1 <= number_ <= len(ids):
                raise StudyError(f"A comment is on card {number_!r}, which is not a card number (1 to {len(ids)}).")
            if text and text.strip():
                steps.append(("comment", {"statement": ids[number_ - 1], "text": text}))
        steps.append(("submit", {}))

        r = Response.new(study, lang)
        empty = r.copy()
        p, _token, _code = new_participant(  # nobody holds the token or the resume code: the sort is closed
            conn, study, sid, revision, number=number, code=stored_code, language=lang, external_id=None,
            condition=cond, person_id=person_id, when=when,
            start={"language": lang, "study_revision": revision, "external_id": None, "code": stored_code,
                   "entered_by": researcher, "source": source, "note": f"entered by researcher {researcher} {how}",
                   **({"condition": cond} if cond else {})})
        pid = p.id
        for kind, payload in steps:
            apply(study, r, kind, payload)  # raises StudyError (and the transaction rolls back)
            fields: dict[str, Any] = {"updated_at": when, "stage": r.stage, "language": r.language}
            if kind == "consent":
                fields.update(consent_version=r.consent_version, consented_at=when)
            if r.submitted:
                fields["submitted_at"] = when
            p = repo.bump_version(conn, p, fields)
            stored = dict(payload, source=source, entered_by=researcher)
            if kind == "answer":
                stored["value"] = r.answers.get(payload["question"])
            repo.append_event(conn, pid, p.version, when, kind, stored)
        repo.write_response(conn, pid, study, empty, r, when)
        return state_of(study, p, r, revision)

    for attempt in range(5):
        try:
            return db.write_connection(work)
        except IntegrityError:  # a resume-code collision or a concurrent participant number: try again
            if attempt == 4:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def check_sheet_code(db: Database, study_id: str, code: str | None,
                     condition: str | None = None) -> tuple[str | None, str | None]:
    """The code and condition a sheet of ``study_id`` would be stored under, checked as
    :func:`enter_paper_sort` checks them, before the sort is typed in full (the page's live check).

    Returns ``(code or None, condition or None)`` as :func:`qmethod.study.paper.sheet_code` does.

    Raises
    ------
    StudyError
        Everything :func:`~qmethod.study.paper.sheet_code` refuses, and a code the study already has
        (or a person still sorting online under the same code for another condition).
    """
    def read(session: Any) -> tuple[str | None, str | None]:
        row = repo.study_row(session, study_id)
        whole = repo.study_from_row(session, row)
        stored, cond = sheet_code(whole, code, condition)
        if stored is not None:
            _person(session.connection(), whole, row.id, stored, cond)
        return stored, cond

    return db.read(read)


def _person(conn: Connection, study: Study, sid: int, code: str, condition: str | None) -> int | None:
    """The row of the person whose sort under another condition has the same code (``P001-now`` for
    ``P001-ideal``), to link the new sort to (``None``: the person's first sort). A code the study
    already has is refused, and so is a person still sorting online (whose next sort would take it)."""
    if condition is None:
        others: list[str] = []
    else:
        person = code[: len(code) - len(condition) - 1]
        others = [f"{person}-{c}" for c in study.condition_ids if c != condition]
    found = repo.participants_with_codes(conn, sid, [code, *others])
    if code in found:
        raise StudyError(f"The study already has a sort with the code {code!r}; check the code on the sheet.")
    for other in others:
        p = found.get(other)
        if p is not None and p.submitted_at is None:
            raise StudyError(f"{other} is still sorting online; enter this sheet under another code, or after "
                             "that sort is submitted.")
    linked = [found[o] for o in others if o in found]
    return (linked[0].person_id or linked[0].id) if linked else None
