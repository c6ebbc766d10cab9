"""A background job's life: created, running, progress, succeeded or failed with a reason.

Enqueueing is ``annotations.services.background``'s; what a user is told about a queued job is
``annotations.selectors.jobs``'.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from annotations.models import Job, JobState, Project


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


def job_finish(*, job_id: str, outcome: JobOutcome) -> None:
    if outcome.error:
        job_fail(job_id=job_id, error=outcome.error, result=outcome.result)
    else:
        job_succeed(job_id=job_id, result=outcome.result)
