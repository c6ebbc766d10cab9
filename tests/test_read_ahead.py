"""``annotations.read_ahead``: order, bounded look-ahead, errors, and early exit."""

from __future__ import annotations

import threading

import pytest

from annotations.read_ahead import read_ahead


def test_items_arrive_in_order_and_all_of_them():
    with read_ahead(iter(range(1000)), buffer=7) as items:
        assert list(items) == list(range(1000))


def test_an_empty_source_ends_at_once():
    with read_ahead(iter(()), buffer=1) as items:
        assert list(items) == []


# Waits are on events; HANG bounds a hang only: a correct producer sets them within milliseconds.
HANG = 60


def test_the_producer_runs_in_another_thread_at_most_buffer_items_ahead():
    produced: list[int] = []
    threads: set[str] = set()
    fifth_produced = threading.Event()
    buffer_full = threading.Event()

    def source():
        for n in range(100):
            threads.add(threading.current_thread().name)
            produced.append(n)
            if n == 4:
                fifth_produced.set()
            yield n

    with read_ahead(source(), buffer=3, buffer_full=buffer_full) as items:
        # buffer_full is set only once a wait for room ran out with the buffer still full.
        assert buffer_full.wait(HANG)
        # Nothing consumed: 3 waiting in the buffer, 1 produced and waiting for room.
        assert len(produced) == 4
        first = next(items)
        assert fifth_produced.wait(HANG)
        # Every wait that ran out before item 4 was produced has set the event already: the next
        # time it is set, the producer holds item 4 (or more, if it ran too far ahead).
        buffer_full.clear()
        assert buffer_full.wait(HANG)
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
    # Leaving the block joined the producer: it is gone, so nothing can be produced any more.
    assert not any(t.name == "read-ahead" for t in threading.enumerate())
    # 1 consumed, at most 2 in the buffer and 1 waiting for room when the consumer failed.
    assert len(produced) <= 4


def test_buffer_must_be_positive():
    with pytest.raises(ValueError), read_ahead(iter(()), buffer=0):
        pass
