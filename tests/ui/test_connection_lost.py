"""When the server cannot be reached, the participant reads it in the study's language, with the
reassurance that their work is saved, not Streamlit's English "Connection error" dialog."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from tests.app_server import running_app
from .conftest import ROOT
from .shell_helpers import advance, new_page, open_screen, start_nb

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("kind", ["phone"])
def test_lost_connection_is_told_in_norwegian(chromium, browser, kind):
    tmp = Path(tempfile.mkdtemp(prefix="qmethod-lost-"))
    shutil.copytree(Path(__file__).parent / "studies" / "ui-small", tmp / "studies" / "ui-small")
    try:
        with running_app(tmp, QMETHOD_STUDIES_DIR=str(tmp / "studies")) as app:
            ctx, page = new_page(browser, kind)
            try:
                start_nb(page, app)
                app.process.terminate()
                app.process.wait(timeout=15)
                message = page.get_by_text("Mistet forbindelsen – vi prøver igjen. Det du har gjort er lagret.")
                message.first.wait_for(timeout=60_000)
                text = page.evaluate("() => document.body.innerText")
                assert "Connection error" not in text and "not responding" not in text
                assert "Ingen forbindelse" in text
            finally:
                ctx.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_lost_connection_is_a_banner_without_developer_text(browser):
    """On the grid, the lost-connection message has no "streamlit run yourscript.py" code box (which
    Streamlit adds when the page was opened as ``localhost``), and the cards behind it can still be
    tapped (the grid keeps the moves and saves them when the server is back)."""
    tmp = Path(tempfile.mkdtemp(prefix="qmethod-lost-"))
    shutil.copytree(Path(__file__).parent / "studies" / "ui-small", tmp / "studies" / "ui-small")
    try:
        with running_app(tmp, QMETHOD_STUDIES_DIR=str(tmp / "studies")) as app:
            app.url = app.url.replace("127.0.0.1", "localhost")  # Streamlit's hint shows only there
            ctx, page = new_page(browser, "phone")
            try:
                token = start_nb(page, app)
                advance(app, token, "grid")
                open_screen(page, app, "grid", token, "ui-small")
                card = page.get_by_text("Et vanlig utsagn.").first
                card.wait_for()
                app.process.terminate()
                app.process.wait(timeout=15)
                page.get_by_text("Mistet forbindelsen").first.wait_for(timeout=60_000)
                page.wait_for_timeout(500)
                text = page.evaluate("() => document.body.innerText")
                assert "Ingen forbindelse" in text
                assert "streamlit run" not in text and "yourscript" not in text
                card.click(trial=True, timeout=5_000)  # nothing covers it, and it is not inert
            finally:
                ctx.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
