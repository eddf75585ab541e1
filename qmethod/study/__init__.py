"""Study definitions (statements, grid, texts, questions) and the participant response model."""
from .load import STUDY_FILE, load_study, loads_study, parse_study
from .model import (
    PILES,
    QUESTION_TYPES,
    Consent,
    Grid,
    GridColumn,
    Option,
    PostSort,
    Question,
    Statement,
    Study,
    study_to_dict,
)
from .response import STAGES, Missing, Response, apply, missing, replay, stages

__all__ = [
    "STUDY_FILE", "load_study", "loads_study", "parse_study", "PILES", "QUESTION_TYPES", "Consent", "Grid",
    "GridColumn", "Option", "PostSort", "Question", "Statement", "Study", "study_to_dict", "STAGES",
    "Missing", "Response", "apply", "missing", "replay", "stages",
]
