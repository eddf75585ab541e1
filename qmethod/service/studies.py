"""Studies: publish a study definition into the database, read it back, list studies."""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import NotFoundError, QMethodError, StorageBusyError, StudyError
from ..store import repo
from ..store.db import Database
from ..store.models import ParticipantRow, StatementRow, StudyImageRow, StudyRow, utcnow
from ..study.images import read_audio, read_image
from ..study.load import STUDY_FILE, load_study, parse_study
from ..study.model import StatementAudio, StatementImage, Study, study_to_dict
from .types import StudyInfo
from .validate import check_text

__all__ = ["publish_study", "publish_study_file", "publish_studies_dir", "publishing_problems", "PublishProblem",
           "get_study", "list_studies", "study_info", "study_image",
           "statement_pictures"]


def _structure(study: Study) -> dict:
    """What may not change once participants exist: statements, grid, comment columns, questions,
    conditions of instruction (their texts may)."""
    return {
        "statements": study.statement_ids,
        "grid columns": [(c.score, c.count) for c in study.grid.columns],
        "distribution (forced/free)": study.grid.forced,
        "comment columns": study.postsort.columns,
        "survey questions": [(q.id, q.type, q.option_values()) for q in study.survey],
        "conditions of instruction": study.condition_ids,
    }


def _info(session: Session, row: StudyRow, study: Study, now: datetime, changed: bool = False) -> StudyInfo:
    total = session.scalar(select(func.count()).where(ParticipantRow.study_id == row.id)) or 0
    done = session.scalar(select(func.count()).where(ParticipantRow.study_id == row.id,
                                                     ParticipantRow.submitted_at.is_not(None))) or 0
    return StudyInfo(
        id=row.slug, revision=row.revision, title=dict(study.title), languages=study.languages,
        n_statements=len(study.statements), published_at=row.published_at, updated_at=row.updated_at,
        participants=total, completed=done, is_open=study.is_open(now), changed=changed,
    )


def publish_study(db: Database, study: Study, *, now: datetime | None = None,
                  images: dict[str, bytes] | None = None) -> StudyInfo:
    """Store ``study`` (new, or a new revision of a study with the same id).

    Publishing an identical definition changes nothing. Once participants exist, texts may still be
    corrected (a changed consent text needs a new consent version), but statements, grid, comment
    columns and survey questions may not change: a :class:`~qmethod.errors.StudyError` says what
    differs (publish under a new study id instead). ``images`` holds the bytes of the study's
    pictures and recordings by SHA-256 (:func:`publish_study_file` reads them from the study
    folder); one neither given nor already stored is a :class:`~qmethod.errors.StudyError`.
    """
    definition = study_to_dict(study)
    parse_study(definition, source=f"study {study.id!r}")  # a Study built by hand is checked like a file

    def work(session: Session) -> StudyInfo:
        when = now or utcnow()
        row = session.scalars(select(StudyRow).where(StudyRow.slug == study.id).with_for_update()).one_or_none()
        if row is None:
            row = StudyRow(slug=study.id, revision=1, definition=definition, published_at=when, updated_at=when)
            session.add(row)
            session.flush()
            changed = True
        elif row.definition == definition:
            return _info(session, row, study, when)
        else:
            old = repo.study_from_row(session, row)
            n = session.scalar(select(func.count()).where(ParticipantRow.study_id == row.id)) or 0
            if n:
                a, b = _structure(old), _structure(study)
                diffs = [k for k in a if a[k] != b[k]]
                if diffs:
                    raise StudyError(
                        f"Study {study.id!r} already has {n} participant(s); its {', '.join(diffs)} cannot "
                        "change any more. Publish the new version under a new study id."
                    )
                if old.consent.text != study.consent.text and old.consent.version == study.consent.version:
                    raise StudyError(
                        f"Study {study.id!r}: the consent text changed but consent.version is still "
                        f"{study.consent.version!r}; give the new text a new version."
                    )
            row.definition = definition
            row.revision += 1
            row.updated_at = when
            changed = True
        existing = {s.key: s for s in session.scalars(select(StatementRow).where(StatementRow.study_id == row.id))}
        for pos, s in enumerate(study.statements):
            srow = existing.pop(s.id, None)
            if srow is None:
                session.add(StatementRow(study_id=row.id, key=s.id, position=pos, category=s.category,
                                         text=dict(s.text)))
            else:
                srow.position, srow.category, srow.text = pos, s.category, dict(s.text)
        for srow in existing.values():
            session.delete(srow)
        _store_images(session, row, study, images or {})
        session.flush()
        return _info(session, row, study, when, changed)

    return db.write(work)


def _media(study: Study) -> list[tuple[str, str, StatementImage | StatementAudio]]:
    """Every media file of the study's statements: (statement id, "picture" or "recording", file)."""
    out: list[tuple[str, str, StatementImage | StatementAudio]] = []
    for s in study.statements:
        out += [(s.id, what, m) for what, m in (("picture", s.image), ("recording", s.audio)) if m is not None]
    return out


def _store_images(session: Session, row: StudyRow, study: Study, images: dict[str, bytes]) -> None:
    """Store the pictures and recordings not stored yet (table ``study_image``, by SHA-256)."""
    stored = set(session.scalars(select(StudyImageRow.sha256).where(StudyImageRow.study_id == row.id)))
    for sid, what, m in _media(study):
        if m.sha256 in stored:
            continue
        data = images.get(m.sha256)
        if data is None:
            raise StudyError(f"Study {study.id!r}: the {what} of statement {sid!r} ({m.file}) is not "
                             "stored; publish the study from its folder.")
        session.add(StudyImageRow(study_id=row.id, revision=row.revision, statement=sid, sha256=m.sha256,
                                  media_type=m.media_type, data=data))
        stored.add(m.sha256)


