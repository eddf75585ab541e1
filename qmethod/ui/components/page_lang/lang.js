// The page's language and Streamlit's own texts. Renders nothing.
//
// * Sets <html lang> so screen readers read Norwegian texts with a Norwegian voice (WCAG 3.1.1).
// * Streamlit writes some texts of its own in English ("Skip to main content", "Link to heading",
//   "Press Enter to submit form", the "Connection error" dialog when the server cannot be reached).
//   They are swapped for the study's language as soon as they appear: only inside Streamlit's own
//   elements (never in study texts), in text and in aria-label/title. A MutationObserver does it
//   before the browser paints, and it keeps working while the connection is lost.
// * The lost-connection dialog is a banner on participant pages: without Streamlit's developer
//   hint ("streamlit run yourscript.py"), and not blocking the page (Streamlit makes the rest of
//   the page inert), so that the grid keeps taking moves, which it saves once the server is back.
// * Remembers the participant in this browser (one cookie per study, SameSite=Strict), so that
//   re-opening the study link offers to continue the same sort.
const SHELL = (window.__qmethodShell = window.__qmethodShell || { exact: {}, prefix: {}, observer: null });

const SCOPES = [
  '[data-testid="stSkipToContent"]', '[data-testid="stHeaderActionElements"]', '[data-testid="InputInstructions"]',
  '[role="dialog"]', '[data-testid="stHeader"]', '[data-testid="stToolbar"]', '[data-testid="stStatusWidget"]',
  '[data-testid="stMainMenu"]', '[data-baseweb="modal"]', '[data-baseweb="tooltip"]',
].join(",");
const ATTRS = ["aria-label", "title"];
const LOST = "data-qm-lost";
const LOST_STYLE = `
[data-testid="stDialog"][${LOST}] { pointer-events: none !important; background: transparent !important;
  align-items: flex-start !important; }
[data-testid="stDialog"][${LOST}] section[role="dialog"] { pointer-events: auto; box-shadow: 0 2px 12px rgba(0,0,0,.25); }
[data-testid="stDialog"][${LOST}] [data-testid="stErrorCodeBlock"] { display: none !important; }
`;

// Streamlit's lost-connection dialog (its title is "Connection error", or the study language's text)
// becomes a banner: no code box, and the page behind it stays usable.
function connectionBanner() {
  const titles = ["Connection error", SHELL.exact["Connection error"]].filter(Boolean);
  let lost = false;
  for (const dialog of document.querySelectorAll('[data-testid="stDialog"]')) {
    const title = dialog.querySelector('[role="dialog"] h2, [role="dialog"] [slot="title"]');
    const isLost = !!title && titles.includes(title.textContent.trim());
    if (isLost && !dialog.hasAttribute(LOST)) dialog.setAttribute(LOST, "");
    lost = lost || isLost;
  }
  if (!lost) return;
  if (!document.getElementById("qm-lost-style")) {
    const style = document.createElement("style");
    style.id = "qm-lost-style";
    style.textContent = LOST_STYLE;
    document.head.appendChild(style);
  }
  const root = document.getElementById("root");
  if (root && root.hasAttribute("inert")) root.removeAttribute("inert");
  if (document.documentElement.style.overflow === "hidden") document.documentElement.style.overflow = "";
}

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
  connectionBanner();
}

const remembered = { sent: null };

function authUrl(path) {
  // the app may be served under a path prefix: /auth/... sits beside the page's own path root
  const base = document.querySelector("base")?.getAttribute("href") || "/";
  return new URL(path, new URL(base, window.location.href)).toString();
}

// The server keeps the browser's memory of its participant in an HttpOnly cookie (POST/DELETE
// /auth/remember): no page script can read the token or the resume code from document.cookie.
function remember(spec) {
  if (!spec || typeof spec.name !== "string" || !/^[A-Za-z0-9_-]+$/.test(spec.name)) return;
  let body = null;
  let method = "POST";
  if (typeof spec.value === "string" && /^[A-Za-z0-9_.-]{20,300}$/.test(spec.value)) {
    body = { name: spec.name, value: spec.value };
  } else if (spec.clear) {
    body = { name: spec.name };
    method = "DELETE";
  } else {
    return;
  }
  const key = method + " " + JSON.stringify(body);
  if (remembered.sent === key) return;
  remembered.sent = key;
  fetch(authUrl("auth/remember"), {
    method, credentials: "same-origin", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  }).catch(() => { remembered.sent = null; });
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
      subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: [...ATTRS, "inert"],
    });
  }
  translateAll();
  remember(data.remember);
}
