"""The security middleware and routes of qmethod.web, around a small Starlette app standing in for
Streamlit's (the same middleware list ``app.py`` hands to ``st.App``)."""
from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient

from qmethod import web
from qmethod.web import security


def _echo(request):
    return JSONResponse({"client": request.headers.get(security.CLIENT_HEADER)})


async def _ws(websocket):
    await websocket.accept()
    await websocket.send_json({"client": websocket.headers.get(security.CLIENT_HEADER),
                               "browser": websocket.cookies.get(security.BROWSER_COOKIE)})
    await websocket.close()


def _client(monkeypatch, *, peer: str = "127.0.0.1", port: int = 50000, trusted: str | None = None, dev: bool = False) -> TestClient:
    if trusted is not None:
        monkeypatch.setenv(security.ENV_TRUSTED_PROXIES, trusted)
    else:
        monkeypatch.delenv(security.ENV_TRUSTED_PROXIES, raising=False)
    if dev:
        monkeypatch.setenv(security.ENV_DEV, "1")
    else:
        monkeypatch.delenv(security.ENV_DEV, raising=False)
    inner = [Route("/", _echo), Route("/_stcore/metrics", lambda r: PlainTextResponse("metrics")),
             WebSocketRoute("/_stcore/stream", _ws)]
    app = Starlette(routes=[*web.routes(), *inner], middleware=web.middleware())
    return TestClient(app, client=(peer, port))


