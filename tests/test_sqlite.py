"""The zero-config setup (`make run`: SQLite, no broker, jobs in the web process) with a few
people at once, against a real `manage.py runserver` on a SQLite file, as `make run` serves it.

The suite itself runs on PostgreSQL, so this test migrates and seeds its own SQLite database in a
temporary folder and starts the server as a separate process with no broker configured.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.waiting import HANG_SECONDS, wait_until

REPO_ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 10
CREATES_PER_CLIENT = 20
TEXT = (
    "The ministry said no civilians were hurt during the operation on Tuesday. Local officials "
    "counted twelve casualties, and a hospital spokesperson put the figure at fifteen."
)
# What the server must not inherit from the test run: with none of these set, settings.py is in
# its zero-config mode (SQLite, no broker, eager tasks).
CONFIG_VARS = (
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "CELERY_TASK_ALWAYS_EAGER",
    "DJANGO_DEBUG",
    "DJANGO_SECRET_KEY",
    "WORKBENCH_MEDIA_ROOT",
    "AGREEMENT_DEBOUNCE_SECONDS",
)
SEED = f"""
import json, django
django.setup()
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from annotations.models import Assignment, Document, Role
from annotations.services import background
from annotations.services.assignments import assignment_transition
from annotations.services.projects import membership_add, project_create

User = get_user_model()
manager = User.objects.create_user("lead")
project = project_create(creator=manager, name="Zero config", annotators_per_document=2)
documents = [
    Document.objects.create(project=project, title=f"Article {{i}}", text={TEXT!r})
    for i in range(2)
]
coders = [User.objects.create_user(f"coder{{i}}") for i in range({CLIENTS})]
for user in coders:
    membership_add(project=project, user=user, role=Role.ANNOTATOR)
    for document in documents:
        assignment = Assignment.objects.create(project=project, document=document, annotator=user)
        assignment_transition(assignment=assignment, action="submit")
background.in_process_refreshes.expedite()
assert background.in_process_refreshes.wait_idle(60)
print(json.dumps({{
    "project": project.pk,
    "documents": [d.pk for d in documents],
    "manager": Token.objects.create(user=manager).key,
    "coders": [Token.objects.create(user=user).key for user in coders],
}}))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _request(
    conn: http.client.HTTPConnection, method: str, path: str, token: str, body: dict | None = None
) -> tuple[int, bytes]:
    headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
    payload = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        payload = json.dumps(body).encode()
    conn.request(method, path, body=payload, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


@pytest.fixture(scope="module")
def zero_config_server(tmp_path_factory) -> Iterator[dict]:
    folder = tmp_path_factory.mktemp("zero-config")
    database = folder / "db.sqlite3"
    env = {k: v for k, v in os.environ.items() if k not in CONFIG_VARS}
    env.update(
        DJANGO_SETTINGS_MODULE="workbench.settings",
        DATABASE_URL=f"sqlite:///{database}",
        WORKBENCH_MEDIA_ROOT=str(folder / "media"),
        AGREEMENT_DEBOUNCE_SECONDS="1",
    )

    def run(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, *args],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=HANG_SECONDS,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    run("manage.py", "migrate", "--noinput", "-v", "0")
    seeded = json.loads(run("-c", SEED).strip().splitlines()[-1])
    port = _free_port()
    log_path = folder / "server.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def answers() -> bool:
        assert server.poll() is None, log_path.read_text()[-3000:]
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/v1/health/")
            return conn.getresponse().status == 200
        except OSError:
            return False

    try:
        wait_until(answers, what="runserver to answer", interval=0.2)
        yield {**seeded, "port": port, "database": database, "log": log_path}
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=20)


def test_ten_concurrent_clients_on_sqlite_get_no_error(zero_config_server):
    s = zero_config_server
    url = f"/api/v1/projects/{s['project']}/spans/"
    start_together = threading.Barrier(CLIENTS, timeout=HANG_SECONDS)
    statuses: list[list[int]] = [[] for _ in range(CLIENTS)]
    failures: list[bytes] = []

    def client(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", s["port"], timeout=HANG_SECONDS)
        start_together.wait()
        for n in range(CREATES_PER_CLIENT):
            body = {
                "document": s["documents"][n % 2],
                "label": "claim",
                "start": n,
                "end": n + 30,
            }
            status, data = _request(conn, "POST", url, s["coders"][index], body)
            statuses[index].append(status)
            if status != 201:
                failures.append(data[:500])
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(HANG_SECONDS)
    assert not any(thread.is_alive() for thread in threads), "a client hung"

    assert failures == []
    assert statuses == [[201] * CREATES_PER_CLIENT for _ in range(CLIENTS)]
    with sqlite3.connect(s["database"]) as db:
        assert db.execute("SELECT count(*) FROM annotations_span").fetchone() == (
            CLIENTS * CREATES_PER_CLIENT,
        )
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)

    # The refresh ran after the responses, in the server's background: the report catches up
    # with every edit of the burst.
    conn = http.client.HTTPConnection("127.0.0.1", s["port"], timeout=HANG_SECONDS)

    def report_current() -> bool:
        status, data = _request(
            conn, "GET", f"/api/v1/projects/{s['project']}/agreement/", s["manager"]
        )
        assert status == 200, data[:500]
        body = json.loads(data)
        return body["report"] is not None and body["stale"] is False

    wait_until(report_current, what="the agreement report to take in the burst", interval=0.2)
    assert "database is locked" not in s["log"].read_text()
