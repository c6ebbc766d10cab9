"""``annotations.read_ahead``: order, bounded look-ahead, errors, and early exit."""

from __future__ import annotations

import threading
import time

import pytest

from annotations.read_ahead import read_ahead


def test_items_arrive_in_order_and_all_of_them():
    with read_ahead(iter(range(1000)), buffer=7) as items:
        assert list(items) == list(range(1000))


def test_an_empty_source_ends_at_once():
    with read_ahead(iter(()), buffer=1) as items:
        assert list(items) == []


def test_the_producer_runs_in_another_thread_at_most_buffer_items_ahead():
    produced: list[int] = []
    threads: set[str] = set()

    def source():
        for n in range(100):
            threads.add(threading.current_thread().name)
            produced.append(n)
            yield n

    with read_ahead(source(), buffer=3) as items:
        first = next(items)
        time.sleep(0.3)  # ample time for the producer to run as far ahead as it may
        # 1 consumed, 3 waiting in the buffer, 1 produced and waiting for room.
        assert first == 0 and len(produced) == 5
    assert threads == {"read-ahead"}


def test_an_error_of_the_source_is_raised_after_the_items_before_it():
    def source():
        yield 1
        yield 2
        raise ValueError("line 3 is broken")

    seen = []
    with read_ahead(source(), buffer=10) as items, pytest.raises(ValueError, match="line 3"):
        for item in items:
            seen.append(item)
    assert seen == [1, 2]


def test_leaving_early_stops_the_producer():
    produced: list[int] = []

    def endless():
        n = 0
        while True:
            produced.append(n)
            yield n
            n += 1

    with pytest.raises(RuntimeError), read_ahead(endless(), buffer=2) as items:
        next(items)
        raise RuntimeError("the consumer failed")
    count = len(produced)
    time.sleep(0.2)
    assert len(produced) == count <= 4
    assert not any(t.name == "read-ahead" for t in threading.enumerate())


def test_buffer_must_be_positive():
    with pytest.raises(ValueError), read_ahead(iter(()), buffer=0):
        pass
