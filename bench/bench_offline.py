"""Repeated lost-connection runs in real Chromium: the participant keeps sorting while the browser
is offline, then the connection comes back, the tab is closed or the page is reloaded.

    .venv/bin/python bench/bench_offline.py --runs 6 --offline 5
    .venv/bin/python bench/bench_offline.py --runs 0 --saved     # action to "✓ Saved", demo study

Each run starts a participant of the five-statement test study, places one card, goes offline
(Playwright's ``context.set_offline``) for ``--offline`` seconds while placing the other four, and
then, in turn: comes back online (``online``), closes the tab and opens the link again once online
(``closed tab``), or reloads the page as soon as it is online (``reload``). It then waits for
"✓ Saved" and compares the stored grid and the audit trail with what was placed: every operation
stored once, in order. Prints each run and the seconds from reconnecting to "✓ Saved"; asserts nothing.

``--saved`` also places the 34 statements of the demo study through the list view on a normal
connection and times each from the choice to "✓ Saved" on the screen (measured from Python through
Playwright, so its own overhead of a few milliseconds is included).
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qmethod import service  # noqa: E402
from tests.app_server import chromium_browser, chromium_path, running_app  # noqa: E402
from tests.ui.conftest import settle, token_of, wait_screen  # noqa: E402
from tests.ui.flows import desktop_page, grid_events, place_in_list, to_grid  # noqa: E402

PLACES = [("T1", -1), ("T3", 0), ("T4", 0), ("T2", 1), ("T5", 0)]
ENDINGS = ("online", "closed tab", "reload")


def one_run(app, browser, ending: str, offline_s: float) -> tuple[bool, float, str]:
    context, page = desktop_page(browser, 30_000)
    try:
        to_grid(page, app)
        url = page.url
        place_in_list(page, *PLACES[0])
        settle(page)
        context.set_offline(True)
        t_off = time.monotonic()
        for sid, score in PLACES[1:]:
            place_in_list(page, sid, score)
        page.wait_for_timeout(max(0.0, offline_s - (time.monotonic() - t_off)) * 1000)
        if ending == "closed tab":
            page.close(run_before_unload=False)
            context.set_offline(False)
            t_on = time.monotonic()
            page = context.new_page()
            page.set_default_timeout(30_000)
            page.goto(url)
            wait_screen(page, "grid")
        else:
            context.set_offline(False)
            t_on = time.monotonic()
            if ending == "reload":
                page.reload()
                wait_screen(page, "grid")
        page.get_by_test_id("qsort-save").filter(has_text="✓ Saved").wait_for(timeout=60_000)
        took = time.monotonic() - t_on
        stored = service.resume(app.db, token_of(page)).sort()
        events = grid_events(app, page)
        want = [("place", {"statement": sid, "score": score, "position": None}) for sid, score in PLACES]
        ok = stored == dict(PLACES) and events == want
        return ok, took, "" if ok else f"stored {stored}, events {events}"
    finally:
        context.close()


def saved_latency(app, browser) -> list[float]:
    """Seconds from each list choice to "✓ Saved", over the 34 statements of the demo study."""
    from tests.ui.conftest import give_consent, press_continue, start
    from tests.ui.flows import next_free_column, presort_by_plan

    context, page = desktop_page(browser, 30_000)
    try:
        start(page, app, "brukermedvirkning")  # the app publishes the study on its first page
        study = service.get_study(app.db, "brukermedvirkning")
        ids = list(study.statement_ids)
        capacity = {c.score: c.count for c in study.grid.columns}
        give_consent(page)
        press_continue(page)
        wait_screen(page, "presort")
        presort_by_plan(page, {sid: "neutral" for sid in ids}, ids, use_keys=True)
        press_continue(page)
        wait_screen(page, "grid")
        saved = page.get_by_test_id("qsort-save").filter(has_text="✓ Saved")
        counts = {score: 0 for score in capacity}
        took = []
        for sid in ids:
            score = next_free_column(counts, capacity)
            if page.get_by_test_id("qsort-view-list").get_attribute("aria-pressed") != "true":
                page.get_by_test_id("qsort-view-list").click()
            t0 = time.perf_counter()
            page.get_by_test_id(f"select-{sid}").select_option(str(score))
            saved.wait_for()
            took.append(time.perf_counter() - t0)
            counts[score] += 1
        return took
    finally:
        context.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=6)
    ap.add_argument("--offline", type=float, default=5.0, help="seconds offline per run")
    ap.add_argument("--saved", action="store_true", help="time each placement to '✓ Saved' (demo study)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="qmethod-offline-"))
    studies = tmp / "studies"
    shutil.copytree(ROOT / "tests" / "ui" / "studies" / "ui-small", studies / "ui-small")
    shutil.copytree(ROOT / "studies" / "brukermedvirkning", studies / "brukermedvirkning")
    try:
        with running_app(tmp, QMETHOD_STUDIES_DIR=str(studies)) as app, chromium_browser(chromium_path()) as browser:
            results = []
            for i in range(args.runs):
                ending = ENDINGS[i % len(ENDINGS)]
                ok, took, why = one_run(app, browser, ending, args.offline)
                results.append((ending, ok, took))
                print(f"run {i + 1:2d} {ending:10s} {'ok' if ok else 'WRONG'}: '✓ Saved' {took:.1f} s after "
                      f"reconnecting {why}", flush=True)
            if results:
                good = sum(ok for _, ok, _ in results)
                times = sorted(t for _, _, t in results)
                print(f"\n{good} of {len(results)} runs stored every operation once, in order; "
                      f"reconnect to '✓ Saved': median {times[len(times) // 2]:.1f} s, max {times[-1]:.1f} s "
                      f"({args.offline:g} s offline each)")
            if args.saved:
                took = sorted(saved_latency(app, browser))
                print(f"choice to '✓ Saved' over {len(took)} placements: median {took[len(took) // 2] * 1000:.0f} ms, "
                      f"p95 {took[int(0.95 * len(took))] * 1000:.0f} ms, max {took[-1] * 1000:.0f} ms")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
