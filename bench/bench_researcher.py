"""Click to drawn result on the researcher's Analysis page, in real Chromium (Debian's, via Playwright).

    .venv/bin/python bench/bench_researcher.py                       # 8 x 25, Lipset, 300 x 60; 5 repeats
    .venv/bin/python bench/bench_researcher.py --sizes small --repeats 3

One app server (``streamlit run app.py``, SQLite in a temporary directory) and one browser tab. For
each data set the file is uploaded, then every action is repeated: open (a fresh load of the page
until the Factors tab is drawn), change k, change the extraction, rotate by hand (+5° and back),
apply, undo, a flag set by hand (the keyboard form) and back, split and invert (each with its undo),
upload, download the workbook.

Each action is timed inside the page, as the user sees it: from the click event (its own time
stamp) until the frame drawn after the server's "run finished" message for the run the click started
has arrived, the page is no longer running and the expected result is in it (a capture listener,
the websocket's messages and a MutationObserver installed before the page's own scripts; no
Playwright polling in the figure). For open the time runs from the navigation's start. Beside it
the old figure, watched from Playwright (its polling round trips included), and per action where the
time goes: message sent, server's first message, run finished, result shown, frame drawn, page quiet
(no DOM change for 500 ms), long tasks, bytes and messages received. The workbook is timed from here
until the browser has the file. Prints p50/p95 per action (ms) and the targets; asserts nothing.
Results depend on the machine: on a shared one they are upper bounds.
"""
from __future__ import annotations

import argparse
import json
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
# Timed inside the page (installed before any of the page's own scripts): from the click (a capture
# listener: the event's own time stamp) until the first frame after the script run it started has
# finished and the expected result is in the page, with the steps between: the click's message sent
# on the websocket, the server's first message back, the server's "run finished" message (ForwardMsg
# field 6, read from the websocket: a quick run can leave the page's data-test-script-state unchanged),
# the result in the page (not running, expected text there), the frame drawn (the task after the next
# animation frame, i.e. after that frame's layout and paint), the page quiet (no DOM change for
# 500 ms). Long tasks (> 50 ms on the page's main thread) and bytes received are summed click..drawn.
PROBE = r"""(() => {
  if (window.__qm) return;
  const Q = window.__qm = {armed: false, pred: null, runs: 0};
  const now = () => performance.now();
  const longtasks = [];
  try { new PerformanceObserver(l => longtasks.push(...l.getEntries())).observe({type: 'longtask', buffered: true}); }
  catch (e) {}
  // A ForwardMsg's kind, read from its bytes: [field, value] of its first field after hash and metadata
  // (6: script_finished with its status; 9: session_status_changed with script_is_running).
  const kind = (b, from, to) => {
    let i = from;
    const varint = () => { let v = 0, f = 1, c; do { c = b[i++]; v += (c & 127) * f; f *= 128; } while (c & 128 && i < to); return v; };
    while (i < to) {
      const tag = varint(), field = Math.floor(tag / 8), wt = tag & 7;
      if (wt === 0) { const v = varint(); if (field > 2 || from > 0) return [field, v]; }
      else if (wt === 2) { const n = varint(); if (field > 2 && from === 0) {
        return [field, field === 9 ? (kind(b, i, i + n) || [0, 0])[1] : null]; } i += n; }
      else if (wt === 1) i += 8;
      else if (wt === 5) i += 4;
      else return null;
    }
    return from > 0 ? [2, 0] : null;  // (a field left out is 0: not running)
  };
  const WS = window.WebSocket;
  const send = WS.prototype.send;
  WS.prototype.send = function (d) { const m = Q.m; if (m && m.sent == null) m.sent = now(); return send.call(this, d); };
  window.WebSocket = new Proxy(WS, {construct(target, args) {
    const ws = Reflect.construct(target, args);
    ws.addEventListener('message', ev => {
      const t = now();
      const b = ev.data instanceof ArrayBuffer ? new Uint8Array(ev.data) : null;
      const k = b ? kind(b, 0, b.length) : null;
      const done = k !== null && k[0] === 6 && k[1] !== 2;  // (status 2: stopped early for another run)
      if (done) Q.runs += 1;
      const m = Q.m; if (!m || m.drawn != null) return;
      if (m.first == null) m.first = t; m.msgs += 1;
      m.bytes += ev.data.byteLength || ev.data.size || ev.data.length || 0;
      if (done && m.finished == null) { m.finished = t; requestAnimationFrame(poll); }
    });
    return ws;
  }});
  const start = (ts) => {
    if (!Q.armed || Q.m) return;
    Q.armed = false;
    Q.m = {t0: ts, msgs: 0, bytes: 0};
  };
  document.addEventListener('click', e => start(e.timeStamp), true);
  document.addEventListener('change', e => { if (e.target && e.target.type === 'file') start(e.timeStamp); }, true);
  const state = () => { const a = document.querySelector('[data-testid="stApp"]');
                        return a && a.getAttribute('data-test-script-state'); };
  // after the run's last message: the page no longer running and the expected result in it
  const check = () => {
    const m = Q.m; if (!m) return;
    const t = now();
    if (m.drawn != null) { m.quiet = t; return; }
    if (m.finished == null || m.shown != null || state() !== 'notRunning') return;
    let ok = true;
    try { ok = !Q.pred || !!(new Function('return (' + Q.pred + ')()'))(); } catch (e) { ok = false; }
    if (!ok) return;
    m.shown = t;
    requestAnimationFrame(() => { m.frame = now(); const c = new MessageChannel();
      c.port1.onmessage = () => { m.drawn = m.quiet = now();
        m.longtask = longtasks.filter(l => l.startTime + l.duration > m.t0 && l.startTime < m.drawn)
                              .reduce((a, l) => a + Math.min(l.startTime + l.duration, m.drawn) - Math.max(l.startTime, m.t0), 0);
        const wait = () => { if (now() - m.quiet >= 500) { Q.result = m; } else setTimeout(wait, 100); };
        setTimeout(wait, 100); };
      c.port2.postMessage(0); });
  };
  const poll = () => { check(); const m = Q.m; if (m && m.shown == null) requestAnimationFrame(poll); };
  const observe = () => {
    const root = document.getElementById('root') || document.body;
    if (!root) { setTimeout(observe, 5); return; }
    new MutationObserver(check).observe(root, {subtree: true, childList: true, attributes: true, characterData: true});
  };
  observe();
  Q.arm = (pred) => { Q.m = null; Q.result = null; Q.pred = pred || null; Q.armed = true; };
  // a fresh load of the page: timed from the navigation's start, armed from the page before it
  const open = sessionStorage.getItem('__qmOpen');
  if (open !== null) { sessionStorage.removeItem('__qmOpen'); Q.pred = open; Q.m = {t0: 0, msgs: 0, bytes: 0}; }
})()"""
STEPS = ("sent", "first", "finished", "shown", "drawn", "quiet")


