"""The first-load middleware on a small Starlette app: static files compressed once and served from
memory, conditional requests passed on, the page document rewritten with the loading text."""
from __future__ import annotations

import asyncio
import gzip

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import HTMLResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from qmethod.web import compression, loading

BUNDLE = b"export const x = 1;\n" * 2000
DOCUMENT = ('<!DOCTYPE html><html lang="en"><head><title>Streamlit</title></head><body>'
            '<noscript>You need to enable JavaScript to run this app.</noscript><div id="root"></div></body></html>')


def _app(tmp_path):
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "index.abc123.js").write_bytes(BUNDLE)
    def page_gzipped_by_the_app(request):  # as Streamlit answers at /consent and other pages
        if "gzip" not in request.headers.get("accept-encoding", ""):
            return HTMLResponse(DOCUMENT)
        return HTMLResponse(gzip.compress(DOCUMENT.encode()), headers={"Content-Encoding": "gzip"})

    routes = [Mount("/static", StaticFiles(directory=tmp_path / "static")),
              Route("/", lambda request: HTMLResponse(DOCUMENT)), Route("/consent", page_gzipped_by_the_app)]
    return Starlette(routes=routes, middleware=[*compression.middleware(), *loading.middleware()])


def _get(app, path: str, query: str = "", **headers: str) -> tuple[int, dict[str, str], bytes]:
    messages = []
    sent_request = []

    async def receive():
        if not sent_request:
            sent_request.append(True)
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(3600)  # the client stays connected until the answer is complete

    async def send(message):
        messages.append(message)

    scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "root_path": "",
             "query_string": query.encode(), "scheme": "http", "server": ("test", 80), "client": ("c", 1),
             "http_version": "1.1", "headers": [(k.replace("_", "-").lower().encode(), v.encode())
                                                for k, v in headers.items()]}
    asyncio.run(app(scope, receive, send))
    start = messages[0]
    body = b"".join(m.get("body", b"") for m in messages[1:])
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body


def test_static_bundle_compressed_once_then_from_memory(tmp_path, monkeypatch):
    app = _app(tmp_path)
    calls = []
    real = gzip.compress
    monkeypatch.setattr(compression.gzip, "compress", lambda data, **kw: calls.append(len(data)) or real(data, **kw))
    for _ in range(3):
        status, headers, body = _get(app, "/static/index.abc123.js", accept_encoding="gzip, br")
        assert status == 200 and headers["content-encoding"] == "gzip"
        assert gzip.decompress(body) == BUNDLE
        assert int(headers["content-length"]) == len(body) < len(BUNDLE) / 10
    assert calls == [len(BUNDLE)]  # compressed once
    status, headers, body = _get(app, "/static/index.abc123.js")  # no gzip asked for
    assert "content-encoding" not in headers and body == BUNDLE
    etag = headers["etag"]
    status, _, body = _get(app, "/static/index.abc123.js", accept_encoding="gzip", if_none_match=etag)
    assert status == 304 and body == b""


def test_page_document_gets_the_loading_text_in_the_asked_language(tmp_path):
    app = _app(tmp_path)
    _, headers, body = _get(app, "/")
    page = body.decode()
    assert '<div id="qm-loading" role="status"><p>Laster …</p></div>' in page
    # Streamlit's own skip link is put in the page's language from its first paint (a script of the
    # document reads data-qm-skip), and the lost-connection dialog shows no developer command.
    assert '<html lang="nb" data-qm-skip="Hopp til innholdet">' in page
    assert "<title>Sortering av utsagn</title>" in page
    assert '[data-testid="stErrorCodeBlock"] { display: none; }' in page
    assert "enable JavaScript" not in page and "trenger JavaScript" in page
    assert int(headers["content-length"]) == len(body)
    _, headers, body = _get(app, "/", "study=x&lang=en", accept_encoding="gzip")
    page = gzip.decompress(body).decode()  # the rewritten page is compressed too
    assert "<p>Loading …</p>" in page and '<html lang="en" data-qm-skip="Skip to the content">' in page
    _, _, body = _get(app, "/", "lang=xx")
    assert "<p>Laster …</p>" in body.decode()


