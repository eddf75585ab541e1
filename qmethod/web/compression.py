"""Compressed responses, so that the first load on a slow mobile line is short.

Streamlit serves its JavaScript bundles (``/static/...``, about 2.9 MB on the first page) and the
page document uncompressed. On a "Fast 3G" line (1.6 Mbit/s) that alone is 15 s. Two layers:

* :class:`StaticGzip` compresses the content-hashed files under ``/static/`` once per file and
  keeps the result in memory (they never change while the server runs: the name carries the
  hash), so each first load costs no compression work; their ``Cache-Control: immutable`` stays.
* :func:`compressed` compresses the page document (about 2.4 MB with the script files it carries,
  :mod:`qmethod.web.scripts`) once per distinct document: brotli when the browser takes it (about
  20 % smaller than gzip: a 560 kB gzip answer is 440 kB), gzip otherwise. The first answer is
  brotli at a fast setting; the smallest setting (seconds of work) is computed in a background
  thread and served from then on.
* Starlette's :class:`~starlette.middleware.gzip.GZipMiddleware` compresses every other response
  that is not compressed yet (the page document, component files, the app's own routes).

Measured by ``bench/bench_first_load.py`` (figures in docs/benchmarks.md).
"""
from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict

import brotli

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from .buffered import whole_answer

__all__ = ["StaticGzip", "compressed", "middleware", "COMPRESS_LEVEL", "MIN_SIZE"]

#: gzip level: 6 is within a few per cent of 9 in size at a third of the time
COMPRESS_LEVEL = 6
#: responses smaller than this are sent as they are
MIN_SIZE = 500
_COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml", "application/wasm",
                 "application/manifest+json")


#: brotli quality of a document's first answer (fast) and of all later ones (smallest, in background)
BROTLI_FIRST, BROTLI_BEST = 5, 11
_documents: OrderedDict[tuple[str, str], bytes] = OrderedDict()
_documents_lock = threading.Lock()
_MAX_DOCUMENTS = 16


def _remember(key: tuple[str, str], body: bytes) -> None:
    with _documents_lock:
        _documents[key] = body
        _documents.move_to_end(key)
        while len(_documents) > _MAX_DOCUMENTS:
            _documents.popitem(last=False)


def compressed(data: bytes, accept_encoding: str, *, background: bool = True) -> tuple[bytes, str | None]:
    """``data`` compressed for a client that sent ``accept_encoding``: ``(body, "br")``,
    ``(body, "gzip")`` or ``(data, None)``. Kept in memory per distinct ``data`` (a few documents),
    so a page document is compressed once, not per request. Brotli starts at quality
    :data:`BROTLI_FIRST` and is replaced by :data:`BROTLI_BEST`, computed in a background thread
    (at once in this call with ``background=False``)."""
    accepted = {part.split(";")[0].strip().lower() for part in accept_encoding.split(",")}
    encoding = "br" if "br" in accepted else "gzip" if "gzip" in accepted else None
    if encoding is None or len(data) < MIN_SIZE:
        return data, None
    key = (hashlib.sha256(data).hexdigest(), encoding)
    with _documents_lock:
        hit = _documents.get(key)
    if hit is not None:
        return hit, encoding
    if encoding == "gzip":
        body = gzip.compress(data, compresslevel=COMPRESS_LEVEL, mtime=0)
    elif not background:
        body = brotli.compress(data, quality=BROTLI_BEST)
    else:
        body = brotli.compress(data, quality=BROTLI_FIRST)
        threading.Thread(target=lambda: _remember(key, brotli.compress(data, quality=BROTLI_BEST)),
                         name="qmethod-brotli", daemon=True).start()
    _remember(key, body)
    return body, encoding


class StaticGzip:
    """Serve ``/static/...`` gzip-compressed from an in-memory cache (compressed once per file).

    Only whole ``200`` answers of compressible types are cached; everything else (``304``, ranges,
    fonts and images, clients without gzip) passes through unchanged. ``max_bytes`` bounds the
    memory held (least recently used files are dropped first).
    """

    def __init__(self, app: ASGIApp, *, prefix: str = "/static/", max_bytes: int = 32 * 1024 * 1024) -> None:
        self.app = app
        self.prefix = prefix
        self.max_bytes = max_bytes
        self._cache: OrderedDict[str, tuple[list[tuple[bytes, bytes]], bytes]] = OrderedDict()
        self._size = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") \
                or not scope.get("path", "").startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        request_headers = Headers(scope=scope)
        if "gzip" not in request_headers.get("accept-encoding", "") or "range" in request_headers \
                or "if-none-match" in request_headers or "if-modified-since" in request_headers:
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        hit = self._cache.get(path)
        if hit is None:
            hit = await self._fetch(scope, receive, send)
            if hit is None:
                return  # already sent as it was
        else:
            self._cache.move_to_end(path)
        headers, body = hit
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})

    async def _fetch(self, scope: Scope, receive: Receive, send: Send):
        """Run the inner app; compress and cache a whole compressible 200, or pass its answer on."""
        def wanted(status: int, headers: Headers) -> bool:
            kind = headers.get("content-type", "").split(";")[0].strip().lower()
            return status == 200 and "content-encoding" not in headers and kind.startswith(_COMPRESSIBLE)

        answer = await whole_answer(self.app, scope, receive, send, wanted)
        if answer is None:
            return None
        start, raw = answer
        headers = MutableHeaders(raw=list(start.get("headers", [])))
        headers.add_vary_header("Accept-Encoding")
        if len(raw) >= MIN_SIZE:
            raw = gzip.compress(raw, compresslevel=COMPRESS_LEVEL, mtime=0)
            headers["Content-Encoding"] = "gzip"
        headers["Content-Length"] = str(len(raw))
        entry = (headers.raw, raw)
        if scope["method"] == "GET" and len(raw) <= self.max_bytes:
            self._cache[scope["path"]] = entry
            self._size += len(raw)
            while self._size > self.max_bytes:
                _, (_, dropped) = self._cache.popitem(last=False)
                self._size -= len(dropped)
        return entry


def middleware() -> list[Middleware]:
    """The compression layers for :func:`qmethod.web.middleware` (outermost first: GZipMiddleware
    leaves alone what :class:`StaticGzip` has compressed already)."""
    return [Middleware(GZipMiddleware, minimum_size=MIN_SIZE, compresslevel=COMPRESS_LEVEL), Middleware(StaticGzip)]
