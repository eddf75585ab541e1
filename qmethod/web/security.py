"""Security middleware and the researcher's session cookie: applied to every request, pages and routes.

* **Who is asking.** The client address is the connection's peer, unless that peer is a trusted
  proxy (``QMETHOD_TRUSTED_PROXIES``, comma-separated addresses or networks; default
  ``127.0.0.1,::1``): then ``X-Forwarded-For`` is read from the right, skipping trusted proxies. The
  result is handed to the pages in the request header :data:`CLIENT_HEADER` (any such header from
  outside is dropped), so a client that reaches the app port directly cannot choose its address.
* **Which browser.** A random id in the ``HttpOnly`` cookie :data:`BROWSER_COOKIE` (one year), set on
  the first response; rate limits count it beside the address, so a reload or a new tab does not
  start afresh.
* **Headers** on every response: ``Content-Security-Policy: frame-ancestors 'self'`` (no framing by
  other sites) with ``img-src``, ``media-src`` and ``font-src`` limited to this server, ``Referrer-Policy: no-referrer``, ``X-Content-Type-Options: nosniff``.
* ``/_stcore/metrics`` answers 404 unless ``QMETHOD_DEV=1``.
* ``POST /auth/session`` (JSON ``{"token": ...}``, same origin only) stores the researcher's session
  token in the ``HttpOnly``, ``SameSite=Strict`` cookie :data:`RESEARCHER_COOKIE` (``Secure`` on
  https); ``DELETE /auth/session`` deletes it. ``/auth/participant`` does the same for the
  participant token (:data:`PARTICIPANT_COOKIE`, ``SameSite=Lax``, 90 days), which therefore need
  not stay in the page address. Page scripts never see either token in ``document.cookie``.
"""
from __future__ import annotations

import ipaddress
import re
import os
import secrets
from collections.abc import Iterable
from http.cookies import SimpleCookie
from typing import Any

from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

__all__ = ["SecurityMiddleware", "client_address", "same_origin", "trusted_proxies", "dev_mode", "routes", "middleware",
           "CLIENT_HEADER", "BROWSER_COOKIE", "RESEARCHER_COOKIE", "PARTICIPANT_COOKIE", "SECURITY_HEADERS",
           "ENV_TRUSTED_PROXIES", "ENV_DEV"]

ENV_TRUSTED_PROXIES = "QMETHOD_TRUSTED_PROXIES"
ENV_DEV = "QMETHOD_DEV"
DEFAULT_TRUSTED_PROXIES = "127.0.0.1,::1"
CLIENT_HEADER = "x-qmethod-client"
BROWSER_COOKIE = "qmethod_browser"
RESEARCHER_COOKIE = "qmethod_researcher"
RESEARCHER_COOKIE_MAX_AGE_S = 12 * 3600
PARTICIPANT_COOKIE = "qmethod_participant"
PARTICIPANT_COOKIE_MAX_AGE_S = 90 * 24 * 3600
#: route path -> (cookie, lifetime, SameSite)
_SESSION_COOKIES = {
    "/auth/session": (RESEARCHER_COOKIE, RESEARCHER_COOKIE_MAX_AGE_S, "Strict"),
    "/auth/participant": (PARTICIPANT_COOKIE, PARTICIPANT_COOKIE_MAX_AGE_S, "Lax"),
}
BROWSER_COOKIE_MAX_AGE_S = 365 * 24 * 3600
SECURITY_HEADERS: dict[str, str] = {
    # pictures, sounds and fonts only from this server (or made in the page): a study text, comment or
    # file name that slips a picture address through still loads nothing from another host
    "content-security-policy": "frame-ancestors 'self'; img-src 'self' data: blob:; media-src 'self' data: blob:; "
                               "font-src 'self' data:",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
}
_BLOCKED_UNLESS_DEV = ("/_stcore/metrics",)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def dev_mode(env: dict[str, str] | None = None) -> bool:
    """Whether developer-only pages and endpoints are on (``QMETHOD_DEV=1``)."""
    return (os.environ if env is None else env).get(ENV_DEV, "").strip() not in ("", "0", "false", "no")


def trusted_proxies(value: str | None = None) -> tuple[Network, ...]:
    """The networks whose ``X-Forwarded-For`` is believed (``QMETHOD_TRUSTED_PROXIES``, default the
    loopback addresses). An invalid entry raises ``ValueError`` naming it."""
    text = os.environ.get(ENV_TRUSTED_PROXIES, DEFAULT_TRUSTED_PROXIES) if value is None else value
    nets = []
    for part in text.split(","):
        part = part.strip()
        if part:
            try:
                nets.append(ipaddress.ip_network(part, strict=False))
            except ValueError:
                raise ValueError(f"{ENV_TRUSTED_PROXIES}: {part!r} is not an IP address or network") from None
    return tuple(nets)


