// Presort: one statement at a time into three piles (disagree / neutral / agree).
//
// Click/tap a pile button or press 1, 2 or 3; "Undo last" takes back the latest card. Like the
// grid, each action is one operation ({kind: "pile", statement, pile}) on the participant's queue
// (opQueue in common.js), posted to the server at once; the piles shown are the stored ones with
// the pending operations on top. Texts are set with textContent only.

const instances = new WeakMap();
const PILES = ["disagree", "neutral", "agree"];
const DOUBLE_TAP_MS = 400;
// The copy drawn last takes the keys (Streamlit can show a second copy for a moment while it redraws).
const keysTo = { inst: null };

export default function presort(component) {
  return mountInstance(instances, createInstance, component);
}

function createInstance(root) {
  const s = { data: null, q: null, unsubscribe: null, piles: new Map(), history: null, message: "", lastTap: { pile: null, at: -Infinity } };
  const inst = { update, cleanup: null, connected: () => wrap.isConnected };
  const S = (k, v) => fmt((s.data && s.data.strings && s.data.strings[k]) || k, v || {});

  const wrap = h("div", { class: "ps", "data-testid": "presort" });
  root.appendChild(wrap);
  const progress = h("p", { class: "ps-progress", "data-testid": "presort-progress" });
  const saveStatus = h("p", { class: "ps-save", "data-testid": "presort-save" });
  const msgBox = h("p", { class: "ps-msg", "data-testid": "presort-message", hidden: true });
  const cardBox = h("div", { class: "ps-card", "data-testid": "presort-card" });
  const cardText = h("p", { class: "ps-text", id: "ps-text" });
  cardBox.appendChild(cardText);
  const buttons = h("div", { class: "ps-buttons", role: "group", "aria-labelledby": "ps-group" });
  const groupLabel = h("p", { id: "ps-group", class: "ps-group" });
  const pileButtons = PILES.map((pile, i) => {
    const b = h("button", { type: "button", class: "ps-btn ps-" + pile, "data-pile": pile, "data-key": "pile-" + pile, "data-testid": "presort-" + pile, "aria-describedby": "ps-text", "aria-keyshortcuts": String(i + 1) });
    b.addEventListener("click", () => {
      // A double tap would file the next card, never read, too: a second tap on the same pile this
      // soon after the first is ignored (keys 1/2/3 are not, except a held key's repeats).
      const now = performance.now();
      if (s.lastTap.pile === pile && now - s.lastTap.at < DOUBLE_TAP_MS) return;
      s.lastTap = { pile, at: now };
      put(pile);
    });
    buttons.appendChild(b);
    return b;
  });
  const undo = h("button", { type: "button", class: "ps-undo", "data-key": "undo", "data-testid": "presort-undo" });
  undo.addEventListener("click", () => undoLast());
  // The statement in large text (a dialog; Escape or the close button).
  const zoom = h("button", { type: "button", class: "q-zoom", "data-key": "zoom", "data-testid": "presort-zoom", "aria-describedby": "ps-text" });
  zoom.addEventListener("click", () => current() && large.statement(current(), zoom));
  const keys = h("p", { class: "ps-keys" });
  const counts = h("div", { class: "ps-counts", "data-testid": "presort-counts" });
  const live = h("div", { class: "ps-sr", role: "status", "aria-live": "polite", "aria-atomic": "true", "data-testid": "presort-live" });
  wrap.append(h("div", { class: "ps-top" }, progress, saveStatus), msgBox, cardBox, groupLabel, buttons, h("div", { class: "ps-row" }, undo, zoom, keys), counts, live);

  const large = largeDialog(wrap, S);

  function update(data) {
    keysTo.inst = inst;
    s.data = { ...data, statements: data.statements || [] };
    attachQueue(s, data, S, onQueue, showMessage);
    render();
  }

  function onQueue(ev) {
    if (ev.type === "refused") showMessage(S(ev.reason === "completed" ? "error_completed" : "error_generic"));
    else if (ev.type === "stale") showMessage(S("error_conflict"));
    else if (ev.type === "invalid") showMessage(S("unknown_link"));
    render();
  }

  function showMessage(text) {
    s.message = text;
    if (text) announce(text);
    render();
  }

  // The stored piles with the pending pile operations on top.
  function pilesNow() {
    const piles = new Map(Object.entries((s.q.server && s.q.server.piles) || {}));
    for (const op of s.q.pending) {
      if (op.kind !== "pile") continue;
      if (op.pile) piles.set(op.statement, op.pile);
      else piles.delete(op.statement);
    }
    return piles;
  }

  function current() {
    return s.data.statements.find((st) => !s.piles.has(st.id)) || null;
  }

  function put(pile) {
    const st = current();
    if (!st) return;
    s.q.add({ kind: "pile", statement: st.id, pile });
    s.history = s.history.filter((id) => id !== st.id).concat([st.id]);
    render();
    const left = s.data.statements.length - s.piles.size;
    // When none is left the card itself says so ("ps_done"): said once, not again here.
    announce(S("ps_put", { pile: S("ps_" + pile).toLowerCase(), left }) + (current() ? " " + current().text : ""));
  }

  function undoLast() {
    const id = s.history.pop();
    if (!id) return;
    s.q.add({ kind: "pile", statement: id, pile: null });
    render();
    announce(S("ps_undone") + " " + (current() ? current().text : ""));
    const first = pileButtons[0];
    if (first) first.focus();
  }

  function announce(text) {
    live.textContent = "";
    setTimeout(() => (live.textContent = text), 30);
  }

  function render() {
    s.piles = pilesNow();
    // Undo order: this visit's cards latest first, then (after a reload) presentation order.
    const ordered = s.data.statements.map((st) => st.id).filter((id) => s.piles.has(id));
    const mine = (s.history || []).filter((id) => s.piles.has(id));
    s.history = ordered.filter((id) => !mine.includes(id)).concat(mine);
    const total = s.data.statements.length;
    const done = s.piles.size;
    const st = current();
    progress.textContent = st ? S("ps_progress", { n: done + 1, total }) + " \u00b7 " + S("ps_left", { left: total - done }) : S("ps_left", { left: 0 });
    cardText.replaceChildren(...(st ? statementFace(st, "ps-text-line") : [document.createTextNode(S("ps_done"))]));
    cardBox.classList.toggle("is-done", !st);
    groupLabel.textContent = S("ps_group");
    pileButtons.forEach((b, i) => {
      const pile = PILES[i];
      b.replaceChildren(h("span", { class: "ps-key", "aria-hidden": "true", text: String(i + 1) }), h("span", { class: "ps-label", text: S("ps_" + pile) }));
      b.disabled = !st;
    });
    undo.textContent = "\u21b6 " + S("ps_undo");
    undo.disabled = s.history.length === 0;
    zoom.textContent = S("zoom_open");
    zoom.disabled = !st;
    keys.textContent = S("ps_keys");
    const status = s.q.status();
    saveStatus.textContent = statusText(s.q, S);
    saveStatus.classList.toggle("is-saving", status === "saving" || status === "retrying");
    saveStatus.classList.toggle("is-retrying", status === "retrying" || (status === "saved" && s.q.outOfDate));
    msgBox.textContent = s.message;
    msgBox.hidden = !s.message;
    counts.replaceChildren(
      h("h3", { class: "ps-counts-h", text: S("ps_counts") }),
      h(
        "ul",
        { class: "ps-count-list" },
        ...PILES.map((pile) => h("li", { class: "ps-count ps-" + pile, "data-testid": "count-" + pile, text: S("ps_" + pile) + ": " + [...s.piles.values()].filter((p) => p === pile).length }))
      )
    );
  }

  function onKey(ev) {
    if (!wrap.isConnected || (keysTo.inst !== inst && keysTo.inst.connected())) return;
    if (ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey || ev.repeat) return;
    const t = ev.composedPath ? ev.composedPath()[0] : ev.target;
    const tag = t && t.tagName ? t.tagName.toLowerCase() : "";
    if (tag === "input" || tag === "textarea" || tag === "select" || (t && t.isContentEditable)) return;
    const i = ["1", "2", "3"].indexOf(ev.key);
    if (i < 0 || !current()) return;
    ev.preventDefault();
    put(PILES[i]);
    const b = pileButtons[i];
    b.classList.add("is-flash");
    setTimeout(() => b.classList.remove("is-flash"), 200);
  }
  window.addEventListener("keydown", onKey);

  function teardown() {
    window.removeEventListener("keydown", onKey);
    if (s.unsubscribe) s.unsubscribe();
    instances.delete(root);
  }
  inst.cleanup = cleanupWhenGone(root, teardown);

  return inst;
}
