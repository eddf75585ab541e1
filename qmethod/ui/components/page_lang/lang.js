// The page's language and Streamlit's own texts. Renders nothing.
//
// * Sets <html lang> so screen readers read Norwegian texts with a Norwegian voice (WCAG 3.1.1).
// * Streamlit writes some texts of its own in English ("Skip to main content", "Link to heading",
//   "Press Enter to submit form", the "Connection error" dialog when the server cannot be reached).
//   They are swapped for the study's language as soon as they appear: only inside Streamlit's own
//   elements (never in study texts), in text and in aria-label/title. A MutationObserver does it
//   before the browser paints, and it keeps working while the connection is lost.
// * Remembers the participant in this browser (one cookie per study, SameSite=Strict), so that
//   re-opening the study link offers to continue the same sort.
const SHELL = (window.__qmethodShell = window.__qmethodShell || { exact: {}, prefix: {}, observer: null });

const SCOPES = [
  '[data-testid="stSkipToContent"]', '[data-testid="stHeaderActionElements"]', '[data-testid="InputInstructions"]',
  '[role="dialog"]', '[data-testid="stHeader"]', '[data-testid="stToolbar"]', '[data-testid="stStatusWidget"]',
  '[data-testid="stMainMenu"]', '[data-baseweb="modal"]', '[data-baseweb="tooltip"]',
].join(",");
const ATTRS = ["aria-label", "title"];

function translated(text) {
  if (typeof text !== "string") return null;
  const key = text.trim();
  if (!key) return null;
  if (Object.prototype.hasOwnProperty.call(SHELL.exact, key)) return SHELL.exact[key];
  for (const [start, value] of Object.entries(SHELL.prefix)) {
    if (key.startsWith(start)) return value;
  }
  return null;
}

function translateElement(el) {
  for (const name of ATTRS) {
    const value = el.getAttribute && el.getAttribute(name);
    const t = translated(value);
    if (t !== null && t !== value) el.setAttribute(name, t);
  }
}

function translateAll() {
  for (const root of document.querySelectorAll(SCOPES)) {
    translateElement(root);
    for (const el of root.querySelectorAll("[aria-label], [title]")) translateElement(el);
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const t = translated(node.nodeValue);
      if (t !== null && node.nodeValue.trim() !== t) node.nodeValue = t;
    }
  }
}

function remember(spec) {
  if (!spec || typeof spec.name !== "string" || !/^[A-Za-z0-9_-]+$/.test(spec.name)) return;
  const secure = window.location.protocol === "https:" ? "; Secure" : "";
  if (typeof spec.value === "string" && /^[A-Za-z0-9_.-]{20,300}$/.test(spec.value)) {
    document.cookie = `${spec.name}=${spec.value}; Path=/; Max-Age=${Number(spec.maxAge) || 5184000}; SameSite=Strict${secure}`;
  } else if (spec.clear) {
    document.cookie = `${spec.name}=; Path=/; Max-Age=0; SameSite=Strict${secure}`;
  }
}

export default function pageLang(component) {
  const data = component.data || {};
  const lang = data.lang;
  if (typeof lang === "string" && /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/.test(lang)) {
    document.documentElement.setAttribute("lang", lang);
  }
  const texts = data.texts || {};
  SHELL.exact = texts.exact || {};
  SHELL.prefix = texts.prefix || {};
  if (!SHELL.observer) {
    SHELL.observer = new MutationObserver(translateAll);
    SHELL.observer.observe(document.body, {
      subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ATTRS,
    });
  }
  translateAll();
  remember(data.remember);
}
