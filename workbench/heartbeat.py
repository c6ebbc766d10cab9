"""Worker liveness through Redis keys that each Celery worker refreshes while it runs.

``celery inspect ping`` takes a full broadcast timeout to say "nobody answered"; a key with a TTL
answers at once, so the health endpoint and every job read can afford to ask.
"""

from __future__ import annotations

import logging
import socket
import time
from typing import Any

import redis
from celery import bootsteps
from django.conf import settings

logger = logging.getLogger(__name__)
KEY_PREFIX = "workbench:worker-heartbeat:"


def _redis_client() -> redis.Redis | None:
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return None
    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)


def _queue_prefix() -> str:
    # Keyed by the queue jobs are sent to: a worker that consumes another queue cannot run them.
    from workbench.celery import app

    return f"{KEY_PREFIX}{app.conf.task_default_queue}:"


def beat(hostname: str) -> None:
    client = _redis_client()
    if client is not None:
        client.set(_queue_prefix() + hostname, str(time.time()), ex=settings.WORKER_HEARTBEAT_TTL)


def clear(hostname: str) -> None:
    client = _redis_client()
    if client is not None:
        client.delete(_queue_prefix() + hostname)


def alive_workers() -> list[str]:
    """Host names of workers on the jobs' queue that sent a heartbeat within the TTL.
    Raises ``redis.RedisError`` when the broker cannot be reached."""
    client = _redis_client()
    if client is None:
        return []
    prefix = _queue_prefix()
    return sorted(key.decode()[len(prefix) :] for key in client.scan_iter(prefix + "*"))


class WorkerHeartbeat(bootsteps.StartStopStep):
    requires = {"celery.worker.components:Timer"}

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self.timer_ref: Any = None
        self.hostname = getattr(parent, "hostname", None) or socket.gethostname()

    def start(self, parent: Any) -> None:
        self._beat_safely()
        self.timer_ref = parent.timer.call_repeatedly(
            settings.WORKER_HEARTBEAT_INTERVAL, self._beat_safely
        )

    def stop(self, parent: Any) -> None:
        if self.timer_ref is not None:
            self.timer_ref.cancel()
        try:
            clear(self.hostname)
        except redis.RedisError:
            logger.warning("could not clear heartbeat of %s", self.hostname)

    def terminate(self, parent: Any) -> None:
        self.stop(parent)

    def _beat_safely(self) -> None:
        try:
            beat(self.hostname)
        except redis.RedisError:
            logger.warning("could not write heartbeat of %s", self.hostname)
