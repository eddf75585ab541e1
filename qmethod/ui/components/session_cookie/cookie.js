// Keeps the researcher's login across page reloads: writes (or deletes) one cookie holding the
// session token. The session itself lives on the server and ends after 30 minutes without
// activity or at logout, whatever the cookie says. Renders nothing.
export default function sessionCookie(component) {
  const data = component.data || {};
  const name = data.name;
  if (typeof name !== "string" || !/^[A-Za-z0-9_]+$/.test(name)) return;
  const secure = window.location.protocol === "https:" ? "; Secure" : "";
  const token = data.token;
  if (typeof token === "string" && /^[A-Za-z0-9_-]{20,200}$/.test(token)) {
    document.cookie = `${name}=${token}; Path=/; Max-Age=${Number(data.maxAge) || 43200}; SameSite=Strict${secure}`;
  } else if (data.clear) {
    document.cookie = `${name}=; Path=/; Max-Age=0; SameSite=Strict${secure}`;
  }
}
