"""Agreement refreshes in the web process, for the zero-config mode (no broker, eager tasks).

Without a broker there is no worker to hand the debounced refresh to. Run inside the request that
scheduled it, the refresh made every edit wait for a recomputation of the project, Celery's eager
retry repeated it there, and on SQLite the refreshes of concurrent requests fought over the
database's one write lock (``database is locked``; ``bench/api.py --sqlite``). Here a refresh
runs after the response instead, on one daemon thread per process:

* debounced: the first edit of a project schedules its refresh ``delay`` seconds later, and the
  edits that arrive before it starts join it; an edit made while it runs schedules the next one;
* one at a time: the thread runs due refreshes one after another, so a process never has two
  refreshes touching the database at once;
* never retried: a failed refresh is logged; its documents stay dirty, the report says it is
  stale, and the next edit's refresh takes them up;
* the thread closes its database connections after each refresh and ends when nothing is due.

A refresh still pending when the process exits is lost, not wrong: its documents stay dirty.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

from django.db import connections

logger = logging.getLogger(__name__)


class RefreshQueue:
    """Debounced refreshes of projects, run one at a time by a thread of this process (one queue
    per kind of work: the agreement refresh, the search index fill)."""

    def __init__(self, run: Callable[[int], None], *, name: str = "agreement-refresh") -> None:
        self._run = run
        self._name = name
        self._reset()
        # A forked child (a gunicorn worker) starts with no thread and nothing pending.
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._due: dict[int, float] = {}  # project id -> time.monotonic() when it may start
        self._running: int | None = None
        self._thread: threading.Thread | None = None

    def schedule(self, project_id: int, *, delay: float) -> None:
        """Refresh ``project_id`` in ``delay`` seconds, unless a refresh of it is pending."""
        with self._lock:
            if project_id in self._due:
                return
            self._due[project_id] = time.monotonic() + max(delay, 0)
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name=self._name, daemon=True)
                self._thread.start()
            self._changed.notify_all()

    def expedite(self) -> None:
        """Make every pending refresh due now (tests; a clean shutdown)."""
        with self._lock:
            now = time.monotonic()
            self._due = dict.fromkeys(self._due, now)
            self._changed.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is pending or running; False if that took over ``timeout`` s."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._due or self._running is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
        return True

    def _next_due(self) -> int | None:
        """Under the lock: wait for the earliest pending refresh to fall due and take it; None
        when nothing is pending (the thread then ends)."""
        while self._due:
            project_id, due = min(self._due.items(), key=lambda item: item[1])
            wait = due - time.monotonic()
            if wait <= 0:
                del self._due[project_id]
                self._running = project_id
                return project_id
            self._changed.wait(wait)
        self._thread = None
        self._changed.notify_all()
        return None

    def _work(self) -> None:
        while True:
            with self._lock:
                project_id = self._next_due()
            if project_id is None:
                return
            try:
                self._run(project_id)
            except Exception:  # noqa: BLE001 - the thread must go on; the report says stale
                logger.warning("%s of project %s failed", self._name, project_id, exc_info=True)
            finally:
                connections.close_all()  # this thread's own connections
                with self._lock:
                    self._running = None
                    self._changed.notify_all()
