"""Pictures of an analysis: scree with parallel analysis, two-factor loading scatter, composite Q-sort.

Charts are Vega-Lite specifications (plain dicts; Vega-Lite is bundled with Streamlit);
:func:`chart_png` / :func:`chart_svg` turn one into a file with vl-convert. The composite Q-sort is
drawn as SVG here (:func:`composite_svg`), every statement text escaped; :func:`svg_png` rasterises it
and :func:`figure_html` shows it in a page with a text alternative and at a readable size.
"""
from __future__ import annotations

import base64
import html
import re
import textwrap

import numpy as np
import pandas as pd

__all__ = ["scree_chart", "loadings_chart", "composite_svg", "grid_svg", "chart_png", "chart_svg", "svg_png",
           "figure_html"]

FLAG_COLOURS = {"flagged on x": "#1f6feb", "flagged on y": "#d1242f", "not flagged": "#8c959f"}


def _values(df: pd.DataFrame) -> list[dict]:
    """Rows of ``df`` as Vega-Lite inline data (missing numbers as null)."""
    return [{k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in row.items()}
            for row in df.astype(object).to_dict("records")]


def _rule(dataset: str, channel: str, **mark) -> dict:
    """A layer of straight lines at the values (field ``v``) of ``dataset`` across the ``channel`` axis."""
    return {"data": {"name": dataset}, "mark": {"type": "rule", **mark},
            "encoding": {channel: {"field": "v", "type": "quantitative"}}}


def scree_chart(table: pd.DataFrame, chosen: int | None = None) -> dict:
    """Eigenvalues (scree) with the parallel-analysis 95th percentile and the Kaiser line at 1.

    A Vega-Lite specification (a plain dict, drawn by ``st.vega_lite_chart``; :func:`chart_png` and
    :func:`chart_svg` save it): written out rather than built with Altair, whose checks took 50-100 ms
    on every run of the page. The numbers are in its named ``datasets``, so that a chart whose numbers
    change keeps the same specification and the browser only updates its data.
    """
    number = np.arange(1, len(table) + 1)
    long = pd.concat([
        pd.DataFrame({"number": number, "value": table["eigenvalue"].to_numpy(float), "series": "Eigenvalue (data)"}),
        pd.DataFrame({"number": number, "value": table["parallel_p95"].to_numpy(float),
                      "series": "Random data, 95th percentile"}),
    ])
    lines = {"data": {"name": "scree"}, "mark": {"type": "line", "point": True}, "encoding": {
        "x": {"field": "number", "type": "ordinal", "title": "Factor", "axis": {"labelAngle": 0}},
        "y": {"field": "value", "type": "quantitative", "title": "Eigenvalue"},
        "color": {"field": "series", "type": "nominal", "title": None, "legend": {"orient": "top"},
                  "scale": {"range": ["#1f6feb", "#d1242f"]}},
        "strokeDash": {"field": "series", "type": "nominal", "legend": None, "scale": {"range": [[1, 0], [5, 3]]}},
        "tooltip": [{"field": "series", "type": "nominal"}, {"field": "number", "type": "quantitative"},
                    {"field": "value", "type": "quantitative", "format": ".2f"}],
    }}
    datasets = {"scree": _values(long), "kaiser": [{"v": 1.0}]}
    layers = [lines, _rule("kaiser", "y", color="#57606a", strokeDash=[2, 2])]
    if chosen:
        datasets["chosen"] = [{"number": int(chosen)}]
        layers.append({"data": {"name": "chosen"}, "mark": {"type": "rule", "color": "#2da44e", "size": 2},
                       "encoding": {"x": {"field": "number", "type": "ordinal"}}})
    return {"layer": layers, "datasets": datasets, "height": 280,
            "title": "Scree plot (dashed grey: Kaiser, eigenvalue 1)"}


