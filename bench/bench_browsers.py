"""Real browsers at once: K Playwright participants (Debian's chromium) complete the demo study.

    .venv/bin/python bench/bench_browsers.py --contexts 6            # one app process
    .venv/bin/python bench/bench_browsers.py --contexts 6 --apps 2   # two app processes, one database:
                                                                     # every participant moves mid-grid

Each participant starts on app ``i % apps``, consents, presorts with the keys 1/2/3, places half the
cards with the keyboard, and, with two apps, opens its own link (``?p=token``) on the *other* app
process and places the rest there (as a load balancer might route a reconnecting browser), then
comments, answers and submits. Afterwards the stored sorts are read back through the service layer
and compared with what each browser placed. Prints times and counts; asserts nothing.
"""
from __future__ import annotations

import argparse
import contextlib
import shutil
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from qmethod import service as sv  # noqa: E402
from tests.app_server import running_app  # noqa: E402

CHROMIUM = "/usr/bin/chromium"


def participant(i: int, apps: list[str], results: dict, errors: dict) -> None:
    """One browser completing the demo study (moving to the other app mid-grid when there are two)."""
    from playwright.sync_api import sync_playwright

    from tests.ui.conftest import give_consent, press_continue, settle, token_of, wait_screen
    from tests.ui.flows import active, button_named, column_counts, next_free_column, presort_by_plan, \
        source_ids, tab_to

    t0 = time.perf_counter()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB").new_page()
        page.set_default_timeout(120_000)
        try:
            home = apps[i % len(apps)]
            page.goto(f"{home}/?study=brukermedvirkning&lang=en")
            page.get_by_role("button", name="Start", exact=True).click()
            wait_screen(page, "consent")
            give_consent(page)
            press_continue(page)
            wait_screen(page, "presort")
            study = results["study"]
            ids = list(study.statement_ids)
            plan = {sid: ("disagree", "neutral", "agree")[(n + i) % 3] for n, sid in enumerate(ids)}
            presort_by_plan(page, plan, ids, use_keys=True)
            press_continue(page)
            wait_screen(page, "grid")
            capacity = {c.score: c.count for c in study.grid.columns}
            token = token_of(page)
            placed: dict[str, int] = {}
            moved_to = None

            def place_cards(until: int) -> None:
                tab_to(page, lambda el: el["testid"].startswith("card-"))
                while len(placed) < until:
                    el = active(page)
                    sid = el["id"]
                    want = next_free_column(column_counts(page), capacity)
                    page.keyboard.press("Enter")
                    target = int(page.locator(".qg-col.is-target").get_attribute("data-col"))
                    for _ in range(abs(want - target)):
                        page.keyboard.press("ArrowLeft" if want < target else "ArrowRight")
                    page.keyboard.press("Enter")
                    placed[sid] = want
                    page.get_by_test_id("qsort-counter").filter(has_text=f"{len(placed)} of {len(ids)}").wait_for()

            place_cards(len(ids) // 2)
            settle(page)
            if len(apps) > 1:
                moved_to = apps[(i + 1) % len(apps)]
                db = results["db"]
                deadline = time.monotonic() + 60
                while len(sv.resume(db, token).sort()) < len(placed) and time.monotonic() < deadline:
                    time.sleep(0.2)  # the last drop is saved in the background; wait for its commit
                page.goto(f"{moved_to}/grid?study=brukermedvirkning&p={token}")
                wait_screen(page, "grid")
                # the other process draws the stored grid: same count, same cards left to place
                page.get_by_test_id("qsort-counter").filter(has_text=f"{len(placed)} of {len(ids)}").wait_for()
                assert set(source_ids(page)) == set(ids) - set(placed), "the other app shows another state"
            place_cards(len(ids))
            settle(page)
            tab_to(page, button_named("Continue"))
            page.keyboard.press("Enter")
            wait_screen(page, "comments")
            boxes = page.locator("textarea")
            for n in range(boxes.count()):
                boxes.nth(n).fill(f"Browser {i}, comment {n}")
            page.get_by_role("button", name="Save and continue").click()
            wait_screen(page, "survey")
            page.get_by_text("As a member of staff", exact=True).click()
            settle(page)
            page.get_by_role("button", name="Submit").click()
            wait_screen(page, "thanks")
            results[i] = {"token": token, "placed": placed, "plan": plan, "seconds": time.perf_counter() - t0,
                          "moved": moved_to is not None}
        except Exception:  # noqa: BLE001 - reported in the summary
            errors[i] = traceback.format_exc()[-2000:]
        finally:
            browser.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--contexts", type=int, default=6, help="browsers at once (5 to 10)")
    ap.add_argument("--apps", type=int, default=1, choices=(1, 2), help="app processes sharing the database")
    ap.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    args = ap.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit("Debian's chromium is not installed (apt-get install chromium)")
    tmp = Path(tempfile.mkdtemp(prefix="qmethod-browsers-"))
    studies = tmp / "studies"
    shutil.copytree(ROOT / "studies" / "brukermedvirkning", studies / "brukermedvirkning")
    cluster = None
    if args.db == "postgres":
        from bench_load import postgres_cluster

        cluster = postgres_cluster()
        url = cluster.new_database()
    else:
        url = f"sqlite:///{tmp / 'app.sqlite'}"
    db = sv.open_database(url)
    sv.publish_studies_dir(db, studies)
    stack = contextlib.ExitStack()
    try:
        apps = []
        for n in range(args.apps):  # the browser tests' app server (its own folder for its log)
            (tmp / f"app{n}").mkdir()
            apps.append(stack.enter_context(
                running_app(tmp / f"app{n}", database_url=url, QMETHOD_STUDIES_DIR=str(studies))).url)
        results: dict = {"study": sv.get_study(db, "brukermedvirkning"), "db": db}
        errors: dict = {}
        t0 = time.perf_counter()
        threads = [threading.Thread(target=participant, args=(i, apps, results, errors)) for i in range(args.contexts)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(900)
        wall = time.perf_counter() - t0
        done = [r for k, r in results.items() if isinstance(k, int)]
        ok = 0
        for r in done:
            state = sv.resume(db, r["token"])
            layout = state.sort()
            if state.submitted_at is not None and layout == r["placed"] and state.piles == r["plan"]:
                ok += 1
        print(f"{args.contexts} browsers at once, {args.apps} app process(es), {args.db}: "
              f"{len(done)} finished in {wall:.0f} s (each {min((r['seconds'] for r in done), default=0):.0f}"
              f"-{max((r['seconds'] for r in done), default=0):.0f} s), "
              f"{sum(r['moved'] for r in done)} moved to the other app mid-grid")
        print(f"stored sorts equal to what each browser placed (submitted, grid, piles): {ok} of {args.contexts}; "
              f"completed sorts in the database: {sv.completed_sorts(db, 'brukermedvirkning').sorts.shape[1]}; "
              f"browser errors: {len(errors)}")
        for i, e in errors.items():
            print(f"--- browser {i}:\n{e}")
    finally:
        stack.close()
        db.dispose()
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
