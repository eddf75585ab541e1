"""Two copies of a component on the page at once, as Streamlit shows while it redraws.

The grid and presort modules run in a real browser, outside Streamlit: the test plays Streamlit's
part (mounting a copy with data, collecting what each copy sends). Seen in the keyboard-only run:
a placement made on the old copy never reached the server, and the next key went to the wrong copy.
"""
from __future__ import annotations

import json

import pytest

from qmethod.ui.components import module_js
from qmethod.ui.i18n import GRID_KEYS, PRESORT_KEYS, strings_for

pytestmark = pytest.mark.browser

STATEMENTS = [{"id": f"S{i}", "text": f"Statement {i}", "pile": None} for i in range(1, 6)]
COLUMNS = [{"value": v, "capacity": c, "label": ""} for v, c in ((-1, 1), (0, 3), (1, 1))]

HARNESS = """
async ([source, name]) => {
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  const mod = await import(url);
  window.sent = [];
  window.mount = (id, data) => {
    let el = document.getElementById(id);
    if (!el) {
      el = document.createElement("div");
      el.id = id;
      document.body.appendChild(el);
    }
    return mod.default({
      data,
      parentElement: el,
      setStateValue: (key, value) => window.sent.push({ copy: id, key, value: JSON.parse(JSON.stringify(value)) }),
      setTriggerValue: () => {},
    });
  };
  // Streamlit's way of overtaking a render: the render for `old` data finishes after newer data
  // came, so its cleanup is called at once while the component stays on the page.
  window.overtaken = (id, old) => window.mount(id, old)();
}
"""


def _load(page, package: str, name: str) -> None:
    page.set_content("<!doctype html><html lang='en'><body></body></html>")
    page.evaluate(HARNESS, [module_js(package, name), name])


def _sent(page, key: str) -> list[dict]:
    return [m for m in page.evaluate("() => window.sent") if m["key"] == key]


def grid_data(ack: int = 0, placements: dict | None = None) -> dict:
    return {"statements": STATEMENTS, "columns": COLUMNS, "forced": True, "placements": placements or {},
            "ack": ack, "strings": strings_for(GRID_KEYS, "en"), "lang": "en", "mode": "grid"}


def test_a_change_on_the_old_copy_is_sent_by_the_new_one_and_the_old_one_goes_quiet(page):
    _load(page, "qsort_grid", "grid.js")
    page.evaluate("d => window.mount('a', d)", grid_data())
    a = page.locator("#a")
    a.get_by_test_id("card-S1").click()
    a.get_by_test_id("col--1").click()  # placed on copy a; say its message never reached Python
    assert _sent(page, "layout")[-1]["value"]["columns"]["-1"] == ["S1"]
    a.get_by_test_id("card-S2").focus()
    page.keyboard.press("Enter")  # S2 picked on copy a, focus on it

    page.evaluate("d => window.mount('b', d)", grid_data())  # Streamlit's new copy, from the stored state
    b = page.locator("#b")
    last = _sent(page, "layout")[-1]
    assert last["copy"] == "b" and last["value"]["columns"]["-1"] == ["S1"]
    assert last["value"]["seq"] > _sent(page, "layout")[0]["value"]["seq"]
    assert b.get_by_test_id("col--1").get_by_test_id("card-S1").count() == 1
    assert page.evaluate("() => document.getElementById('a').firstChild.inert")
    # the selection and the keyboard focus came along: the next keys act on the new copy
    assert page.evaluate("() => document.activeElement.dataset.id") == "S2"
    assert page.evaluate("() => document.activeElement.closest('#b') !== null")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    last = _sent(page, "layout")[-1]
    assert last["copy"] == "b" and "S2" in last["value"]["columns"]["0"] + last["value"]["columns"]["1"]
    # the old copy does not re-send its older layout (its retry would have come after 2.5 s)
    count = len(_sent(page, "layout"))
    page.wait_for_timeout(3000)
    assert all(m["copy"] == "b" for m in _sent(page, "layout")[count:])


def _place_s1_stored(page, column: int) -> dict:
    """Copy a places S1 in ``column``; Python stores it and acknowledges. Returns the stored layout."""
    _load(page, "qsort_grid", "grid.js")
    page.evaluate("d => window.mount('a', d)", grid_data())
    page.locator("#a").get_by_test_id("card-S1").click()
    page.locator("#a").get_by_test_id(f"col-{column}").click()
    stored = {"S1": [column, 0]}
    page.evaluate("d => window.mount('a', d)", grid_data(ack=1, placements=stored))  # saved and acknowledged
    return stored


