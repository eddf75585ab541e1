"""The report (DOCX, PDF, HTML, Markdown): opened again and read, from the Lipset data and from a study
with participants' comments and the team's narratives."""
from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import warnings
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest
from docx import Document

import qmethod
from qmethod import io as qio
from qmethod.io import docx_report, html_report, pdf_report
from qmethod.io.manuscript import FactorNarrative, ReportContent, methods_paragraph

DATA = Path(__file__).resolve().parent.parent / "data"
ROOT = DATA.parent.parent
ARTIFACTS = ROOT / ("docs/screenshots" if os.environ.get("QMETHOD_DOC_SCREENSHOTS") == "1" else "tests/artifacts")
NARRATIVE = "Egalitarians judge people by what they are; <b>tags</b> stay text & signs too."


@pytest.fixture(scope="module")
def lipset():
    imp = qio.read(DATA / "LIPSET.DAT")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = qmethod.analyze(imp.sorts, 3, statements=imp.statements, distribution=list(imp.distribution),
                              rotation_steps=[("F1", "F2", 10), ("F2", "F3", -4.5)])
    return ReportContent(
        result=res, title="Lipset (1963): values in the United States",
        narratives={"F1": FactorNarrative("F1", "Egalitarian", "Merit, not birth.", NARRATIVE + "\n\nSecond paragraph.",
                                          (("26", 4, "Æ, ø and å survive – and “quotes”."),), ("anna", "kari"))},
        suggested={"parallel": 2, "kaiser": 3, "humphrey": 3}, reason="Three factors were interpretable",
        bootstrap={"n_resamples": 200, "seed": 1}, co_researchers=("kari",))


def _docx_text(doc) -> str:
    return "\n".join(p.text for p in doc.paragraphs)


def test_docx_from_lipset_has_the_journal_tables_and_the_narratives(lipset):
    res = lipset.result
    doc = Document(BytesIO(docx_report.write_docx(lipset)))
    text = _docx_text(doc)
    captions = [p.text for p in doc.paragraphs if p.text.startswith(("Table ", "Figure "))]
    assert captions == ["Table 1. Factor arrays and z-scores", "Table 2. Factor loadings",
                        "Table 3. Distinguishing statements", "Table 4. Consensus statements",
                        "Table 5. Factor characteristics", "Table 6. Correlations between factor z-scores",
                        "Figure 1. Composite Q-sort of F1: Egalitarian", "Figure 2. Composite Q-sort of F2",
                        "Figure 3. Composite Q-sort of F3"]
    tables = doc.tables
    assert len(tables) == 1 + 6 + 3  # statements, the six tables, three composites
    statements, arrays, loadings = tables[0], tables[1], tables[2]
    assert len(statements.rows) == 34 and statements.cell(26, 1).text == str(res.statements.iloc[25])
    assert [c.text for c in arrays.rows[0].cells] == ["No.", "Statement", "F1 array", "F1 z", "F2 array", "F2 z",
                                                      "F3 array", "F3 z"]
    for i, sid in enumerate(res.zscores.index, 1):  # every array value and z-score as printed in a journal
        row = [c.text for c in arrays.rows[i].cells]
        for k, f in enumerate(res.factors):
            v = int(res.factor_arrays.loc[sid, f])
            assert row[2 + 2 * k] == (f"+{v}" if v > 0 else str(v).replace("-", "−"))
            assert row[3 + 2 * k] == f"{res.zscores.loc[sid, f]:.2f}".replace("-", "−")
    # loadings: a row per Q-sort, defining sorts marked with * and bold, then the summary rows
    assert len(loadings.rows) == 1 + 9 + 3
    for i, q in enumerate(res.loadings.index, 1):
        for k, f in enumerate(res.factors, 1):
            cell = loadings.rows[i].cells[k]
            flagged = bool(res.flags.loc[q, f])
            assert cell.text.endswith("*") == flagged
            assert bool(cell.paragraphs[0].runs[0].bold) == flagged
            assert cell.text.rstrip("*") == f"{res.loadings.loc[q, f]:.2f}".replace("-", "−")
    assert [r.cells[0].text for r in loadings.rows[-3:]] == ["Eigenvalue", "% explained variance", "Defining sorts"]
    # composite: the grid's columns, every statement number once
    comp = tables[7]
    assert [c.text for c in comp.rows[0].cells] == ["−4", "−3", "−2", "−1", "0", "+1", "+2", "+3", "+4"]
    numbers = [re.match(r"\d+", c.text).group() for r in comp.rows[1:] for c in r.cells if c.text]
    assert sorted(map(int, numbers)) == list(range(1, 34))
    # methods from the exact choices, and the team's texts
    assert "F1 and F2 turned 10° clockwise; F2 and F3 turned 4.5° counter-clockwise" in text
    assert "parallel analysis suggested 2, the Kaiser criterion (eigenvalue > 1) suggested 3" in text
    assert "Three factors were interpretable." in text and "200 bootstrap resamples (seed 1)" in text
    assert "(Zabala & Pascual, 2016)" in text
    refs = text.split("\nReferences\n")[1].splitlines()
    assert [r.split(" (")[0] for r in refs] == ["Watts, S. & Stenner, P.", "Zabala, A. & Pascual, U."]
    assert "|loading| > 0.34" in text and "1 co-researcher with lived experience" in text
    assert NARRATIVE in text and "Second paragraph." in text and "Merit, not birth." in text
    assert "“Æ, ø and å survive – and “quotes”.” (statement 26, placed at +4)" in text
    assert "Written by anna, kari." in text


