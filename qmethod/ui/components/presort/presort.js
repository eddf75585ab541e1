// Presort: one statement at a time into three piles (disagree / neutral / agree).
//
// Click/tap a pile button or press 1, 2 or 3; "Undo last" takes back the latest card. Like the
// grid, every change sends the WHOLE pile mapping as the state value `piles` ({seq, piles});
// Python saves the difference and echoes `seq` as `ack`. Texts are set with textContent only.

const instances = new WeakMap();
const owners = { current: null }; // the copy of the presort that reaches Python (see mountInstance)
const PILES = ["disagree", "neutral", "agree"];

export default function presort(component) {
  return mountInstance(instances, createInstance, component, owners);
}

function createInstance(root) {
  const s = { data: null, piles: new Map(), history: [], seq: 0, acked: 0, lastJson: "", base: null, retired: false };
  const inst = instanceApi(s, () => wrap, { update, handover, inherit, cleanup: () => teardown() });
  const S = (k, v) => fmt((s.data && s.data.strings && s.data.strings[k]) || k, v || {});

  const wrap = h("div", { class: "ps", "data-testid": "presort" });
  root.appendChild(wrap);
  const progress = h("p", { class: "ps-progress", "data-testid": "presort-progress" });
  const saveStatus = h("p", { class: "ps-save", "data-testid": "presort-save" });
  const cardBox = h("div", { class: "ps-card", "data-testid": "presort-card" });
  const cardText = h("p", { class: "ps-text", id: "ps-text" });
  cardBox.appendChild(cardText);
  const buttons = h("div", { class: "ps-buttons", role: "group", "aria-labelledby": "ps-group" });
  const groupLabel = h("p", { id: "ps-group", class: "ps-group" });
  const pileButtons = PILES.map((pile, i) => {
    const b = h("button", { type: "button", class: "ps-btn ps-" + pile, "data-pile": pile, "data-key": "pile-" + pile, "data-testid": "presort-" + pile, "aria-describedby": "ps-text", "aria-keyshortcuts": String(i + 1) });
    b.addEventListener("click", () => put(pile));
    buttons.appendChild(b);
    return b;
  });
  const undo = h("button", { type: "button", class: "ps-undo", "data-key": "undo", "data-testid": "presort-undo" });
  undo.addEventListener("click", () => undoLast());
  const keys = h("p", { class: "ps-keys" });
  const counts = h("div", { class: "ps-counts", "data-testid": "presort-counts" });
  const live = h("div", { class: "ps-sr", role: "status", "aria-live": "polite", "aria-atomic": "true", "data-testid": "presort-live" });
  wrap.append(h("div", { class: "ps-top" }, progress, saveStatus), cardBox, groupLabel, buttons, h("div", { class: "ps-row" }, undo, keys), counts, live);

  function update(data) {
    const first = s.data === null;
    s.lastSeen = Date.now();
    s.data = { ...data, statements: data.statements || [] };
    const ack = Number(data.ack || 0);
    if (first) s.seq = ack;
    // Data older than data already seen (a redraw can replay an earlier run's) never replaces piles.
    const stale = !first && ack < s.acked;
    s.acked = Math.max(s.acked, ack);
    if (ack > s.seq) s.seq = ack;
    if (!stale && s.acked >= s.seq) {
      s.base = data.piles || {}; // what our next changes start from (sent along with them)
      const incoming = JSON.stringify(data.piles || {});
      if (first || incoming !== s.lastJson) {
        s.piles = new Map(Object.entries(data.piles || {}));
        // Undo order after a reload: the latest card in presentation order comes back first.
        s.history = s.data.statements.map((st) => st.id).filter((id) => s.piles.has(id));
        s.lastJson = incoming;
      }
    }
    render();
  }

  function current() {
    return s.data.statements.find((st) => !s.piles.has(st.id)) || null;
  }

  // Ownership (see mountInstance): an unsaved change and the focus move to the newest copy.
  function handover() {
    const active = () => (root.activeElement !== undefined ? root.activeElement : document.activeElement);
    return {
      layout: s.data ? { piles: Object.fromEntries(s.piles), history: [...s.history], base: s.base, seq: s.seq, acked: s.acked } : null,
      focusKey: focusedKey(wrap, active),
      current: isCurrent(s, wrap),
    };
  }

  function inherit(h) {
    if (!h.current || !h.layout) return; // a copy from an earlier visit to this page: nothing to take over
    const known = (id) => s.data.statements.some((st) => st.id === id);
    const pending = takeLayout(s, h, (old) => {
      s.piles = new Map(Object.entries(old.piles).filter(([id]) => known(id)));
      s.history = old.history.filter((id) => s.piles.has(id));
    });
    render();
    if (pending) send();
    focusByKey(wrap, h.focusKey);
  }

  function send() {
    if (!wrap.isConnected || s.retired) return; // a copy that left the page or was retired never sends
    s.lastSeen = Date.now();
    s.seq += 1;
    // Re-send until Python acknowledges: a save interrupted on the server is then redone.
    clearTimeout(s.retry);
    s.retry = setTimeout(() => {
      if (s.acked < s.seq) send();
    }, 2500);
    const piles = Object.fromEntries(s.piles);
    s.lastJson = JSON.stringify(piles);
    if (inst.setStateValue) inst.setStateValue("piles", { seq: s.seq, piles, base: s.base });
  }

  function put(pile) {
    const st = current();
    if (!st) return;
    s.piles.set(st.id, pile);
    s.history = s.history.filter((id) => id !== st.id).concat([st.id]);
    send();
    render();
    const left = s.data.statements.length - s.piles.size;
    announce(S("ps_put", { pile: S("ps_" + pile).toLowerCase(), left }) + (current() ? " " + current().text : " " + S("ps_done")));
  }

  function undoLast() {
    const id = s.history.pop();
    if (!id) return;
    s.piles.delete(id);
    send();
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
    const total = s.data.statements.length;
    const done = s.piles.size;
    const st = current();
    progress.textContent = st ? S("ps_progress", { n: done + 1, total }) + " \u00b7 " + S("ps_left", { left: total - done }) : S("ps_done");
    cardText.textContent = st ? st.text : S("ps_done");
    cardBox.classList.toggle("is-done", !st);
    groupLabel.textContent = S("ps_group");
    pileButtons.forEach((b, i) => {
      const pile = PILES[i];
      b.replaceChildren(h("span", { class: "ps-key", "aria-hidden": "true", text: String(i + 1) }), h("span", { class: "ps-label", text: S("ps_" + pile) }));
      b.disabled = !st;
    });
    undo.textContent = "\u21b6 " + S("ps_undo");
    undo.disabled = s.history.length === 0;
    keys.textContent = S("ps_keys");
    const saving = s.seq > s.acked;
    saveStatus.textContent = saving ? S("saving") : S("saved");
    saveStatus.classList.toggle("is-saving", saving);
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
    if (!wrap.isConnected || s.retired) return; // keys go to the copy of the presort that is in use
    if (ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey) return;
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
    clearTimeout(s.retry);
    instances.delete(root);
  }
  refreshWhenVisible(inst, root, teardown);

  return inst;
}
