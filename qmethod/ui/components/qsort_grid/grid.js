// Q-sort grid: a Streamlit components-v2 module.
//
// The participant places every statement into one column of a quasi-normal grid. Three ways
// to do it, all equivalent: drag (mouse; touch after a short press), select-then-place
// (click/tap or Enter/Space on a card, then a column, or the arrow keys and Enter), and a
// list view with one column chooser per statement (screen readers, small screens).
//
// Saving: each action is one operation on the participant's queue (opQueue in common.js), posted
// to the server at once; the grid shows the stored layout with the pending operations applied on
// top, and "✓ Saved" only when the server has acknowledged every one. Python only draws the page
// (`data.state` is the stored state as of that run; an older one than already seen is ignored).
// Statement texts are only ever set with textContent.

const instances = new WeakMap();
// The copy drawn last takes stray keys (Streamlit can show a second copy for a moment while it redraws).
const keysTo = { inst: null };

export default function qsortGrid(component) {
  return mountInstance(instances, createInstance, component);
}

function signed(v) {
  return v > 0 ? "+" + v : v < 0 ? "\u2212" + Math.abs(v) : "0";
}

// The stored columns with the pending operations applied in order (an operation that no longer
// fits is skipped here; the server refuses it and the page says why).
function layoutOf(state, pending, columns, forced) {
  const cols = new Map(columns.map((c) => [c.value, []]));
  const cap = Object.fromEntries(columns.map((c) => [c.value, c.capacity]));
  for (const [v, ids] of Object.entries((state && state.columns) || {})) if (cols.has(Number(v))) cols.get(Number(v)).push(...ids);
  const where = (id) => {
    for (const [v, ids] of cols) if (ids.includes(id)) return v;
    return null;
  };
  for (const op of pending) {
    const from = where(op.statement);
    if (op.kind === "place" || op.kind === "move") {
      const v = op.column;
      if (!cols.has(v) || (from !== v && forced && cols.get(v).length >= cap[v])) continue;
      if (from !== null) cols.get(from).splice(cols.get(from).indexOf(op.statement), 1);
      const ids = cols.get(v);
      const at = op.position === null || op.position === undefined ? ids.length : Math.max(0, Math.min(op.position, ids.length));
      ids.splice(at, 0, op.statement);
    } else if (op.kind === "remove") {
      if (from !== null) cols.get(from).splice(cols.get(from).indexOf(op.statement), 1);
    } else if (op.kind === "swap") {
      const other = where(op.other);
      if (from === null || other === null) continue;
      const a = cols.get(from), b = cols.get(other);
      const ia = a.indexOf(op.statement), ib = b.indexOf(op.other);
      a[ia] = op.other;
      b[ib] = op.statement;
    }
  }
  return cols;
}

