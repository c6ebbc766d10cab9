"""Iterate in a background thread, a bounded number of items ahead of the consumer.

An import parses its file (CPU in Python) and writes to the database (mostly waiting for
PostgreSQL). Parsing the next documents while this thread waits for the database overlaps the two.
The producer must not use the database connection: it belongs to the consumer's thread.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")
_POLL_SECONDS = 0.05  # how soon a producer blocked on a full buffer notices the consumer left


@dataclass(frozen=True)
class _End:
    error: BaseException | None = None


@contextmanager
def read_ahead(
    items: Iterable[T], *, buffer: int, buffer_full: threading.Event | None = None
) -> Iterator[Iterator[T]]:
    """``items`` as an iterator that a thread fills up to ``buffer`` items ahead.

    An exception raised by ``items`` is raised by the returned iterator, in order. Leaving the
    ``with`` block early (a break, an error of the consumer) stops the thread at its next item.
    ``buffer_full``, if given, is set whenever the thread has waited for room in a full buffer
    (tests wait on it instead of sleeping).
    """
    if buffer < 1:
        raise ValueError("buffer must be at least 1")
    handoff: queue.Queue[T | _End] = queue.Queue(maxsize=buffer)
    stop = threading.Event()

    def put(value: T | _End) -> bool:
        while not stop.is_set():
            try:
                handoff.put(value, timeout=_POLL_SECONDS)
            except queue.Full:
                if buffer_full is not None:
                    buffer_full.set()
                continue
            return True
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
        except BaseException as error:  # handed to the consumer, who raises it
            put(_End(error))
        else:
            put(_End())

    def consume() -> Iterator[T]:
        while True:
            value = handoff.get()
            if isinstance(value, _End):
                if value.error is not None:
                    raise value.error
                return
            yield value

    thread = threading.Thread(target=produce, name="read-ahead", daemon=True)
    thread.start()
    try:
        yield consume()
    finally:
        stop.set()
        thread.join()
