// Reading and seeing aids (larger text, high contrast, read aloud), remembered in localStorage.
// Page-wide effects are classes on <html>; the rules live in one <style> in <head>. The grid and
// presort draw in shadow roots: their colours read the custom properties --qa-* (which inherit
// into shadow roots) with their own colours as fallbacks, and their text is sized in rem.
const KEY = "qmethod.access";
const STYLE_ID = "qmethod-access-style";
const PAGE_CSS = `
html.qa-large { font-size: 130% !important; }
html.qa-large [data-testid="stMarkdownContainer"] p, html.qa-large [data-testid="stMarkdownContainer"] li,
html.qa-large label, html.qa-large button, html.qa-large input, html.qa-large textarea { font-size: 1.3rem !important; }
html.qa-contrast, html.qa-contrast body, html.qa-contrast [data-testid="stApp"], html.qa-contrast [data-testid="stMain"] {
  background: #fff !important; color: #000 !important; }
html.qa-contrast * { color: #000 !important; border-color: #000 !important; }
html.qa-contrast a { text-decoration: underline !important; }
html.qa-contrast button[kind="primary"], html.qa-contrast button[aria-pressed="true"] { background: #000 !important; }
html.qa-contrast button[kind="primary"] *, html.qa-contrast button[aria-pressed="true"], html.qa-contrast button[aria-pressed="true"] * { color: #fff !important; }
html.qa-contrast { --qa-accent: #000; --qa-ink: #000; --qa-muted: #000; --qa-line: #000; --qa-bg: #fff; --qa-card: #fff;
  --qa-disagree: #fff; --qa-neutral: #fff; --qa-agree: #fff; }
`;

function load() {
  try { return JSON.parse(localStorage.getItem(KEY) || "{}") || {}; } catch (e) { return {}; }
}
function save(prefs) {
  try { localStorage.setItem(KEY, JSON.stringify(prefs)); } catch (e) { /* private mode: this page only */ }
}

function applyPage(prefs) {
  if (!document.getElementById(STYLE_ID)) {
    const st = document.createElement("style");
    st.id = STYLE_ID;
    st.textContent = PAGE_CSS;
    document.head.appendChild(st);
  }
  const root = document.documentElement;
  root.classList.toggle("qa-large", !!prefs.large);
  root.classList.toggle("qa-contrast", !!prefs.contrast);
  root.classList.toggle("qa-speak", !!prefs.speak);
}

const speech = { lang: "nb", bound: false, last: "", lastAt: 0 };

function voiceFor(lang) {
  const synth = window.speechSynthesis;
  if (!synth || !synth.getVoices) return null;
  const want = lang === "nb" ? ["nb", "no", "nn"] : [lang];
  return synth.getVoices().find((v) => want.some((w) => (v.lang || "").toLowerCase().startsWith(w))) || null;
}

export function speak(text) {
  const synth = window.speechSynthesis;
  const clean = (text || "").replace(/\s+/g, " ").trim();
  if (!synth || !clean) return false;
  const u = new SpeechSynthesisUtterance(clean);
  u.lang = speech.lang === "nb" ? "nb-NO" : speech.lang === "en" ? "en-GB" : speech.lang;
  const v = voiceFor(speech.lang);
  if (v) u.voice = v;
  stopPlaying();
  synth.cancel();
  synth.speak(u);
  return true;
}

// What an element says when read aloud: its visible text with every picture's alt text in its place
// (a picture statement has no text of its own), leaving out what is hidden from everyone.
function spokenText(el) {
  const parts = [];
  const walk = (n) => {
    if (n.nodeType === Node.TEXT_NODE) { parts.push(n.nodeValue); return; }
    if (!(n instanceof Element) || n.hidden || n.getAttribute("aria-hidden") === "true") return;
    if (n.matches("select, option, script, style")) return;
    if (n.matches("img")) { parts.push(" " + (n.getAttribute("alt") || "") + " "); return; }
    const css = getComputedStyle(n);
    if (css.display === "none" || css.visibility === "hidden") return;
    for (const c of n.childNodes) walk(c);
  };
  walk(el);
  const text = parts.join(" ").replace(/\s+/g, " ").trim();
  return text || (el.getAttribute("aria-label") || "").trim();
}

// The label of a form control (a list view's place chooser: the statement, picture or text).
function labelOf(el) {
  const own = el.getAttribute("aria-label");
  if (own) return own;
  const root = el.getRootNode();
  const ids = (el.getAttribute("aria-labelledby") || "").split(/\s+/).filter(Boolean);
  const byId = ids.map((id) => root.getElementById && root.getElementById(id)).filter(Boolean);
  const labels = byId.length ? byId : [...(el.labels || [])];
  return labels.map(spokenText).join(" ");
}

// The recording of the statement shown in (or by) an element, if the study gives it one.
function recordingIn(el) {
  const found = el.matches("[data-audio]") ? el : el.querySelector("[data-audio]");
  return found ? found.getAttribute("data-audio") : null;
}

// What a focus or tap is about (a statement card, a presort card, a button, a heading or text):
// {text, audio}, audio being the statement's recording if it has one.
function readable(path) {
  for (const el of path) {
    if (!(el instanceof Element)) continue;
    if (el.closest && el.closest(".qa")) return null; // the toolbar itself
    if (el.matches("select")) {
      const opt = el.options && el.options[el.selectedIndex];
      const labels = [...(el.labels || [])];
      const audio = labels.map(recordingIn).find(Boolean) || null;
      const label = labelOf(el).trim();
      return { text: label + (/[.!?]$/.test(label) ? " " : ". ") + (opt ? opt.text : ""), audio };
    }
    if (el.matches("[data-id], .ps-card, .ps-btn, button, [role='button'], h1, h2, h3, h4, p, li, label, option")) {
      return { text: spokenText(el), audio: recordingIn(el) };
    }
  }
  return null;
}