function createInstance(root) {
  const s = {
    data: null,
    q: null,
    unsubscribe: null,
    cols: new Map(), // column value -> [statement ids] in display order
    picked: null,
    target: null,
    mode: null,
    press: null,
    deferred: false,
    colMsg: null, // {column, text}: why the last placement in that column was refused
    undo: [], // the operation that takes back each move of this visit, latest last
    message: "", // shown above the grid (another device saved, waiting for the save, ...)
    narrow: false, // a phone: the columns stacked, a column chooser at the bottom of the screen
    rove: null, // the one placed card in the Tab order (arrow keys go to the others)
  };
  const inst = { update, cleanup: null, connected: () => wrap.isConnected };

  const wrap = h("div", { class: "qg", "data-testid": "qsort-grid" });
  root.appendChild(wrap);
  const hitRoot = typeof root.elementFromPoint === "function" ? root : document;
  const activeEl = () => (root.activeElement !== undefined ? root.activeElement : document.activeElement);

  const S = (k, vals) => fmt((s.data && s.data.strings && s.data.strings[k]) || k, vals || {});
  const statement = (id) => s.data.statementById[id];
  const columnOf = (id) => {
    for (const [v, ids] of s.cols) if (ids.includes(id)) return v;
    return null;
  };
  const capacity = (v) => s.data.columnByValue[v].capacity;
  const isFull = (v) => s.data.forced && s.cols.get(v).length >= capacity(v);
  const placedCount = () => [...s.cols.values()].reduce((n, ids) => n + ids.length, 0);
  const relayout = () => (s.cols = layoutOf(s.q.server, s.q.pending, s.data.columns, s.data.forced));

  // ---------------------------------------------------------------- data from Python
  function update(data) {
    keysTo.inst = inst;
    const first = s.data === null;
    const statements = data.statements || [];
    const columns = data.columns || [];
    s.data = {
      ...data,
      statements,
      columns,
      statementById: Object.fromEntries(statements.map((st) => [st.id, st])),
      columnByValue: Object.fromEntries(columns.map((c) => [c.value, c])),
    };
    if (data.lang) wrap.setAttribute("lang", data.lang);
    attachQueue(s, data, S, onQueue, showMessage);
    if (first) {
      let saved = null;
      try {
        saved = window.localStorage.getItem("qmethod.gridView");
      } catch (e) {
        /* storage may be blocked; the width decides then */
      }
      s.mode = data.mode || (saved === "grid" || saved === "list" ? saved : wrap.getBoundingClientRect().width < 640 ? "list" : "grid");
      s.narrow = isNarrow();
    }
    render();
  }

  function onQueue(ev) {
    if (ev.type === "refused") {
      if (ev.reason === "column_full" && ev.column !== null && ev.column !== undefined) showColumnFull(ev.column, ev.capacity);
      else showMessage(S(ev.reason === "completed" ? "error_completed" : "error_generic"));
    } else if (ev.type === "stale") {
      showMessage(S("error_conflict"));
    } else if (ev.type === "invalid") {
      showMessage(S("unknown_link"));
    }
    render();
  }

  function showMessage(text) {
    s.message = text;
    if (text) announce(text);
    renderStatus();
  }

  function showColumnFull(v, cap) {
    const text = S("column_full", { column: signed(v), capacity: cap ?? capacity(v) });
    s.colMsg = { column: v, text };
    announce(text);
    render();
  }

  // ---------------------------------------------------------------- actions
  function place(id, v, index) {
    const from = columnOf(id);
    if (from !== v && isFull(v)) {
      showColumnFull(v);
      return false;
    }
    s.picked = null;
    s.target = null;
    s.colMsg = null;
    s.undo.push(from === null ? { kind: "remove", statement: id } : { kind: "move", statement: id, column: from, position: s.cols.get(from).indexOf(id) });
    s.q.add({ kind: from === null ? "place" : "move", statement: id, column: v, position: index === undefined ? null : index });
    relayout();
    announce(
      S("placed", { column: signed(v), label: s.data.columnByValue[v].label || "", placed: placedCount(), total: s.data.statements.length })
    );
    return true;
  }

  // Put `id` where `other` is and `other` where `id` was (between full columns).
  function swap(id, other) {
    s.picked = null;
    s.target = null;
    s.colMsg = null;
    const v = columnOf(other);
    s.undo.push({ kind: "swap", statement: id, other });
    s.q.add({ kind: "swap", statement: id, other });
    relayout();
    announce(S("swapped", { column: signed(v) }));
    return true;
  }

  // `id` onto the placed card `other`: into its column, or a swap when that column is full.
  function placeOnCard(id, other, index) {
    const v = columnOf(other);
    const from = columnOf(id);
    if (from !== null && from !== v && isFull(v)) return swap(id, other);
    return place(id, v, index);
  }

  function unplace(id) {
    const from = columnOf(id);
    s.picked = null;
    s.target = null;
    if (from === null) return;
    s.colMsg = null;
    s.undo.push({ kind: "place", statement: id, column: from, position: s.cols.get(from).indexOf(id) });
    s.q.add({ kind: "remove", statement: id });
    relayout();
    announce(S("returned", { placed: placedCount(), total: s.data.statements.length }));
  }

  // Take back the latest move of this visit (itself one operation, stored like any other).
  function undoLast() {
    const op = s.undo.pop();
    if (!op) return;
    s.picked = null;
    s.target = null;
    s.colMsg = null;
    s.q.add(op);
    render();
    announce(S("undone_move", { placed: placedCount(), total: s.data.statements.length }));
    const again = wrap.querySelector('[data-key="undo"]');
    if (again && !again.disabled) again.focus();
    else focusCard(op.statement);
  }

  function defaultTarget(id) {
    const current = columnOf(id);
    if (current !== null) return current;
    const values = s.data.columns.map((c) => c.value);
    const pile = statement(id).pile;
    let order;
    if (pile === "agree") order = [...values].reverse();
    else if (pile === "disagree") order = values;
    else {
      const mid = values.reduce((a, b) => (Math.abs(b) < Math.abs(a) ? b : a), values[0]);
      order = [...values].sort((a, b) => Math.abs(a - mid) - Math.abs(b - mid) || a - b);
    }
    return order.find((v) => !isFull(v)) ?? null;
  }

  function pick(id, byKey) {
    if (s.picked === id) {
      s.picked = null;
      s.target = null;
      render();
      announce(S("pick_cancelled"));
      return;
    }
    s.picked = id;
    s.target = defaultTarget(id);
    render();
    // Bring the suggested column into view (the grid may scroll sideways on small screens).
    const t = wrap.querySelector(".qg-col.is-target");
    const scroller = wrap.querySelector(".qg-scroller");
    if (t && scroller) {
      const tr = t.getBoundingClientRect();
      const sr = scroller.getBoundingClientRect();
      if (tr.left < sr.left || tr.right > sr.right) scroller.scrollLeft += tr.left - sr.left - (sr.width - tr.width) / 2;
    }
    const text = String(statement(id).text || statement(id).alt || "").trim();
    const how = byKey ? targetText() + " " + S("place_key") : S(s.narrow ? "place_tap_narrow" : "place_tap");
    announce(S(/[.!?\u2026]$/.test(text) ? "picked_end" : "picked", { text }) + " " + how);
  }

  function targetText() {
    const v = s.target;
    if (v === null) return "";
    const c = s.data.columnByValue[v];
    const free = Math.max(0, c.capacity - s.cols.get(v).length);
    return S(s.data.forced ? "target" : "target_free", { column: signed(v), label: c.label || "", free, capacity: c.capacity });
  }

  // A column the picked card can go to: not full, or the card's own column.
  const open = (v) => !isFull(v) || columnOf(s.picked) === v;

  // The next open column in the direction of `step` (full columns are skipped and said so).
  function moveTarget(step) {
    const values = s.data.columns.map((c) => c.value);
    let i = values.indexOf(s.target) + step;
    const skipped = [];
    while (i >= 0 && i < values.length && !open(values[i])) skipped.push(values[i]), (i += step);
    const note = skipped.length ? S("skipped_full", { columns: skipped.map(signed).join(", ") }) + " " : "";
    if (i < 0 || i >= values.length) {
      announce(note + targetText() + " " + S("place_key"));
      return;
    }
    s.target = values[i];
    markTarget();
    announce(note + targetText() + " " + S("place_key"));
  }

  // ---------------------------------------------------------------- rendering
  let live, counter, saveStatus, toolbar, body, helpText, msgBox, floatStatus;

  function skeleton() {
    live = h("div", { class: "qg-sr", role: "status", "aria-live": "polite", "aria-atomic": "true", "data-testid": "qsort-live" });
    counter = h("p", { class: "qg-counter", "data-testid": "qsort-counter" });
    saveStatus = h("p", { class: "qg-save", "data-testid": "qsort-save" });
    toolbar = h("div", { class: "qg-toolbar" });
    helpText = h("p", { class: "qg-help" });
    msgBox = h("p", { class: "qg-msg", "data-testid": "qsort-message", hidden: true });
    body = h("div", { class: "qg-body" });
    // The save status again, fixed at the bottom of the viewport while the grid is on screen but its
    // toolbar has scrolled away (on a phone the columns are far below it). A visual copy only
    // (screen readers have the toolbar's), and taps go through it.
    floatStatus = h("p", { class: "qg-float", "aria-hidden": "true", "data-testid": "qsort-save-float", hidden: true });
    wrap.append(toolbar, msgBox, helpText, body, live, floatStatus);
  }
  skeleton();
  const large = largeDialog(wrap, S);

  // Narrow (a phone, or a narrow window): the columns stacked one under the other.
  const NARROW_PX = 640;
  const isNarrow = () => wrap.getBoundingClientRect().width < NARROW_PX;
  const sizeWatch = typeof ResizeObserver === "function"
    ? new ResizeObserver(() => {
        if (!s.data) return;
        const n = isNarrow();
        if (n !== s.narrow) {
          s.narrow = n;
          render();
        } else syncScroller();
      })
    : null;
  if (sizeWatch) sizeWatch.observe(wrap);

  // "toolbar": the toolbar's save status is wholly in view, below the app's fixed header (64 px)
  // and above the bottom bar (56 px); "grid": some of the grid is in view.
  const seen = { toolbar: true, grid: true };
  const watches = typeof IntersectionObserver === "function"
    ? [
        new IntersectionObserver((entries) => {
          for (const e of entries) seen.toolbar = e.isIntersecting && e.intersectionRatio > 0.99;
          if (s.data) renderStatus();
        }, { rootMargin: "-64px 0px -56px 0px", threshold: [0, 1] }),
        new IntersectionObserver((entries) => {
          for (const e of entries) seen.grid = e.isIntersecting;
          if (s.data) renderStatus();
        }),
      ]
    : [];
  if (watches.length) {
    watches[0].observe(saveStatus);
    watches[1].observe(wrap);
  }

  function announce(text) {
    live.textContent = "";
    // A fresh text node after clearing makes screen readers announce repeated messages too.
    setTimeout(() => (live.textContent = text), 30);
  }

  function renderStatus() {
    const placed = placedCount();
    const total = s.data.statements.length;
    counter.textContent = S("counter", { placed, total });
    const st = s.q.status();
    saveStatus.textContent = statusText(s.q, S);
    saveStatus.classList.toggle("is-saving", st === "saving" || st === "retrying");
    saveStatus.classList.toggle("is-retrying", st === "retrying" || (st === "saved" && s.q.outOfDate));
    floatStatus.textContent = saveStatus.textContent;
    floatStatus.className = saveStatus.className.replace("qg-save", "qg-float");
    const chooserOpen = wrap.classList.contains("has-chooser");
    const chooserSave = wrap.querySelector(".qg-chooser-save");
    if (chooserSave) chooserSave.textContent = saveStatus.textContent;
    // On a phone the bar stays while the toolbar is out of view, below the grid too (the page's
    // buttons are there); on a wide screen only while the grid itself is in view.
    floatStatus.hidden = !saveStatus.textContent || seen.toolbar || chooserOpen || (!s.narrow && !seen.grid);
    wrap.classList.toggle("has-float", !floatStatus.hidden);
    const text = s.message || (s.mode === "list" && s.colMsg ? s.colMsg.text : "");
    msgBox.textContent = text;
    msgBox.hidden = !text;
  }

  function render() {
    if (s.press && s.press.started) {
      s.deferred = true;
      return;
    }
    relayout();
    if (s.picked && !s.data.statementById[s.picked]) s.picked = null;
    const focusKey = activeEl() && activeEl().dataset ? activeEl().dataset.key : null;
    toolbar.replaceChildren();
    const views = h("div", { class: "qg-views", role: "group", "aria-label": S("view_label") });
    for (const m of ["grid", "list"]) {
      const b = h("button", { type: "button", class: "qg-view", "aria-pressed": String(s.mode === m), "data-key": "view-" + m, "data-testid": "qsort-view-" + m, text: S("view_" + m) });
      b.addEventListener("click", () => {
        if (s.mode === m) return;
        s.mode = m;
        s.picked = null;
        try {
          window.localStorage.setItem("qmethod.gridView", m); // this device's choice survives a reload
        } catch (e) {
          /* not essential */
        }
        render();
        const again = wrap.querySelector('[data-key="view-' + m + '"]');
        if (again) again.focus();
      });
      views.appendChild(b);
    }
    const undo = h("button", { type: "button", class: "qg-undo", "data-key": "undo", "data-testid": "qsort-undo", disabled: s.undo.length === 0, text: "\u21b6 " + S("undo_move") });
    undo.addEventListener("click", undoLast);
    toolbar.append(counter, saveStatus, undo, views);
    if (s.mode === "list") {
      const ov = h("button", { type: "button", class: "qg-undo qg-ov-open", "data-key": "overview", "data-testid": "qsort-overview", text: S("overview_open") });
      ov.addEventListener("click", () => openOverview(ov));
      toolbar.insertBefore(ov, views);
    }
    wrap.classList.toggle("is-narrow", s.narrow);
    wrap.classList.toggle("has-chooser", s.mode === "grid" && s.narrow && !!s.picked);
    if (s.mode === "grid") {
      // Which way the columns run, as drawn: side by side (left to right) or stacked (top to bottom).
      const cs = s.data.columns;
      const ends = { low: cs.length ? signed(cs[0].value) : "", high: cs.length ? signed(cs[cs.length - 1].value) : "" };
      helpText.replaceChildren(
        h("span", { "data-testid": "qsort-help", text: S(s.narrow ? "help_narrow" : "help_grid") + " " + S(s.narrow ? "help_stacked" : "help_sides", ends) }),
        document.createTextNode(" "),
        h("span", { class: "qg-help-keys", "data-testid": "qsort-help-keys", text: S("help_keys") })
      );
    } else helpText.textContent = S("help_list");
    body.replaceChildren(s.mode === "grid" ? renderGrid() : renderList());
    if (s.mode === "grid" && !s.narrow) fitColumns();
    syncScroller();
    renderStatus();
    if (focusKey) {
      const el = wrap.querySelector('[data-key="' + CSS.escape(focusKey) + '"]');
      if (el) el.focus({ preventScroll: true });
    }
  }

  function cardButton(id, where) {
    const st = statement(id);
    const picked = s.picked === id;
    const b = h(
      "button",
      {
        type: "button",
        class: "qg-card" + (picked ? " is-picked" : ""),
        "data-id": id,
        "data-key": "card-" + id,
        "data-testid": "card-" + id,
        "aria-pressed": String(picked),
        "aria-describedby": where,
      },
      ...statementFace(st, "qg-card-text"),
      picked ? h("span", { class: "qg-badge", text: S("selected_badge") }) : null
    );
    if (where.startsWith("qg-col-h-")) b.tabIndex = id === s.rove ? 0 : -1;
    return h("li", { class: "qg-item" }, b, picked ? zoomButton(id) : null);
  }

  // "Show large": the whole statement in a dialog (next to the selected card, and on every row of
  // the list view).
  function zoomButton(id, describedBy) {
    const b = h("button", { type: "button", class: "q-zoom qg-zoom", "data-key": "zoom-" + id, "data-testid": "zoom-" + id,
      "aria-describedby": describedBy || null, text: S("zoom_open") });
    b.addEventListener("click", (ev) => {
      ev.stopPropagation(); // not a tap on the column or the source around it
      large.statement(statement(id), b);
    });
    return b;
  }

  function renderGrid() {
    const frag = document.createDocumentFragment();
    const order = placedOrder();
    if (!order.includes(s.rove)) s.rove = order.length ? order[0] : null;
    // Source: the cards not placed yet, grouped by presort pile.
    const unplaced = s.data.statements.filter((st) => columnOf(st.id) === null);
    const source = h("section", { class: "qg-source" + (s.picked && columnOf(s.picked) !== null ? " is-return" : ""), "aria-labelledby": "qg-src-h", "data-testid": "qsort-source" });
    source.appendChild(h("h3", { id: "qg-src-h", class: "qg-h", text: S("source_heading", { left: unplaced.length }) }));
    if (s.picked && columnOf(s.picked) !== null) source.appendChild(h("p", { class: "qg-hint", text: S("return_hint") }));
    const piles = [
      ["disagree", S("pile_disagree")],
      ["neutral", S("pile_neutral")],
      ["agree", S("pile_agree")],
      ["", S("pile_none")],
    ];
    const pileWrap = h("div", { class: "qg-piles" });
    for (const [pile, title] of piles) {
      const ids = unplaced.filter((st) => (st.pile || "") === pile).map((st) => st.id);
      if (!ids.length) continue;
      const hid = "qg-pile-" + (pile || "none");
      const list = h("ul", { class: "qg-list", "aria-labelledby": hid });
      ids.forEach((id) => list.appendChild(cardButton(id, hid)));
      pileWrap.appendChild(h("div", { class: "qg-pile qg-pile-" + (pile || "none"), "data-testid": "pile-" + (pile || "none") }, h("h4", { id: hid, class: "qg-h4", text: title + " (" + ids.length + ")" }), list));
    }
    if (!unplaced.length) pileWrap.appendChild(h("p", { class: "qg-done", text: S("all_placed") }));
    source.appendChild(pileWrap);
    frag.appendChild(source);

    // The grid itself.
    const gridSec = h("section", { class: "qg-gridsec", "aria-labelledby": "qg-grid-h" });
    gridSec.appendChild(h("h3", { id: "qg-grid-h", class: "qg-h", text: S("grid_heading") }));
    const scale = h("div", { class: "qg-scale", "aria-hidden": "true" }, h("span", { text: "\u2190 " + S("scale_left") }), h("span", { text: S("scale_right") + " \u2192" }));
    gridSec.appendChild(scale);
    const grid = h("div", { class: "qg-grid", style: "--qg-ncol:" + s.data.columns.length, "data-testid": "qsort-columns" });
    for (const c of s.data.columns) {
      const ids = s.cols.get(c.value);
      const hid = "qg-col-h-" + c.value;
      const full = s.data.forced && ids.length >= c.capacity;
      const capText = s.data.forced ? S("capacity", { used: ids.length, capacity: c.capacity }) : S("capacity_free", { used: ids.length, capacity: c.capacity });
      const col = h("div", {
        class: "qg-col" + (full ? " is-full" : "") + (s.picked && s.target === c.value ? " is-target" : ""),
        "data-col": c.value,
        "data-testid": "col-" + c.value,
        role: "group",
        "aria-labelledby": hid,
      });
      const head = h(
        "div",
        { class: "qg-colhead", id: hid },
        h("span", { class: "qg-colval", text: signed(c.value) }),
        h("span", { class: "qg-collabel", text: c.label || "" }),
        h("span", { class: "qg-colcap", text: capText })
      );
      col.appendChild(head);
      if (s.colMsg && s.colMsg.column === c.value) col.appendChild(h("p", { class: "qg-colmsg", "data-testid": "col-message", text: s.colMsg.text }));
      if (s.picked && full && columnOf(s.picked) !== c.value) col.appendChild(h("p", { class: "qg-full-note", "data-testid": "col-full-note", text: S("column_full_note") }));
      else col.appendChild(h("p", { class: "qg-target-label", "aria-hidden": "true", text: "\u2193 " + S("place_here") }));
      const list = h("ul", { class: "qg-list" });
      ids.forEach((id) => list.appendChild(cardButton(id, hid)));
      for (let i = ids.length; i < c.capacity; i++) list.appendChild(h("li", { class: "qg-slot", "aria-hidden": "true" }));
      col.appendChild(list);
      grid.appendChild(col);
    }
    // Focusable so that keyboard users can scroll it sideways when it is wider than the screen.
    // (focusable only then: syncScroller)
    const scroller = h("div", { class: "qg-scroller", role: "region", "aria-labelledby": "qg-grid-h" }, grid);
    gridSec.appendChild(scroller);
    frag.appendChild(gridSec);
    if (s.narrow && s.picked) frag.appendChild(chooser());
    return frag;
  }

  // Side by side, each column is as wide as the study's longest word (in the cards' own font, up to
  // 16rem) as long as every column still fits the width there is: all columns stay in view (a
  // participant compares them and drags between them), and a word wider than its column is broken
  // (hyphenated where the browser knows the language). Only below 6.75rem a column does the grid
  // scroll sideways.
  function fitColumns() {
    const grid = wrap.querySelector(".qg-grid");
    if (!grid) return;
    const key = s.data.statements.map((st) => st.text || "").join("\u0001");
    const rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
    const n = Math.max(1, s.data.columns ? s.data.columns.length : grid.querySelectorAll(".qg-col").length);
    const gap = parseFloat(getComputedStyle(grid).columnGap) || 0;
    const room = (wrap.querySelector(".qg-scroller") || grid).clientWidth;
    const fits = room > 0 ? Math.floor((room - gap * (n - 1)) / n) : Infinity;
    const apply = (px) => grid.style.setProperty("--qg-colmin", Math.max(6.75 * rem, Math.min(px, fits)) + "px");
    if (s.fit && s.fit.key === key) {
      apply(s.fit.px);
      return;
    }
    const words = [...new Set(s.data.statements.flatMap((st) => String(st.text || "").split(/[\s\u00ad\u2010-\u2014/-]+/)))]
      .sort((a, b) => b.length - a.length).slice(0, 40);
    const probeText = h("span", { class: "qg-card-text", style: "white-space:nowrap" });
    const probeCard = h("button", { type: "button", class: "qg-card", tabindex: "-1", "aria-hidden": "true" }, probeText);
    const probe = h("div", { class: "qg-col", "aria-hidden": "true", style: "position:absolute;visibility:hidden;left:0;top:0;width:auto" }, probeCard);
    grid.appendChild(probe);
    let word = 0;
    for (const w of words) {
      probeText.textContent = w;
      word = Math.max(word, probeText.getBoundingClientRect().width);
    }
    const card = getComputedStyle(probeCard), col = getComputedStyle(probe);
    const extra = ["paddingLeft", "paddingRight", "borderLeftWidth", "borderRightWidth"].reduce((n, k) => n + parseFloat(card[k]) + parseFloat(col[k]), 0);
    probe.remove();
    const px = Math.ceil(Math.min(Math.max(word + extra + 2, 6.75 * rem), 16 * rem));
    s.fit = { key, px };
    apply(px);
  }

  function syncScroller() {
    const sc = wrap.querySelector(".qg-scroller");
    if (!sc) return;
    if (sc.scrollWidth > sc.clientWidth + 1) sc.setAttribute("tabindex", "0");
    else sc.removeAttribute("tabindex");
  }

  // On a phone: the columns as buttons at the bottom of the screen while a card is selected, so
  // that a tap places it without scrolling to the column. Full columns cannot be chosen.
  function chooser() {
    const id = s.picked;
    const from = columnOf(id);
    const buttons = s.data.columns.map((c) => {
      const used = s.cols.get(c.value).length;
      const full = s.data.forced && used >= c.capacity && from !== c.value;
      const b = h(
        "button",
        { type: "button", class: "qg-choice" + (from === c.value ? " is-here" : ""), "data-testid": "choose-" + c.value, "data-key": "choose-" + c.value, "aria-disabled": full ? "true" : null },
        h("span", { class: "qg-choice-val", text: signed(c.value) }),
        c.label ? h("span", { class: "qg-sr", text: " " + c.label + ", " }) : null,
        h("span", { class: "qg-choice-cap", text: full ? S("full_short") + " \u2714" : s.data.forced ? S("capacity", { used, capacity: c.capacity }) : String(used) })
      );
      b.addEventListener("click", (ev) => {
        ev.stopPropagation();
        const fromSource = from === null;
        if (place(id, c.value)) {
          render();
          afterPlaceFocus(id, fromSource);
        }
      });
      return b;
    });
    const cancel = h("button", { type: "button", class: "qg-choice qg-choice-cancel", "data-testid": "choose-cancel", text: S("panel_cancel") });
    cancel.addEventListener("click", (ev) => {
      ev.stopPropagation();
      pick(id);
      focusCard(id);
    });
    const title = h("p", { class: "qg-chooser-title", id: "qg-chooser-h", text: S("panel_title") });
    // Why the last tap did not place the card (a full column), and the save status, above the buttons.
    const why = s.colMsg ? h("p", { class: "qg-chooser-msg", "data-testid": "chooser-message", text: s.colMsg.text }) : null;
    const saved = h("p", { class: "qg-chooser-save", "aria-hidden": "true", "data-testid": "chooser-save", text: statusText(s.q, S) });
    return h("div", { class: "qg-chooser", role: "group", "aria-labelledby": "qg-chooser-h", "data-testid": "qsort-chooser" },
      h("div", { class: "qg-chooser-top" }, title, saved), why, h("div", { class: "qg-choices" }, ...buttons, cancel));
  }

  // The overview (list view): each column with its statements and its count, in a dialog.
  function openOverview(from) {
    const nodes = [];
    for (const c of s.data.columns) {
      const ids = s.cols.get(c.value);
      const cap = s.data.forced ? S("capacity", { used: ids.length, capacity: c.capacity }) : S("capacity_free", { used: ids.length, capacity: c.capacity });
      const sec = h("section", { class: "qg-ov-col", "data-testid": "overview-" + c.value },
        h("h3", { class: "qg-ov-h", text: signed(c.value) + (c.label ? " " + c.label : "") + ": " + cap }));
      if (ids.length) sec.appendChild(h("ul", { class: "qg-ov-list" }, ...ids.map((id) => h("li", { text: statement(id).text || statement(id).alt || id }))));
      else sec.appendChild(h("p", { class: "qg-ov-empty", text: S("overview_empty") }));
      nodes.push(sec);
    }
    const left = s.data.statements.length - placedCount();
    if (left) nodes.push(h("p", { class: "qg-ov-left", text: S("overview_unplaced", { n: left }) }));
    large.open(S("overview_title"), nodes, from);
  }

  function markTarget() {
    for (const col of wrap.querySelectorAll(".qg-col")) col.classList.toggle("is-target", s.picked !== null && Number(col.dataset.col) === s.target);
    const t = wrap.querySelector(".qg-col.is-target");
    if (t) t.scrollIntoView({ block: "nearest", inline: "nearest" });
  }

  function renderList() {
    const frag = document.createDocumentFragment();
    frag.appendChild(h("h3", { class: "qg-h", text: S("list_heading") }));
    const list = h("ol", { class: "qg-rows", "data-testid": "qsort-list" });
    const order = [...s.data.statements].sort((a, b) => pileRank(a.pile) - pileRank(b.pile));
    order.forEach((st, i) => {
      const selId = "qg-sel-" + i;
      const cur = columnOf(st.id);
      const select = h("select", { id: selId, "data-key": "sel-" + st.id, "data-testid": "select-" + st.id, "data-id": st.id });
      select.appendChild(h("option", { value: "", text: S("not_placed") }));
      for (const c of s.data.columns) {
        const used = s.cols.get(c.value).length;
        const full = s.data.forced && used >= c.capacity && cur !== c.value;
        const label = signed(c.value) + (c.label ? " \u00b7 " + c.label : "") + " (" + (s.data.forced ? S("capacity", { used, capacity: c.capacity }) : S("capacity_free", { used, capacity: c.capacity })) + ")";
        select.appendChild(h("option", { value: String(c.value), disabled: full, text: label }));
      }
      select.value = cur === null ? "" : String(cur);
      select.addEventListener("change", () => {
        if (select.value === "") unplace(st.id);
        else if (!place(st.id, Number(select.value))) select.value = cur === null ? "" : String(cur);
        render();
      });
      const pileText = st.pile ? S("pile_" + st.pile) : "";
      list.appendChild(
        h(
          "li",
          { class: "qg-row" + (cur === null ? " is-open" : "") },
          h("label", { for: selId, id: selId + "-l", class: "qg-row-text" }, ...statementFace(st, "qg-row-label")),
          pileText ? h("span", { class: "qg-row-pile", text: S("from_pile", { pile: pileText }) }) : null,
          h("div", { class: "qg-row-ctl" }, select, zoomButton(st.id, selId + "-l"))
        )
      );
    });
    frag.appendChild(list);
    return frag;
  }

  function pileRank(p) {
    return { disagree: 0, neutral: 1, agree: 2 }[p] ?? 3;
  }

  // ---------------------------------------------------------------- events
  wrap.addEventListener("click", (ev) => {
    if (s.suppressClick) {
      s.suppressClick = false;
      return;
    }
    const card = ev.target.closest(".qg-card");
    if (card) {
      const id = card.dataset.id;
      // Clicking a placed card while another one is selected places the selected one there.
      if (s.picked && s.picked !== id) {
        const v = columnOf(id);
        if (v !== null) {
          placeOnCard(s.picked, id);
          render();
          focusCard(id);
          return;
        }
      }
      pick(id, ev.detail === 0); // a click from the keyboard (Enter or Space) has detail 0
      focusCard(id);
      return;
    }
    if (!s.picked) return;
    const col = ev.target.closest(".qg-col");
    if (col) {
      const id = s.picked;
      const fromSource = columnOf(id) === null;
      if (place(id, Number(col.dataset.col))) {
        render();
        afterPlaceFocus(id, fromSource);
      }
      return;
    }
    if (ev.target.closest(".qg-source")) {
      const id = s.picked;
      unplace(id);
      render();
      focusCard(id);
    }
  });

  // The placed cards are one stop in the Tab order (so that Tab goes from the grid straight on to
  // the page's buttons); the arrow keys go from card to card: up and down in reading order
  // (column by column), left and right to the neighbouring column.
  function placedOrder() {
    return s.data.columns.flatMap((c) => s.cols.get(c.value));
  }

  function roveKey(ev) {
    const card = ev.target.closest && ev.target.closest(".qg-col .qg-card");
    if (!card) return;
    const id = card.dataset.id;
    const order = placedOrder();
    let next = null;
    if (ev.key === "ArrowUp" || ev.key === "ArrowDown") next = order[order.indexOf(id) + (ev.key === "ArrowUp" ? -1 : 1)];
    else if (ev.key === "Home" || ev.key === "End") next = ev.key === "Home" ? order[0] : order[order.length - 1];
    else if (ev.key === "ArrowLeft" || ev.key === "ArrowRight") {
      const values = s.data.columns.map((c) => c.value);
      const v = columnOf(id);
      const at = s.cols.get(v).indexOf(id);
      const step = ev.key === "ArrowLeft" ? -1 : 1;
      for (let i = values.indexOf(v) + step; i >= 0 && i < values.length; i += step) {
        const ids = s.cols.get(values[i]);
        if (ids.length) {
          next = ids[Math.min(at, ids.length - 1)];
          break;
        }
      }
    } else return;
    ev.preventDefault();
    if (next) {
      setRove(next);
      focusCard(next);
    }
  }

  function setRove(id) {
    s.rove = id;
    for (const el of wrap.querySelectorAll(".qg-col .qg-card")) el.tabIndex = el.dataset.id === id ? 0 : -1;
  }

  wrap.addEventListener("focusin", (ev) => {
    const card = ev.target.closest && ev.target.closest(".qg-col .qg-card");
    if (card && card.dataset.id !== s.rove) setRove(card.dataset.id);
  });

  function focusCard(id) {
    const el = wrap.querySelector('[data-key="card-' + CSS.escape(id) + '"]');
    if (el) el.focus({ preventScroll: false });
  }

  function afterPlaceFocus(id, fromSource) {
    if (fromSource) {
      const next = wrap.querySelector(".qg-source .qg-card");
      if (next) {
        next.focus();
        return;
      }
    }
    focusCard(id);
  }

  function onGridKey(ev) {
    if (s.mode !== "grid") return;
    // Buttons other than cards (show large, the column chooser) keep their own keys.
    const other = ev.target.closest && ev.target.closest("button:not(.qg-card), dialog");
    if (other) return;
    if (!s.picked) {
      roveKey(ev);
      return;
    }
    if (s.target === null) return;
    const id = s.picked;
    if (ev.key === "ArrowLeft" || ev.key === "ArrowRight" || ev.key === "ArrowUp" || ev.key === "ArrowDown") {
      ev.preventDefault();
      moveTarget(ev.key === "ArrowLeft" || ev.key === "ArrowUp" ? -1 : 1);
    } else if (ev.key === "Enter" || ev.key === " ") {
      ev.preventDefault();
      const onCard = ev.target.closest && ev.target.closest(".qg-card");
      if (onCard && onCard.dataset.id === id && columnOf(id) === s.target) {
        pick(id); // same column: just put it down again
        focusCard(id);
        return;
      }
      const fromSource = columnOf(id) === null;
      if (place(id, s.target)) {
        render();
        afterPlaceFocus(id, fromSource);
      }
    } else if (ev.key === "Escape") {
      ev.preventDefault();
      pick(id);
      focusCard(id);
    } else if (ev.key === "Delete" || ev.key === "Backspace") {
      ev.preventDefault();
      unplace(id);
      render();
      focusCard(id);
    }
  }
  wrap.addEventListener("keydown", onGridKey);
  // Focus can fall back to the page itself (e.g. while Streamlit redraws around the grid): the keys
  // then still act on the picked card instead of scrolling the page.
  function onStrayKey(ev) {
    if (!wrap.isConnected) {
      document.removeEventListener("keydown", onStrayKey); // a grid no longer in the page
      return;
    }
    if (keysTo.inst !== inst && keysTo.inst.connected()) return;
    if (ev.target === document.body && s.picked && s.mode === "grid") onGridKey(ev);
  }
  document.addEventListener("keydown", onStrayKey);

  // Dragging: pointer events cover mouse, pen and touch. On touch a short press (350 ms)
  // arms the drag so that ordinary swipes still scroll the page.
  function onPointerDown(ev) {
    if (s.mode !== "grid") return;
    const card = ev.target.closest && ev.target.closest(".qg-card");
    if (!card || (ev.pointerType === "mouse" && ev.button !== 0)) return;
    const p = { id: card.dataset.id, card, x: ev.clientX, y: ev.clientY, pointerId: ev.pointerId, touch: ev.pointerType !== "mouse", armed: ev.pointerType === "mouse", started: false };
    if (p.touch) {
      p.timer = setTimeout(() => {
        p.armed = true;
        card.classList.add("is-armed");
      }, 350);
    }
    s.press = p;
    window.addEventListener("pointermove", onPointerMove, { passive: false });
    window.addEventListener("pointerup", onPointerUp);
    window.addEventListener("pointercancel", endPress);
  }

  function onPointerMove(ev) {
    const p = s.press;
    if (!p || ev.pointerId !== p.pointerId) return;
    const dist = Math.hypot(ev.clientX - p.x, ev.clientY - p.y);
    if (!p.started) {
      if (dist < 6) return;
      if (!p.armed) {
        endPress();
        return;
      }
      startDrag(p, ev);
    }
    ev.preventDefault();
    p.ghost.style.transform = "translate(" + (ev.clientX - p.dx) + "px," + (ev.clientY - p.dy) + "px)";
    const over = dropTargetAt(ev.clientX, ev.clientY);
    for (const col of wrap.querySelectorAll(".qg-col")) col.classList.toggle("is-over", over !== null && over.col === Number(col.dataset.col));
    wrap.querySelector(".qg-source") && wrap.querySelector(".qg-source").classList.toggle("is-over", over !== null && over.source);
    autoScroll(ev.clientY);
  }

  function startDrag(p, ev) {
    p.started = true;
    const r = p.card.getBoundingClientRect();
    p.dx = ev.clientX - r.left;
    p.dy = ev.clientY - r.top;
    const ghost = p.card.cloneNode(true);
    ghost.classList.add("qg-ghost");
    ghost.removeAttribute("data-key");
    ghost.removeAttribute("data-testid");
    ghost.setAttribute("aria-hidden", "true");
    ghost.style.width = r.width + "px";
    wrap.appendChild(ghost);
    p.ghost = ghost;
    p.card.classList.add("is-dragging");
    wrap.classList.add("is-dragging");
    try {
      p.card.setPointerCapture(p.pointerId);
    } catch (e) {
      /* capture is optional */
    }
  }

  function dropTargetAt(x, y) {
    const el = hitRoot.elementFromPoint(x, y);
    if (!el || !wrap.contains(el)) return null;
    const col = el.closest(".qg-col");
    if (col) {
      const v = Number(col.dataset.col);
      const cards = [...col.querySelectorAll(".qg-card:not(.is-dragging)")];
      const index = cards.filter((c) => {
        const r = c.getBoundingClientRect();
        return r.top + r.height / 2 < y;
      }).length;
      const onCard = el.closest(".qg-card");
      return { col: v, index, source: false, card: onCard ? onCard.dataset.id : null };
    }
    if (el.closest(".qg-source")) return { col: null, source: true };
    return null;
  }

  function scrollParent() {
    let node = root.host || root;
    while (node) {
      if (node instanceof Element) {
        const oy = getComputedStyle(node).overflowY;
        if ((oy === "auto" || oy === "scroll") && node.scrollHeight > node.clientHeight) return node;
      }
      node = node.parentNode || (node.host ? node.host : null);
    }
    return document.scrollingElement;
  }

  function autoScroll(y) {
    const sp = scrollParent();
    if (!sp) return;
    const edge = 60;
    if (y < edge) sp.scrollTop -= 18;
    else if (y > window.innerHeight - edge) sp.scrollTop += 18;
  }

  function onPointerUp(ev) {
    const p = s.press;
    if (!p || ev.pointerId !== p.pointerId) return;
    if (p.started) {
      const over = dropTargetAt(ev.clientX, ev.clientY);
      s.suppressClick = true;
      setTimeout(() => (s.suppressClick = false), 0);
      endPress();
      if (over && over.source) unplace(p.id);
      else if (over && over.col !== null) {
        // over.index counts the cards above the pointer without the dragged one; dropped on a card
        // of a full column, the two cards swap places.
        if (over.card && over.card !== p.id && columnOf(p.id) !== null && columnOf(p.id) !== over.col && isFull(over.col)) swap(p.id, over.card);
        else place(p.id, over.col, over.index);
      }
      render();
      focusCard(p.id);
      return;
    }
    endPress();
  }

  function endPress() {
    const p = s.press;
    s.press = null;
    window.removeEventListener("pointermove", onPointerMove);
    window.removeEventListener("pointerup", onPointerUp);
    window.removeEventListener("pointercancel", endPress);
    if (!p) return;
    clearTimeout(p.timer);
    p.card.classList.remove("is-armed", "is-dragging");
    wrap.classList.remove("is-dragging");
    if (p.ghost) p.ghost.remove();
    for (const el of wrap.querySelectorAll(".is-over")) el.classList.remove("is-over");
    if (s.deferred) {
      s.deferred = false;
      render();
    }
  }

  function onTouchMove(ev) {
    if (s.press && s.press.armed) ev.preventDefault();
  }

  wrap.addEventListener("pointerdown", onPointerDown);
  wrap.addEventListener("touchmove", onTouchMove, { passive: false });
  wrap.addEventListener("contextmenu", (ev) => {
    if (ev.target.closest && ev.target.closest(".qg-card")) ev.preventDefault();
  });

  function teardown() {
    document.removeEventListener("keydown", onStrayKey);
    for (const w of watches) w.disconnect();
    if (sizeWatch) sizeWatch.disconnect();
    endPress();
    if (s.unsubscribe) s.unsubscribe();
    instances.delete(root);
  }

  inst.cleanup = cleanupWhenGone(root, teardown);

  return inst;
}
