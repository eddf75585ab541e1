"""The numeric core: correlate -> extract -> rotate -> flag -> scores -> compare.

Pure numpy/scipy/pandas. Orientation: ``sorts`` are statements x Q-sorts (a DataFrame, or any
array-like read as ``np.asarray`` reads it: a nested list is rows); loadings are Q-sorts x factors;
z-scores and factor arrays are statements x factors. Factors are labelled ``F1..Fk``. Options are
checked in one place (:mod:`qmethod.analysis.params`); results are frozen (tables handed out as
copies).
"""
from .bootstrap import BootstrapResult, bootstrap
from .compare import characteristics, compare_factors, factor_correlations, sed
from .correlate import correlate
from .crib import crib_sheet, split_bipolar
from .data import check_distribution, check_sorts, infer_distribution
from .extract import Extraction, centroid, horst, pca
from .flag import flag, z_critical
from .guidance import FactorGuidance, factor_guidance, parallel_analysis
from .pipeline import analyze
from .result import AnalysisResult, AnalysisSettings
from .rotate import JudgmentalRotation, RotationStep, rotate_pair, varimax
from .scores import factor_arrays, factor_weights, zscores

__all__ = [
    "AnalysisResult", "AnalysisSettings", "BootstrapResult", "Extraction", "FactorGuidance",
    "JudgmentalRotation", "RotationStep", "analyze", "bootstrap", "centroid", "characteristics",
    "check_distribution", "check_sorts", "compare_factors", "correlate", "crib_sheet",
    "factor_arrays", "factor_correlations", "factor_guidance", "factor_weights", "flag", "horst",
    "infer_distribution", "parallel_analysis", "pca", "rotate_pair", "sed", "split_bipolar",
    "varimax", "z_critical", "zscores",
]
