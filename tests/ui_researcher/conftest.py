"""Browser-test fixtures for the researcher workspace: the app as a subprocess (one per module) on a
free port with a temporary SQLite database and an admin account from ``QMETHOD_ADMIN_PASSWORD``, and
Debian's chromium through Playwright."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ADMIN_PASSWORD = "research-secret-1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class App:
    url: str
    database_url: str
    process: subprocess.Popen
    log: Path

    @property
    def db(self):
        from qmethod.service import open_database

        if not hasattr(self, "_db"):
            self._db = open_database(self.database_url)
        return self._db


@pytest.fixture(scope="module")
def chromium() -> str:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Debian's chromium is missing (apt-get install chromium)")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="module")
def app(chromium: str) -> Iterator[App]:
    tmp = Path(tempfile.mkdtemp(prefix="qmethod-researcher-ui-"))
    (tmp / "studies").mkdir()
    db_url = f"sqlite:///{tmp / 'app.sqlite'}"
    port = _free_port()
    env = dict(os.environ, QMETHOD_DATABASE_URL=db_url, QMETHOD_STUDIES_DIR=str(tmp / "studies"),
               QMETHOD_ADMIN_PASSWORD=ADMIN_PASSWORD)
    env.pop("QMETHOD_PUBLIC_URL", None)
    log = tmp / "streamlit.log"
    streamlit = Path(sys.executable).parent / "streamlit"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [str(streamlit), "run", "app.py", "--server.headless", "true", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--client.showErrorDetails", "full"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("the app did not start:\n" + log.read_text())
        time.sleep(0.2)
    server = App(url=url, database_url=db_url, process=proc, log=log)
    yield server
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
    if hasattr(server, "_db"):
        server._db.dispose()
    shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def browser(chromium: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield b
        b.close()


def settle(page, timeout: float = 60_000) -> None:
    """Wait until no script run is in progress."""
    page.wait_for_timeout(250)
    page.wait_for_function(
        """() => { const a = document.querySelector('[data-testid="stApp"]');
                   return a && a.getAttribute('data-test-script-state') === 'notRunning'; }""",
        polling=100, timeout=timeout)


def no_exception(page) -> None:
    ex = page.locator('[data-testid="stException"]')
    assert ex.count() == 0, ex.first.inner_text()[:3000]


def shot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"researcher-{name}.png"
    settle(page)
    page.screenshot(path=str(path), full_page=True)
    return path
