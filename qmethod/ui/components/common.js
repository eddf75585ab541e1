// Shared by the presort and grid components; qmethod.ui.components.module_js puts this text in
// front of each component's own module (components v2 load one inline module each, no imports).

// ---------------------------------------------------------------- the operation queue
//
// Every participant action is one operation ({op_id, kind, statement, column, position, other,
// pile}) posted with fetch to the app's own server (qmethod.web.participant), one at a time, each
// with the version of the stored state it was made on (expected_version). The queue of operations
// not yet acknowledged lives in localStorage, so a reload, a lost connection or a closed tab loses
// nothing: the next visit sends them again (the server answers an op_id it has seen with its first
// outcome and never applies it twice). What the page shows is the stored state with the pending
// operations applied on top, in order; when another tab or device saved first (409), the stored
// state it sends back becomes the base and the same operations are sent again on top of it.
//
// One queue per participant in this browser window, shared by the grid and the presort (both
// modules carry this code; the queue lives on window).

const OPS = (window.__qmethodOps = window.__qmethodOps || new Map());
const RETRY_MAX_MS = 8000;

function opQueue(cfg) {
  let q = OPS.get(cfg.storageKey);
  if (!q || q.token !== cfg.token) {
    q = createQueue(cfg);
    OPS.set(cfg.storageKey, q);
  } else {
    q.adopt(cfg.state);
  }
  return q;
}

function newOpId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function createQueue(cfg) {
  const q = {
    token: cfg.token,
    local: !cfg.token, // a preview: nothing is sent or stored
    server: cfg.state, // the latest stored state seen: {version, stage, columns, piles, completed}
    pending: [],
    inflight: null,
    failures: 0, // consecutive failed sends (network down, server busy)
    outOfDate: false, // the last attempt to read the stored state failed
    invalid: false, // the server does not know this participant's token (deleted)
    timer: null,
    listeners: new Set(),
    idleWaiters: [],
  };
  try {
    const saved = q.local ? [] : JSON.parse(window.localStorage.getItem(cfg.storageKey) || "[]");
    if (Array.isArray(saved)) q.pending = saved.filter((op) => op && typeof op.op_id === "string");
  } catch (e) {
    /* storage blocked or unreadable: the queue lives in memory only */
  }

  function persist() {
    if (q.local) return;
    try {
      if (q.pending.length) window.localStorage.setItem(cfg.storageKey, JSON.stringify(q.pending));
      else window.localStorage.removeItem(cfg.storageKey);
    } catch (e) {
      /* storage blocked or full: the queue still lives in memory */
    }
  }

  function emit(event) {
    for (const fn of [...q.listeners]) fn(event);
    if (q.idle()) for (const fn of q.idleWaiters.splice(0)) fn();
  }

  // A stored state from the server or a page redraw: only ever a newer one replaces what we have.
  function newer(state) {
    if (state && typeof state.version === "number" && (!q.server || state.version > q.server.version)) {
      q.server = state;
      return true;
    }
    return false;
  }

  q.adopt = (state) => {
    if (newer(state)) emit({ type: "change" });
  };
  q.idle = () => q.local || (q.pending.length === 0 && !q.inflight);
  q.whenIdle = (fn) => (q.idle() ? fn() : q.idleWaiters.push(fn));
  q.subscribe = (fn) => {
    q.listeners.add(fn);
    return () => q.listeners.delete(fn);
  };
  // "saved", "saving" (sent, waiting for the answer) or "retrying" (not stored yet, trying again)
  q.status = () => (q.local ? "local" : q.idle() ? "saved" : q.failures > 0 ? "retrying" : "saving");

  q.add = (op) => {
    q.pending.push({ op_id: newOpId(), ...op });
    persist();
    emit({ type: "change" });
    pump();
  };

  function retryLater() {
    clearTimeout(q.timer);
    const wait = Math.min(RETRY_MAX_MS, 400 * 2 ** Math.min(q.failures, 6)) * (0.75 + Math.random() / 2);
    q.timer = setTimeout(() => {
      q.timer = null;
      pump();
    }, wait);
  }

  async function pump() {
    if (q.local || q.inflight || q.timer || q.invalid || !q.pending.length) return;
    const op = q.pending[0];
    q.inflight = op;
    let res = null;
    let body = null;
    try {
      res = await fetch(cfg.api, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Participant-Token": cfg.token },
        body: JSON.stringify({ ...op, expected_version: q.server.version }),
        credentials: "same-origin",
        cache: "no-store",
      });
      body = await res.json().catch(() => null);
    } catch (e) {
      res = null; // offline or the server is down
    }
    q.inflight = null;
    const state = body && body.state;
    let event = { type: "change" };
    if (res && (res.status === 200 || res.status === 422 || res.status === 400)) {
      // stored, refused (e.g. a full column) or malformed: this operation is done either way
      q.pending.shift();
      persist();
      q.failures = 0;
      q.outOfDate = false;
      if (state) q.server = state;
      if (res.status !== 200) event = { type: "refused", op, reason: (body && body.reason) || "error", column: body && body.column, capacity: body && body.capacity };
    } else if (res && res.status === 409 && state) {
      q.failures = 0; // another tab or device saved first: re-apply our operations on its state
      q.outOfDate = false;
      q.server = state;
      event = { type: "stale" };
    } else if (res && res.status === 401) {
      q.invalid = true;
      event = { type: "invalid" };
    } else {
      q.failures += 1;
      emit(event);
      retryLater();
      return;
    }
    emit(event);
    pump();
  }

  q.refresh = async () => {
    if (q.local) return;
    try {
      const res = await fetch(cfg.stateApi, { headers: { "X-Participant-Token": cfg.token }, credentials: "same-origin", cache: "no-store" });
      const body = await res.json();
      if (!res.ok || !body.state) throw new Error(String(res.status));
      q.outOfDate = false;
      newer(body.state);
      emit({ type: "change" });
    } catch (e) {
      q.outOfDate = true;
      emit({ type: "change" });
    }
  };

  // Back online: try at once instead of waiting for the back-off.
  window.addEventListener("online", () => {
    clearTimeout(q.timer);
    q.timer = null;
    pump();
  });
  // Coming back into view (e.g. after working on another device): read the stored state.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") q.refresh();
  });
  // Leaving with moves not stored yet: ask first.
  window.addEventListener("beforeunload", (ev) => {
    if (q.idle()) return;
    ev.preventDefault();
    ev.returnValue = cfg.leaveText || "";
    return cfg.leaveText || "";
  });
  // A page button that leaves the page (Continue, Back) waits until every operation is stored.
  document.addEventListener(
    "click",
    (ev) => {
      const gate = q.gate;
      if (!gate || !ev.isTrusted || !ev.target.closest) return;
      const key = gate.keys.find((k) => ev.target.closest(".st-key-" + k + " button"));
      if (!key) return;
      if (q.idle()) {
        // The next page can take many seconds on a weak signal: say so at once, where the tap was.
        showBar(gate.loadingText, true);
        return;
      }
      ev.preventDefault();
      ev.stopImmediatePropagation();
      if (gate.waiting) return;
      gate.waiting = true;
      gate.blocked();
      q.whenIdle(() => {
        gate.waiting = false;
        gate.released();
        const button = document.querySelector(".st-key-" + key + " button");
        if (button) {
          showBar(gate.loadingText, true);
          button.click();
        }
      });
    },
    true
  );
  pump();
  return q;
}