def _grid_counts(res) -> dict[int, int]:
    values, counts = np.unique(np.asarray(res.distribution, dtype=int), return_counts=True)
    return dict(zip(values.tolist(), counts.tolist()))


def _borders(cell) -> set[str]:
    """The border styles of a DOCX table cell (its own tcBorders)."""
    from docx.oxml.ns import qn

    edges = cell._tc.tcPr.find(qn("w:tcBorders"))
    return set() if edges is None else {e.get(qn("w:val")) for e in edges}


def test_docx_composite_is_drawn_as_the_quasi_normal_grid(lipset):
    """One column per grid value, each column's statements stacked from the top in as many bordered
    cells as the grid has places there (with the statement's number and text); nothing drawn below."""
    res = lipset.result
    doc = Document(BytesIO(docx_report.write_docx(lipset)))
    comp = doc.tables[7]
    counts = _grid_counts(res)
    assert [c.text for c in comp.rows[0].cells] == ["−4", "−3", "−2", "−1", "0", "+1", "+2", "+3", "+4"]
    assert len(comp.rows) == 1 + max(counts.values())
    texts = res.statements
    for j, v in enumerate(sorted(counts)):
        column = [r.cells[j] for r in comp.rows[1:]]
        placed = [c for c in column if c.text]
        assert len(placed) == counts[v]  # the grid's places in this column, filled from the top
        assert column[:counts[v]] == placed
        for c in placed:
            assert _borders(c) == {"single"}
            number = int(re.match(r"\d+", c.text).group())
            assert c.paragraphs[1].text == str(texts.iloc[number - 1])
            assert int(res.factor_arrays["F1"].iloc[number - 1]) == v
        for c in column[counts[v]:]:
            assert _borders(c) == {"nil"}  # not a place of the grid: not drawn (before: a bordered empty cell)
    landscape = [s for s in doc.sections if s.page_width > s.page_height]
    assert len(landscape) == 1


def test_html_composite_is_a_grid_figure(lipset):
    res = lipset.result
    page = html_report.write_html(lipset)
    figures = re.findall(r'<figure class="qsort".*?</figure>', page, re.S)
    assert len(figures) == 3
    counts = _grid_counts(res)
    first = figures[0]
    assert "Figure 1. Composite Q-sort of F1: Egalitarian" in first
    columns = re.findall(r'<div class="qcol" data-value="(-?\d+)">.*?</ol>', first, re.S)
    assert [int(v) for v in columns] == sorted(counts)
    texts = res.statements
    for v, body in zip(columns, re.findall(r'<div class="qcol".*?</ol>', first, re.S)):
        cells = re.findall(r'<li class="qcell [a-z]+"><b>(\d+)[^<]*</b> ([^<]*)</li>', body)
        assert len(cells) == counts[int(v)]
        for number, text in cells:
            assert int(res.factor_arrays["F1"].iloc[int(number) - 1]) == int(v)
            assert text == html.escape(str(texts.iloc[int(number) - 1]))


def test_methods_paragraph_follows_the_choices():
    imp = qio.read(DATA / "LIPSET.DAT")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = qmethod.analyze(imp.sorts, 2, extraction="centroid", rotation="none", correlation="spearman",
                              significance=0.01, majority=False, negative="exclude", convention="pqmethod",
                              distribution=list(imp.distribution))
    text = " ".join(methods_paragraph(ReportContent(result=res, title="x", flags_by_hand=True, inverted=("F2",))))
    assert "(Spearman rank correlations)" in text and "Brown's centroid method" in text
    assert "not rotated analytically" in text and "by hand" not in text.split("Flags")[0]
    assert "p < 0.01 (|loading| > 0.45" in text and "squared loading" not in text
    assert "negative loadings were not flagged" in text and "Flags were then reviewed and set by hand." in text
    assert "F2 was inverted." in text and "PQMethod convention" in text and "bootstrap" not in text
    from qmethod.io.manuscript import references

    assert not any("Zabala" in r for r in references(ReportContent(result=res, title="x")))