def _trusted(address: str | None, proxies: Iterable[Network]) -> bool:
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip.version == net.version and ip in net for net in proxies)


def client_address(peer: str | None, forwarded_for: Iterable[str], proxies: Iterable[Network]) -> str | None:
    """The client's address: ``peer``, or, while the hop so far is a trusted proxy, the next entry of
    ``X-Forwarded-For`` from the right (each value may list several, comma-separated; an entry's port
    is dropped, so one address is one address whatever port it names)."""
    proxies = tuple(proxies)
    hops = [_host_port(h)[0] for value in forwarded_for for h in value.split(",") if h.strip()]
    address = peer
    while hops and _trusted(address, proxies):
        address = hops.pop()
    return address


def _host_port(entry: str) -> tuple[str, int]:
    """``host`` or ``host:port`` or ``[v6]:port`` of one X-Forwarded-For entry (as uvicorn reads it)."""
    entry = entry.strip()
    if entry.startswith("[") and "]" in entry:
        host, _, rest = entry[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else 0
    if entry.count(":") == 1:
        host, _, port = entry.partition(":")
        return (host, int(port)) if port.isdigit() else (entry, 0)
    return entry, 0


def _original_peer(client: Any, forwarded: list[str]) -> str | None:
    """The connection's peer address before the HTTP server's own proxy-header handling.

    uvicorn (under ``streamlit run``) believes ``X-Forwarded-For`` from the hosts in its
    ``FORWARDED_ALLOW_IPS`` (default loopback) and puts an entry of it in place of the peer before
    any middleware runs. If the peer is such an entry, the real peer was one of those hosts: the
    first of them stands for it, and the header is judged against ``QMETHOD_TRUSTED_PROXIES``. (A
    client that names its own address and port in the header gains nothing: the entries are read
    without their ports, so it is counted by its own address.)"""
    host, port = (client or (None, 0))[:2]
    if host is None or not forwarded:
        return host
    entries = {_host_port(e) for value in forwarded for e in value.split(",") if e.strip()}
    if (host, port) not in entries:
        return host
    uvicorn_trusted = os.environ.get("FORWARDED_ALLOW_IPS", DEFAULT_TRUSTED_PROXIES).split(",")[0].strip()
    return uvicorn_trusted if uvicorn_trusted != "*" else "unknown proxy"


def _cookies(headers: list[tuple[bytes, bytes]]) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for name, value in headers:
        if name == b"cookie":
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header: treat as none
                continue
    return {k: m.value for k, m in jar.items()}


class SecurityMiddleware:
    """Pure ASGI middleware (works for HTTP and the websocket alike); see the module docstring."""

    def __init__(self, app: Any, proxies: str | None = None) -> None:
        self.app = app
        self.proxies = trusted_proxies(proxies)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = list(scope.get("headers") or [])
        forwarded = [v.decode("latin-1") for k, v in headers if k == b"x-forwarded-for"]
        peer = _original_peer(scope.get("client"), forwarded)
        address = client_address(peer, forwarded, self.proxies) or ""
        headers = [(k, v) for k, v in headers if k != CLIENT_HEADER.encode()]
        headers.append((CLIENT_HEADER.encode(), address.encode("latin-1", "replace")))
        scope = dict(scope, headers=headers)
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        path = scope.get("path") or ""
        new_browser = BROWSER_COOKIE not in _cookies(headers)
        secure = _https(scope, headers, self.proxies)

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                out = list(message.get("headers") or [])
                present = {k.lower() for k, _ in out}
                out += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items() if k.encode() not in present]
                if new_browser:
                    out.append((b"set-cookie", _cookie(BROWSER_COOKIE, secrets.token_urlsafe(18),
                                                       BROWSER_COOKIE_MAX_AGE_S, "Lax", secure).encode()))
                message = dict(message, headers=out)
            await send(message)

        if path.endswith(_BLOCKED_UNLESS_DEV) and not dev_mode():  # answered here, with the headers
            await Response("Not found", status_code=404, media_type="text/plain")(scope, receive, send_with_headers)
            return

        await self.app(scope, receive, send_with_headers)