def loadings_chart(loadings: pd.DataFrame, flags: pd.DataFrame, x: str, y: str, threshold: float,
                   *, title: str | None = None) -> dict:
    """Q-sorts as points at their loadings on factors ``x`` and ``y``, coloured by flag (a Vega-Lite
    specification, as :func:`scree_chart`)."""
    status = np.where(flags[x].to_numpy(bool), "flagged on x",
                      np.where(flags[y].to_numpy(bool), "flagged on y", "not flagged"))
    df = pd.DataFrame({"Q-sort": loadings.index.astype(str), x: loadings[x].to_numpy(float),
                       y: loadings[y].to_numpy(float), "flag": status})
    scale = {"domain": [-1, 1], "nice": False}
    colour = {"field": "flag", "type": "nominal", "title": None, "legend": {"orient": "top"},
              "scale": {"domain": list(FLAG_COLOURS), "range": list(FLAG_COLOURS.values())}}
    fx, fy = _field(x), _field(y)
    return {"layer": [
        _rule("zero", "x", color="#57606a"), _rule("zero", "y", color="#57606a"),
        _rule("threshold", "x", color="#bf8700", strokeDash=[4, 3]),
        _rule("threshold", "y", color="#bf8700", strokeDash=[4, 3]),
        {"data": {"name": "sorts"}, "mark": {"type": "circle", "size": 90, "opacity": 0.85}, "encoding": {
            "x": {"field": fx, "type": "quantitative", "scale": scale, "title": f"{x} loading"},
            "y": {"field": fy, "type": "quantitative", "scale": scale, "title": f"{y} loading"},
            "color": colour,
            "tooltip": [{"field": "Q-sort", "type": "nominal"}, {"field": fx, "type": "quantitative", "format": ".3f"},
                        {"field": fy, "type": "quantitative", "format": ".3f"}, {"field": "flag", "type": "nominal"}],
        }},
        {"data": {"name": "sorts"}, "mark": {"type": "text", "dx": 7, "dy": -7, "fontSize": 10, "align": "left",
                                              "color": "#24292f"},
         "encoding": {"x": {"field": fx, "type": "quantitative"}, "y": {"field": fy, "type": "quantitative"},
                      "text": {"field": "Q-sort", "type": "nominal"}}},
    ], "datasets": {"sorts": _values(df), "zero": [{"v": 0.0}], "threshold": [{"v": -threshold}, {"v": threshold}]},
        "width": 460, "height": 460, "title": title or f"Loadings on {x} (x) and {y} (y); dashed: significance"}


def _field(name: str) -> str:
    """A column name as a Vega-Lite field (dots and brackets would otherwise mean nesting)."""
    return name.replace("\\", "\\\\").replace(".", "\\.").replace("[", "\\[").replace("]", "\\]")


def _wrap(text: str, width: int, lines: int) -> list[str]:
    out = textwrap.wrap(" ".join(str(text).split()), width=width) or [""]
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: max(0, width - 1)].rstrip() + "…"
    return out


def picture_uri(data: bytes, media_type: str) -> str:
    """A picture as a ``data:`` address, so a figure holding it needs nothing from elsewhere."""
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"


def study_picture_uris(db, study_id: str | None) -> dict[str, str]:
    """``{statement id: picture address}`` of a published study's picture statements (empty for
    none, or for data that is not a study's)."""
    if not study_id:
        return {}
    from qmethod import service

    return {sid: picture_uri(data, kind) for sid, (data, kind) in service.statement_pictures(db, study_id).items()}


