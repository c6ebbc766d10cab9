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
from django.db import connection, transaction
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
SEARCH_INDEX_FILL = "annotations.tasks.search_index_fill"
TASK_NAMES = (
    AGREEMENT_REFRESH,
    AGREEMENT_RUN,
    EXPORT_RUN,
    IMPORT_DOCUMENTS,
    IMPORT_ANNOTATIONS,
    SEARCH_INDEX_FILL,
)

# Documents added in one burst (an import's batches, a script's creates) share one fill of their
# search vectors; a second later, so that the burst's transactions have committed.
SEARCH_INDEX_DELAY_SECONDS = 1


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


# --- the documents table's search vectors (annotations.services.search_index) ------------------


def _search_index_key(project_id: int) -> str:
    return f"search-index-scheduled:{project_id}"


def search_index_after_commit(project_id: int) -> None:
    """Documents of the project were added, or their title or text changed: fill their search
    vectors in the background once the current transaction commits (never inline: an import would
    pay 0.35 ms per document). Nothing to do on SQLite, which searches plainly."""
    if connection.vendor == "postgresql":
        after_commit(lambda: schedule_search_index(project_id))


def schedule_search_index(project_id: int) -> None:
    """Enqueue one fill per project per burst of writes. Without a broker (eager mode) the fill
    runs in this process as the agreement refresh does; with Redis down nothing is enqueued and
    nothing raises: the vectors stay pending (a search still finds those documents, by a plain
    scan) and the worker's periodic sweep schedules the fill (``search_index.search_index_sweep``)."""
    if connection.vendor != "postgresql":
        return
    if settings.CELERY_TASK_ALWAYS_EAGER:
        search_index_in_process(project_id)
        return
    try:
        if not cache.add(_search_index_key(project_id), 1, timeout=60):
            return
    except Exception as exc:  # noqa: BLE001 - Redis down: the vectors stay pending, the sweep waits
        logger.warning(
            "search index of project %s left to the sweep: no cache (%s)", project_id, exc
        )
        return
    try:
        task_named(SEARCH_INDEX_FILL).apply_async(
            (project_id,), countdown=SEARCH_INDEX_DELAY_SECONDS
        )
    except Exception as exc:  # noqa: BLE001 - a dead broker leaves the vectors pending
        logger.warning(
            "search index of project %s left to the sweep: no broker (%s)", project_id, exc
        )
        clear_search_index_schedule(project_id)


def clear_search_index_schedule(project_id: int) -> None:
    """The scheduled fill is starting: documents added from now on schedule the next one (the key
    also expires on its own, so a fill whose message was lost blocks nothing for long)."""
    try:
        cache.delete(_search_index_key(project_id))
    except Exception as exc:  # noqa: BLE001 - the fill goes on either way
        logger.warning("could not clear the search index schedule of %s: %s", project_id, exc)


def _search_index_now(project_id: int) -> None:
    task_named(SEARCH_INDEX_FILL)(project_id)


in_process_search_index = RefreshQueue(run=_search_index_now, name="search-index")


def search_index_in_process(project_id: int) -> None:
    """No broker (eager mode): fill the project's vectors on this process's search index thread
    after the response, like ``refresh_in_process`` (the same setting turns the thread off in the
    tests: the fill then runs at once, after the commit that scheduled it)."""
    if settings.AGREEMENT_EAGER_REFRESH_IN_BACKGROUND:
        in_process_search_index.schedule(project_id, delay=SEARCH_INDEX_DELAY_SECONDS)
        return
    try:
        _search_index_now(project_id)
    except Exception:  # noqa: BLE001 - as from a worker: logged; the sweep catches up
        logger.warning("the search index fill of project %s failed", project_id, exc_info=True)
