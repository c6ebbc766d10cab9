"""The one place where services hand work to Celery.

Tasks call services, so services cannot import ``annotations.tasks`` without making the two import
each other. Instead a task is looked up by its registered name in the Celery app, which imports
``annotations.tasks`` itself (autodiscovery): the dependency points one way, tasks → services.
``tests/test_tasks.py`` checks that every name used here is a registered task.

A job is enqueued only after the transaction that created it commits. When the broker cannot be
reached the job fails at once with the reason, rather than running inside the web request or
hanging; when no worker is alive its status says it is waiting for one
(``annotations.selectors.jobs.job_waiting_message``).

What runs after a commit never turns the committed write into an error (``after_commit``). The
agreement refresh degrades to "later" when Redis (the cache and the broker) is down: the edited
documents stay dirty in the database, so the report already reads stale, and every worker sends
itself a sweep every ``AGREEMENT_SWEEP_SECONDS`` (``workbench.sweep``) that schedules a refresh
for each project whose figures lag their inputs (``services.agreement.refresh_sweep``). The sweep,
rather than "the next schedule picks up the others", because the database already holds the one
true record of what is due, in every process: nothing needs remembering in a web process (which
may restart, and whose siblings know nothing of it), a project nobody edits again is caught up
too, and so is a refresh message that Redis lost when it restarted without persistence.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import RedisError

from annotations.models import Job
from annotations.services.eager_refresh import RefreshQueue
from annotations.services.jobs import job_fail

logger = logging.getLogger(__name__)

AGREEMENT_REFRESH = "annotations.tasks.agreement_refresh"
AGREEMENT_RUN = "annotations.tasks.agreement_run"
EXPORT_RUN = "annotations.tasks.export_run"
IMPORT_DOCUMENTS = "annotations.tasks.import_documents"
IMPORT_ANNOTATIONS = "annotations.tasks.import_annotations_run"
TASK_NAMES = (AGREEMENT_REFRESH, AGREEMENT_RUN, EXPORT_RUN, IMPORT_DOCUMENTS, IMPORT_ANNOTATIONS)


@functools.cache
def _task_registry() -> Any:
    # A worker imports the task modules when it starts; a web process does so on first use.
    current_app.loader.import_default_modules()
    return current_app.tasks


def task_named(name: str) -> Any:
    """The registered Celery task called ``name`` (``NotRegistered`` for an unknown name)."""
    return _task_registry()[name]


def after_commit(func: Callable[[], None]) -> None:
    """Run ``func`` once the current transaction commits (at once outside one). It hands work to
    Redis or the workers, which is secondary to the write that committed: an error it lets escape
    is logged, and the request still answers with the success of its write."""
    transaction.on_commit(func, robust=True)


def job_enqueue(*, job: Job, task_name: str) -> None:
    """Send ``task_name(job_id)`` to the workers once the current transaction commits. The job
    remembers the task, so that a job whose worker stopped can be sent again."""
    job_id = str(job.pk)
    task = task_named(task_name)
    if job.task_name != task_name:
        job.task_name = task_name
        Job.objects.filter(pk=job.pk).update(task_name=task_name)

    def send() -> None:
        try:
            task.delay(job_id)
        except (KombuOperationalError, RedisError, OSError) as exc:
            logger.warning("could not enqueue job %s: %s", job_id, exc)
            job_fail(
                job_id=job_id,
                error=f"The task queue (broker) is unreachable: {exc}. Try again later.",
            )

    after_commit(send)


def _refresh_key(project_id: int) -> str:
    return f"agreement-refresh-scheduled:{project_id}"


def refresh_after_commit(project_id: int) -> None:
    """Schedule the project's agreement refresh once the current transaction commits."""
    after_commit(lambda: schedule_refresh(project_id))


def schedule_refresh(project_id: int) -> None:
    """Enqueue one refresh per project per debounce window, however many edits arrive. When Redis
    cannot be reached, nothing is enqueued and nothing raises: the sweep schedules it later."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        refresh_in_process(project_id)
        return
    delay = settings.AGREEMENT_DEBOUNCE_SECONDS
    try:
        if not cache.add(_refresh_key(project_id), 1, timeout=max(delay, 1)):
            return
    except Exception as exc:  # noqa: BLE001 - Redis down: the documents stay dirty, the sweep waits
        logger.warning(
            "agreement refresh of project %s left to the sweep: no cache (%s)", project_id, exc
        )
        return
    try:
        task_named(AGREEMENT_REFRESH).apply_async((project_id,), countdown=delay)
    except Exception as exc:  # noqa: BLE001 - a dead broker leaves the report stale, which it says
        logger.warning(
            "agreement refresh of project %s left to the sweep: no broker (%s)", project_id, exc
        )
        clear_refresh_schedule(project_id)


def clear_refresh_schedule(project_id: int) -> None:
    """The scheduled refresh is starting (or could not be sent): edits from now on schedule the
    next one. Without the cache, the key expires on its own after the debounce."""
    try:
        cache.delete(_refresh_key(project_id))
    except Exception as exc:  # noqa: BLE001 - the refresh goes on either way
        logger.warning("could not clear the refresh schedule of project %s: %s", project_id, exc)


def _refresh_now(project_id: int) -> None:
    # Called directly, a Celery task runs once: its automatic retry re-raises instead.
    task_named(AGREEMENT_REFRESH)(project_id)


in_process_refreshes = RefreshQueue(run=_refresh_now)


def refresh_in_process(project_id: int) -> None:
    """No broker (eager mode): refresh in this process, after the response.

    The refresh runs on this process's refresh thread once the debounce has passed, one at a time
    (``annotations.services.eager_refresh``). The tests turn AGREEMENT_EAGER_REFRESH_IN_BACKGROUND
    off: the refresh then runs at once, after the commit that scheduled it, so that what a test
    reads next is already refreshed. Either way it runs once: a failure is logged, not retried.
    """
    if settings.AGREEMENT_EAGER_REFRESH_IN_BACKGROUND:
        in_process_refreshes.schedule(project_id, delay=settings.AGREEMENT_DEBOUNCE_SECONDS)
        return
    try:
        _refresh_now(project_id)
    except Exception:  # noqa: BLE001 - as from a worker: logged, and the report says stale
        logger.warning("the agreement refresh of project %s failed", project_id, exc_info=True)
