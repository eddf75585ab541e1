"""A stopped PostgreSQL under a participant's page, in Debian's chromium: a calm message in the
study's language instead of Streamlit's error page, the ticked box kept, and the page back by itself
once the database is (no reload), with the consent the participant clicked saved (no second click)."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from tests.app_server import running_app
from tests.conftest import _pg_bindir, _PostgresCluster
from .conftest import settle
from .test_security_pages import started_on_consent

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


def test_participant_page_survives_a_stopped_database(chromium, browser):
    """Fails on the old code: the page turned into "This app has encountered an error ... Ask
    Google / Ask ChatGPT" and stayed broken after the database was back, until a reload."""
    bindir = _pg_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL binaries not found")
    cluster = _PostgresCluster(bindir)
    cluster.start()
    tmp = Path(tempfile.mkdtemp(prefix="qmethod-storage-"))
    studies = tmp / "studies"
    shutil.copytree(Path(__file__).parent / "studies" / "ui-small", studies / "ui-small")
    pg_ctl = str(bindir / "pg_ctl")
    try:
        with running_app(tmp, database_url=cluster.new_database(), QMETHOD_STUDIES_DIR=str(studies)) as app:
            page = started_on_consent(browser, app.url)
            box = page.get_by_role("checkbox", name="I have read the text above and want to take part")
            page.get_by_text("I have read the text above and want to take part").click()
            settle(page)
            assert box.is_checked()
            cluster._run(pg_ctl, "-D", str(cluster.data), "-m", "fast", "-w", "stop")
            page.get_by_role("button", name="Continue").click()
            page.get_by_text("Saving is slow just now").wait_for()
            body = page.inner_text("body")
            assert "Ask Google" not in body and "encountered an error" not in body
            # the layout stays: the consent text and the ticked box (before, the message alone)
            page.wait_for_timeout(5_000)  # a retry or two while the server is down
            assert page.get_by_text("This is a test.").is_visible() and box.is_checked(timeout=1_000)
            opts = f"-k {cluster.base} -p {cluster.port} -c listen_addresses='' -c fsync=off"
            cluster._run(pg_ctl, "-D", str(cluster.data), "-l", str(cluster.base / "log"), "-w", "-o", opts, "start")
            # no reload and no second click: the page comes back by itself and the click's action,
            # with the box still ticked, is done (before, the participant had to click Continue again)
            page.get_by_text("Thank you. Your consent is saved.").wait_for(timeout=40_000)
            settle(page)
            assert page.get_by_text("Saving is slow just now").count() == 0
            page.context.close()
    finally:
        cluster.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def test_a_researcher_page_names_a_stopped_database_and_comes_back(chromium, browser):
    """Fails on the old code: a researcher page said "cannot be reached or cannot store anything" for
    every fault; it now names the cause, here a stopped database (a held lock says "busy")."""
    bindir = _pg_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL binaries not found")
    cluster = _PostgresCluster(bindir)
    cluster.start()
    tmp = Path(tempfile.mkdtemp(prefix="qmethod-storage-"))
    (tmp / "studies").mkdir()
    pg_ctl = str(bindir / "pg_ctl")
    password = "Storage-test-2026!"
    try:
        with running_app(tmp, database_url=cluster.new_database(), QMETHOD_STUDIES_DIR=str(tmp / "studies"),
                         QMETHOD_ADMIN_PASSWORD=password) as app:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.set_default_timeout(40_000)
            page.goto(f"{app.url}/researcher")
            page.get_by_label("User name").fill("admin")
            page.get_by_label("Password", exact=True).fill(password)
            page.get_by_role("button", name="Log in").click()
            page.get_by_role("heading", name="Studies").first.wait_for()
            settle(page)
            page.get_by_label("Study id (in the participant link)").fill("stopp")
            page.get_by_label("Title").fill("Stoppet")
            cluster._run(pg_ctl, "-D", str(cluster.data), "-m", "fast", "-w", "stop")
            page.get_by_role("button", name="Create study").click()
            message = page.get_by_text("The database cannot be reached, so it cannot store anything just now")
            message.wait_for()
            body = page.inner_text("body")
            assert "busy" not in body and "encountered an error" not in body
            opts = f"-k {cluster.base} -p {cluster.port} -c listen_addresses='' -c fsync=off"
            cluster._run(pg_ctl, "-D", str(cluster.data), "-l", str(cluster.base / "log"), "-w", "-o", opts, "start")
            message.wait_for(state="detached", timeout=40_000)  # back by itself, no reload
            context.close()
    finally:
        try:
            cluster.stop()
        except RuntimeError:  # (stopped by the test itself when it failed while the database was down)
            pass
        shutil.rmtree(tmp, ignore_errors=True)
