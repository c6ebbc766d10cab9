"""End-to-end fixtures: the built frontend, one live server and one Chromium for the session.

Chromium is Debian's ``/usr/bin/chromium`` (``apt-get install chromium``); Playwright's own browser
download is never used. Each test gets a fresh browser context logged in as the user it asks for.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# between browser steps are still plain synchronous code.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
# Chromium resolves "localhost" to ::1 first; the live server listens on IPv4.
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")

REPO_ROOT = Path(__file__).resolve().parents[2]
FRONTEND = REPO_ROOT / "frontend"
DIST = FRONTEND / "dist"
MANIFEST = DIST / "workbench" / "manifest.json"
ARTIFACTS = REPO_ROOT / "test-artifacts"
CHROMIUM = os.environ.get("WORKBENCH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BUILD_HINT = "run `cd frontend && npm ci && npm run build`"


def _newest_source_mtime() -> float:
    sources = [*FRONTEND.glob("src/**/*"), *FRONTEND.glob("scripts/*")]
    sources += [FRONTEND / "package.json", FRONTEND / "package-lock.json"]
    return max(p.stat().st_mtime for p in sources if p.is_file())


def _run(command: list[str]) -> None:
    result = subprocess.run(command, cwd=FRONTEND, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        pytest.fail(
            f"`{' '.join(command)}` failed in frontend/ ({BUILD_HINT} by hand to see why):\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def frontend_build() -> Path:
    """frontend/dist, built now if it is missing or older than the sources."""
    if not MANIFEST.exists() or MANIFEST.stat().st_mtime < _newest_source_mtime():
        if shutil.which("npm") is None:
            pytest.fail(
                f"frontend/dist is missing or stale and npm is not installed: {BUILD_HINT}."
            )
        if not (FRONTEND / "node_modules").is_dir():
            _run(["npm", "ci", "--no-audit", "--no-fund"])
        _run(["npm", "run", "build"])
    # settings.py adds frontend/dist to STATICFILES_DIRS only if it existed at start-up.
    from django.conf import settings
    from django.contrib.staticfiles import finders

    if DIST not in [Path(p) for p in settings.STATICFILES_DIRS]:
        settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, DIST]
        finders.get_finder.cache_clear()
    return DIST


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium is not at {CHROMIUM}: `apt-get install -y chromium` (or set "
            "WORKBENCH_CHROMIUM). Playwright's own browser download is not used.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def server_url(live_server, frontend_build) -> str:
    return live_server.url


@pytest.fixture
def open_page(browser, server_url) -> Iterator[Callable[..., object]]:
    """``open_page(user, path)``: a new logged-in browser context's page at ``path``.

    JavaScript errors in the page fail the test at teardown.
    """
    from django.conf import settings
    from django.test import Client

    contexts = []
    errors: list[str] = []

    def open_(user, path: str = "/", *, wait_ready: bool = True):
        context = browser.new_context(viewport={"width": 1440, "height": 900}, base_url=server_url)
        contexts.append(context)
        if user is not None:
            client = Client()
            client.force_login(user)
            session = client.cookies[settings.SESSION_COOKIE_NAME].value
            context.add_cookies(
                [
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": session,
                        "url": server_url,
                    }
                ]
            )
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("pageerror", lambda exc: errors.append(f"{path}: {exc}"))
        page.goto(path)
        if wait_ready and "/documents/" in path:
            page.wait_for_selector("body[data-ready='1']")
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