def has_text(text: str) -> str:
    """A page predicate: ``text`` is in the page."""
    return "() => document.body.textContent.includes(" + json.dumps(text) + ")"


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


def in_page(page, timeout: float = 120_000) -> dict[str, float]:
    """The times the page took for the last armed action (ms from the click), once it is quiet."""
    page.wait_for_function("() => window.__qm && window.__qm.result", polling=100, timeout=timeout)
    m = page.evaluate("() => window.__qm.result")
    out = {k: m[k] - m["t0"] for k in STEPS if m.get(k) is not None}
    out.update(longtask=m.get("longtask", 0.0), kb=m["bytes"] / 1024, msgs=m["msgs"])
    return out


def timed(page, action, expect=None, pred: str | None = None, timeout: float = 120_000) -> tuple[float, dict[str, float]]:
    """``(wall, steps)``: ``wall`` is the ms from ``action()`` until the script run it started has finished
    and ``expect`` (text or locator) shows, watched from here (Playwright's polling, the old figure);
    ``steps`` the times measured inside the page from the click (:data:`PROBE`), with ``pred`` (a page
    predicate; by default ``expect`` when it is text) as the expected result."""
    before = page.evaluate("() => window.__qm.runs")
    if pred is None and isinstance(expect, str):
        pred = has_text(expect)
    page.evaluate("p => window.__qm.arm(p)", pred)
    t0 = time.perf_counter()
    action()
    page.wait_for_function(f"() => window.__qm.runs > {before}", polling="raf", timeout=timeout)
    settled(page)
    if isinstance(expect, str):
        page.get_by_text(expect).first.wait_for(timeout=timeout)
    elif expect is not None:
        expect.first.wait_for(timeout=timeout)
    wall = (time.perf_counter() - t0) * 1000
    return wall, in_page(page, timeout)


TAB_SHOWS = {"Factors": "Suggested number of factors", "Rotation": "Angle to turn", "Flags": "Set one Q-sort's flag",
             "Downloads": "Everything the analysis produced"}


