// Warns before the page is left (reload, closing the tab, typing another address) while a field the
// page named holds typing that differs from what is saved of it (any of the texts it gives). The fields are found by their
// label (aria-label of Streamlit's text inputs and text areas); the page sends, for each, the text
// saved. Renders nothing.
const guarded = { fields: [] };
let installed = false;

function unsaved() {
  const root = document.querySelector('[data-testid="stMain"]') || document;
  for (const f of guarded.fields) {
    for (const el of root.querySelectorAll("textarea, input[type='text'], input:not([type])")) {
      if (el.getAttribute("aria-label") !== f.label) continue;
      const saved = (Array.isArray(f.saved) ? f.saved : [f.saved]).map((t) => (t || "").trim());
      if (!saved.includes((el.value || "").trim())) return true;
    }
  }
  return false;
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
  }
}
