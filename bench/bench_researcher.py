"""Click to drawn result on the researcher's Analysis page, in real Chromium (Debian's, via Playwright).

    .venv/bin/python bench/bench_researcher.py                       # 8 x 25, Lipset, 300 x 60; 5 repeats
    .venv/bin/python bench/bench_researcher.py --sizes small --repeats 3

One app server (``streamlit run app.py``, SQLite in a temporary directory) and one browser tab. For
each data set the file is uploaded, then every action is repeated: open (a fresh load of the page
until the Factors tab is drawn), change k, change the extraction, rotate by hand (+5° and back),
apply, undo, a flag set by hand (the keyboard form) and back, split and invert (each with its undo),
upload, download the workbook. A time runs from the click until the page's script run that the click
started has finished and the expected text is in the page (for the workbook: until the browser has
the file). Prints p50/p95 per action (ms) and the targets; asserts nothing. Results depend on the
machine: on a shared one they are upper bounds.
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

import numpy as np  # noqa: E402

import qmethod  # noqa: E402
import qmethod.io  # noqa: E402
from tests.app_server import chromium_browser, running_app  # noqa: E402
from tests.ui_researcher.conftest import login  # noqa: E402
from tests.ui_researcher.test_workspace import choose  # noqa: E402

PASSWORD = "bench-researcher-1"
TARGET = {"small": 300, "lipset": 300, "large": 800}
WATCH = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || window.__qmWatch) return;
  window.__qmWatch = true; window.__qmDone = 0;
  new MutationObserver(() => {
    if (app.getAttribute('data-test-script-state') === 'notRunning') window.__qmDone += 1;
  }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""


def datasets(tmp: Path, sizes: list[str]) -> dict[str, Path]:
    out = {}
    for name in sizes:
        if name == "lipset":
            out[name] = ROOT / "qmethod" / "data" / "lipset.csv"
            continue
        p, n = (8, 25) if name == "small" else (300, 60)
        sim = qmethod.simulate(p, n, 3, seed=7)
        path = tmp / f"bench-{p}x{n}.csv"
        sim.sorts.to_csv(path)
        out[name] = path
    return out


def settled(page) -> None:
    page.wait_for_function("""() => { const a = document.querySelector('[data-testid="stApp"]');
        return a && a.getAttribute('data-test-script-state') === 'notRunning'; }""", polling=10, timeout=120_000)


def timed(page, action, expect=None) -> float:
    """ms from ``action()`` until the script run it started has finished and ``expect`` (text) shows."""
    page.evaluate(WATCH)
    before = page.evaluate("() => window.__qmDone")
    t0 = time.perf_counter()
    action()
    page.wait_for_function(f"() => window.__qmDone > {before}", polling="raf", timeout=120_000)
    settled(page)
    if isinstance(expect, str):
        page.get_by_text(expect).first.wait_for(timeout=120_000)
    elif expect is not None:
        expect.first.wait_for(timeout=120_000)
    return (time.perf_counter() - t0) * 1000


def tab(page, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()
    page.wait_for_timeout(150)
    settled(page)


def upload(page, path: Path) -> None:
    page.locator('[data-testid="stFileUploader"]').filter(has_text="Q-sort data file") \
        .locator('input[type="file"]').set_input_files(str(path))


def run_size(page, url: str, name: str, path: Path, repeats: int) -> dict[str, list[float]]:
    t: dict[str, list[float]] = {}

    def add(action: str, ms: float) -> None:
        t.setdefault(action, []).append(ms)

    page.goto(url + "/analysis")
    settled(page)
    page.get_by_text("A file (PQMethod").click()
    settled(page)
    data = qmethod.io.read(path.read_bytes(), name=path.name)
    n_sorts = data.sorts.shape[1]
    add("upload", timed(page, lambda: upload(page, path), f"{n_sorts} Q-sorts"))
    page.get_by_text("Suggested number of factors").first.wait_for(timeout=120_000)
    for r in range(repeats):
        # open: a fresh load of the page (the data source is remembered) until the Factors tab is drawn
        t0 = time.perf_counter()
        page.goto(url + "/analysis")
        settled(page)
        if page.get_by_text("No study is published yet").count():  # (a page that opens on the study choice)
            page.get_by_text("A file (PQMethod").click()
        page.get_by_text("Suggested number of factors").first.wait_for(timeout=120_000)
        settled(page)
        add("open", (time.perf_counter() - t0) * 1000)
        tab(page, "Factors")
        apply = page.get_by_role("button", name="Apply", exact=True)
        for k in (3, 2):  # (the choice is made first; the time runs from the click on Apply)
            page.get_by_label("Number of factors").fill(str(k))
            add("change k", timed(page, apply.click))
        for ext in ("Centroid (Brown, PQMethod)", "Principal components"):
            choose(page, "Extraction", ext)
            add("extraction", timed(page, apply.click))
        tab(page, "Rotation")
        def angle(a: int):
            return page.get_by_test_id("stSliderThumbValue").filter(has_text=re.compile(rf"^{a}$"))
        add("rotate by hand", timed(page, lambda: page.get_by_role("button", name="+5°").click(), angle(5)))
        add("rotate by hand", timed(page, lambda: page.get_by_role("button", name="+5°").click(), angle(10)))
        add("apply", timed(page, lambda: page.get_by_role("button", name="Apply rotation").click(),
                           "rotated 10 degrees clockwise"))
        add("undo", timed(page, lambda: page.get_by_role("button", name="Undo last step").click(),
                          "No rotation by hand yet."))
        tab(page, "Flags")

        choose(page, "Flag on", "(none)")
        add("flag tick", timed(page, page.get_by_role("button", name="Set flag").click, "Flags are set by hand."))
        add("flag tick", timed(page, lambda: page.get_by_role("button", name="Back to automatic flags").click(),
                               "Flags are automatic."))
        add("invert", timed(page, lambda: page.get_by_role("button", name="Invert", exact=True).click(),
                            "Inverted: F1"))
        add("invert", timed(page, lambda: page.get_by_role("button", name="Undo inversions and splits").click()))
        if page.get_by_role("button", name="Split", exact=True).count():
            add("split", timed(page, lambda: page.get_by_role("button", name="Split", exact=True).click(), "split: F"))
            add("split", timed(page, lambda: page.get_by_role("button", name="Undo inversions and splits").click()))
        tab(page, "Downloads")
        t0 = time.perf_counter()
        with page.expect_download(timeout=120_000) as dl:
            page.get_by_role("button", name="Excel workbook").click()
        dl.value.path()
        add("download workbook", (time.perf_counter() - t0) * 1000)
        tab(page, "Factors")
    return t


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="small,lipset,large", help="comma-separated: small, lipset, large")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    tmp = Path(tempfile.mkdtemp(prefix="qmethod-bench-researcher-"))
    (tmp / "studies").mkdir()
    files = datasets(tmp, sizes)
    labels = {"small": "8 x 25", "lipset": "Lipset 9 x 33", "large": "300 x 60"}
    results = {}
    with running_app(tmp, QMETHOD_STUDIES_DIR=str(tmp / "studies"), QMETHOD_ADMIN_PASSWORD=PASSWORD) as app:
        with chromium_browser("/usr/bin/chromium") as browser:
            context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
            page = context.new_page()
            page.set_default_timeout(120_000)
            login(page, app.url, "analysis", "Analysis", password=PASSWORD)
            for _ in range(100):  # the login cookie, so that a fresh load of the page stays logged in
                if any(c["name"] == "qmethod_researcher" for c in context.cookies()):
                    break
                page.wait_for_timeout(100)
            for name in sizes:
                results[name] = run_size(page, app.url, name, files[name], args.repeats)
            context.close()
    actions = ["open", "change k", "extraction", "rotate by hand", "apply", "undo", "flag tick", "split", "invert",
               "upload", "download workbook"]
    print(f"Click to drawn result, ms (p50 / p95), {args.repeats} repeats; Debian chromium, one tab")
    print("| action | " + " | ".join(labels[s] for s in sizes) + " |")
    print("|---|" + "---|" * len(sizes))
    for a in actions:
        cells = []
        for s in sizes:
            v = results[s].get(a, [])
            cells.append(f"{pct(v, 50):.0f} / {pct(v, 95):.0f}" if v else "-")
        print(f"| {a} | " + " | ".join(cells) + " |")
    for s in sizes:
        allv = [x for a, v in results[s].items() if a not in ("open", "upload", "download workbook") for x in v]
        print(f"{labels[s]}: p95 of the clicks {pct(allv, 95):.0f} ms (target < {TARGET[s]} ms); "
              f"first open p50 {statistics.median(results[s]['open']):.0f} ms (target < 1500 ms)")


if __name__ == "__main__":
    main()
