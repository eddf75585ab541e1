"""Q methodology: by-person factor analysis of Q-sorts, study collection and reporting.

Quick start::

    import qmethod
    res = qmethod.analyze(sorts, 3)          # sorts: statements x Q-sorts
    print(res.summary())
"""
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

__all__ = [
    "AnalysisResult", "AnalysisSettings", "BootstrapResult", "DataError", "FormatError",
    "JudgmentalRotation", "QMethodError", "QMethodWarning", "StudyError", "analyze", "bootstrap",
    "crib_sheet", "factor_guidance", "invert_factor", "parallel_analysis", "rescore", "simulate",
    "split_bipolar", "__version__",
]
