"""Waiting for another thread or process (a Celery worker, a job) without racing it.

Tests wait for a state, never for a span of time: the cap only bounds a hang, so a slow or busy
machine makes a test slower, never failing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import pytest

T = TypeVar("T")
HANG_SECONDS = 120.0


def wait_until(
    condition: Callable[[], T], *, what: str, cap: float = HANG_SECONDS, interval: float = 0.05
) -> T:
    """Call ``condition`` until it returns something truthy, and return that."""
    deadline = time.monotonic() + cap
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            pytest.fail(f"Still waiting for {what} after {cap:.0f} s: a hang.", pytrace=False)
        time.sleep(interval)
