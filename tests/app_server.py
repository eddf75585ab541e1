"""Shared by the browser tests: Debian's chromium, and the Streamlit app as a subprocess on a free
port with its own temporary SQLite database."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
STARTUP_TIMEOUT_S = 90


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def chromium_path() -> str:
    """Debian's chromium; missing, it fails the test under CI and skips it elsewhere."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Debian's chromium is missing (apt-get install chromium)")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    return CHROMIUM


@dataclass
class App:
    """A running app server."""

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


def _start(env: dict[str, str], log: Path) -> tuple[subprocess.Popen | None, str]:
    """Start ``streamlit run app.py`` on a free port and wait until it serves.

    Ready means: this process said it listens on the port and the port answers. (The health check
    alone could be answered by another server that took the port between :func:`free_port` and
    Streamlit's bind, while this process exits with "Port ... is not available".) Returns
    ``(None, url)`` when the port was taken, for the caller to try another.
    """
    port = free_port()
    streamlit = Path(sys.executable).parent / "streamlit"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [str(streamlit), "run", "app.py", "--server.headless", "true", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--client.showErrorDetails", "full"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while True:
        text = log.read_text()
        if f"Port {port} is not available" in text or f"Port {port} is already in use" in text:
            proc.wait(timeout=15)
            return None, url
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("the app did not start:\n" + log.read_text())
        if f"URL: {url}" in text:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return proc, url
            except OSError:
                pass
        time.sleep(0.2)


@contextmanager
def running_app(tmp: Path, *, database_url: str | None = None, **env_extra: str) -> Iterator[App]:
    """``streamlit run app.py`` with ``QMETHOD_DATABASE_URL`` (default: a SQLite file in ``tmp``);
    stopped on exit."""
    db_url = database_url or f"sqlite:///{tmp / 'app.sqlite'}"
    env = dict(os.environ, QMETHOD_DATABASE_URL=db_url, **env_extra)
    env.pop("QMETHOD_PUBLIC_URL", None)
    log = tmp / "streamlit.log"
    for _attempt in range(5):
        proc, url = _start(env, log)
        if proc is not None:
            break
    else:
        pytest.fail("the app found no free port:\n" + log.read_text())
    server = App(url=url, database_url=db_url, process=proc, log=log)
    try:
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        if hasattr(server, "_db"):
            server._db.dispose()


def choose_in_list(page, statement_id: str, score: int, *, attempts: int = 50) -> None:
    """Pick ``score`` in the list view's column chooser of ``statement_id``.

    While Streamlit redraws the grid component, the old and the new chooser can both be in the page
    for a moment; wait until exactly one is there.
    """
    from playwright.sync_api import Error

    loc = page.get_by_test_id(f"select-{statement_id}")
    for _ in range(attempts):
        if loc.count() == 1:
            try:
                loc.select_option(str(score))
                return
            except Error as exc:
                if "strict mode violation" not in str(exc):
                    raise
        page.wait_for_timeout(100)
    loc.select_option(str(score))


@contextmanager
def chromium_browser(executable: str):
    """Debian's chromium through Playwright, closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@contextmanager
def sqlite_write_lock(app: App) -> Iterator[None]:
    """Hold a running app's SQLite write lock from another connection, as another process would
    (readers are not blocked; every write of the app meets a held lock until the block ends)."""
    import sqlite3

    con = sqlite3.connect(app.database_url.removeprefix("sqlite:///"), isolation_level=None, timeout=30)
    try:
        con.execute("BEGIN IMMEDIATE")
        yield
        con.execute("ROLLBACK")
    finally:
        con.close()
