"""Speed of the annotator's workspace in headless Chromium, on PostgreSQL behind gunicorn.

    python bench/workspace.py [--runs 7] [--chars 20000] [--spans 500] [--annotators 3]

Production shape: ``DJANGO_DEBUG=false``, static files collected (whitenoise, compressed, hashed
names), gunicorn with 3 sync workers on 127.0.0.1, a fresh PostgreSQL database
(``--database-url``, created and dropped by the run). The frontend is built first if
``frontend/dist`` is missing. One generated document (seeded synthetic news text with a few emoji,
no corpus) of ``--chars`` code points carries ``--spans`` spans from ``--annotators`` annotators
in a project that is not blind, so the measuring annotator's page shows all of them.

Each run measures, in a new browser context (cold cache) and then reloaded (warm cache):
- time to interactive: from navigation start to the page's ``workspace-interactive`` mark (text
  and every highlight drawn, handlers bound);
- time to create one span: a phrase is selected with real mouse events, "1" is pressed, and the
  page measures from the key event's timestamp to the frame after the new highlight is in the DOM
  (``span-visible``); the same seen from the driver (press → measure present) is printed too.

It prints figures and medians; it asserts nothing. Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))  # for tests.e2e.chromium

from _common import (  # noqa: E402 - the bench folder is not a package
    PYTHON,
    REPO_ROOT,
    BenchDatabase,
    Gunicorn,
    NewsGenerator,
    median,
)

from tests.e2e.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402 - as the browser tests launch it

EMOJI = ["😀", "🇺🇦", "👍🏽", "📈", "🔥"]


def ensure_frontend_built() -> None:
    manifest = REPO_ROOT / "frontend" / "dist" / "workbench" / "manifest.json"
    if manifest.exists():
        return
    print("Building the frontend (frontend/dist is missing)…", flush=True)
    frontend = REPO_ROOT / "frontend"
    if not (frontend / "node_modules").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=frontend, check=True)
    subprocess.run(["npm", "run", "build"], cwd=frontend, check=True)


def server_env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL")}
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="workbench.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
        CELERY_TASK_ALWAYS_EAGER="true",
        LOG_LEVEL="WARNING",
        GUNICORN_ERROR_LOG="-",
    )
    return env


def make_text(chars: int, seed: int) -> str:
    """About ``chars`` code points of paragraphs, with an emoji every ~40 words."""
    rng = random.Random(seed)
    _, text = NewsGenerator(seed).article(chars + 400)
    words = text.split(" ")
    for i in range(20, len(words), 40):
        words[i] = f"{words[i]} {rng.choice(EMOJI)}"
    return " ".join(words)[:chars].rstrip() + "."


def word_starts(text: str) -> list[int]:
    return [i for i in range(len(text)) if text[i] != " " and (i == 0 or text[i - 1] in " \n")]


def word_end(text: str, start: int) -> int:
    end = start
    while end < len(text) and text[end] not in " \n":
        end += 1
    return end


def seed_data(args: argparse.Namespace) -> dict[str, Any]:
    """Users, a project that is not blind, one document and its spans; returns ids."""
    from django.contrib.auth import get_user_model

    from annotations.models import Assignment, Document, Membership, Role, Span
    from annotations.services.projects import project_create

    user_model = get_user_model()
    manager = user_model.objects.create_user("bench-manager", password=secrets.token_urlsafe(12))
    project = project_create(creator=manager, name="Workspace bench", blind=False)
    annotators = []
    for n in range(args.annotators):
        user = user_model.objects.create_user(f"bench-ann{n}", password=secrets.token_urlsafe(12))
        Membership.objects.create(project=project, user=user, role=Role.ANNOTATOR)
        annotators.append(user)
    text = make_text(args.chars, args.seed)
    document = Document.objects.create(project=project, title="Bench article", text=text)
    for user in annotators:
        Assignment.objects.create(project=project, document=document, annotator=user)

    rng = random.Random(args.seed)
    starts = word_starts(text)
    labels = list(project.labels.all())
    status = project.statuses.get(is_initial=True)
    seen: set[tuple[int, int, int, int]] = set()
    rows = []
    while len(rows) < args.spans:
        user = annotators[len(rows) % len(annotators)]
        first = rng.randrange(len(starts) - 15)
        start = starts[first]
        end = word_end(text, starts[first + rng.randint(0, 12)])
        label = rng.choice(labels)
        key = (user.pk, label.pk, start, end)
        if key in seen:
            continue
        seen.add(key)
        rows.append(
            Span(
                project=project,
                document=document,
                annotator=user,
                label=label,
                start=start,
                end=end,
                quote=text[start:end],
                status=status,
            )
        )
    Span.objects.bulk_create(rows)
    return {
        "project": project.pk,
        "document": document.pk,
        "viewer": annotators[0],
        "text": text,
        "astral": sum(1 for c in text if ord(c) > 0xFFFF),
    }


def session_cookie(user: Any) -> str:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


NAVIGATION_JS = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const mark = performance.getEntriesByName("workspace-interactive")[0];
  return {
    interactive: mark ? mark.startTime : null,
    response_end: nav.responseEnd,
    dom_content_loaded: nav.domContentLoadedEventEnd,
    segments: document.querySelectorAll("#doc-text .seg").length,
  };
}"""


