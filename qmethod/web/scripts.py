"""Streamlit's script files delivered inside the page document, so a slow line pays one round trip.

Streamlit's frontend is about 60 small ES-module files before it starts and a dozen more that it
imports once the first page's elements arrive. Over HTTP/1.1 a browser opens at most six
connections to a host and every file costs at least one round trip (0.56 s on a "Fast 3G" line),
so on such a line the files alone take about 9 s whatever their size (``bench/bench_first_load.py``,
figures in docs/benchmarks.md). Announcing them early (``<link rel="modulepreload">``) does not
help: the connections, not the discovery, are the limit.

:func:`inline` writes the sources of the files the first page needs into the page document (one
compressed answer) and a small same-origin script that turns them into ``blob:`` modules and
declares an import map from each file's own address to its blob, before Streamlit's entry module
is imported. The files keep their addresses: every ``import`` of ``./static/js/X.js``, from an
inlined file or from one fetched later, resolves through the map to the same module, and files not
inlined are fetched as before. The set is computed at server start from Streamlit's static folder:
the entry module named by Streamlit's ``index.html`` and the elements of :data:`FIRST_PAGE_ELEMENTS`,
each with everything it imports statically. A browser without import maps, a file missing in a new
Streamlit version, or an element no longer found just loads the files from the server as before.
A ``Content-Security-Policy`` with ``script-src`` must allow inline scripts and ``blob:``.
"""
from __future__ import annotations

import functools
import html
import importlib.util
import json
import re
from pathlib import Path

__all__ = ["FIRST_PAGE_ELEMENTS", "first_page_files", "inline", "static_js_dir"]

#: Streamlit's modules (file names without hash) that the participant's pages need, found by
#: recording real loads (Streamlit imports each element's module when the element first arrives;
#: ``tests/ui/test_page_shell.py`` checks that no participant page fetches a script file): the
#: welcome page's buttons, language choice, resume-code field, HTML and custom components, the
#: consent page's check box and HTML in Markdown (``rehype-raw``; otherwise a chain of three round
#: trips), the comment boxes and the survey's choices
FIRST_PAGE_ELEMENTS = ("Button", "ButtonGroup", "Html", "TextInput", "BidiComponent", "Checkbox", "rehype-raw",
                       "TextArea", "Radio")

_BASE = "@qm-base@"  # stands for the absolute address of Streamlit's ``static/js/`` in the browser
_IMPORT = re.compile(r"""(\bfrom\s*|\bimport\s*\(?\s*)(["'`])\./([\w.\-]+\.js)\2""")
_ENTRY = re.compile(r'<script type="module" crossorigin src="\./static/js/([\w.\-]+\.js)"></script>')
_PRELOAD = re.compile(r'\s*<link rel="modulepreload" crossorigin href="\./static/js/([\w.\-]+\.js)">')

# Classic script run before Streamlit's entry module: blob modules and the import map to them.
_LOADER = """(function () {
  var data = document.getElementById("qm-modules");
  if (!data || !(window.HTMLScriptElement && HTMLScriptElement.supports && HTMLScriptElement.supports("importmap"))) return;
  try {
    var files = JSON.parse(data.textContent), base = new URL("./static/js/", document.baseURI).href, imports = {};
    Object.keys(files).forEach(function (name) {
      var source = files[name].split("%s").join(base);
      imports[base + name] = URL.createObjectURL(new Blob([source], {type: "text/javascript"}));
    });
    var map = document.createElement("script");
    map.type = "importmap";
    map.textContent = JSON.stringify({imports: imports});
    document.currentScript.after(map);
  } catch (e) { /* the files load from the server as before */ }
})();""" % _BASE


def static_js_dir() -> Path:
    """Streamlit's folder of script files (``streamlit/static/static/js``)."""
    spec = importlib.util.find_spec("streamlit")
    assert spec is not None and spec.origin is not None
    return Path(spec.origin).parent / "static" / "static" / "js"


def _imports(source: str) -> list[str]:
    """Files imported statically (``from "./X.js"``, ``import "./X.js"``), not ``import()``."""
    return [m.group(3) for m in _IMPORT.finditer(source) if "(" not in m.group(1)]


def first_page_files(entry: str, folder: Path | None = None,
                     elements: tuple[str, ...] = FIRST_PAGE_ELEMENTS) -> list[str]:
    """File names (in ``folder``, default :func:`static_js_dir`) of ``entry`` and of the modules of
    ``elements``, each with all it imports statically, in a stable order. Names not found are
    left out."""
    folder = folder or static_js_dir()
    names = sorted(p.name for p in folder.glob("*.js"))
    roots = [entry] + [n for e in elements for n in names if re.fullmatch(re.escape(e) + r"\.[\w\-]{8}\.js", n)]
    seen: dict[str, None] = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen or not (folder / name).is_file():
            continue
        seen[name] = None
        todo.extend(_imports((folder / name).read_text("utf-8")))
    return list(seen)


def _portable(source: str, name: str) -> str:
    """``source`` with its relative imports and ``import.meta.url`` made absolute (via :data:`_BASE`),
    as a ``blob:`` module has no address of its own to resolve them against."""
    source = _IMPORT.sub(lambda m: f"{m.group(1)}{m.group(2)}{_BASE}{m.group(3)}{m.group(2)}", source)
    return source.replace("import.meta.url", json.dumps(_BASE + name))


@functools.lru_cache(maxsize=4)
def _payload(entry: str, folder: Path) -> tuple[str, frozenset[str]]:
    files = first_page_files(entry, folder)
    sources = {name: _portable((folder / name).read_text("utf-8"), name) for name in files}
    text = json.dumps(sources, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
    return text, frozenset(files)


def inline(document: str, folder: Path | None = None) -> str:
    """Streamlit's page document with the first page's script files inside it (see the module
    docstring); a document without Streamlit's entry script is returned unchanged."""
    found = _ENTRY.search(document)
    if found is None:
        return document
    entry = found.group(1)
    payload, files = _payload(entry, folder or static_js_dir())
    if entry not in files:
        return document
    document = document[:found.start()] + document[found.end():]
    document = _PRELOAD.sub(lambda m: "" if m.group(1) in files else m.group(0), document)
    scripts = (f'<script type="application/json" id="qm-modules">{payload}</script>\n'
               f"<script>{_LOADER}</script>\n"
               f'<script type="module">import "./static/js/{html.escape(entry)}";</script>\n')
    return document.replace("</body>", scripts + "</body>", 1)
