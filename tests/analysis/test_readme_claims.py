"""What README.md shows about the analysis holds: its bipolar split example splits a real bipolar
factor, and its centroid-vs-R figure names the settings that reach it."""
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

import qmethod
from .conftest import DATA, load_reference, ref_frame

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def readme_result():
    """The README's Python quick start: Lipset, 3 centroid factors, varimax."""
    data = qmethod.io.read(DATA / "LIPSET.DAT")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return qmethod.analyze(data.sorts, 3, extraction="centroid", rotation="varimax", statements=data.statements)


def test_readme_split_example_has_defining_sorts_on_both_poles(readme_result):
    factor = re.search(r'split_bipolar\(res, "(F\d+)"\)', README).group(1)
    split = qmethod.split_bipolar(readme_result, factor)
    flags = split.flags
    assert flags[f"{factor}a"].sum() >= 1 and flags[f"{factor}b"].sum() >= 1


def test_readme_centroid_figure_names_the_settings_it_needs(lipset):
    row = re.search(r"\| centroid \+ varimax \| [^|]+ \| ([0-9.e-]+) \|", README)
    figure = float(row.group(1))
    note = README[row.end():row.end() + 600]
    assert "--centroid-start qmethod --ties" in note and "qmethod" in note
    ref = ref_frame(load_reference("centroid_varimax"), "rotated_loadings").to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        as_r = qmethod.analyze(lipset, 3, extraction="centroid", centroid_start="qmethod", ties="qmethod")
        default = qmethod.analyze(lipset, 3, extraction="centroid")
    assert np.abs(as_r.loadings.to_numpy() - ref).max() < 10 * figure
    stated = float(re.search(r"the loadings differ from R qmethod by up to ([0-9.e-]+)", note).group(1))
    assert np.abs(default.loadings.to_numpy() - ref).max() == pytest.approx(stated, rel=0.05)
