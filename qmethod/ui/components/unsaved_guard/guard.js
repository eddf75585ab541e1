// Keeps what is typed in the fields the page names, and warns before leaving while one holds typing
// that is not saved.
//
// * Every keystroke in such a field is kept in this tab's sessionStorage (under the field's session
//   key, with the version of the text it was typed against); a field whose text is one of its saved
//   texts has no draft.
// * When the page shows a field for the first time since it was loaded (after a reload, for
//   example) and this tab holds a draft of it that is not saved, the draft goes back to the server
//   (state "restore"), which puts it back into the field and says so.
// * With "collect", every draft of the named fields goes back (state "restore") even if its field is
//   not on the page (a page that cannot go on shows them to copy).
// * Leaving the page (reload, closing the tab, another address) while a field holds unsaved typing
//   makes the browser ask first ("Leave site?").
// The fields are found by their label (aria-label of Streamlit's text inputs and text areas).
const guarded = { fields: [] };
const offered = new Set();
let installed = false;
const PREFIX = "qmethod.draft.";

function trimmed(t) { return (t || "").trim(); }
function isSaved(f, text) { return (f.saved || []).map(trimmed).includes(trimmed(text)); }
function root() { return document.querySelector('[data-testid="stMain"]') || document; }

function elementOf(f) {
  for (const el of root().querySelectorAll("textarea, input[type='text'], input:not([type])")) {
    if (el.getAttribute("aria-label") === f.label) return el;
  }
  return null;
}

function unsaved() {
  return guarded.fields.some((f) => { const el = elementOf(f); return el && !isSaved(f, el.value); });
}

function readDraft(key) {
  try { return JSON.parse(window.sessionStorage.getItem(PREFIX + key) || "null"); } catch (e) { return null; }
}

function keep(f, text) {
  try {
    if (isSaved(f, text)) window.sessionStorage.removeItem(PREFIX + f.key);
    else window.sessionStorage.setItem(PREFIX + f.key, JSON.stringify({ text, base: f.base }));
  } catch (e) { /* storage full or blocked: the warning before leaving still holds */ }
}

export default function unsavedGuard(component) {
  const data = component.data || {};
  guarded.fields = Array.isArray(data.fields) ? data.fields : [];
  if (!installed) {
    installed = true;
    window.addEventListener("beforeunload", (event) => {
      if (!unsaved()) return;
      event.preventDefault();
      event.returnValue = "";  // older browsers need a value to ask
    });
    document.addEventListener("input", (event) => {
      const label = event.target && event.target.getAttribute && event.target.getAttribute("aria-label");
      const f = guarded.fields.find((x) => x.key && x.label === label);
      if (f) keep(f, event.target.value);
    }, true);
  }
  const restore = {};
  for (const f of guarded.fields) {
    if (!f.key) continue;
    const draft = readDraft(f.key);
    if (draft && isSaved(f, draft.text)) { keep(f, draft.text); continue; }
    if ((data.collect || !offered.has(f.key)) && draft) restore[f.key] = draft;
    offered.add(f.key);
  }
  if (Object.keys(restore).length && component.setStateValue) component.setStateValue("restore", restore);
}
