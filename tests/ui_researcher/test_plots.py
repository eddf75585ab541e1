"""Plots without a browser: composite Q-sort SVG (escaped, every statement once), charts to PNG/SVG."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd

from qmethod.service import analysis as an
from qmethod.ui.researcher import plots

LIPSET = Path(__file__).parents[2] / "qmethod" / "data" / "lipset.csv"


def _result():
    data = an.upload_data(LIPSET.read_bytes(), "lipset.csv")
    return data, an.run(data, an.Plan(n_factors=3)).result


def test_composite_svg_is_valid_escaped_and_complete():
    _, res = _result()
    texts = pd.Series([f"<script>alert({i})</script> & text" for i in range(len(res.zscores))],
                      index=res.zscores.index)
    svg = plots.composite_svg(an.composite(res, "F1"), statements=texts, markers={res.zscores.index[0]: " **▲"},
                              title="Lipset <F1>")
    root = ET.fromstring(svg)  # well-formed XML
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    numbers = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text") if t.get("font-weight") == "bold" and t.get("text-anchor") != "middle"]
    assert len([n for n in numbers if n and n.split()[0].isdigit()]) == len(res.zscores)
    assert plots.svg_png(svg)[:4] == b"\x89PNG"


def test_charts_export():
    data, res = _result()
    g = an.guidance(data, max_factors=4, n_iter=20)
    scree = plots.scree_chart(g.table, 3)
    assert plots.chart_png(scree)[:4] == b"\x89PNG"
    flags = an.preview_flags(res.loadings, data.n_statements, an.Plan(n_factors=3))
    scatter = plots.loadings_chart(res.loadings, flags, "F1", "F2", 0.34)
    assert plots.chart_svg(scatter).lstrip().startswith("<svg")
    assert plots.grid_svg({-1: 1, 0: 2, 1: 1}).startswith("<svg")
