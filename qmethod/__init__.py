"""Q methodology: by-person factor analysis of Q-sorts, study collection and reporting."""
__version__ = "0.1.0"
