// Keeps the researcher's login across page reloads: asks the server (POST /auth/session) to keep the
// session token in an HttpOnly, SameSite=Strict cookie, or to delete it (DELETE). Page scripts never
// read the token from document.cookie. The session itself lives on the server and ends after 30
// minutes without activity or at logout, whatever the cookie says. Renders nothing.
// The participant's token goes the same way (POST /auth/participant), so that it need not stay in
// the page address.
const lastSent = {};

function sessionUrl(path) {
  // the app may be served under a path prefix: /auth/... sits beside the page's own path root
  const base = document.querySelector("base")?.getAttribute("href") || "/";
  return new URL(path, new URL(base, window.location.href)).toString();
}

export default function sessionCookie(component) {
  const data = component.data || {};
  const path = data.path === "auth/participant" ? "auth/participant" : "auth/session";
  const token = data.token;
  if (typeof token === "string" && /^[A-Za-z0-9_-]{20,200}$/.test(token)) {
    if (lastSent[path] === token) return;
    lastSent[path] = token;
    fetch(sessionUrl(path), {
      method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token }),
    }).catch(() => { lastSent[path] = null; });
  } else if (data.clear) {
    if (lastSent[path] === "") return;
    lastSent[path] = "";
    fetch(sessionUrl(path), { method: "DELETE", credentials: "same-origin" }).catch(() => { lastSent[path] = null; });
  }
}