def _https(scope: dict, headers: list[tuple[bytes, bytes]], proxies: tuple[Network, ...]) -> bool:
    if scope.get("scheme") in ("https", "wss"):
        return True
    peer = (scope.get("client") or (None, None))[0]
    proto = [v.decode("latin-1").split(",")[0].strip().lower() for k, v in headers if k == b"x-forwarded-proto"]
    return bool(proto) and proto[0] == "https" and _trusted(peer, proxies)


def _cookie(name: str, value: str, max_age: int, same_site: str, secure: bool) -> str:
    return (f"{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite={same_site}"
            + ("; Secure" if secure else ""))


def same_origin(request: Request) -> bool:
    """False for a request that a browser marks as sent by a page of another site.

    ``Sec-Fetch-Site`` when the browser sends it (``same-origin``, or ``none`` for what the user typed),
    and ``Origin`` against ``Host`` (and ``X-Forwarded-Host`` when the request came through a
    trusted proxy, ``QMETHOD_TRUSTED_PROXIES``). A request with neither header was not sent by a page
    of another origin (browsers send ``Origin`` with every POST and DELETE)."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True
    from urllib.parse import urlsplit

    hosts = {request.headers.get("host", "")}
    forwarded = request.headers.getlist("x-forwarded-for")
    if _trusted(_original_peer(request.scope.get("client"), forwarded), trusted_proxies()):
        hosts.add(request.headers.get("x-forwarded-host", "").split(",")[-1].strip())
    return urlsplit(origin).netloc in hosts - {""}


async def _session(request: Request) -> Response:
    name, max_age, same_site = _SESSION_COOKIES[request.url.path[request.url.path.rindex("/auth/"):]]
    if not same_origin(request):
        return JSONResponse({"error": "cross-site request refused"}, status_code=403)
    secure = _https(request.scope, list(request.scope.get("headers") or []), trusted_proxies())
    response = JSONResponse({"ok": True})
    if request.method == "DELETE":
        response.headers.append("set-cookie", _cookie(name, "", 0, same_site, secure))
        return response
    try:
        body = await request.json()
        token = body.get("token") if isinstance(body, dict) else None
    except (ValueError, RecursionError):
        token = None
    if not isinstance(token, str) or not (20 <= len(token) <= 200) or not token.replace("-", "").replace("_", "").isalnum():
        return JSONResponse({"error": "no session token"}, status_code=400)
    response.headers.append("set-cookie", _cookie(name, token, max_age, same_site, secure))
    return response


_REMEMBER_NAME = re.compile(r"^qmethod_p_[A-Za-z0-9_-]{1,80}$")
_REMEMBER_VALUE = re.compile(r"^[A-Za-z0-9_-]{20,200}\.[A-Z0-9]{5}-[A-Z0-9]{5}(\.[0-9a-f]{16})?$")
REMEMBER_MAX_AGE_S = 60 * 24 * 3600


async def _remember(request: Request) -> Response:
    """Set (POST ``{"name", "value"}``) or delete (DELETE ``{"name"}``) the HttpOnly cookie in which a
    browser remembers its participant of a study (``qmethod_p_<study>``: token, resume code, invitation
    tag), so that no page script can read the token or the code."""
    if not same_origin(request):
        return JSONResponse({"error": "cross-site request refused"}, status_code=403)
    try:
        body = await request.json()
    except (ValueError, RecursionError):
        body = None
    name = body.get("name") if isinstance(body, dict) else None
    value = body.get("value") if isinstance(body, dict) else None
    if not isinstance(name, str) or not _REMEMBER_NAME.match(name):
        return JSONResponse({"error": "no such cookie"}, status_code=400)
    secure = _https(request.scope, list(request.scope.get("headers") or []), trusted_proxies())
    response = JSONResponse({"ok": True})
    if request.method == "DELETE":
        response.headers.append("set-cookie", _cookie(name, "", 0, "Strict", secure))
    elif isinstance(value, str) and _REMEMBER_VALUE.match(value):
        response.headers.append("set-cookie", _cookie(name, value, REMEMBER_MAX_AGE_S, "Strict", secure))
    else:
        return JSONResponse({"error": "nothing to remember"}, status_code=400)
    return response


def routes() -> list[BaseRoute]:
    """``/auth/session`` (researcher) and ``/auth/participant``: set (POST) or delete (DELETE) the
    HttpOnly cookie holding the session or participant token."""
    return [*(Route(path, _session, methods=["POST", "DELETE"]) for path in _SESSION_COOKIES),
            Route("/auth/remember", _remember, methods=["POST", "DELETE"])]


def middleware() -> list[Middleware]:
    return [Middleware(SecurityMiddleware)]
