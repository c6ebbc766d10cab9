"""End-to-end fixtures: the built frontend, one live server and one Chromium for the session.

Chromium is Debian's ``/usr/bin/chromium`` (``apt-get install chromium``); Playwright's own browser
download is never used. Each test gets a fresh browser context logged in as the user it asks for.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from annotations.services import background
from annotations.services.agreement import refresh_incremental
from annotations.services.assignments import assignment_transition
from annotations.services.spans import span_create
from tests.e2e.chromium import CHROMIUM, CHROMIUM_ARGS

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
    """frontend/dist, built now if it is missing or older than the sources (one build at a time:
    the pytest-xdist workers, and other checkouts' runs, wait on a lock file)."""
    with (FRONTEND / ".build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
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

    JavaScript errors in the page, and anything the Content-Security-Policy refused, fail the test
    at teardown.
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
        page.on(
            "console",
            lambda message: (
                errors.append(f"{path}: {message.text}")
                if "Content Security Policy" in message.text
                else None
            ),
        )
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


# --- a project ready for review: the dashboard, adjudication and export tests -------------------

REVIEW_TEXT = (
    "The ministry said no civilians were hurt. Local officials counted twelve casualties. "
    "\N{SLIGHTLY SMILING FACE} A spokesman denied any strike took place."
)


@pytest.fixture
def review_project(transactional_db):
    """Manager ``mia``, reviewer ``rev`` and annotators ``ann1``-``ann3`` on eight documents.

    Documents 0-5 are assigned to all three; all submit except ``ann3`` on document 5, which stays
    in progress. Document 6 is assigned to ``ann1`` only (not started), document 7 to nobody. On
    each document every annotator marks the first sentence as a claim, with boundaries that differ
    by document; ``ann1`` and ``ann2`` mark the second sentence as a verifiable fact (``ann3`` only
    on even documents) and the third as a denial, which ``ann3`` tags as a claim instead: the
    annotator who never tags denials. On document 0 the claim cluster is disputed (three
    versions), the verifiable fact unanimous and the denial a majority. Two agreement reports:
    after documents 0-2 and after all of them. Agreement refreshes triggered by the edits
    themselves are switched off while seeding so the trend holds exactly these two reports.
    """
    from types import SimpleNamespace
    from unittest import mock

    from annotations.models import Role
    from tests.factories import DocumentFactory, UserFactory, add_member, assign, make_project

    text = REVIEW_TEXT
    s1 = (0, text.index(" were hurt") + len(" were hurt"))
    s2 = (text.index("Local"), text.index("casualties") + len("casualties"))
    s3 = (text.index("A spokesman"), text.index("took place") + len("took place"))
    manager = UserFactory(username="mia")
    reviewer = UserFactory(username="rev")
    annotators = [UserFactory(username=f"ann{j + 1}") for j in range(3)]
    project = make_project(manager, name="Denials review", annotators_per_document=3)
    add_member(project, reviewer, Role.REVIEWER)
    for user in annotators:
        add_member(project, user, Role.ANNOTATOR)
    labels = {label.key: label for label in project.labels.all()}
    documents = [
        DocumentFactory(project=project, title=f"Article {i}", text=text) for i in range(8)
    ]

    def claim_bounds(i: int, j: int) -> tuple[int, int]:
        start, end = s1
        if j == 1 and (i == 0 or i % 2 == 1):
            start += len("The ")
        if j == 2 and i % 3 == 0:
            end += 1  # takes the full stop
        return start, end

    with mock.patch.object(background, "schedule_refresh"):
        for i, document in enumerate(documents[:6]):
            for j, user in enumerate(annotators):
                assignment = assign(document, user)
                spans = [("claim", *claim_bounds(i, j))]
                if j < 2 or i % 2 == 0:
                    spans.append(("verifiable_fact", *s2))
                spans.append(("denial" if j < 2 else "claim", *s3))
                for key, start, end in spans:
                    span_create(
                        annotator=user, document=document, label=labels[key], start=start, end=end
                    )
                assignment.time_spent_seconds = 30 + 20 * j + 7 * i
                assignment.save()
                if i == 5 and j == 2:
                    assignment_transition(assignment=assignment, action="start")
                    continue
                assignment_transition(assignment=assignment, action="submit")
            if i == 2:
                refresh_incremental(project_id=project.pk)
        assign(documents[6], annotators[0])
        refresh_incremental(project_id=project.pk)
    return SimpleNamespace(
        project=project,
        manager=manager,
        reviewer=reviewer,
        annotators=annotators,
        documents=documents,
        labels=labels,
        text=text,
        sentences=(s1, s2, s3),
    )