def measure_create(page: Any, text: str, rng: random.Random) -> tuple[float, float]:
    """Select a random phrase with the mouse, press "1"; (in-page ms, driver-side ms)."""
    sys.path.insert(0, str(REPO_ROOT))
    from tests.e2e.helpers import drag_select

    starts = word_starts(text)
    first = rng.randrange(len(starts) - 6)
    start = starts[first]
    end = word_end(text, starts[first + rng.randint(1, 4)])
    drag_select(page, text, start, end)
    page.evaluate("performance.clearMeasures('span-visible')")
    began = time.perf_counter()
    page.keyboard.press("1")
    page.wait_for_function("performance.getEntriesByName('span-visible').length > 0", polling="raf")
    driver_ms = (time.perf_counter() - began) * 1000
    in_page = page.evaluate("performance.getEntriesByName('span-visible')[0].duration")
    page.wait_for_selector("#save-state[data-state='saved']")
    return in_page, driver_ms


def one_run(browser: Any, base_url: str, cookie: str, data: dict[str, Any], run: int) -> dict:
    # bypass_csp: wait_for_function evaluates its predicate with eval, which the app's
    # Content-Security-Policy refuses; the policy is tested in tests/e2e/test_csp.py, not here.
    context = browser.new_context(
        viewport={"width": 1440, "height": 900}, base_url=base_url, bypass_csp=True
    )
    context.add_cookies([{"name": "sessionid", "value": cookie, "url": base_url}])
    page = context.new_page()
    url = f"/projects/{data['project']}/documents/{data['document']}/"
    try:
        page.goto(url)
        page.wait_for_selector("body[data-ready='1']")
        cold = page.evaluate(NAVIGATION_JS)
        page.reload()
        page.wait_for_selector("body[data-ready='1']")
        warm = page.evaluate(NAVIGATION_JS)
        in_page, driver = measure_create(page, data["text"], random.Random(1000 + run))
    finally:
        context.close()
    return {"cold": cold, "warm": warm, "create_ms": in_page, "create_driver_ms": driver}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--chars", type=int, default=20_000)
    parser.add_argument("--spans", type=int, default=500)
    parser.add_argument("--annotators", type=int, default=3)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/wb_bench_workspace"
        ),
        help="PostgreSQL; created and dropped by the run",
    )
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        sys.exit(f"Chromium is not at {CHROMIUM}: apt-get install -y chromium")
    ensure_frontend_built()

    env = server_env(args.database_url)
    # Collect static files into a folder of this run, not the checkout's staticfiles/, which a
    # test run or dev server may be reading at the same time.
    env.setdefault("DJANGO_STATIC_ROOT", tempfile.mkdtemp(prefix="wb-bench-static-"))
    for key, value in env.items():
        if key.startswith(("DJANGO", "CELERY", "DATABASE")):
            os.environ[key] = value
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(REPO_ROOT))
    database = BenchDatabase(args.database_url)
    database.create()
    try:
        database.migrate(env)
        subprocess.run(
            [PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=REPO_ROOT,
            env=env,
            check=True,
            timeout=600,
        )
        import django

        django.setup()
        data = seed_data(args)
        cookie = session_cookie(data["viewer"])
        print(
            f"Document: {len(data['text'])} code points ({data['astral']} astral), "
            f"{args.spans} spans from {args.annotators} annotators; PostgreSQL, gunicorn "
            f"{args.workers} sync workers, DEBUG off; headless Chromium.",
            flush=True,
        )
        from playwright.sync_api import sync_playwright

        server = Gunicorn(env=env, workers=args.workers)
        with server.running(), sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            base_url = f"http://127.0.0.1:{server.port}"
            one_run(browser, base_url, cookie, data, -1)  # warm-up: server caches, JIT
            runs = []
            for run in range(args.runs):
                figures = one_run(browser, base_url, cookie, data, run)
                runs.append(figures)
                print(
                    f"run {run + 1}: interactive cold {figures['cold']['interactive']:.0f} ms "
                    f"(HTML done {figures['cold']['response_end']:.0f} ms), "
                    f"warm {figures['warm']['interactive']:.0f} ms; "
                    f"{figures['cold']['segments']} highlighted segments; new span visible "
                    f"{figures['create_ms']:.1f} ms in page "
                    f"({figures['create_driver_ms']:.1f} ms seen by the driver)",
                    flush=True,
                )
            browser.close()
    finally:
        from django.db import connections

        connections.close_all()
        database.drop()

    def med(key: str, sub: str | None = None) -> float:
        return median([r[key][sub] if sub else r[key] for r in runs])

    print(f"\nMedians over {args.runs} runs:")
    print(f"  time to interactive, cold cache: {med('cold', 'interactive'):.0f} ms (target < 1000)")
    print(f"  time to interactive, warm cache: {med('warm', 'interactive'):.0f} ms")
    print(f"  HTML received (cold):            {med('cold', 'response_end'):.0f} ms")
    print(f"  new span visible, in page:       {med('create_ms'):.1f} ms (target < 50)")
    print(f"  new span visible, driver-side:   {med('create_driver_ms'):.1f} ms")


if __name__ == "__main__":
    main()
