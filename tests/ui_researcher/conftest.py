"""Browser-test fixtures for the researcher workspace: the app as a subprocess (one per module) on a
free port with a temporary SQLite database and an admin account from ``QMETHOD_ADMIN_PASSWORD``, and
Debian's chromium through Playwright."""
from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app_server import App, chromium_browser, chromium_path, running_app

ROOT = Path(__file__).resolve().parents[2]
# Screenshots go to tests/artifacts/; with QMETHOD_DOC_SCREENSHOTS=1 they refresh docs/screenshots/.
SCREENSHOTS = ROOT / ("docs/screenshots" if os.environ.get("QMETHOD_DOC_SCREENSHOTS") == "1" else "tests/artifacts")
ADMIN_PASSWORD = "research-secret-1"


@pytest.fixture(scope="module")
def chromium() -> str:
    return chromium_path()


@pytest.fixture(scope="module")
def app(chromium: str) -> Iterator[App]:
    tmp = Path(tempfile.mkdtemp(prefix="qmethod-researcher-ui-"))
    (tmp / "studies").mkdir()
    with running_app(tmp, QMETHOD_STUDIES_DIR=str(tmp / "studies"), QMETHOD_ADMIN_PASSWORD=ADMIN_PASSWORD) as server:
        yield server
    shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def browser(chromium: str):
    with chromium_browser(chromium) as b:
        yield b


def settle(page, timeout: float = 60_000) -> None:
    """Wait until no script run is in progress."""
    page.wait_for_timeout(250)
    page.wait_for_function(
        """() => { const a = document.querySelector('[data-testid="stApp"]');
                   return a && a.getAttribute('data-test-script-state') === 'notRunning'; }""",
        polling=100, timeout=timeout)


def login(page, url: str, path: str = "researcher", heading: str = "Studies", *,
          password: str = ADMIN_PASSWORD) -> None:
    """Open ``url/path``, log in as admin and wait for the page's ``heading``."""
    page.goto(f"{url}/{path}")
    page.get_by_label("User name").fill("admin")
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name=heading).first.wait_for()
    settle(page)


def no_exception(page) -> None:
    ex = page.locator('[data-testid="stException"]')
    assert ex.count() == 0, ex.first.inner_text()[:3000]


def shot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"researcher-{name}.png"
    settle(page)
    page.screenshot(path=str(path), full_page=True)
    return path


def open_paper_sorts(page, app, title: str) -> None:
    """Log in as admin and open the Paper sorts page of the study titled ``title``."""
    page.goto(app.url + "/researcher")
    page.get_by_label("User name").fill("admin")
    page.get_by_label("Password", exact=True).fill(ADMIN_PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Studies").wait_for()
    settle(page)
    page.locator('[data-testid="stSidebar"]').get_by_role("link", name="Paper sorts", exact=True).click()
    page.get_by_role("heading", name=f"Paper sorts: {title}").wait_for()
    settle(page)
