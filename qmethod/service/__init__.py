"""The service layer: what the participant and researcher pages call.

Plain functions taking a :class:`~qmethod.store.Database` and ids; each opens its own transaction and
returns frozen dataclasses or DataFrames (never ORM objects). See ``docs/storage.md``.
"""
from ..store.db import Database, open_database
from .participants import (
    RESUME_GLOBAL_WINDOW,
    RESUME_MAX_FAILURES,
    RESUME_MAX_FAILURES_ALL,
    RESUME_WINDOW,
    give_consent,
    move_statement,
    place_statement,
    remove_statement,
    resume,
    resume_by_code,
    save_answer,
    save_comment,
    set_language,
    set_pile,
    set_stage,
    start_participant,
    submit,
    swap_statements,
)
from .research import (
    audit_trail,
    completed_sorts,
    delete_participant,
    export_participant,
    export_participant_json,
    participant_progress,
    participant_state,
    replay_participant,
)
from .studies import (get_study, list_studies, publish_studies_dir, publish_study, publish_study_file, statement_pictures,
                      study_image, study_info)
from .types import (
    AuditEvent,
    CompletedSorts,
    ParticipantProgress,
    ParticipantSession,
    ParticipantState,
    StudyInfo,
)

__all__ = [
    "Database", "open_database",
    "publish_study", "publish_study_file", "publish_studies_dir", "get_study", "list_studies", "study_info", "study_image", "statement_pictures",
    "start_participant", "resume", "resume_by_code", "give_consent", "set_language", "set_stage", "set_pile",
    "place_statement", "move_statement", "remove_statement", "swap_statements", "save_comment", "save_answer",
    "submit", "RESUME_MAX_FAILURES", "RESUME_WINDOW", "RESUME_MAX_FAILURES_ALL", "RESUME_GLOBAL_WINDOW",
    "participant_progress", "participant_state", "audit_trail", "replay_participant", "completed_sorts",
    "export_participant", "export_participant_json", "delete_participant",
    "StudyInfo", "ParticipantState", "ParticipantSession", "ParticipantProgress", "AuditEvent", "CompletedSorts",
]
