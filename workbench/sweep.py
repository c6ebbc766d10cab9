"""The agreement sweep, sent by every Celery worker every ``AGREEMENT_SWEEP_SECONDS``.

An edit schedules its project's agreement refresh through Redis; when Redis is down that cannot
happen, and the edit must not fail for it (``annotations.services.background``). The documents
stay dirty in the database, and this worker step, on the worker's own timer, sends the sweep task
that schedules a refresh for every project whose figures lag their inputs
(``annotations.services.agreement.refresh_sweep``). Only the sending happens here, in the
worker's main process, by task name: the sweep's queries run in a pool process like any task's.
Registered by name in ``workbench.celery``. The timer stands still while the consumer reconnects
to the broker, which is when a sweep could not be sent anyway.

The same timer sends the search index sweep: documents whose full-text search vector is still
pending (its fill could not be scheduled, or its message was lost) get a fill
(``annotations.services.search_index.search_index_sweep``).
"""

from __future__ import annotations

import logging
from typing import Any

from celery import bootsteps
from django.conf import settings

logger = logging.getLogger(__name__)

SWEEP_TASK = "annotations.tasks.agreement_sweep"
# The same timer catches up the documents table's search vectors (annotations.services.search_index).
SEARCH_INDEX_SWEEP_TASK = "annotations.tasks.search_index_sweep"
SWEEP_TASKS = (SWEEP_TASK, SEARCH_INDEX_SWEEP_TASK)


class AgreementSweep(bootsteps.StartStopStep):
    requires = {"celery.worker.components:Timer"}

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self.timer_ref: Any = None

    def start(self, parent: Any) -> None:
        self.timer_ref = parent.timer.call_repeatedly(settings.AGREEMENT_SWEEP_SECONDS, send_sweep)

    def stop(self, parent: Any) -> None:
        if self.timer_ref is not None:
            self.timer_ref.cancel()
            self.timer_ref = None

    def terminate(self, parent: Any) -> None:
        self.stop(parent)


def send_sweep() -> None:
    """Queue one of each sweep. Never raises: with the broker down there is nothing to send them
    with, and the timer tries again next period."""
    from workbench.celery import app  # loaded with this module's importer, the app itself

    for name in SWEEP_TASKS:
        try:
            app.send_task(name)
        except Exception as exc:  # noqa: BLE001 - the timer must go on
            logger.warning("could not send the sweep %s: %s", name, exc)
