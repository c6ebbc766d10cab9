import logging
import os
from typing import Any

from celery import Celery
from celery.worker.consumer import Consumer
from celery.worker.state import active_requests

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workbench.settings")

logger = logging.getLogger(__name__)

app = Celery("workbench")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# By name: only a worker loads the step (it starts the heartbeat and restarts jobs whose worker
# stopped, through a service), and nothing a web request imports leads to it.
app.steps["worker"].add("workbench.worker_steps:WorkerHeartbeat")
# Sends the agreement sweep (refreshes Redis could not schedule) every AGREEMENT_SWEEP_SECONDS.
app.steps["worker"].add("workbench.sweep:AgreementSweep")


class WorkbenchConsumer(Consumer):
    """Celery's consumer (``CELERY_WORKER_CONSUMER``), kept alive when the Redis broker goes away
    while tasks run.

    On a lost connection the consumer closes it before reconnecting. Closing a Redis channel hands
    its unacknowledged messages (the running tasks', ``acks_late``) back to the queue, through a
    connection whose settings kombu has already dropped: ``AttributeError("'NoneType' object has
    no attribute 'hostname'")``. That is no connection error, so it ended the worker ("Unrecoverable
    error", then "Error on stopping Hub") instead of reconnecting (celery 5.7.0, kombu 5.7.0); a
    task that ran through the outage then ended it the same way when it acknowledged its message
    on the lost channel. Here the broken connection is dropped all the same, and the running
    tasks' messages are left unacknowledged in Redis: the visibility timeout delivers them again,
    and that delivery finds its job finished and skips it
    (``annotations.services.jobs.job_claim``).
    """

    def on_connection_error_after_connected(self, exc: Any) -> None:
        for request in tuple(active_requests):
            if request.task.acks_late and not request.acknowledged:
                request.acknowledged = True  # never on the lost channel
        try:
            super().on_connection_error_after_connected(exc)
        except AttributeError:
            logger.warning(
                "consumer: closing the lost broker connection failed; reconnecting all the same",
                exc_info=True,
            )
