// Shared by the presort and grid components; qmethod.ui.components.module_js puts this text in
// front of each component's own module (components v2 load one inline module each, no imports).

// One instance per mount point: create it on the first render, then hand it each new render's
// data and the latest state/trigger setters. Returns the cleanup Streamlit calls on unmount.
//
// While Streamlit redraws it can mount a new copy of a component beside the old one, and only the
// copy that receives data reaches Python. So the copy rendered last owns the component (`owners`,
// one per component module; one such component per page): when ownership passes, the new owner
// inherits the old copy's unsaved change, its selection and the keyboard focus, and the old copy is
// retired (inert, no more sending), so nothing done on either copy is lost or sent twice.
function mountInstance(instances, createInstance, component, owners) {
  const { data, parentElement, setStateValue, setTriggerValue } = component;
  let inst = instances.get(parentElement);
  if (!inst) {
    inst = createInstance(parentElement);
    instances.set(parentElement, inst);
  }
  inst.setStateValue = setStateValue;
  inst.setTriggerValue = setTriggerValue;
  const previous = owners.current;
  owners.current = inst;
  inst.revive();
  inst.update(data || {});
  if (previous && previous !== inst) {
    const handed = previous.handover();
    previous.retire();
    inst.inherit(handed);
  }
  return inst.cleanup;
}

// What mountInstance needs of an instance: its own `update`, `handover`, `inherit` and `cleanup`,
// plus retiring and reviving (`wrap()` gives its element, which may be made after this call).
function instanceApi(s, wrap, own) {
  return {
    setStateValue: null,
    setTriggerValue: null,
    ...own,
    retire: () => setRetired(s, wrap(), true),
    revive: () => setRetired(s, wrap(), false),
    retired: () => s.retired,
  };
}

// Retiring and reviving a copy (see mountInstance): the element stays until Streamlit removes
// it, but cannot be focused or used meanwhile.
function setRetired(s, wrap, retired) {
  s.retired = retired;
  wrap.inert = retired;
  wrap.classList.toggle("is-retired", retired);
  if (retired) {
    clearTimeout(s.retry);
    s.acked = s.seq; // its unsaved change, if any, went to the new owner
  }
}

// Whether a copy belongs to this visit of the page: still on it, or in use moments ago (Streamlit
// removes the old copy of a redrawn component within a rerun). A copy from an earlier visit (the
// participant went on and came back) hands nothing over.
function isCurrent(s, wrap) {
  return wrap.isConnected || Date.now() - (s.lastSeen || 0) < 10000;
}

// A new owner takes the old copy's layout (`h.layout`: seq, acked, base and the layout itself) when
// the old copy has an unsaved change, or had seen newer stored data than this copy was drawn from
// (a redraw can start a copy from an earlier run's data); `take(old)` copies the layout itself.
// Returns whether there is an unsaved change to send.
function takeLayout(s, h, take) {
  const old = h.layout;
  const pending = old.acked < old.seq;
  if (pending || old.acked > s.acked) {
    take(old);
    s.lastJson = "";
    s.base = old.base;
    s.acked = Math.max(s.acked, old.acked);
    s.seq = Math.max(s.seq, old.seq, s.acked); // our next send supersedes everything the old copy sent
  }
  return pending;
}

// Focus the element with this data-key in `wrap`, if there is one.
function focusByKey(wrap, key) {
  const el = key ? wrap.querySelector('[data-key="' + CSS.escape(key) + '"]') : null;
  if (el) el.focus({ preventScroll: true });
}

// The data-key of the focused element if it is inside `wrap` (to focus the same one elsewhere).
function focusedKey(wrap, activeEl) {
  const a = activeEl();
  return a && wrap.contains(a) && a.dataset ? a.dataset.key || null : null;
}

// Coming back to this tab (e.g. after working on another device) fetches the stored state first:
// the trigger "refresh" reruns the page, which draws from the database. Sets inst.cleanup to
// remove the listener and then run teardown, once the component has left the page (`root` no
// longer connected). Streamlit also calls the cleanup of a render that a newer render overtook
// while the module was still being loaded; the component is still on the page then and gets the
// newer data next, so the instance must live on (else a second copy would be drawn beside it).
function refreshWhenVisible(inst, root, teardown) {
  function onVisible() {
    if (document.visibilityState === "visible" && root.isConnected && inst.setTriggerValue && !inst.retired()) {
      inst.setTriggerValue("refresh", Date.now());
    }
  }
  document.addEventListener("visibilitychange", onVisible);
  inst.cleanup = () => {
    if (root.isConnected) return; // an overtaken render, not an unmount
    document.removeEventListener("visibilitychange", onVisible);
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

// "{name}" placeholders filled from values (unknown ones become empty).
function fmt(template, values) {
  return String(template || "").replace(/\{(\w+)\}/g, (_, k) => (k in values ? String(values[k]) : ""));
}

