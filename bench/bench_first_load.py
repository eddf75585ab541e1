"""First load of the welcome page on an emulated "Fast 3G" phone (Debian's chromium).

    .venv/bin/python bench/bench_first_load.py                # 3 cold loads, bokmål, 360 x 740
    .venv/bin/python bench/bench_first_load.py --runs 5 --study brukermedvirkning

Starts the app on a free port (temporary SQLite database, the demo study), then for each run opens a
fresh browser context (empty cache) with Chromium's network emulation: 1.6 Mbit/s down, 750 kbit/s
up, 562.5 ms round trip (Lighthouse's "Fast 3G"). Prints, per run and as the median:

* bytes: bytes received over the network (compressed sizes plus headers), and requests over the
  network (``blob:`` modules made from the page document and answers from the browser's cache
  are not counted);
* first text: the first paint with text on screen (``first-contentful-paint``);
* interactive: the "Start" button is on screen and the app has finished its first run;

then the same for a return visit in the same browser (its cache kept).

Targets (issue 17): first text < 3 s, interactive < 8 s. Asserts nothing; figures in
docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from bench_browsers import CHROMIUM, start_app  # noqa: E402

FAST_3G = {"offline": False, "latency": 562.5, "downloadThroughput": 1.6e6 / 8, "uploadThroughput": 750e3 / 8}
PHONE = {"width": 360, "height": 740}

READY_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    const start = [...document.querySelectorAll('button')].find(b => b.innerText.trim() === 'Start');
    return !!(start && app && app.getAttribute('data-test-script-state') === 'notRunning');
}"""


def _measure(page, cdp, url: str) -> dict[str, float]:
    """Open ``url`` in ``page`` and wait until the welcome page is ready; figures of that load."""
    received = {"bytes": 0.0, "requests": 0}

    def finished(e):
        received["bytes"] += e["encodedDataLength"]

    def sent(e):  # blob:/data: need no network
        received["requests"] += e["request"]["url"].startswith(("http:", "https:", "ws:", "wss:"))

    def cached(e):  # answered from the browser's cache: no network
        received["requests"] -= 1

    cdp.on("Network.loadingFinished", finished)
    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.requestServedFromCache", cached)
    try:
        page.goto(url, wait_until="commit")
        page.wait_for_function(READY_JS, polling=50)
        interactive = page.evaluate("() => performance.now()")
        fcp = page.evaluate("() => (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime || null")
    finally:
        cdp.remove_listener("Network.loadingFinished", finished)
        cdp.remove_listener("Network.requestWillBeSent", sent)
        cdp.remove_listener("Network.requestServedFromCache", cached)
    return {"bytes": received["bytes"], "requests": received["requests"], "first_text_s": (fcp or 0) / 1000,
            "interactive_s": interactive / 1000}


def one_load(browser, url: str) -> tuple[dict[str, float], dict[str, float]]:
    """A cold load in a fresh context (empty cache), then a return visit in the same context."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale="nb-NO")
    try:
        page = context.new_page()
        page.set_default_timeout(120_000)
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", FAST_3G)
        cold = _measure(page, cdp, url)
        page.goto("about:blank")
        return cold, _measure(page, cdp, url)
    finally:
        context.close()


def _table(title: str, runs: list[dict[str, float]]) -> None:
    print(title)
    print(f"{'run':>4} {'requests':>9} {'received':>12} {'first text':>11} {'interactive':>12}")
    for i, r in enumerate(runs, 1):
        print(f"{i:>4} {r['requests']:>9} {r['bytes'] / 1e6:>9.2f} MB {r['first_text_s']:>9.2f} s "
              f"{r['interactive_s']:>10.2f} s")
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    print(f"{'med':>4} {med['requests']:>9.0f} {med['bytes'] / 1e6:>9.2f} MB {med['first_text_s']:>9.2f} s "
          f"{med['interactive_s']:>10.2f} s   (targets: first text < 3 s, interactive < 8 s)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--study", default="brukermedvirkning")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="qmethod-first-load-"))
    shutil.copytree(ROOT / "studies" / args.study, tmp / "studies" / args.study)
    base, proc = start_app(f"sqlite:///{tmp / 'q.sqlite'}", tmp / "studies", tmp / "app.log")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            try:
                one_load(browser, f"{base}/?study={args.study}")  # warm the server (first script run)
                runs = [one_load(browser, f"{base}/?study={args.study}") for _ in range(args.runs)]
            finally:
                browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        shutil.rmtree(tmp, ignore_errors=True)
    head = f"Fast 3G (1.6 Mbit/s down, 750 kbit/s up, 562.5 ms RTT), phone 360 x 740, {args.runs}"
    _table(f"{head} cold loads", [cold for cold, _ in runs])
    _table(f"{head} return visits (same browser, its cache kept)", [back for _, back in runs])

if __name__ == "__main__":
    main()