def test_html_and_markdown_say_the_same_and_load_nothing_from_elsewhere(lipset):
    page = html_report.write_html(lipset)
    assert "<caption>Table 2. Factor loadings</caption>" in page and "<th scope=\"col\">F1 z</th>" in page
    assert "&lt;b&gt;tags&lt;/b&gt; stay text &amp; signs" in page and "<b>tags</b>" not in page
    assert not re.search(r"(src|href)=\"?https?:", page) and "@media print" in page
    n_bold = int(lipset.result.flags.to_numpy().sum())
    assert page.count("<strong>") == n_bold
    md = html_report.write_markdown(lipset)
    assert "**Table 1. Factor arrays and z-scores**" in md and "| No. | Statement | F1 array |" in md
    assert NARRATIVE in md and md.count("|---|") >= 10


def test_pdf_pages_render(lipset, tmp_path):
    data = pdf_report.write_pdf(lipset)
    assert data.startswith(b"%PDF")
    if not shutil.which("pdftoppm"):
        if os.environ.get("CI") == "true":
            pytest.fail("pdftoppm is missing (apt-get install poppler-utils; scripts/test-deps.sh)")
        pytest.skip("pdftoppm is not installed (apt-get install poppler-utils)")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(data)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for s in ("Table 1. Factor arrays and z-scores", "Table 6. Correlations between factor z-scores",
              "Figure 1. Composite Q-sort of F1: Egalitarian", "Merit, not birth.", "Æ, ø and å survive"):
        assert s in text
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "80", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 5
    from PIL import Image

    for p in pages:
        img = Image.open(p)
        assert img.size[0] > 600 and len(img.convert("L").getcolors(maxcolors=256 * 256) or []) > 2  # not blank
    shutil.copy(pages[2], ARTIFACTS / "report-tables.png")  # the first results page, kept to look at
    shutil.copy(pages[-1], ARTIFACTS / "report-narratives.png")


def test_report_of_a_study_with_comments_has_the_team_and_the_participants_words(db):
    from qmethod.service import accounts
    from qmethod.service import analysis as an
    from qmethod.service import interpretation as it
    from qmethod.service.demo import seed_demo

    from qmethod import service as sv

    sv.publish_study_file(db, ROOT / "studies" / "brukermedvirkning")
    seed_demo(db, n=6, seed=3)
    anna = accounts.create_account(db, "anna", "password-1234")
    data = an.study_data(db, "brukermedvirkning")
    w = an.save_workspace(db, anna.id, data.source, data.name, an.Plan(n_factors=2)).id
    it.invite(db, anna, "brukermedvirkning", "kari", password="password-1234")
    kari = accounts.login(db, "kari", "password-1234").researcher
    it.write_text(db, anna, w, "F1", "name", "Mer pynt enn medvirkning")
    it.write_text(db, anna, w, "F1", "narrative", "Dette synet ser brukermedvirkning som et skinn.")
    p = it.write_text(db, kari, w, "F1", "summary", "De har sett at de blir brukt som alibi.")
    it.accept(db, anna, p.id)
    it.write_text(db, anna, w, it.ALL, "summary", "Two factors were clear and made sense to the team")
    blob, name, mime = it.report(db, anna, w, "docx")
    assert name.endswith("-report.docx") and "wordprocessingml" in mime
    doc = Document(BytesIO(blob))
    text = _docx_text(doc)
    view = it.interpretation(db, anna, w)
    quotes = [q.text for q in view.factor_views["F1"].quotes]
    assert quotes and all(f"“{q}”" in text for q in quotes[:6])
    assert "F1: Mer pynt enn medvirkning" in text and "Dette synet ser brukermedvirkning som et skinn." in text
    assert "De har sett at de blir brukt som alibi." in text and "Written by anna, kari." in text
    assert "6 of 6 participants who started completed the sort" in text
    assert "columns −4, +4" in text and "1 co-researcher" in text
    assert "Two factors were clear and made sense to the team." in text
    assert re.search(r"parallel analysis suggested \d, the Kaiser criterion \(eigenvalue > 1\) suggested \d", text)
    assert len(doc.tables) == 1 + 6 + 2
    statements = doc.tables[0]
    assert statements.cell(1, 1).text == "Jeg blir tatt på alvor når jeg forteller hva som er viktig for meg."
    for kind in ("pdf", "html", "md"):
        blob, name, _ = it.report(db, anna, w, kind)
        assert name.endswith({"pdf": ".pdf", "html": ".html", "md": ".md"}[kind]) and len(blob) > 1000
