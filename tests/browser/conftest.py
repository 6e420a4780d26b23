"""Browser tests: Debian's Chromium driven by Playwright against a live Plaint server.

The server is pytest-django's `live_server` (a real HTTP server in a thread of the test process) on
the test database, so tests need `transactional_db` (the server's thread must see committed rows);
that works on SQLite (a file database) and PostgreSQL alike. The browser is the machine's
/usr/bin/chromium (apt package `chromium`, which .ci/run installs); nothing is downloaded.

Fixtures:
- `page`: a fresh browser context and page (Chinese locale, 1280×900), closed after the test.
- `phone`: the same at a phone's 375×740.
- `sign_in(page, user)`: signs in through the sign-in form.
- `screenshot(page, name)`: saves test-artifacts/screenshots/<name>.png (full page).
- `url(path)`: the live server's address of `path`.
"""

import os
import re
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("PLAINT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "pw-for-tests"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def _browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does this)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; Django refuses ORM calls from a thread
    # with a running loop unless told it is safe. It is: the tests and the ORM stay synchronous.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()
    playwright.stop()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _new_page(browser, width: int, height: int, locale: str):
    context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
    context.set_default_timeout(15_000)
    return context, context.new_page()


@pytest.fixture
def page(_browser, live_server, transactional_db):
    context, page = _new_page(_browser, 1280, 900, "zh-CN")
    yield page
    context.close()


@pytest.fixture
def phone(_browser, live_server, transactional_db):
    context, page = _new_page(_browser, 375, 740, "zh-CN")
    yield page
    context.close()


@pytest.fixture
def url(live_server):
    def make(path: str) -> str:
        return live_server.url + path

    return make


@pytest.fixture
def sign_in(url):
    """Sign `user` in on `page` through the sign-in form (users from tests.factories share one password)."""

    def do(page, user, password: str = PASSWORD) -> None:
        page.goto(url("/accounts/login/"))
        page.locator("#id_username").fill(user.username)
        page.locator("#id_password").fill(password)
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
        assert "/accounts/login/" not in page.url, f"sign-in failed for {user.username}"

    return do


@pytest.fixture
def screenshot():
    """Save a full-page PNG as test-artifacts/screenshots/<name>.png and return its path."""

    def take(page, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / (re.sub(r"[^A-Za-z0-9_.-]+", "-", name) + ".png")
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
