"""Something to read at once: a "Laster …" text in the page document itself.

Streamlit's page document is an empty shell (``<div id="root">``) until about 3 MB of JavaScript
has arrived and run, which is a blank white screen for many seconds on a slow mobile line. This
middleware writes into that document, before any script runs:

* a short loading text in the participant's language (``?lang=`` if it names one of
  :data:`qmethod.ui.i18n.LANGUAGES`, otherwise bokmål), hidden by a style rule as soon as the app
  shows its first element (no script needed);
* ``<html lang>`` in that language, a neutral title, and the "enable JavaScript" note translated;
* fewer round trips before the first page works (each costs about 0.6 s on a slow line, and a
  browser opens at most six connections at a time): the tab icon is drawn from an emoji instead of
  fetched, and the 375 kB icon font, which
  Streamlit loads at start although no participant page shows an icon, is left until an icon is
  really shown (``/_qmethod/boot.js``, a same-origin script that runs before Streamlit's own);
* the script files the first page needs, inside the document (:mod:`qmethod.web.scripts`), which
  is then compressed once per distinct document (:func:`qmethod.web.compression.compressed`) and
  sent with an ``ETag``, so a returning browser keeps its copy after one round trip (``304``).

Only the app's page document is changed: a whole ``200 text/html`` answer at a page address. A file
the app serves (a report downloaded with ``st.download_button``, anything at Streamlit's ``/media/``,
a component's files, anything sent with ``Content-Disposition``) passes through untouched, as
does every other answer.
"""
from __future__ import annotations

import functools
import hashlib
import html
import re
from urllib.parse import parse_qs

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send

from qmethod.ui.i18n import LANGUAGES, t

from . import scripts
from .buffered import whole_answer
from .compression import compressed

__all__ = ["LoadingText", "middleware", "page_language", "rewrite", "is_page_document", "BOOT_PATH"]

BOOT_PATH = "/_qmethod/boot.js"
_BOOT_JS = b"""// qmethod: Streamlit asks for its 375 kB icon font at start; the browser fetches it anyway as
// soon as an icon is shown, so the first load on a slow line does not wait for it.
(function () {
  var fonts = document.fonts;
  if (!fonts || typeof fonts.load !== "function") return;
  var load = fonts.load.bind(fonts);
  fonts.load = function (font, text) {
    return /Material Symbols/.test(String(font)) ? Promise.resolve([]) : load(font, text);
  };
})();
// qmethod: Streamlit's "Skip to main content" link in the page's language from its first paint
// (the text is in <html data-qm-skip>; the page_lang component takes over once the page runs).
(function () {
  var text = document.documentElement.getAttribute("data-qm-skip");
  if (!text || typeof MutationObserver !== "function") return;
  var observer = new MutationObserver(function () {
    var link = document.querySelector('[data-testid="stSkipToContent"]');
    if (!link) return;
    var walker = document.createTreeWalker(link, NodeFilter.SHOW_TEXT);
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.nodeValue.trim() === "Skip to main content") node.nodeValue = text;
    }
  });
  observer.observe(document.documentElement, { childList: true, subtree: true, characterData: true });
})();
"""
#: path segments under which Streamlit serves files, never its page document
_FILE_PATH = re.compile(r"(^|/)(media|component|_stcore|static)/")

_FAVICON = ("data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 100 100'>"
            "<text y='.9em' font-size='90'>🗂️</text></svg>")

_STYLE = """<style id="qm-loading-style">
#qm-loading { position: fixed; top: 0; left: 0; right: 0; padding: 4rem 1rem; text-align: center;
  font: 1.25rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1b1f; }
body:has([data-testid="stMainBlockContainer"] [data-testid="stElementContainer"]) #qm-loading { display: none; }
[data-testid="stDialog"] [data-testid="stErrorCodeBlock"] { display: none; }  /* "streamlit run yourscript.py" */
</style>"""


def page_language(query_string: bytes | str) -> str:
    """The language of the page asked for: ``?lang=`` if offered, otherwise the first language (nb)."""
    if isinstance(query_string, bytes):
        query_string = query_string.decode("latin-1")
    lang = (parse_qs(query_string).get("lang") or [""])[0]
    return lang if lang in LANGUAGES else LANGUAGES[0]


