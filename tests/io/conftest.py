from pathlib import Path

import pandas as pd
import pytest

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def lipset_sorts() -> pd.DataFrame:
    """tests/data/lipset.csv as statements (1..33) x sorts, read with pandas only (independent of qmethod.io)."""
    frame = pd.read_csv(DATA / "lipset.csv")
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    return frame
