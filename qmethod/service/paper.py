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
from ..study.paper import paper_columns
from ..study.response import Response, apply
from .participants import _startable, new_participant, state_of
from .types import ParticipantState

__all__ = ["SOURCES", "enter_paper_sort"]

#: How a sort entered by a researcher was made.
SOURCES: dict[str, str] = {"paper": "from paper", "facilitated": "with the participant (facilitated)"}


def enter_paper_sort(db: Database, study_id: str, columns: Mapping[int, Sequence[int | str]], *,
                     researcher: str, code: str | None = None, answers: Mapping[str, Any] | None = None,
                     comments: Mapping[int, str] | None = None, language: str | None = None,
                     source: str = "paper", now: datetime | None = None) -> ParticipantState:
    """Store a complete Q-sort entered by a researcher as a submitted response of ``study_id``.

    Parameters
    ----------
    columns : mapping of score -> sequence of card numbers
        The card numbers (1..N, the study's order) written in each column of the score sheet.
    researcher : str
        Who entered the sort (recorded in the audit trail).
    code : str, optional
        The participant's code written on the score sheet (stored as the external id, at most 200
        characters).
    answers : mapping of question id -> value, optional
        Survey answers, checked as a participant's answers are.
    comments : mapping of card number -> text, optional
        Comments written on the cards.
    language : str, optional
        The language the participant used; default the study's.
    source : {"paper", "facilitated"}
        How the sort was made.

    Returns
    -------
    ParticipantState
        The stored, submitted state (its ``participant`` is the new participant's code, ``P012``).

    Raises
    ------
    StudyError
        The sort is not a complete sort of the grid (every problem listed), an answer or comment is
        not valid, the study is not open, or a required answer or comment is missing. Nothing is stored.
    """
    if source not in SOURCES:
        raise StudyError(f"source must be one of {', '.join(SOURCES)}, got {source!r}.")
    if code is not None and (not isinstance(code, str) or len(code) > 200 or "\x00" in code):
        raise StudyError("The participant code must be a text of at most 200 characters.")
    if not isinstance(researcher, str) or not researcher:
        raise StudyError("The researcher entering the sort must be named.")
    when = now or utcnow()
    how = SOURCES[source]

    def work(conn: Connection) -> ParticipantState:
        sid, revision, number = repo.allocate_participant_number(conn, study_id)
        study = repo.study_by_id(conn, sid, revision)
        lang = _startable(study, study_id, language, when)
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
            conn, study, sid, revision, number=number, code=f"P{number:03d}", language=lang, external_id=code,
            condition=None, when=when,
            start={"language": lang, "study_revision": revision, "external_id": code, "entered_by": researcher,
                   "source": source, "note": f"entered by researcher {researcher} {how}"})
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