def test_every_response_carries_the_security_headers(monkeypatch):
    """Fails on the old code: no middleware, none of these headers."""
    r = _client(monkeypatch).get("/")
    assert r.headers["content-security-policy"].startswith("frame-ancestors 'self';")
    assert "img-src 'self' data: blob:" in r.headers["content-security-policy"]
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-content-type-options"] == "nosniff"
    # a first visit gets an HttpOnly browser id, a second keeps it
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(security.BROWSER_COOKIE + "=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    again = _client(monkeypatch)
    again.cookies.set(security.BROWSER_COOKIE, "x" * 24)
    assert "set-cookie" not in again.get("/").headers


@pytest.mark.parametrize("peer, trusted, forwarded, expected", [
    # the documented setup: a proxy on the same host adds the participant's address
    ("127.0.0.1", None, "198.51.100.7", "198.51.100.7"),
    # a client's own (spoofed) entry in front of the proxy's is not believed
    ("127.0.0.1", None, "10.1.1.1, 198.51.100.7", "198.51.100.7"),
    # the app port reached directly: X-Forwarded-For is ignored
    ("203.0.113.50", None, "10.1.1.1", "203.0.113.50"),
    # only the configured proxies count
    ("127.0.0.1", "10.0.0.2", "10.1.1.1", "127.0.0.1"),
    ("10.0.0.2", "10.0.0.0/24", "2001:db8::5, 10.0.0.3", "2001:db8::5"),
])
def test_client_address_believes_forwarded_headers_only_from_trusted_proxies(monkeypatch, peer, trusted, forwarded,
                                                                              expected):
    """Fails on the old code: there was no resolved address; pages read X-Forwarded-For from anyone
    (with QMETHOD_BEHIND_PROXY=1) or saw loopback clients as having no address at all."""
    c = _client(monkeypatch, peer=peer, trusted=trusted)
    assert c.get("/", headers={"X-Forwarded-For": forwarded}).json()["client"] == expected
    # a client cannot send the resolved header itself
    assert c.get("/", headers={security.CLIENT_HEADER: "1.2.3.4"}).json()["client"] == peer
    with c.websocket_connect("/_stcore/stream", headers={"X-Forwarded-For": forwarded,
                                                         "Cookie": f"{security.BROWSER_COOKIE}=abc"}) as ws:
        assert ws.receive_json() == {"client": expected, "browser": "abc"}


def test_a_peer_already_replaced_by_the_http_server_is_judged_again(monkeypatch):
    """uvicorn believes X-Forwarded-For from loopback and puts its entry in place of the peer before
    any middleware runs (port 0 for an entry without one); with other trusted proxies configured,
    a spoofed header from the app port must not count. Fails on the old code (any address counted)."""
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    c = _client(monkeypatch, peer="198.51.100.1", port=0, trusted="192.0.2.1")
    assert c.get("/", headers={"X-Forwarded-For": "198.51.100.1"}).json()["client"] == "127.0.0.1"
    c = _client(monkeypatch, peer="198.51.100.1", port=4444, trusted="192.0.2.1")
    assert c.get("/", headers={"X-Forwarded-For": "10.0.0.9, 198.51.100.1:4444"}).json()["client"] == "127.0.0.1"
    # with the default (loopback trusted by both), the whole header is read again: same answer as uvicorn's
    c = _client(monkeypatch, peer="198.51.100.1", port=0)
    assert c.get("/", headers={"X-Forwarded-For": "10.0.0.9, 198.51.100.1"}).json()["client"] == "198.51.100.1"


def test_metrics_are_not_public_outside_development(monkeypatch):
    """Fails on the old code: /_stcore/metrics answered everyone."""
    blocked = _client(monkeypatch).get("/_stcore/metrics")
    assert blocked.status_code == 404
    assert blocked.headers["x-content-type-options"] == "nosniff"  # the refusal carries the headers too
    assert _client(monkeypatch, dev=True).get("/_stcore/metrics").text == "metrics"


def test_researcher_session_cookie_is_set_httponly_by_the_server(monkeypatch):
    """Fails on the old code: the page's script wrote the cookie (readable by any script on the page)."""
    c = _client(monkeypatch)
    token = "A" * 43
    r = c.post("/auth/session", json={"token": token}, headers={"Sec-Fetch-Site": "same-origin"})
    cookie = r.headers["set-cookie"]
    assert r.status_code == 200 and cookie.startswith(f"{security.RESEARCHER_COOKIE}={token};")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Max-Age=43200" in cookie
    # another site cannot plant a session cookie (login CSRF), and junk is refused
    assert c.post("/auth/session", json={"token": token}, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert c.post("/auth/session", json={"token": token}, headers={"Origin": "https://evil.example"}).status_code == 403
    assert c.post("/auth/session", json={"token": "<script>"},
                  headers={"Sec-Fetch-Site": "same-origin"}).status_code == 400
    gone = c.delete("/auth/session", headers={"Sec-Fetch-Site": "same-origin"}).headers["set-cookie"]
    assert gone.startswith(f"{security.RESEARCHER_COOKIE}=;") and "Max-Age=0" in gone


def test_ipv6_clients_are_keyed_by_their_64_network():
    from qmethod.service.limits import address_key

    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:bbbb::2") == "2001:db8:1:2::/64"
    assert address_key("2001:db8:1:3::1") != address_key("2001:db8:1:2::1")
    assert address_key("::ffff:192.0.2.1") == "192.0.2.1" and address_key("192.0.2.1") == "192.0.2.1"


def test_a_client_naming_its_own_address_and_port_is_still_counted_by_its_address(monkeypatch):
    """Fails on the old code: a client reaching the app port directly that sent
    ``X-Forwarded-For: <its address>:<its source port>`` was counted as '198.51.100.7:50001', a new
    address for every connection, so the per-address limits never held for it."""
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    for port in (50001, 50002):
        c = _client(monkeypatch, peer="198.51.100.7", port=port)
        assert c.get("/", headers={"X-Forwarded-For": f"198.51.100.7:{port}"}).json()["client"] == "198.51.100.7"
        assert c.get("/", headers={"X-Forwarded-For": f"10.9.9.9, 198.51.100.7:{port}"}).json()["client"] \
            == "198.51.100.7"


def test_the_browsers_memory_of_its_participant_is_an_httponly_cookie_set_by_the_server(monkeypatch):
    """Fails on the old code: the page's script wrote ``qmethod_p_<study>`` (token and resume code)
    into document.cookie, readable by any script on the page; there was no such route."""
    c = _client(monkeypatch)
    value = "T" * 43 + ".ABCDE-23456"
    r = c.post("/auth/remember", json={"name": "qmethod_p_demo", "value": value},
               headers={"Sec-Fetch-Site": "same-origin"})
    cookie = r.headers["set-cookie"]
    assert r.status_code == 200 and cookie.startswith(f"qmethod_p_demo={value};")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert c.post("/auth/remember", json={"name": "qmethod_p_demo", "value": value},
                  headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    for bad in ({"name": "other", "value": value}, {"name": "qmethod_p_demo", "value": "x; Path=/"}):
        assert c.post("/auth/remember", json=bad, headers={"Sec-Fetch-Site": "same-origin"}).status_code == 400
    gone = c.request("DELETE", "/auth/remember", json={"name": "qmethod_p_demo"}, headers={"Sec-Fetch-Site": "same-origin"})
    assert gone.status_code == 200 and "Max-Age=0" in gone.headers["set-cookie"]