def publish_study_file(db: Database, path: str | Path) -> StudyInfo:
    """Validate a study file (or folder holding ``study.toml``) and publish it with its pictures
    and recordings."""
    study = load_study(path)
    folder = Path(path) if Path(path).is_dir() else Path(path).parent
    images = {}
    for _, what, m in _media(study):
        data, _, digest = (read_image if what == "picture" else read_audio)(folder, m.file)
        images[digest] = data
    return publish_study(db, study, images=images)


def statement_pictures(db: Database, study_id: str) -> dict[str, tuple[bytes, str]]:
    """``{statement id: (bytes, media type)}`` of the picture statements of published study
    ``study_id`` (empty for a study without pictures)."""
    study = get_study(db, study_id)
    wanted = {s.image.sha256: s.id for s in study.statements if s.image is not None}
    if not wanted:
        return {}

    def work(session: Session) -> dict[str, tuple[bytes, str]]:
        rows = session.execute(
            select(StudyImageRow.sha256, StudyImageRow.data, StudyImageRow.media_type)
            .join(StudyRow, StudyRow.id == StudyImageRow.study_id)
            .where(StudyRow.slug == study_id, StudyImageRow.sha256.in_(list(wanted))))
        by_sha = {r.sha256: (bytes(r.data), r.media_type) for r in rows}
        return {s.id: by_sha[s.image.sha256] for s in study.statements
                if s.image is not None and s.image.sha256 in by_sha}

    return db.read(work)


def study_image(db: Database, study_id: str, name: str) -> tuple[bytes, str] | None:
    """``(bytes, media type)`` of the picture ``<sha256>.<ext>`` of published study ``study_id``,
    or ``None`` if the study has no such picture."""
    sha, _, ext = name.partition(".")
    if len(sha) != 64 or len(study_id) > 64:
        return None

    def work(session: Session) -> tuple[bytes, str] | None:
        found = session.execute(
            select(StudyImageRow.data, StudyImageRow.media_type).join(StudyRow, StudyRow.id == StudyImageRow.study_id)
            .where(StudyRow.slug == study_id, StudyImageRow.sha256 == sha)).first()
        if found is None or found.media_type.rsplit("/", 1)[-1] != ext:
            return None
        return bytes(found.data), found.media_type

    return db.read(work)


@dataclass(frozen=True)
class PublishProblem:
    """A study file that could not be published: its path and the reason (the error's message)."""

    path: str
    message: str


_log = logging.getLogger(__name__)
_PROBLEMS: dict[str, tuple[PublishProblem, ...]] = {}
_PROBLEMS_GUARD = threading.Lock()


def publish_studies_dir(db: Database, directory: str | Path = "studies") -> tuple[StudyInfo, ...]:
    """Publish every ``<directory>/*/study.toml`` (unchanged ones stay as they are).

    Returns the :class:`StudyInfo` of each published study, in name order. A study that cannot be
    published (a malformed file, a change the collected data do not allow) is skipped and logged and
    the others are published; :func:`publishing_problems` lists the skipped ones. Storage errors are
    raised. A missing directory gives an empty tuple.
    """
    base = Path(directory)
    if not base.is_dir():
        return ()
    infos: list[StudyInfo] = []
    problems: list[PublishProblem] = []
    for path in sorted(base.glob(f"*/{STUDY_FILE}")):
        try:
            infos.append(publish_study_file(db, path))
        except StorageBusyError:
            raise
        except (QMethodError, OSError, UnicodeError, ValueError, RecursionError) as exc:
            _log.error("Study %s was not published: %s", path, exc)
            problems.append(PublishProblem(path=str(path), message=str(exc)))
    with _PROBLEMS_GUARD:
        _PROBLEMS[str(base.resolve())] = tuple(problems)
    return tuple(infos)


def publishing_problems() -> tuple[PublishProblem, ...]:
    """The study files this process could not publish at its last :func:`publish_studies_dir` of
    each directory (shown on the researcher's Studies page)."""
    with _PROBLEMS_GUARD:
        return tuple(p for found in _PROBLEMS.values() for p in found)


def get_study(db: Database, study_id: str) -> Study:
    """The published definition of ``study_id`` (raises NotFoundError if there is none)."""
    check_text(study_id, "The study id", NotFoundError)
    return db.read(lambda s: repo.study_from_row(s, repo.study_row(s, study_id)))


def study_info(db: Database, study_id: str, *, now: datetime | None = None) -> StudyInfo:
    """Counts and dates of one study."""
    check_text(study_id, "The study id", NotFoundError)

    def work(session: Session) -> StudyInfo:
        row = repo.study_row(session, study_id)
        return _info(session, row, repo.study_from_row(session, row), now or utcnow())

    return db.read(work)


def list_studies(db: Database, *, now: datetime | None = None) -> tuple[StudyInfo, ...]:
    """All published studies, by id."""

    def work(session: Session) -> tuple[StudyInfo, ...]:
        rows = session.scalars(select(StudyRow).order_by(StudyRow.slug))
        when = now or utcnow()
        return tuple(_info(session, r, repo.study_from_row(session, r), when) for r in rows)

    return db.read(work)
