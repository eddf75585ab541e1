"""Q methodology: by-person factor analysis of Q-sorts, study collection and reporting.

Quick start::

    import qmethod
    data = qmethod.io.read("LIPSET.DAT")     # any supported format
    res = qmethod.analyze(data.sorts, 3)     # sorts: statements x Q-sorts
    print(res.summary())

``import qmethod`` gives the whole public API: the analysis functions and results below, and the
subpackages :mod:`qmethod.analysis`, :mod:`qmethod.io` (file formats), :mod:`qmethod.study` (study
definitions), :mod:`qmethod.errors` and :mod:`qmethod.grid`. The application
layers :mod:`qmethod.store`, :mod:`qmethod.service`, :mod:`qmethod.ui`, :mod:`qmethod.web` and
:mod:`qmethod.cli` are loaded on first use (``qmethod.service.open_database()`` works after
``import qmethod``), so importing the package does not pull in the database or web libraries.
"""
import importlib as _importlib

__version__ = "0.1.0"

from .analysis import (  # noqa: E402
    AnalysisResult,
    AnalysisSettings,
    BootstrapResult,
    JudgmentalRotation,
    analyze,
    bootstrap,
    crib_sheet,
    factor_guidance,
    parallel_analysis,
    split_bipolar,
)
from .analysis.crib import invert_factor  # noqa: E402
from .analysis.pipeline import rescore  # noqa: E402
from .errors import DataError, FormatError, QMethodError, QMethodWarning, StudyError  # noqa: E402
from .simulate import simulate  # noqa: E402
from . import analysis, errors, grid, io, study  # noqa: E402,F401

#: Subpackages imported on first attribute access (they need SQLAlchemy, Streamlit, Starlette...).
_LAZY = ("cli", "service", "store", "ui", "web")


def __getattr__(name: str):
    if name in _LAZY:
        return _importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "AnalysisResult", "AnalysisSettings", "BootstrapResult", "DataError", "FormatError",
    "JudgmentalRotation", "QMethodError", "QMethodWarning", "StudyError", "analyze", "bootstrap",
    "crib_sheet", "factor_guidance", "invert_factor", "parallel_analysis", "rescore", "simulate",
    "split_bipolar", "__version__", "analysis", "errors", "grid", "io", "study",
]
