"""Statement and participant texts are shown exactly as typed (the browser test checks the
rendering; here: every markdown character is escaped and nothing is lost)."""
from __future__ import annotations

import html
import re

import pytest

from qmethod.ui.text import as_html, plain, signed

SPECIAL = set("\\`*_{}[]()#+-.!|>~<&$:")


@pytest.mark.parametrize("text", [
    "<script>alert(1)</script>", "*not bold* _nor this_", "[link](http://example.org)", "# not a heading",
    "1. not a list", "a & b < c > d", "$x$ no maths", ":smile: no emoji", "back\\slash", "line one\nline two",
    "mail me: a@b.no or www.example.org",
])
def test_plain_escapes_every_markdown_character(text):
    out = plain(text)
    i = 0
    while i < len(out):
        ch = out[i]
        if ch == "\\":
            assert out[i + 1] in SPECIAL, (out, i)
            i += 2
            continue
        if ch == "&":
            assert re.match(r"&(lt|amp);", out[i:]), (out, i)
        else:
            assert ch not in SPECIAL, (out, i)
        i += 1
    back = html.unescape(re.sub(r"\\(.)", r"\1", out)).replace("\u200b", "").replace("  \n", "\n")
    assert back == text


def test_addresses_do_not_become_links():
    assert "http\\:\u200b//" in plain("http://example.org")
    assert "\u200b@" in plain("a@b.no")


def test_as_html_escapes_everything():
    assert as_html('<b>x</b> & "y"\nz') == '<p class="statement">&lt;b&gt;x&lt;/b&gt; &amp; &quot;y&quot;<br>z</p>'


def test_signed_uses_a_real_minus():
    assert [signed(v) for v in (-4, 0, 3)] == ["\u22124", "0", "+3"]


def test_escaped_html_has_no_blank_line_that_would_let_markdown_in():
    """A participant's comment shown inside an HTML block (quotes, viewpoint cards): a blank line in
    it would end the block, and Markdown after it (an image fetched from another host) would be read.
    html.escape alone, as the interpretation pages used, kept the blank line."""
    from qmethod.ui.text import escape_html

    comment = 'Bra.\n\n![x](http://127.0.0.1:9/c.png)\r\n\r\n<img src="http://127.0.0.1:9/d.png">'
    out = escape_html(comment)
    assert "\n" not in out and "\r" not in out
    assert "<img" not in out and "&lt;img" in out
    assert out.startswith("Bra.<br><br>![x]")


def test_table_html_shows_every_text_whole_and_escaped():
    """A table's texts are in its cells in full (no cut-off), tags shown as typed, numbers right-aligned."""
    import pandas as pd

    from qmethod.ui.text import table_html

    long = "<script>alert(1)</script> " + "ord " * 80
    out = table_html(pd.DataFrame({"content": [long], "z": [-1.234], "n": [3]}, index=["s1"]), label="History")
    assert "<script>" not in out and html.escape(long) in out
    assert '<td class="num">-1.23</td>' in out and '<td class="num">3</td>' in out
    assert 'role="region" tabindex="0" aria-label="History"' in out and "\n" not in out