def rewrite(document: str, lang: str) -> str:
    """Streamlit's page document with the loading text, ``<html lang>``, title and no-script note
    in ``lang``."""
    loading = html.escape(t("loading", lang))
    skip = html.escape(t("st_skip", lang))
    document = re.sub(r"<html\b[^>]*>", f'<html lang="{lang}" data-qm-skip="{skip}">', document, count=1)
    document = re.sub(r"<title>.*?</title>", f"<title>{html.escape(t('app_title', lang))}</title>", document,
                      count=1, flags=re.S)
    document = re.sub(r"<noscript>.*?</noscript>", f"<noscript><p>{html.escape(t('no_script', lang))}</p></noscript>",
                      document, count=1, flags=re.S)
    document = re.sub(r'<link rel="shortcut icon"[^>]*>', f'<link rel="shortcut icon" href="{html.escape(_FAVICON)}" />',
                      document, count=1)
    document = re.sub(r'(<script type="module")', f'<script defer src=".{BOOT_PATH}"></script>\n    \\1', document,
                      count=1)
    document = document.replace("</head>", _STYLE + "\n</head>", 1)
    document = scripts.inline(document)
    return re.sub(r"(<body\b[^>]*>)", rf'\1<div id="qm-loading" role="status"><p>{loading}</p></div>', document,
                  count=1)


@functools.lru_cache(maxsize=8)
def _document(original: bytes, lang: str) -> tuple[bytes, str]:
    """The rewritten document (several MB with the script files) and a short hash of it, made once
    per distinct document and language."""
    data = rewrite(original.decode("utf-8"), lang).encode("utf-8")
    return data, hashlib.sha256(data).hexdigest()[:20]


def is_page_document(path: str, status: int, headers: Headers) -> bool:
    """Whether an answer at ``path`` is Streamlit's page document: a ``200 text/html``, not
    compressed, not at a file address (``/media/``, ``/component/``, ...) and not a download
    (``Content-Disposition``)."""
    return status == 200 and not _FILE_PATH.search(path) and "content-encoding" not in headers \
        and "content-disposition" not in headers and headers.get("content-type", "").startswith("text/html")


class LoadingText:
    """Rewrite the page document (:func:`is_page_document`) with :func:`rewrite`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        if scope.get("path") == BOOT_PATH:
            await send({"type": "http.response.start", "status": 200, "headers": [
                (b"content-type", b"text/javascript; charset=utf-8"), (b"content-length", str(len(_BOOT_JS)).encode()),
                (b"cache-control", b"public, max-age=86400")]})
            await send({"type": "http.response.body", "body": _BOOT_JS})
            return
        path = scope.get("path", "")
        if _FILE_PATH.search(path):  # a file, never the page document: as it is, compressed or not
            await self.app(scope, receive, send)
            return
        request_headers = Headers(scope=scope)
        # Streamlit gzips the page document itself at some addresses (``/consent`` ...), which would
        # hide it from the rewrite: the inner app is asked for it uncompressed, we compress below
        scope = dict(scope, headers=[(k, v) for k, v in scope["headers"] if k.lower() != b"accept-encoding"])

        def wanted(status: int, headers: Headers) -> bool:
            return is_page_document(path, status, headers)

        answer = await whole_answer(self.app, scope, receive, send, wanted)
        if answer is None:
            return
        start, body = answer
        data, version = _document(body, page_language(scope.get("query_string", b"")))
        data, encoding = compressed(data, request_headers.get("accept-encoding", ""))
        headers = MutableHeaders(raw=list(start.get("headers", [])))
        for name in ("etag", "last-modified"):  # the answer now depends on ?lang=
            if name in headers:
                del headers[name]
        # a returning browser asks "still this one?" and keeps its copy (about 440 kB): one round trip
        headers["ETag"] = etag = f'W/"{version}-{encoding or "identity"}"'
        headers["Cache-Control"] = "no-cache"
        headers.add_vary_header("Accept-Encoding")
        if etag in [tag.strip() for tag in request_headers.get("if-none-match", "").split(",")]:
            del headers["content-type"]
            headers["Content-Length"] = "0"
            await send({**start, "status": 304, "headers": headers.raw})
            await send({"type": "http.response.body", "body": b""})
            return
        if encoding:
            headers["Content-Encoding"] = encoding
        headers["Content-Length"] = str(len(data))
        await send({**start, "headers": headers.raw})
        await send({"type": "http.response.body", "body": data})


def middleware() -> list[Middleware]:
    """The loading text for :func:`qmethod.web.middleware`."""
    return [Middleware(LoadingText)]