def test_nothing_is_taken_over_when_every_change_was_stored(page):
    stored = _place_s1_stored(page, 0)
    before = len(_sent(page, "layout"))
    page.evaluate("d => window.mount('b', d)", grid_data(ack=1, placements=stored))
    assert len(_sent(page, "layout")) == before  # nothing pending: the new copy sends nothing
    assert page.locator("#b").get_by_test_id("col-0").get_by_test_id("card-S1").count() == 1


def test_presort_keys_go_to_the_copy_in_use_only(page):
    _load(page, "presort", "presort.js")
    data = {"statements": STATEMENTS, "piles": {}, "ack": 0, "strings": strings_for(PRESORT_KEYS, "en"), "lang": "en"}
    page.evaluate("d => window.mount('a', d)", data)
    page.keyboard.press("1")  # first statement to "disagree" on copy a (not yet stored)
    page.evaluate("d => window.mount('b', d)", data)
    last = _sent(page, "piles")[-1]
    assert last["copy"] == "b" and last["value"]["piles"] == {"S1": "disagree"}
    page.keyboard.press("3")  # one key press, one card: only the copy in use takes it
    piles = [m["value"]["piles"] for m in _sent(page, "piles")[-1:]]
    assert piles == [{"S1": "disagree", "S2": "agree"}], json.dumps(_sent(page, "piles"))
    assert page.locator("#b").get_by_test_id("count-agree").inner_text().endswith("1")
    assert page.locator("#a").get_by_test_id("count-agree").inner_text().endswith("0")


def test_a_new_copy_drawn_from_older_data_keeps_the_newer_layout(page):
    stored = _place_s1_stored(page, 1)
    before = len(_sent(page, "layout"))
    page.evaluate("d => window.mount('b', d)", grid_data())  # a redraw replays the data of an earlier run
    b = page.locator("#b")
    assert b.get_by_test_id("col-1").get_by_test_id("card-S1").count() == 1
    assert b.get_by_test_id("qsort-save").inner_text().endswith("Saved")
    page.evaluate("d => window.mount('b', d)", grid_data())  # the old data again: still ignored
    assert b.get_by_test_id("col-1").get_by_test_id("card-S1").count() == 1
    assert len(_sent(page, "layout")) == before  # nothing unsaved, nothing sent
    b.get_by_test_id("card-S2").click()
    b.get_by_test_id("col-0").click()
    last = _sent(page, "layout")[-1]["value"]
    assert last["seq"] == 2 and last["columns"] == {"-1": [], "0": ["S2"], "1": ["S1"]} and last["base"] == stored


def test_an_overtaken_render_leaves_one_live_grid_that_keeps_working(page):
    _load(page, "qsort_grid", "grid.js")
    page.evaluate("d => window.mount('a', d)", grid_data())
    a = page.locator("#a")
    a.get_by_test_id("card-S1").click()
    a.get_by_test_id("col-0").click()
    page.evaluate("d => window.overtaken('a', d)", grid_data())  # an earlier run's render, overtaken
    page.evaluate("d => window.mount('a', d)", grid_data(ack=1, placements={"S1": [0, 0]}))
    assert a.locator(".qg").count() == 1 and a.locator(".qg.is-retired").count() == 0
    assert a.get_by_test_id("col-0").get_by_test_id("card-S1").count() == 1
    # the keys still reach it when focus falls back to the page (its document listener is kept)
    a.get_by_test_id("card-S2").click()
    page.evaluate("() => document.activeElement.blur()")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    last = _sent(page, "layout")[-1]["value"]
    assert last["columns"]["1"] == ["S2"] and last["columns"]["0"] == ["S1"]
    # leaving the page (the element removed, then the cleanup) does tear it down: no more sending
    count = len(_sent(page, "layout"))
    page.evaluate("""d => { const cleanup = window.mount('a', d); document.getElementById('a').remove(); cleanup(); }""",
                  grid_data(ack=1, placements={"S1": [0, 0]}))
    page.keyboard.press("Enter")
    page.wait_for_timeout(3000)
    assert len(_sent(page, "layout")) == count
