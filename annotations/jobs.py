"""Background jobs: creation, hand-off to Celery, progress, and what the user is told about them.

A job is enqueued only after the transaction that created it commits. When the broker cannot be
reached the job fails at once with the reason, rather than running inside the web request or
hanging; when no worker is alive its status says it is waiting for one.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import RedisError

from annotations.models import Job, JobState, Project
from workbench import heartbeat

logger = logging.getLogger(__name__)


def job_create(
    *, project: Project, kind: str, created_by: Any, params: dict[str, Any] | None = None
) -> Job:
    return Job.objects.create(
        project=project, kind=kind, created_by=created_by, params=params or {}
    )


def job_enqueue(*, job: Job, task: Any) -> None:
    """Send ``task(job_id)`` to the workers once the current transaction commits."""
    job_id = str(job.pk)

    def send() -> None:
        try:
            task.delay(job_id)
        except (KombuOperationalError, RedisError, OSError) as exc:
            logger.warning("could not enqueue job %s: %s", job_id, exc)
            job_fail(
                job_id=job_id,
                error=f"The task queue (broker) is unreachable: {exc}. Try again later.",
            )

    transaction.on_commit(send)


def job_start(*, job_id: str, total: int | None = None) -> bool:
    """Mark a job running. False when it already finished (a redelivered task must not redo it)."""
    updated = Job.objects.filter(pk=job_id, state__in=[JobState.QUEUED, JobState.RUNNING]).update(
        state=JobState.RUNNING, started_at=timezone.now(), progress_total=total, error=""
    )
    return updated == 1


def job_progress(*, job_id: str, done: int, total: int | None = None) -> None:
    fields: dict[str, Any] = {"progress_done": done}
    if total is not None:
        fields["progress_total"] = total
    Job.objects.filter(pk=job_id).update(**fields)


def job_succeed(*, job_id: str, result: Any) -> None:
    Job.objects.filter(pk=job_id).update(
        state=JobState.SUCCEEDED, result=result, finished_at=timezone.now(), error=""
    )


def job_fail(*, job_id: str, error: str, result: Any = None) -> None:
    Job.objects.filter(pk=job_id).update(
        state=JobState.FAILED, error=error, result=result, finished_at=timezone.now()
    )


class ProgressReporter:
    """Writes progress at most every ``interval`` seconds so that a tight loop does not hammer the
    database with one UPDATE per row."""

    def __init__(self, job_id: str, *, total: int | None = None, interval: float = 0.5) -> None:
        self.job_id = job_id
        self.total = total
        self.interval = interval
        self._last = 0.0

    def __call__(self, done: int, total: int | None = None) -> None:
        if total is not None:
            self.total = total
        now = time.monotonic()
        if now - self._last >= self.interval or (self.total is not None and done >= self.total):
            self._last = now
            job_progress(job_id=self.job_id, done=done, total=self.total)


def worker_status() -> dict[str, Any]:
    """How jobs get executed right now: eagerly in-process, or by live Celery workers."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {
            "mode": "eager",
            "alive": True,
            "workers": [],
            "detail": "Tasks run in the web process (no broker configured).",
        }
    try:
        workers = heartbeat.alive_workers()
    except (RedisError, OSError) as exc:
        return {
            "mode": "celery",
            "alive": False,
            "workers": [],
            "detail": f"Broker unreachable: {exc}",
        }
    if not workers:
        return {
            "mode": "celery",
            "alive": False,
            "workers": [],
            "detail": "No Celery worker is running; start one with `celery -A workbench worker`.",
        }
    return {
        "mode": "celery",
        "alive": True,
        "workers": workers,
        "detail": f"{len(workers)} worker(s) alive.",
    }


def job_waiting_message(job: Job) -> str | None:
    """What to tell the user about a queued job that no worker is going to pick up."""
    if job.state != JobState.QUEUED:
        return None
    status = worker_status()
    if status["alive"]:
        return None
    return f"Waiting for a worker: {status['detail']}"
