"""A background job's life: created, running, progress, succeeded or failed with a reason.

A running job holds a lease: the worker that runs it (its host name, and which start of that
worker: ``workbench.heartbeat.current_instance``) and ``heartbeat_at``, when it last showed life,
renewed from a thread while the work runs (``job_lease``). Only a queued job, or a running one
whose lease ran out, can be claimed, so two deliveries of one job never run it at once; and only
the holder of the lease finishes it. A job whose lease ran out while its worker is gone is
restarted once, then failed (``annotations.services.job_recovery``).

Enqueueing is ``annotations.services.background``'s; what a user is told about a queued job is
``annotations.selectors.jobs``'.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.utils import timezone

from annotations.models import Job, JobState, Project
from annotations.selectors.jobs import lease_expired_before

logger = logging.getLogger(__name__)

# A job whose worker stopped is started again this many times; the next time it fails.
MAX_RESTARTS = 1


@dataclass(frozen=True, slots=True)
class JobOutcome:
    """What a job's work produced: its result, and a reason when the job failed with it."""

    result: Any
    error: str = ""


class JobFailed(Exception):
    """Raised by a job's work to fail the job with a reason and what it had done so far."""

    def __init__(self, error: str, *, result: Any = None) -> None:
        super().__init__(error)
        self.error = error
        self.result = result


def job_create(
    *, project: Project, kind: str, created_by: Any, params: dict[str, Any] | None = None
) -> Job:
    return Job.objects.create(
        project=project, kind=kind, created_by=created_by, params=params or {}
    )


def lost_job_error(job: Job) -> str:
    """The reason a job fails with when the worker running it stopped."""
    again = ", as it had once before" if job.restarts else ""
    return (
        f"The worker running this job ({job.worker or 'unknown'}) stopped before the job "
        f"finished{again}. Start the job again; if it stops again, read that worker's log."
    )


class Claim(enum.Enum):
    CLAIMED = "claimed"  # run it
    HELD = "held"  # another delivery runs it and showed life within the lease: try later
    FINISHED = "finished"  # gone, finished, or failed now: a redelivered message, skip it


def job_claim(*, job_id: str, worker: str = "", instance: str = "") -> tuple[Claim, Job | None]:
    """Take a queued job, or a running one whose lease ran out, to run it: mark it running under
    this lease. Returns the claimed job, reloaded. A running job whose lease ran out was being run
    by a process that stopped: taking it over is a restart, failed past ``MAX_RESTARTS``."""
    now = timezone.now()
    with transaction.atomic():
        job = (
            Job.objects.select_for_update(of=("self",))
            .select_related("project")
            .filter(pk=job_id)
            .first()
        )
        if job is None or job.is_finished:
            return Claim.FINISHED, None
        if job.state == JobState.RUNNING:
            if job.heartbeat_at is not None and job.heartbeat_at >= lease_expired_before(now):
                return Claim.HELD, job
            if job.restarts >= MAX_RESTARTS:
                _fail(job, lost_job_error(job), now)
                return Claim.FINISHED, None
            job.restarts += 1
        job.state = JobState.RUNNING
        job.started_at = job.heartbeat_at = now
        job.progress_total = None
        job.error = ""
        job.worker, job.worker_instance = worker, instance
        job.save(
            update_fields=[
                "state",
                "started_at",
                "heartbeat_at",
                "progress_total",
                "error",
                "worker",
                "worker_instance",
                "restarts",
            ]
        )
    return Claim.CLAIMED, job


def _fail(job: Job, error: str, now: dt.datetime) -> None:
    job.state, job.error, job.finished_at = JobState.FAILED, error, now
    job.save(update_fields=["state", "error", "finished_at"])


def job_release(*, job_id: str, instance: str) -> None:
    """Give a running job back to the queue (its task will be retried): the retry claims it."""
    Job.objects.filter(pk=job_id, state=JobState.RUNNING, worker_instance=instance).update(
        state=JobState.QUEUED, worker="", worker_instance="", heartbeat_at=None
    )


def job_renew(*, job_id: str, instance: str, run: int | None = None) -> bool:
    """The job shows life: renew its lease, if ``instance`` holds it. A part of a job split into
    several tasks (``run``: the job's run they belong to) renews whoever holds it."""
    jobs = Job.objects.filter(pk=job_id, state=JobState.RUNNING)
    jobs = jobs.filter(worker_instance=instance) if run is None else jobs.filter(params__run=run)
    return bool(jobs.update(heartbeat_at=timezone.now()))


@contextmanager
def job_lease(*, job_id: str, instance: str, run: int | None = None) -> Iterator[None]:
    """Renew the job's lease from a thread while the block runs (see ``job_renew``), so that the
    job shows life in a long step that reports no progress too. Outside a worker (eager mode, no
    instance) the job runs in the caller's request and holds no lease."""
    if not instance:
        yield
        return
    stop = threading.Event()
    every = max(settings.JOB_LEASE_SECONDS / 4, 0.1)

    def renew() -> None:
        try:
            while not stop.wait(every):
                try:
                    job_renew(job_id=job_id, instance=instance, run=run)
                except DatabaseError:
                    logger.warning("could not renew the lease of job %s", job_id, exc_info=True)
        finally:
            connections.close_all()  # this thread's connections only

    thread = threading.Thread(target=renew, name=f"job-lease-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def job_progress(*, job_id: str, done: int, total: int | None = None) -> None:
    fields: dict[str, Any] = {"progress_done": done}
    if total is not None:
        fields["progress_total"] = total
    Job.objects.filter(pk=job_id).update(**fields)


def _held(job_id: str, holder: str | None) -> Any:
    jobs = Job.objects.filter(pk=job_id)
    if holder is not None:
        # A process whose lease ran out (and whose job was restarted elsewhere) finishes nothing.
        jobs = jobs.filter(state=JobState.RUNNING, worker_instance=holder)
    return jobs


def job_succeed(*, job_id: str, result: Any, holder: str | None = None) -> bool:
    """Mark the job succeeded; with ``holder``, only while that worker instance holds it."""
    return bool(
        _held(job_id, holder).update(
            state=JobState.SUCCEEDED, result=result, finished_at=timezone.now(), error=""
        )
    )


def job_fail(*, job_id: str, error: str, result: Any = None, holder: str | None = None) -> bool:
    """Mark the job failed with ``error``; with ``holder``, only while that instance holds it."""
    return bool(
        _held(job_id, holder).update(
            state=JobState.FAILED, error=error, result=result, finished_at=timezone.now()
        )
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


def job_finish(*, job_id: str, outcome: JobOutcome, holder: str | None = None) -> bool:
    if outcome.error:
        return job_fail(job_id=job_id, error=outcome.error, result=outcome.result, holder=holder)
    return job_succeed(job_id=job_id, result=outcome.result, holder=holder)
