"""Picture statements in the researcher's figures: the composite Q-sort draws each picture in its
cell (embedded, so the SVG and PNG need nothing from elsewhere) and viewpoint cards show them."""
from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
from PIL import Image

from qmethod import service
from qmethod.ui.researcher import plots

PICTURES = Path(__file__).parents[1] / "ui" / "studies" / "ui-pictures"
SVG = "{http://www.w3.org/2000/svg}"


def test_composite_draws_the_stored_pictures(db):
    service.publish_study_file(db, PICTURES)
    pics = plots.study_picture_uris(db, "ui-pictures")
    assert sorted(pics) == ["P1", "P2", "P3"]
    texts = pd.Series({"P1": "A red rectangle", "P2": "Nature helps me", "P3": "A blue rectangle",
                       "P4": "A statement without a picture"})
    svg = plots.composite_svg({-1: ["P1"], 0: ["P2", "P3"], 1: ["P4"]}, statements=texts, pictures=pics)
    root = ET.fromstring(svg)
    images = list(root.iter(f"{SVG}image"))
    assert len(images) == 3 and all(i.get("href").startswith("data:image/png;base64,") for i in images)
    assert [i.find(f"{SVG}title").text for i in images] == ["A red rectangle", "Nature helps me", "A blue rectangle"]
    assert "A statement without a" in svg  # a text statement keeps its text
    png = Image.open(io.BytesIO(plots.svg_png(svg, scale=1))).convert("RGB")
    # the red picture is drawn in the -1 cell (left column, first row)
    x, y = 10 + 132 // 2, 34 + 19 + (84 - 23) // 2
    r, g, b = png.getpixel((x, y))
    assert r > 150 and g < 90 and b < 90, (r, g, b)


def test_statement_pictures_of_a_study_without_pictures(db):
    service.publish_study_file(db, Path(__file__).parents[1] / "data" / "studies" / "mini")
    assert plots.study_picture_uris(db, "mini") == {} and plots.study_picture_uris(db, None) == {}
