"""Celery tasks: ids in, one service call out. Each is safe to run twice.

``job_task`` owns the life of a job for every task that runs one: it skips a job that is gone or
already finished (a redelivered message), claims it under a lease that a thread renews while the
work runs (``annotations.services.jobs``), retries transient database errors, and marks the job
succeeded or failed with a readable reason whatever the work raises. Services never import this
module: they enqueue by name (``annotations.services.background``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from annotations.models import Job
from annotations.services.agreement import (
    agreement_chunk_compute,
    agreement_rollup_finish,
    agreement_run_plan,
    refresh_incremental,
    refresh_sweep,
)
from annotations.services.annotation_imports import annotation_import_run
from annotations.services.background import clear_refresh_schedule, clear_search_index_schedule
from annotations.services.document_imports import document_import_run
from annotations.services.exports import export_run as export_write
from annotations.services.jobs import (
    Claim,
    JobFailed,
    JobOutcome,
    job_claim,
    job_fail,
    job_finish,
    job_lease,
    job_release,
)
from annotations.services.search_index import search_index_fill as fill_search_vectors
from annotations.services.search_index import search_index_sweep as sweep_search_vectors
from workbench.heartbeat import current_instance

# Errors a retry may cure: the database connection dropped or the server is restarting.
TRANSIENT = (OperationalError, InterfaceError)
MAX_RETRIES = 3
CLAIM_RETRIES = 10

JobWork = Callable[[Job], "JobOutcome | None"]


def job_task(*, failure: str) -> Callable[[JobWork], Any]:
    """A Celery task ``name(job_id)`` that runs ``work(job)`` as the job's one service call.

    ``work`` returns the job's ``JobOutcome``, or ``None`` when it handed the job on to other
    tasks that finish it. ``JobFailed`` fails the job with its reason and partial result; a
    transient error is retried (the job goes back to the queue and the retry claims it again), and
    fails the job once the retries are spent; any other error fails the job as
    ``failure: <error>``. A delivery of a job that another process runs, and that showed life
    within the lease, is sent again for when the lease would have run out.
    """

    def decorate(work: JobWork) -> Any:
        @shared_task(bind=True, name=f"{work.__module__}.{work.__name__}", max_retries=MAX_RETRIES)
        @wraps(work)
        def task(self: Any, job_id: str) -> None:
            instance = current_instance()
            try:
                claim, job = job_claim(
                    job_id=job_id, worker=self.request.hostname or "", instance=instance
                )
            except TRANSIENT as exc:
                # The database is away: the job cannot even be marked failed, so keep trying for
                # a few minutes rather than leave it queued with its message gone.
                delay = min(2**self.request.retries, 60)
                raise self.retry(exc=exc, countdown=delay, max_retries=CLAIM_RETRIES) from exc
            if claim is Claim.HELD and not self.request.is_eager:
                self.apply_async((job_id,), countdown=settings.JOB_LEASE_SECONDS)
            if claim is not Claim.CLAIMED or job is None:
                return  # deleted, finished by an earlier delivery, or run by another
            with job_lease(job_id=job_id, instance=instance):
                try:
                    outcome = work(job)
                except JobFailed as exc:
                    job_fail(job_id=job_id, error=exc.error, result=exc.result, holder=instance)
                    return
                except TRANSIENT as exc:
                    if self.request.retries < self.max_retries:
                        job_release(job_id=job_id, instance=instance)
                        raise self.retry(exc=exc, countdown=2**self.request.retries) from exc
                    job_fail(job_id=job_id, error=failure_reason(failure, exc), holder=instance)
                    raise
                except Exception as exc:
                    job_fail(job_id=job_id, error=failure_reason(failure, exc), holder=instance)
                    raise
            if outcome is not None:
                job_finish(job_id=job_id, outcome=outcome, holder=instance)

        return task

    return decorate


def failure_reason(failure: str, exc: BaseException) -> str:
    """``failure: <error>``, naming the kind of error when its message says nothing."""
    message = str(exc) or type(exc).__name__
    return f"{failure}: {message}"


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
        agreement_chunk.delay(str(job.pk), index, job.restarts)
    return None


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def agreement_chunk(job_id: str, index: int, run: int = 0) -> None:
    """One chunk of run ``run`` of an agreement job; it renews the job's lease while it works."""
    with job_lease(job_id=job_id, instance=current_instance(), run=run):
        last = agreement_chunk_compute(job_id=job_id, index=index, run=run)
    if last:
        agreement_rollup.delay(job_id, run)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def agreement_rollup(job_id: str, run: int = 0) -> None:
    with job_lease(job_id=job_id, instance=current_instance(), run=run):
        agreement_rollup_finish(job_id=job_id)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def agreement_refresh(project_id: int) -> None:
    """Debounced refresh after edits: recompute dirty documents, update the running sums."""
    # Edits from now on schedule anew. (In eager mode, the zero-config setup, this runs on the
    # web process's refresh thread after the response: annotations.services.eager_refresh.)
    clear_refresh_schedule(project_id)
    refresh_incremental(project_id=project_id)


@shared_task
def agreement_sweep() -> None:
    """Schedule the refreshes that edits could not schedule (periodic: ``workbench.sweep``). Not
    retried: the next period sweeps again."""
    refresh_sweep()


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def search_index_fill(project_id: int) -> None:
    """Fill the project's pending search vectors (scheduled after documents are added or their
    text changes: ``background.schedule_search_index``)."""
    # Documents added from now on schedule the next fill.
    clear_search_index_schedule(project_id)
    fill_search_vectors(project_id=project_id)


@shared_task
def search_index_sweep() -> None:
    """Schedule the fills that writes could not schedule (periodic: ``workbench.sweep``). Not
    retried: the next period sweeps again."""
    sweep_search_vectors()