// The Streamlit buttons (by key) that leave the page: they wait until the queue is idle.
function gateButtons(q, keys, blocked, released, loadingText) {
  q.gate = keys && keys.length ? { keys, blocked, released, loadingText, waiting: false } : null;
}

// A short line fixed at the bottom of the viewport, where the participant just tapped a page button
// (the component's own message box can be far above, out of view on a phone): "One moment – ..."
// while a leaving button waits for the queue, "Loading …" while the next page comes. It lives in
// the page's body (outside the component), so it also survives the component's unmounting; a
// "Loading …" line goes once the app has finished the run that the tap started.
function showBar(text, untilRunEnds) {
  let bar = document.getElementById("qmethod-wait-bar");
  if (!text) {
    if (bar) bar.remove();
    return;
  }
  if (!bar) {
    bar = h("div", { id: "qmethod-wait-bar", role: "status", "data-testid": "wait-bar" });
    Object.assign(bar.style, {
      position: "fixed", left: "0", right: "0", bottom: "0", zIndex: "1000000", padding: "0.75rem 1rem",
      background: "#1b1b1f", color: "#ffffff", fontSize: "1rem", lineHeight: "1.4", fontWeight: "600",
      textAlign: "center", boxShadow: "0 -2px 8px rgba(0,0,0,0.3)", pointerEvents: "none",
    });
    document.body.appendChild(bar);
  }
  bar.textContent = text;
  if (bar.__watch) bar.__watch.disconnect();
  bar.__watch = null;
  const app = document.querySelector('[data-testid="stApp"]');
  if (!untilRunEnds || !app) return;
  let ran = false;
  const watch = new MutationObserver(() => {
    const state = app.getAttribute("data-test-script-state");
    if (state === "running") ran = true;
    else if (ran && state === "notRunning") {
      watch.disconnect();
      if (bar.__watch === watch) bar.remove();
    }
  });
  watch.observe(app, { attributes: true, attributeFilter: ["data-test-script-state"] });
  bar.__watch = watch;
}