// A statement's recording, played instead of the device's voice (the device's voice if it cannot play).
const player = { audio: null };
function stopPlaying() {
  if (player.audio) player.audio.pause();
  player.audio = null;
}
function play(url, text) {
  if (window.speechSynthesis) window.speechSynthesis.cancel();
  stopPlaying();
  const a = new Audio(url);
  player.audio = a;
  const started = a.play();
  if (started && started.catch) started.catch(() => { if (player.audio === a) speak(text); });
}

// A focus moving between two elements of one shadow root (the grid's list view: chooser to chooser)
// never reaches the document, so each shadow root a focus or tap comes from is listened to as well.
const boundRoots = new WeakSet();
function bindRoots(path) {
  for (const node of path) {
    if (node instanceof ShadowRoot && !boundRoots.has(node)) {
      boundRoots.add(node);
      node.addEventListener("focusin", onAct, true);
    }
  }
}

function onAct(event) {
  if (event.__qaSeen) return; // the same event seen again, by the document and a shadow root
  event.__qaSeen = true;
  const path = event.composedPath ? event.composedPath() : [event.target];
  bindRoots(path);
  if (!document.documentElement.classList.contains("qa-speak")) return;
  const found = readable(path);
  if (!found || !(found.text || found.audio)) return;
  const key = found.audio || found.text;
  const now = Date.now();
  if (key === speech.last && now - speech.lastAt < 800) return; // focus and click of one tap: once
  speech.last = key;
  speech.lastAt = now;
  if (found.audio) play(found.audio, found.text);
  else speak(found.text);
}

function pageText() {
  const main = document.querySelector('[data-testid="stMain"]') || document.body;
  const parts = [];
  for (const el of main.querySelectorAll("h1, h2, h3, [data-testid='stMarkdownContainer'] p, [data-testid='stMarkdownContainer'] li, [data-testid='stCaptionContainer']")) {
    if (el.closest(".qa")) continue;
    const t = (el.innerText || "").trim();
    if (t && !parts.includes(t)) parts.push(t);
  }
  return parts.join(". ");
}

export default function accessTools(component) {
  const { data, parentElement } = component;
  const S = (k) => (data && data.strings && data.strings[k]) || k;
  speech.lang = (data && data.lang) || "nb";
  const prefs = load();
  if (data && data.preset && data.preset_id && prefs.preset_id !== data.preset_id) {
    // switched on once (a facilitated sort), so that the participant can still switch it off
    Object.assign(prefs, data.preset, { preset_id: data.preset_id });
    save(prefs);
  }
  applyPage(prefs);
  if (!speech.bound) {
    document.addEventListener("focusin", onAct, true);
    document.addEventListener("click", onAct, true);
    speech.bound = true;
  }
  // Only the previous bar goes: the mount point also holds the component's own stylesheet (wiping
  // it left the switches unstyled, so an aid that was on looked like one that was off).
  for (const old of parentElement.querySelectorAll(":scope > .qa")) old.remove();
  const bar = document.createElement("div");
  bar.className = "qa";
  bar.setAttribute("role", "group");
  bar.setAttribute("aria-label", S("access_label"));
  bar.setAttribute("data-testid", "access-tools");
  const label = document.createElement("p");
  label.className = "qa-label";
  label.textContent = S("access_label");
  bar.appendChild(label);
  const note = document.createElement("p");
  note.className = "qa-note";
  note.hidden = true;
  note.setAttribute("role", "status");
  // "On" is shown by more than colour: a check mark before the name and a thicker, dark border
  // (aria-pressed tells a screen reader; the mark is hidden from it, the name stays the name).
  const toggle = (name, text) => {
    const b = document.createElement("button");
    b.type = "button";
    const mark = document.createElement("span");
    mark.className = "qa-mark";
    mark.setAttribute("aria-hidden", "true");
    b.append(mark, document.createTextNode(text));
    const show = () => {
      b.setAttribute("aria-pressed", String(!!prefs[name]));
      mark.textContent = prefs[name] ? "\u2713" : "";
    };
    show();
    b.setAttribute("data-testid", "access-" + name);
    b.addEventListener("click", () => {
      prefs[name] = !prefs[name];
      save(prefs);
      applyPage(prefs);
      show();
      if (name === "speak") {
        readBtn.hidden = !prefs.speak;
        note.hidden = !prefs.speak || !!window.speechSynthesis;
      }
    });
    bar.appendChild(b);
    return b;
  };
  toggle("large", S("access_large"));
  toggle("contrast", S("access_contrast"));
  toggle("speak", S("access_speak"));
  const readBtn = document.createElement("button");
  readBtn.type = "button";
  readBtn.textContent = S("access_read_page");
  readBtn.setAttribute("data-testid", "access-read-page");
  readBtn.hidden = !prefs.speak;
  readBtn.addEventListener("click", (e) => {
    e.stopPropagation();
    if (!speak(pageText())) note.hidden = false;
  });
  bar.appendChild(readBtn);
  note.textContent = S("access_no_voice");
  note.hidden = !prefs.speak || !!window.speechSynthesis;
  bar.appendChild(note);
  parentElement.appendChild(bar);
}
