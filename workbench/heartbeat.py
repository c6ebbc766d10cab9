"""Worker liveness through Redis keys that each Celery worker refreshes while it runs
(``workbench.worker_steps``).

``celery inspect ping`` takes a full broadcast timeout to say "nobody answered"; a key with a TTL
answers at once, so the health endpoint and every job read can afford to ask. The key is named by
the worker's host name and holds the *instance*: which start of that worker is beating. A worker
restarted under the same name is another instance, so the jobs the killed one held are known to be
held by nobody (``annotations.services.job_recovery``).
"""

from __future__ import annotations

import os
import time

import redis
from django.conf import settings

KEY_PREFIX = "workbench:worker-heartbeat:"
# Which start of a worker this process belongs to. Set by the worker's main process before its
# pool starts, so that prefork children inherit it; a job records it when it claims a job.
INSTANCE_ENV = "WORKBENCH_WORKER_INSTANCE"
# Deletes the key only while it still names this instance: a worker started since under the same
# name must keep its own.
_CLEAR_OWN_KEY = (
    "local v = redis.call('get', KEYS[1]) "
    "if v and string.sub(v, 1, string.len(ARGV[1])) == ARGV[1] then "
    "return redis.call('del', KEYS[1]) end return 0"
)


def current_instance() -> str:
    """The instance of the worker this process belongs to, or ``""`` outside a worker."""
    return os.environ.get(INSTANCE_ENV, "")


def _redis_client() -> redis.Redis | None:
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return None
    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)


def _queue_prefix() -> str:
    # Keyed by the queue jobs are sent to: a worker that consumes another queue cannot run them.
    from workbench.celery import app

    return f"{KEY_PREFIX}{app.conf.task_default_queue}:"


def beat(hostname: str, instance: str = "") -> None:
    client = _redis_client()
    if client is not None:
        client.set(
            _queue_prefix() + hostname,
            f"{instance} {time.time()}",
            ex=settings.WORKER_HEARTBEAT_TTL,
        )


def clear(hostname: str, instance: str = "") -> None:
    client = _redis_client()
    if client is not None:
        client.eval(_CLEAR_OWN_KEY, 1, _queue_prefix() + hostname, f"{instance} ")


def alive_workers() -> list[str]:
    """Host names of workers on the jobs' queue that sent a heartbeat within the TTL.
    Raises ``redis.RedisError`` when the broker cannot be reached."""
    client = _redis_client()
    if client is None:
        return []
    prefix = _queue_prefix()
    return sorted(key.decode()[len(prefix) :] for key in client.scan_iter(prefix + "*"))


def alive_instances() -> set[str]:
    """Instances of the workers on the jobs' queue that sent a heartbeat within the TTL (empty
    with no broker). Raises ``redis.RedisError`` when the broker cannot be reached."""
    client = _redis_client()
    if client is None:
        return set()
    keys = list(client.scan_iter(_queue_prefix() + "*"))
    values = client.mget(keys) if keys else []
    return {value.decode().split(" ", 1)[0] for value in values if value}
