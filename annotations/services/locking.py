"""Row locks: the one order every write takes them in, and the one retry of a deadlock.

Lock order. A transaction that holds more than one of these takes them in this order, so two
transactions never wait for each other:

1. the project's ``ProjectAgreement`` row, ``FOR UPDATE``: one agreement refresh of a project at
   a time (``refresh_incremental``, ``refresh_full``);
2. the row a write changes (a ``Span``, ``GoldSpan``, ``Document``, ``Assignment``), locked
   alone, ``of=("self",)``, even when the query joins the document or the project to read them;
   a document (which new agreement rows point at) ``FOR NO KEY UPDATE`` (``no_key=True``);
3. ``DocumentAgreement`` rows, by ascending document id: the span trigger (migration 0010),
   ``document_inputs_changed`` and the refresh, which locks them before it reads the inputs.

Inserting a row that points at a project or a document (an ``AgreementReport``, an intermediate,
a span) takes ``FOR KEY SHARE`` on it, as every foreign key check does, at any point. That lock
waits only for ``FOR UPDATE`` (and deletions), which is why step 2 never locks a joined row: a
span edit that locked its document and project ``FOR UPDATE`` and then waited in its trigger for
step 3 held exactly what the refresh, holding step 3, needed to insert its report. That was the
deadlock of parallel span edits during a refresh. ``FOR UPDATE`` of a project is left to
set-up changes that take nothing of steps 1-3 after it (membership changes, distributing
assignments). Deleting a document or a project reaches its agreement rows (through the span
trigger and the cascade) before the document's or the project's own row, so it waits for a
running refresh instead of holding what the refresh needs.

Should a deadlock happen all the same (PostgreSQL aborts one transaction of the cycle and lets
the others go on), ``retry_on_deadlock`` runs the aborted work once more; a second deadlock
answers ``TryAgain`` (503 with ``Retry-After``): nothing was changed and the same request may
simply be sent again, which a 409 would not say (it asks the client to reload and merge).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from django.db import OperationalError, connection, transaction

from annotations.errors import TryAgain

logger = logging.getLogger(__name__)

T = TypeVar("T")

DEADLOCK_SQLSTATE = "40P01"  # deadlock_detected
ATTEMPTS = 2


def is_deadlock(exc: BaseException) -> bool:
    """Django wraps the driver's error: its cause carries PostgreSQL's SQLSTATE."""
    return getattr(exc.__cause__, "sqlstate", None) == DEADLOCK_SQLSTATE


def retry_on_deadlock(work: Callable[[], T]) -> T:
    """``work()`` in a transaction of its own, run once more if PostgreSQL aborted it to break a
    deadlock. ``work`` must be safe to run twice: the aborted attempt changed nothing.

    Inside a caller's transaction there is one attempt: the caller's earlier locks would still
    be held, so a retry could only meet the same cycle."""
    attempts = 1 if connection.in_atomic_block else ATTEMPTS
    attempt = 1
    while True:
        try:
            with transaction.atomic():
                return work()
        except OperationalError as exc:
            if not is_deadlock(exc):
                raise
            logger.warning("deadlock, attempt %s of %s: %s", attempt, attempts, exc)
            if attempt >= attempts:
                raise TryAgain(
                    "The change met a concurrent one and was not saved; send it again."
                ) from exc
        attempt += 1