// A component instance `s` follows the queue named by this render's `data` (its events go to
// `onQueue`) and holds the page's leaving buttons until it is idle (saying so with `showMessage`).
function attachQueue(s, data, S, onQueue, showMessage) {
  const q = opQueue({ storageKey: data.storage_key, token: data.token, api: data.api, stateApi: data.state_api, state: data.state, leaveText: S("leave_unsaved") });
  if (q !== s.q) {
    if (s.unsubscribe) s.unsubscribe();
    s.q = q;
    s.unsubscribe = q.subscribe(onQueue);
  }
  gateButtons(
    q,
    data.gate,
    () => {
      showMessage(S("wait_for_save"));
      showBar(S("wait_for_save"), false);
    },
    () => {
      showMessage("");
      showBar("", false);
    },
    S("loading")
  );
}

// The status line: "✓ Saved", "Saving …" or "Not saved yet – trying again", and "may be out of date".
function statusText(q, S) {
  const st = q.status();
  if (st === "local") return "";
  if (st === "saved") return q.outOfDate ? S("out_of_date") : "\u2713 " + S("saved");
  return st === "retrying" ? S("not_saved_retrying") : S("saving");
}

// One instance per mount point: create it on the first render, then hand it each render's data.
// Returns the cleanup Streamlit calls on unmount.
function mountInstance(instances, createInstance, component) {
  const { data, parentElement } = component;
  let inst = instances.get(parentElement);
  if (!inst) {
    inst = createInstance(parentElement);
    instances.set(parentElement, inst);
  }
  inst.update(data || {});
  return inst.cleanup;
}

// Streamlit also calls the cleanup of a render that a newer render overtook; the component is
// still on the page then and must live on. Tear down only once it has left the page.
function cleanupWhenGone(root, teardown) {
  return () => {
    if (root.isConnected) return;
    teardown();
  };
}

// A DOM element; texts only ever through textContent ("text"), never as HTML.
function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "text") node.textContent = v;
    else if (k === "class") node.className = v;
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) if (c) node.appendChild(c);
  return node;
}

// A statement's face: its picture (st.image, with st.alt) sized to fit the card, and its text
// (textContent) below it when it has one (always for a statement without a picture); a statement
// with a recording (st.audio, on the app's own host) carries its address for read aloud.
function statementFace(st, textClass, textTag) {
  const nodes = [];
  if (st.image) nodes.push(h("img", { class: "q-stmt-img", src: st.image, alt: st.alt || "", loading: "lazy", decoding: "async", draggable: "false" }));
  if (!st.image || st.caption) nodes.push(h(textTag || "span", { class: textClass, text: st.text }));
  if (st.audio) for (const n of nodes) n.setAttribute("data-audio", st.audio); // read aloud plays it
  return nodes;
}

// "{name}" placeholders filled from values (unknown ones become empty).
function fmt(template, values) {
  return String(template || "").replace(/\{(\w+)\}/g, (_, k) => (k in values ? String(values[k]) : ""));
}

// ---------------------------------------------------------------- a statement shown large
//
// One modal dialog per component: the whole statement (its picture too) in large text, or any other
// content (the grid's overview). Closed with Escape (the browser's own) or the visible close button;
// the focus goes back to the button that opened it. Texts only through textContent.
function largeDialog(wrap, S) {
  const title = h("h2", { class: "q-dlg-title", id: "q-dlg-title" });
  const close = h("button", { type: "button", class: "q-dlg-close", "data-testid": "dialog-close", autofocus: true });
  const content = h("div", { class: "q-dlg-body" });
  const dlg = h("dialog", { class: "q-dlg", "aria-labelledby": "q-dlg-title", "data-testid": "large-dialog" },
    h("div", { class: "q-dlg-head" }, title, close), content);
  let opener = null;
  close.addEventListener("click", () => dlg.close());
  dlg.addEventListener("click", (ev) => {
    ev.stopPropagation(); // not a tap on the grid behind it
    if (ev.target === dlg) dlg.close(); // a tap on the dimmed page around it
  });
  dlg.addEventListener("close", () => {
    const back = opener && (opener.isConnected ? opener : opener.dataset.key && wrap.querySelector('[data-key="' + CSS.escape(opener.dataset.key) + '"]'));
    opener = null;
    if (back) back.focus();
  });
  // Keys inside the dialog are its own (the grid and presort do not act on them).
  dlg.addEventListener("keydown", (ev) => ev.stopPropagation());
  wrap.appendChild(dlg);
  function open(heading, nodes, from) {
    title.textContent = heading;
    close.textContent = "\u2715 " + S("close");
    content.replaceChildren(...nodes);
    opener = from || null;
    if (!dlg.open) dlg.showModal();
    close.focus();
  }
  return {
    open,
    // The statement `st` large (its picture fits the screen).
    statement: (st, from) => open(S("zoom_title"), statementFace(st, "q-dlg-text", "p"), from),
    isOpen: () => dlg.open,
  };
}
