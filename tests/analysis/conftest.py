import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="session")
def lipset() -> pd.DataFrame:
    """Lipset: 33 statements x 9 Q-sorts, statement ids sta_1.. as in the qmethod references."""
    df = pd.read_csv(DATA / "lipset.csv")
    df.index = [f"sta_{i}" for i in range(1, len(df) + 1)]
    return df


def load_reference(name: str) -> dict:
    return json.loads((DATA / f"lipset_3f_{name}.json").read_text())


def ref_frame(d: dict, key: str, dtype=float) -> pd.DataFrame:
    t = d[key]
    vals = np.array([[np.nan if v is None else v for v in row] for row in t["values"]], dtype=dtype)
    return pd.DataFrame(vals, index=t["rows"], columns=t["columns"])


REFERENCE_SETTINGS = {
    "pca_varimax": dict(extraction="pca", rotation="varimax"),
    "pca_none": dict(extraction="pca", rotation="none"),
    "centroid_varimax": dict(extraction="centroid", rotation="varimax", centroid_start="qmethod"),
}


@pytest.fixture(scope="session", params=list(REFERENCE_SETTINGS))
def reference_run(request, lipset):
    """(reference JSON, our result under qmethod's settings) for each stored qmethod run."""
    import qmethod

    name = request.param
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = qmethod.analyze(lipset, 3, ties="qmethod", **REFERENCE_SETTINGS[name])
    return name, load_reference(name), res
