"""The job resource, worker liveness and the health endpoint, with a real Redis broker and, in
one test, a real Celery worker running on the test database."""

from __future__ import annotations

import io
import socket

import pytest
from celery.contrib.testing.worker import start_worker

from annotations.models import Document, Job, JobState
from tests.waiting import wait_until
from workbench import heartbeat
from workbench.celery import app as celery_app


def named_file(name: str, content: bytes) -> io.BytesIO:
    f = io.BytesIO(content)
    f.name = name
    return f


def start_import(client, project, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/projects/{project.pk}/imports/",
            {"file": [named_file("a.jsonl", b'{"text": "one"}\n{"text": "two"}\n')]},
            format="multipart",
        )
    assert response.status_code == 202, response.json()
    return response.json()["id"]


def test_job_without_worker_says_it_is_waiting(
    broker_mode, client_for, project, manager, django_capture_on_commit_callbacks
):
    job_id = start_import(client_for(manager), project, django_capture_on_commit_callbacks)
    body = client_for(manager).get(f"/api/v1/jobs/{job_id}/").json()
    assert body["state"] == "queued"
    assert body["waiting_for_worker"].startswith("Waiting for a worker")
    assert "celery -A workbench worker" in body["waiting_for_worker"]

    health = client_for().get("/api/v1/health/").json()
    assert health["database"]["ok"] is True
    assert (health["broker"]["ok"], health["broker"]["mode"]) == (True, "celery")
    assert health["workers"]["ok"] is False
    assert "celery -A workbench worker" in health["workers"]["action"]


def _reset_connection_pools() -> None:
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def dead_broker(broker_mode, settings):
    """A broker URL where nothing listens (port 1 on loopback)."""
    live = celery_app.conf.broker_url
    dead = "redis://127.0.0.1:1/0"
    settings.CELERY_BROKER_URL = dead
    celery_app.conf.broker_url = dead
    _reset_connection_pools()
    yield
    celery_app.conf.broker_url = live
    _reset_connection_pools()


class _EndlessRetries(BaseException):
    """Raised from a connection attempt past any sane number, so that no retry loop catches it:
    an endless loop fails the test instead of hanging it."""


def test_unreachable_broker_fails_the_job_at_once(
    dead_broker, client_for, project, manager, django_capture_on_commit_callbacks, settings
):
    # "At once" is judged from what the request attempted, not from a stopwatch: every connection
    # attempt's timeout plus the publish retry policy's waits must stay under 15 s.
    timeouts: list[float | None] = []
    connect = socket.socket.connect

    def counted_connect(sock: socket.socket, address) -> None:
        if address[:2] == ("127.0.0.1", 1):
            timeouts.append(sock.gettimeout())
            if len(timeouts) > 20:
                raise _EndlessRetries(f"{len(timeouts)} attempts to reach the broker")
        return connect(sock, address)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", counted_connect)
        job_id = start_import(client_for(manager), project, django_capture_on_commit_callbacks)
    # kombu waits interval_start, then interval_step longer each time, never more than
    # interval_start + interval_max (its default interval_max is 1 s).
    policy = settings.CELERY_TASK_PUBLISH_RETRY_POLICY
    start, step = policy["interval_start"], policy["interval_step"]
    longest = start + policy.get("interval_max", 1)
    waits = [min(start + n * step, longest) for n in range(policy["max_retries"])]
    assert timeouts, "the broker was never tried"
    assert None not in timeouts, f"a connection attempt without a timeout: {timeouts}"
    assert sum(timeouts) + sum(waits) < 15, (timeouts, waits)
    job = Job.objects.get(pk=job_id)
    assert job.state == JobState.FAILED
    assert "broker" in job.error and "unreachable" in job.error
    assert not Document.objects.filter(project=project).exists()

    health = client_for().get("/api/v1/health/").json()
    assert health["broker"]["ok"] is False
    assert health["workers"]["ok"] is False


def test_health_in_eager_mode(client_for, settings, db):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    body = client_for().get("/api/v1/health/").json()
    assert body["database"]["ok"] is True
    assert body["workers"] == {
        "ok": True,
        "names": [],
        "detail": body["workers"]["detail"],
        "action": None,
    }
    assert body["broker"]["mode"] == "eager"


def test_job_visibility(
    client_for, project, manager, reviewer, outsider, django_capture_on_commit_callbacks
):
    job_id = start_import(client_for(manager), project, django_capture_on_commit_callbacks)
    assert client_for(manager).get(f"/api/v1/jobs/{job_id}/").status_code == 200
    assert client_for(reviewer).get(f"/api/v1/jobs/{job_id}/").status_code == 404  # not theirs
    assert client_for(outsider).get(f"/api/v1/jobs/{job_id}/").status_code == 404
    assert client_for().get(f"/api/v1/jobs/{job_id}/").status_code == 401
    assert client_for(manager).get("/api/v1/jobs/not-a-uuid/").status_code == 404
    listed = client_for(manager).get(f"/api/v1/projects/{project.pk}/jobs/").json()
    assert [j["id"] for j in listed["results"]] == [job_id]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_runs_import_job_end_to_end(broker_mode, client_for, project, manager):
    # No result backend is configured, so readiness is proven by the worker's heartbeat, not a ping.
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        wait_until(heartbeat.alive_workers, what="the worker's heartbeat")
        health = client_for().get("/api/v1/health/").json()
        assert health["workers"]["ok"] is True, health

        response = client_for(manager).post(
            f"/api/v1/projects/{project.pk}/imports/",
            {"file": [named_file("a.jsonl", b'{"text": "one"}\n{"text": "two"}\n')]},
            format="multipart",
        )
        job_id = response.json()["id"]

        def finished() -> dict | None:
            body = client_for(manager).get(f"/api/v1/jobs/{job_id}/").json()
            return body if body["state"] in ("succeeded", "failed") else None

        body = wait_until(finished, what=f"job {job_id} to finish")
    assert body["state"] == "succeeded", body
    assert body["waiting_for_worker"] is None
    assert sorted(Document.objects.filter(project=project).values_list("text", flat=True)) == [
        "one",
        "two",
    ]