def test_page_document_carries_every_script_file_the_first_page_needs():
    """Streamlit's real page document: its entry module and every file it announces, and the modules
    of the elements the first page shows, are inside the document; every file one of them imports
    is inside too or exists on the server; no script is announced for fetching any more."""
    import json
    import re

    from qmethod.web import scripts

    folder = scripts.static_js_dir()
    original = (folder.parents[1] / "index.html").read_text("utf-8")
    announced = re.findall(r'href="\./static/js/([\w.\-]+\.js)"', original)
    entry = re.search(r'src="\./static/js/([\w.\-]+\.js)"', original).group(1)
    page = loading.rewrite(original, "nb")
    inside = json.loads(re.search(r'<script type="application/json" id="qm-modules">(.*?)</script>', page,
                                  re.S).group(1))
    assert {entry, *announced} <= set(inside)
    for element in scripts.FIRST_PAGE_ELEMENTS:  # a Streamlit upgrade that renames one fails here
        assert any(re.fullmatch(element + r"\.[\w\-]{8}\.js", name) for name in inside), element
    for name, source in inside.items():
        assert "./" + name not in source and "import.meta.url" not in source
        for imported in re.findall(r'["\'`]@qm-base@([\w.\-]+\.js)["\'`]', source):
            assert imported in inside or (folder / imported).is_file(), (name, imported)
    assert 'rel="modulepreload"' not in page and f'src="./static/js/{entry}"' not in page
    assert page.index('id="qm-loading"') < page.index('id="qm-modules"')  # the text comes first
    assert f'<script type="module">import "./static/js/{entry}";</script>' in page


def test_page_document_brotli_compressed_when_the_browser_takes_it(tmp_path):
    """Browsers that take brotli get the page document brotli-compressed (smaller than gzip), the
    same document as uncompressed, first at a fast setting and then at the smallest."""
    import brotli

    app = _app(tmp_path)
    _, _, plain = _get(app, "/", "lang=en")
    _, headers, first = _get(app, "/", "lang=en", accept_encoding="gzip, deflate, br, zstd")
    assert headers["content-encoding"] == "br" and "Accept-Encoding" in headers["vary"]
    assert brotli.decompress(first) == plain and int(headers["content-length"]) == len(first)
    body, encoding = compression.compressed(plain, "br", background=False)  # the smallest setting
    assert encoding == "br" and brotli.decompress(body) == plain
    _, headers, later = _get(app, "/", "lang=en", accept_encoding="br")
    assert brotli.decompress(later) == plain and len(later) <= len(first)


def test_returning_browser_keeps_its_copy_of_the_page_document(tmp_path):
    """The page document (with the script files, hundreds of kB) is sent with a validator; a browser
    that asks again with it gets an empty 304 and keeps its copy; another language is another
    document and comes whole."""
    import brotli

    app = _app(tmp_path)
    status, headers, body = _get(app, "/", "study=x", accept_encoding="gzip, br")
    assert status == 200 and body and headers["cache-control"] == "no-cache"
    etag = headers["etag"]
    status, again, body = _get(app, "/", "study=x", accept_encoding="gzip, br", if_none_match=etag)
    assert status == 304 and body == b"" and again["etag"] == etag
    status, _, body = _get(app, "/", "study=x&lang=en", accept_encoding="gzip, br", if_none_match=etag)
    assert status == 200 and b"Loading" in brotli.decompress(body)


def test_every_page_address_gets_the_rewritten_document(tmp_path):
    """Opening or reloading a later page (``/consent?...``) gives the same document with the
    loading text, although the app would send that one gzip-compressed by itself."""
    import brotli

    app = _app(tmp_path)
    _, headers, body = _get(app, "/consent", "study=x&p=ABC", accept_encoding="gzip, deflate, br, zstd")
    assert headers["content-encoding"] == "br"
    assert '<p>Laster …</p>' in brotli.decompress(body).decode()
    _, headers, body = _get(app, "/consent", "study=x", accept_encoding="gzip")
    assert headers["content-encoding"] == "gzip" and '<p>Laster …</p>' in gzip.decompress(body).decode()


REPORT = ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Report: a study</title></head>'
          '<body><h1>Report</h1><noscript>kept</noscript><p>' + "Factor 1 " * 100 + '</p></body></html>')


def test_a_downloaded_html_file_comes_exactly_as_written(tmp_path):
    """An HTML report downloaded from the app (``st.download_button``: Streamlit's ``/media/``, with
    ``Content-Disposition``) is the report itself, byte for byte: no loading text, no app title,
    no ``lang`` of the app, compressed or not; only the page document gets those."""
    from starlette.responses import Response

    attachment = {"Content-Disposition": 'attachment; filename="study-report.html"'}
    app = _app(tmp_path)
    app.router.routes += [
        Route("/media/0123abcd.html", lambda request: Response(REPORT, media_type="text/html", headers=attachment)),
        Route("/media/inline.html", lambda request: HTMLResponse(REPORT)),
        Route("/export", lambda request: Response(REPORT, media_type="text/html", headers=attachment)),
    ]
    for path in ("/media/0123abcd.html", "/media/inline.html", "/export"):
        status, headers, body = _get(app, path, "lang=nb")
        assert status == 200 and body.decode() == REPORT, path
        _, headers, body = _get(app, path, accept_encoding="gzip")
        assert gzip.decompress(body).decode() == REPORT, path
    _, _, body = _get(app, "/")  # the page document is still rewritten
    assert "Laster" in body.decode()