def tab(page, name: str) -> None:
    """Open the tab ``name`` and wait until the run it started has finished with its content drawn, so
    that the next click does not fall into that run (again if a run under way swallowed the click)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    t = page.get_by_role("tab", name=name, exact=True)
    if t.get_attribute("aria-selected") == "true":
        page.get_by_text(TAB_SHOWS[name]).first.wait_for(timeout=120_000)
        settled(page)
        return
    for _ in range(5):
        try:
            timed(page, t.click, TAB_SHOWS[name], timeout=20_000)
            return
        except PlaywrightTimeout:
            continue


def upload(page, path: Path) -> None:
    page.locator('[data-testid="stFileUploader"]').filter(has_text="Q-sort data file") \
        .locator('input[type="file"]').set_input_files(str(path))


def run_size(page, url: str, name: str, path: Path, repeats: int) -> dict[str, list[tuple[float, dict]]]:
    """Per action, ``(wall ms, in-page steps)`` of every repeat."""
    t: dict[str, list[tuple[float, dict]]] = {}

    def add(action: str, timing: tuple[float, dict] | float) -> None:
        t.setdefault(action, []).append(timing if isinstance(timing, tuple) else (timing, {}))

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
        page.evaluate("p => sessionStorage.setItem('__qmOpen', p)", has_text("Suggested number of factors"))
        t0 = time.perf_counter()
        page.goto(url + "/analysis")
        settled(page)
        if page.get_by_text("No study is published yet").count():  # (a page that opens on the study choice)
            page.get_by_text("A file (PQMethod").click()
        page.get_by_text("Suggested number of factors").first.wait_for(timeout=120_000)
        settled(page)
        add("open", ((time.perf_counter() - t0) * 1000, in_page(page)))
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

        def shows_angle(a: int) -> str:
            return ("() => [...document.querySelectorAll('[data-testid=\"stSliderThumbValue\"]')]"
                    f".some(e => e.textContent.trim() === '{a}')")
        add("rotate by hand", timed(page, lambda: page.get_by_role("button", name="+5°").click(), angle(5),
                                    shows_angle(5)))
        add("rotate by hand", timed(page, lambda: page.get_by_role("button", name="+5°").click(), angle(10),
                                    shows_angle(10)))
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
        add("invert", timed(page, lambda: page.get_by_role("button", name="Undo inversions and splits").click(),
                            pred="() => !" + has_text("Inverted: F1")[6:]))
        if page.get_by_role("button", name="Split", exact=True).count():
            add("split", timed(page, lambda: page.get_by_role("button", name="Split", exact=True).click(), "split: F"))
            add("split", timed(page, lambda: page.get_by_role("button", name="Undo inversions and splits").click(),
                               pred="() => !" + has_text("split: F")[6:]))
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
            context.add_init_script(PROBE)
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
    print(f"Click to drawn result, ms p50 / p95, {args.repeats} repeats; Debian chromium, one tab. Timed in the "
          "page (click event to the frame drawn after the run finished with the result shown); in brackets "
          "the old figure, watched from Playwright (its polling included)")
    print("| action | " + " | ".join(labels[s] for s in sizes) + " |")
    print("|---|" + "---|" * len(sizes))
    for a in actions:
        cells = []
        for s in sizes:
            v = results[s].get(a, [])
            wall = [w for w, _ in v]
            drawn = [m["drawn"] for _, m in v if "drawn" in m]
            cell = f"{pct(drawn, 50):.0f} / {pct(drawn, 95):.0f} " if drawn else ""
            cells.append((cell + f"({pct(wall, 50):.0f} / {pct(wall, 95):.0f})") if v else "-")
        print(f"| {a} | " + " | ".join(cells) + " |")
    print()
    print("Where the time goes, in the page, ms from the click (p50): message sent, server's first message, script run "
          "finished, result in the page, frame drawn, page quiet (last DOM change); long tasks (ms, click..drawn), "
          "KB and messages received")
    cols = ["sent", "first", "finished", "shown", "drawn", "quiet", "longtask", "kb", "msgs"]
    print("| data | action | " + " | ".join(cols) + " |")
    print("|---|---|" + "---|" * len(cols))
    for s in sizes:
        for a in actions:
            ms = [m for _, m in results[s].get(a, []) if m]
            if ms:
                print(f"| {labels[s]} | {a} | " + " | ".join(
                    f"{pct([m[c] for m in ms if c in m], 50):.0f}" for c in cols) + " |")
    print()
    for s in sizes:
        clicks = [m["drawn"] for a, v in results[s].items() if a not in ("open", "upload", "download workbook")
                  for _, m in v if "drawn" in m]
        old = [w for a, v in results[s].items() if a not in ("open", "upload", "download workbook") for w, _ in v]
        opens = [m["drawn"] for _, m in results[s]["open"] if "drawn" in m]
        print(f"{labels[s]}: p95 of the clicks {pct(clicks, 95):.0f} ms in the page ({pct(old, 95):.0f} watched "
              f"from Playwright; target < {TARGET[s]} ms); first open p50 {statistics.median(opens):.0f} ms "
              f"(target < 1500 ms)")


if __name__ == "__main__":
    main()
