// Shared by the presort and grid components; qmethod.ui.components.module_js puts this text in
// front of each component's own module (components v2 load one inline module each, no imports).

// One instance per mount point: create it on the first render, then hand it each new render's
// data and the latest state/trigger setters. Returns the cleanup Streamlit calls on unmount.
function mountInstance(instances, createInstance, component) {
  const { data, parentElement, setStateValue, setTriggerValue } = component;
  let inst = instances.get(parentElement);
  if (!inst) {
    inst = createInstance(parentElement);
    instances.set(parentElement, inst);
  }
  inst.setStateValue = setStateValue;
  inst.setTriggerValue = setTriggerValue;
  inst.update(data || {});
  return inst.cleanup;
}

// Coming back to this tab (e.g. after working on another device) fetches the stored state first:
// the trigger "refresh" reruns the page, which draws from the database. Sets inst.cleanup to
// remove the listener and then run teardown.
function refreshWhenVisible(inst, teardown) {
  function onVisible() {
    if (document.visibilityState === "visible" && inst.setTriggerValue) inst.setTriggerValue("refresh", Date.now());
  }
  document.addEventListener("visibilitychange", onVisible);
  inst.cleanup = () => {
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

