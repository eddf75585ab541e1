"""Keyboard-only sorts interrupted by reloads and closed tabs, with both cores kept busy.

    .venv/bin/python bench/bench_reloads.py --sorts 20 --busy 2

Each sort is one participant of the demo study (34 statements) in its own browser context on a
desktop viewport, using the keyboard only: Start, consent, instruction, the presort by the keys
1/2/3 and the grid by Enter and the arrow keys. After every presort key and every placement, with
probability ``--chance``, the tab is reloaded or closed and the study link opened again in a new tab
of the same browser (its welcome page's "Continue where you left off"
continues the participant's own sort). After the last placement the
layout shown on the screen is compared with the stored layout (read through the service layer),
then the comments, survey and Submit finish the sort. ``--busy N`` starts N processes that spin on
a core each for the whole run. Prints each sort and the totals; asserts nothing.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qmethod import service  # noqa: E402
from qmethod.study import load_study  # noqa: E402
from tests.app_server import chromium_browser, chromium_path, running_app  # noqa: E402
from tests.ui.conftest import settle, token_of, wait_screen  # noqa: E402
from tests.ui.flows import LIVE_GRID, LIVE_PRESORT, active, button_named, column_counts, desktop_page, \
    next_free_column, stored_layout, tab_to  # noqa: E402

STUDY = load_study(ROOT / "studies" / "brukermedvirkning")
CAPACITY = {c.score: c.count for c in STUDY.grid.columns}
LINK = "/?study=brukermedvirkning&lang=en"


def press_button(page, name: str) -> None:
    tab_to(page, button_named(name))
    page.keyboard.press("Enter")


def shown_layout(page) -> dict[str, int]:
    return page.locator(f"{LIVE_GRID} .qg-col").evaluate_all(
        """cols => Object.fromEntries(cols.flatMap(c => [...c.querySelectorAll('.qg-card')]
                                                   .map(k => [k.dataset.id, Number(c.dataset.col)])))""")


class Sort:
    """One keyboard-only participant with random interruptions."""

    def __init__(self, app, browser, rng: random.Random, chance: float) -> None:
        self.app, self.rng, self.chance = app, rng, chance
        self.context, self.page = desktop_page(browser, 60_000)
        self.reloads = self.closes = self.presort_keys = 0

    def interrupt(self, screen: str) -> None:
        """Now and then reload the tab or close it and open the link again."""
        if self.rng.random() >= self.chance:
            return
        if self.rng.random() < 0.5:
            self.reloads += 1
            self.page.reload()
        else:
            self.closes += 1
            self.page.close(run_before_unload=False)
            self.page = self.context.new_page()
            self.page.set_default_timeout(60_000)
            self.page.goto(self.app.url + LINK)
            self.page.get_by_role("button", name="Continue where you left off").wait_for()
            settle(self.page)
            press_button(self.page, "Continue where you left off")
        wait_screen(self.page, screen)

    def presort(self) -> None:
        while True:
            page = self.page  # a new tab after a close
            settle(page)
            if page.locator(f"{LIVE_PRESORT} .is-done").count():  # every statement is on a pile
                return
            self.presort_keys += 1
            page.keyboard.press(self.rng.choice("123"))
            page.wait_for_timeout(450)  # a reading pace (two keys within 0.4 s are one double tap)
            self.interrupt("presort")

    def grid(self) -> None:
        total = len(STUDY.statement_ids)
        while True:
            page = self.page  # a new tab after a close
            settle(page)
            shown = shown_layout(page)
            if len(shown) == total:
                return
            el = active(page)
            if el is None or not el["testid"].startswith("card-") or el["id"] in shown:
                tab_to(page, lambda e: e["testid"].startswith("card-") and e["id"] not in shown)
            want = next_free_column(column_counts(page), CAPACITY)
            page.keyboard.press("Enter")
            target = int(page.locator(f"{LIVE_GRID} .qg-col.is-target").get_attribute("data-col"))
            for _ in range(abs(want - target)):
                page.keyboard.press("ArrowLeft" if want < target else "ArrowRight")
            page.keyboard.press("Enter")
            page.locator(LIVE_GRID).get_by_test_id("qsort-counter").filter(
                has_text=f"{len(shown) + 1} of {total}").wait_for()
            self.interrupt("grid")

    def run(self) -> tuple[bool, bool]:
        """Returns (stored layout equals shown layout, the sort was completed)."""
        page = self.page
        page.goto(self.app.url + LINK)
        page.get_by_role("button", name="Start", exact=True).wait_for()
        settle(page)
        press_button(page, "Start")
        wait_screen(page, "consent")
        tab_to(page, lambda el: el["type"] == "checkbox")
        page.keyboard.press("Space")
        settle(page)
        press_button(page, "Continue")
        wait_screen(page, "instruction")
        press_button(page, "Continue")
        wait_screen(page, "presort")
        self.presort()
        page = self.page
        press_button(page, "Continue")
        wait_screen(page, "grid")
        self.grid()
        page = self.page
        settle(page)
        token = token_of(page)
        same = stored_layout(service.resume(self.app.db, token)) == shown_layout(page)
        press_button(page, "Continue")
        wait_screen(page, "comments")
        press_button(page, "Save and continue")
        wait_screen(page, "survey")
        tab_to(page, lambda el: el["type"] == "radio")  # the one required question
        page.keyboard.press("Space")
        settle(page)
        press_button(page, "Submit")
        wait_screen(page, "thanks")
        done = service.resume(self.app.db, token).completed
        self.context.close()
        return same, done


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sorts", type=int, default=20)
    ap.add_argument("--busy", type=int, default=2, help="processes spinning on a core each")
    ap.add_argument("--chance", type=float, default=0.08, help="chance of an interruption after each key")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.busy)]
    tmp = Path(tempfile.mkdtemp(prefix="qmethod-bench-reloads-"))
    studies = tmp / "studies"
    shutil.copytree(ROOT / "studies" / "brukermedvirkning", studies / "brukermedvirkning")
    same_n = done_n = 0
    try:
        with running_app(tmp, QMETHOD_STUDIES_DIR=str(studies)) as app, chromium_browser(chromium_path()) as browser:
            print(f"{args.sorts} keyboard-only sorts of the demo study, interruption chance {args.chance} per key, "
                  f"{args.busy} spinning process(es)", flush=True)
            for i in range(1, args.sorts + 1):
                t0 = time.monotonic()
                sort = Sort(app, browser, rng, args.chance)
                try:
                    same, done = sort.run()
                except Exception as exc:  # report and go on: a bench counts, it does not stop
                    same, done = False, False
                    sort.page.screenshot(path=str(ROOT / "tests" / "artifacts" / f"bench-reloads-{i}.png"))
                    print(f"  sort {i}: at {sort.page.url}", flush=True)
                    print(f"  sort {i}: FAILED {type(exc).__name__}: {str(exc).splitlines()[0][:200]}", flush=True)
                    sort.context.close()
                same_n += same
                done_n += done
                print(f"  sort {i:2d}: {sort.reloads} reloads, {sort.closes} closed tabs, {sort.presort_keys} presort keys, stored = shown: {same}, "
                      f"completed: {done}, {time.monotonic() - t0:.0f} s, "
                      f"load average {os.getloadavg()[0]:.1f}", flush=True)
    finally:
        for p in spinners:
            p.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"completed {done_n} of {args.sorts}; stored layout = shown layout in {same_n} of {args.sorts}")


if __name__ == "__main__":
    main()
