"""The one place where services hand work to Celery.

Tasks call services, so services cannot import ``annotations.tasks`` without making the two import
each other. Instead a task is looked up by its registered name in the Celery app, which imports
``annotations.tasks`` itself (autodiscovery): the dependency points one way, tasks → services.
``tests/test_tasks.py`` checks that every name used here is a registered task.

A job is enqueued only after the transaction that created it commits. When the broker cannot be
reached the job fails at once with the reason, rather than running inside the web request or
hanging; when no worker is alive its status says it is waiting for one
(``annotations.selectors.jobs.job_waiting_message``).
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import RedisError

from annotations.models import Job
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


def job_enqueue(*, job: Job, task_name: str) -> None:
    """Send ``task_name(job_id)`` to the workers once the current transaction commits."""
    job_id = str(job.pk)
    task = task_named(task_name)

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


def _refresh_key(project_id: int) -> str:
    return f"agreement-refresh-scheduled:{project_id}"


def schedule_refresh(project_id: int) -> None:
    """Enqueue one refresh per project per debounce window, however many edits arrive."""
    delay = settings.AGREEMENT_DEBOUNCE_SECONDS
    if not cache.add(_refresh_key(project_id), 1, timeout=max(delay, 1)):
        return
    try:
        task_named(AGREEMENT_REFRESH).apply_async((project_id,), countdown=delay)
    except Exception:  # noqa: BLE001 - a dead broker leaves the report stale, which it says
        cache.delete(_refresh_key(project_id))
        logger.warning(
            "could not schedule the agreement refresh of project %s", project_id, exc_info=True
        )


def clear_refresh_schedule(project_id: int) -> None:
    """The scheduled refresh is starting: edits from now on schedule the next one."""
    cache.delete(_refresh_key(project_id))