def composite_svg(columns: dict[int, list], *, statements: pd.Series | None = None,
                  markers: dict | None = None, consensus: set | None = None, title: str = "",
                  numbers_only: bool = False, labels: dict[int, str] | None = None,
                  pictures: dict[str, str] | None = None) -> str:
    """The composite Q-sort of a factor: the grid filled with statement numbers (and texts).

    ``columns``: grid value -> statement ids top to bottom; ``markers``: id -> suffix shown after the
    number (``*``/``**`` distinguishing, ``▲``/``▼`` higher/lower than in every other factor);
    ``consensus``: ids drawn shaded; ``pictures``: id -> picture address (:func:`picture_uri`) drawn
    in the cell of a picture statement instead of its text, which becomes the picture's title (the
    alt text). Everything is escaped.
    """
    pictures = pictures or {}
    markers = markers or {}
    consensus = consensus or set()
    values = sorted(columns)
    number = {}
    if statements is not None:
        number = {sid: k + 1 for k, sid in enumerate(statements.index)}
    cw, ch = (54, 30) if numbers_only else (132, 84)
    gap, top, left = 4, 62 if title else 34, 10
    depth = max((len(v) for v in columns.values()), default=0)
    width = left * 2 + len(values) * (cw + gap)
    height = top + depth * (ch + gap) + 40
    e = html.escape
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif" role="img" '
           f'aria-label="{e(title or "Composite Q-sort")}">',
           f'<rect width="{width}" height="{height}" fill="#ffffff"/>']
    if title:
        out.append(f'<text x="{left}" y="24" font-size="16" font-weight="bold" fill="#24292f">{e(title)}</text>')
    for i, v in enumerate(values):
        x = left + i * (cw + gap)
        head = f"+{v}" if v > 0 else str(v)
        label = (labels or {}).get(v)
        out.append(f'<text x="{x + cw / 2}" y="{top - 10}" font-size="13" font-weight="bold" text-anchor="middle" '
                   f'fill="#24292f">{e(head)}{(" " + e(label)) if label else ""}</text>')
        for j, sid in enumerate(columns[v]):
            y = top + j * (ch + gap)
            fill = "#eaeef2" if sid in consensus else ("#ddf4ff" if v > 0 else "#ffebe9" if v < 0 else "#f6f8fa")
            out.append(f'<rect x="{x}" y="{y}" width="{cw}" height="{ch}" rx="4" fill="{fill}" stroke="#8c959f"/>')
            num = number.get(sid, sid)
            mark = markers.get(sid, "")
            out.append(f'<text x="{x + 5}" y="{y + 14}" font-size="12" font-weight="bold" fill="#24292f">'
                       f'{e(str(num))}{e(mark)}</text>')
            if not numbers_only and sid in pictures:
                alt = e(str(statements.get(sid, ""))) if statements is not None else ""
                out.append(f'<image x="{x + 4}" y="{y + 19}" width="{cw - 8}" height="{ch - 23}" '
                           f'preserveAspectRatio="xMidYMid meet" href="{e(pictures[sid])}"><title>{alt}</title>'
                           '</image>')
            elif not numbers_only and statements is not None:
                for k, line in enumerate(_wrap(statements.get(sid, ""), 24, 5)):
                    out.append(f'<text x="{x + 5}" y="{y + 28 + k * 11}" font-size="9.5" fill="#24292f">'
                               f'{e(line)}</text>')
    legend = "* p < .05, ** p < .01 distinguishing; ▲/▼ higher/lower than in every other factor; grey: consensus"
    out.append(f'<text x="{left}" y="{height - 14}" font-size="10" fill="#57606a">{e(legend)}</text>')
    out.append("</svg>")
    return "".join(out)


def grid_svg(counts: dict[int, int], *, width: int = 520) -> str:
    """The empty grid shape of a study design (one box per cell)."""
    values = sorted(counts)
    if not values:
        return ""
    depth = max(counts.values())
    cw = max(18, min(48, (width - 20) // len(values) - 4))
    chh = 16
    h = 30 + depth * (chh + 3)
    w = 20 + len(values) * (cw + 4)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="Helvetica, Arial, sans-serif" '
           f'role="img" aria-label="Grid shape">']
    for i, v in enumerate(values):
        x = 10 + i * (cw + 4)
        out.append(f'<text x="{x + cw / 2}" y="14" font-size="11" text-anchor="middle">{"+" if v > 0 else ""}{v}</text>')
        for j in range(int(counts[v])):
            out.append(f'<rect x="{x}" y="{22 + j * (chh + 3)}" width="{cw}" height="{chh}" rx="2" '
                       f'fill="#ddf4ff" stroke="#54aeff"/>')
    out.append("</svg>")
    return "".join(out)


def chart_png(chart: dict, scale: float = 2.0) -> bytes:
    """A chart (a Vega-Lite specification) as PNG, ``scale`` times its size in pixels."""
    import vl_convert as vlc

    return vlc.vegalite_to_png(chart, scale=scale)


def chart_svg(chart: dict) -> str:
    """A chart (a Vega-Lite specification) as SVG text."""
    import vl_convert as vlc

    return vlc.vegalite_to_svg(chart)


def svg_png(svg: str, scale: float = 2.0) -> bytes:
    import vl_convert as vlc

    return vlc.svg_to_png(svg, scale=scale)


def figure_html(svg: str, *, alt: str, label: str) -> str:
    """An SVG picture for a page's HTML (``st.markdown(..., unsafe_allow_html=True)``): an ``<img>``
    with ``alt`` as its text alternative, as wide as the page's content and never narrower than the
    SVG's own ``width`` (its text stays at the size drawn). Where the screen is narrower, as on a
    phone, it scrolls sideways inside a region named ``label`` that the keyboard can scroll too."""
    found = re.search(r'<svg\b[^>]*?\bwidth="([\d.]+)"', svg)
    least = f"min-width:{float(found.group(1)):g}px;" if found else ""
    uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    e = html.escape
    return (f'<div class="qm-figure" role="region" tabindex="0" aria-label="{e(label)}" '
            'style="overflow-x:auto;max-width:100%;margin-bottom:.5rem">'
            f'<img src="{uri}" alt="{e(alt)}" style="display:block;width:100%;{least}height:auto"></div>')
