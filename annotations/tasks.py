"""Celery tasks: ids in, one service call out. Each is safe to run twice.

``job_task`` owns the life of a job for every task that runs one: it skips a job that is gone or
already finished (a redelivered message), marks it running, retries transient database errors,
and marks the job succeeded or failed with a readable reason. Services never import this module:
they enqueue by name (``annotations.services.background``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError

from annotations.models import Job
from annotations.services.agreement import (
    agreement_chunk_compute,
    agreement_rollup_finish,
    agreement_run_plan,
    refresh_incremental,
)
from annotations.services.annotation_imports import annotation_import_run
from annotations.services.background import clear_refresh_schedule
from annotations.services.document_imports import document_import_run
from annotations.services.exports import export_run as export_write
from annotations.services.jobs import JobFailed, JobOutcome, job_fail, job_finish, job_start

# Errors a retry may cure: the database connection dropped or the server is restarting.
TRANSIENT = (OperationalError, InterfaceError)
MAX_RETRIES = 3

JobWork = Callable[[Job], "JobOutcome | None"]


def job_task(*, failure: str) -> Callable[[JobWork], Any]:
    """A Celery task ``name(job_id)`` that runs ``work(job)`` as the job's one service call.

    ``work`` returns the job's ``JobOutcome``, or ``None`` when it handed the job on to other
    tasks that finish it. ``JobFailed`` fails the job with its reason and partial result; a
    transient error is retried (the job stays running and the retry starts it again), and fails
    the job once the retries are spent; any other error fails the job as ``failure: <error>``.
    """

    def decorate(work: JobWork) -> Any:
        @shared_task(bind=True, name=f"{work.__module__}.{work.__name__}", max_retries=MAX_RETRIES)
        @wraps(work)
        def task(self: Any, job_id: str) -> None:
            job = Job.objects.filter(pk=job_id).select_related("project").first()
            if job is None or not job_start(job_id=job_id):
                return  # deleted, or already finished by an earlier delivery
            try:
                outcome = work(job)
            except JobFailed as exc:
                job_fail(job_id=job_id, error=exc.error, result=exc.result)
                return
            except TRANSIENT as exc:
                if self.request.retries < self.max_retries:
                    raise self.retry(exc=exc, countdown=2**self.request.retries) from exc
                job_fail(job_id=job_id, error=f"{failure}: {exc}")
                raise
            except Exception as exc:
                job_fail(job_id=job_id, error=f"{failure}: {exc}")
                raise
            if outcome is not None:
                job_finish(job_id=job_id, outcome=outcome)

        return task

    return decorate


@job_task(failure="The import failed")
def import_documents(job: Job) -> JobOutcome:
    """Import the files uploaded for the job; each file all or nothing."""
    return document_import_run(job=job)


@job_task(failure="The import failed")
def import_annotations_run(job: Job) -> JobOutcome:
    """Import another tool's annotations (or our JSONL) uploaded for the job, all or nothing."""
    return annotation_import_run(job=job)


@job_task(failure="The export failed")
def export_run(job: Job) -> JobOutcome:
    """Write an export file. A redelivered task (worker killed midway) starts the file afresh."""
    return export_write(job=job)


@job_task(failure="Agreement run failed")
def agreement_run(job: Job) -> JobOutcome | None:
    """A full agreement run: at once for a small project, else in chunks that several workers
    may run in parallel; the last chunk to finish starts the roll-up."""
    planned = agreement_run_plan(job=job)
    if isinstance(planned, JobOutcome):
        return planned
    for index in range(planned):
        agreement_chunk.delay(str(job.pk), index)
    return None


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def agreement_chunk(job_id: str, index: int) -> None:
    if agreement_chunk_compute(job_id=job_id, index=index):
        agreement_rollup.delay(job_id)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def agreement_rollup(job_id: str) -> None:
    agreement_rollup_finish(job_id=job_id)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def agreement_refresh(project_id: int) -> None:
    """Debounced refresh after edits: recompute dirty documents, update the running sums."""
    # Edits from now on schedule anew. (In eager mode, the zero-config development setup, this
    # means every edit refreshes inside its own request: cheap for small projects, and the
    # figures are never stale there.)
    clear_refresh_schedule(project_id)
    refresh_incremental(project_id=project_id)
