"""The worker's own bootstep: its heartbeat, and the watch over running jobs whose worker stopped.

Registered by name in ``workbench.celery`` (only a worker loads it), because it calls a service:
nothing that a web request imports may lead here.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from typing import Any

import redis
from celery import bootsteps
from django.conf import settings

from workbench.heartbeat import INSTANCE_ENV, beat, clear

logger = logging.getLogger(__name__)


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Beats for the worker, and restarts or fails the jobs whose worker stopped (on start, then
    every beat), from a thread of the worker's main process. A thread, not the worker's timer:
    the timer runs on the event loop, which stands still while the solo pool runs a task and
    while the consumer reconnects to the broker, and neither must silence the heartbeat."""

    requires = {"celery.worker.components:Pool"}

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self.hostname = getattr(parent, "hostname", None) or socket.gethostname()
        self.instance = uuid.uuid4().hex
        os.environ[INSTANCE_ENV] = self.instance
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._beat_failing = False

    def start(self, parent: Any) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="workbench-heartbeat", daemon=True)
        self._thread.start()

    def stop(self, parent: Any) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=settings.WORKER_HEARTBEAT_TTL)
            self._thread = None
        try:
            clear(self.hostname, self.instance)
        except redis.RedisError:
            logger.warning("could not clear heartbeat of %s", self.hostname)
        if os.environ.get(INSTANCE_ENV) == self.instance:
            del os.environ[INSTANCE_ENV]

    def terminate(self, parent: Any) -> None:
        self.stop(parent)

    def _run(self) -> None:
        try:
            while True:
                self._beat_safely()
                self._recover_safely()
                if self._stopping.wait(settings.WORKER_HEARTBEAT_INTERVAL):
                    return
        finally:
            from django.db import connections

            connections.close_all()  # this thread's connections only

    def _beat_safely(self) -> None:
        try:
            beat(self.hostname, self.instance)
        except redis.RedisError as exc:
            if not self._beat_failing:  # once per outage, not every few seconds
                logger.warning("could not write heartbeat of %s: %s", self.hostname, exc)
            self._beat_failing = True
        else:
            if self._beat_failing:
                logger.warning("heartbeat of %s written again", self.hostname)
            self._beat_failing = False

    def _recover_safely(self) -> None:
        # Imported here: this module is imported with the Celery app, before Django's apps are
        # ready; the thread runs once the worker has started them.
        from annotations.services.job_recovery import jobs_recover_lost

        try:
            jobs_recover_lost()
        except Exception:  # noqa: BLE001 - a database outage must not end the watch
            logger.warning("could not look for jobs whose worker stopped", exc_info=True)
