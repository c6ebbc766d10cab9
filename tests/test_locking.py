"""Locks of span writes against the agreement refresh (``annotations.services.locking``).

The concurrent tests run the real refresh and the real edit on two connections and stop the
refresh where it holds the agreement rows of a dirty document, until the edit waits for one of
them (seen in ``pg_stat_activity``): the order of events is fixed, not left to timing. The retry
tests inject the deadlock PostgreSQL would raise.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from django.db import OperationalError, connection, connections, transaction

from annotations.errors import TryAgain
from annotations.models import AgreementReport, DocumentAgreement, Role, Span
from annotations.selectors.agreement import is_stale
from annotations.services import agreement as agreement_service
from annotations.services import background
from annotations.services.agreement import refresh_full, refresh_incremental
from annotations.services.spans import span_update
from tests.factories import (
    DocumentFactory,
    UserFactory,
    add_member,
    assign,
    make_project,
    make_span,
)
from tests.figures import same_figures
from tests.waiting import HANG_SECONDS, wait_until

TEXT = "The ministry said no civilians were hurt. Local officials counted twelve casualties."


@pytest.fixture
def submitted(db, monkeypatch):
    """A document two annotators submitted, with a current report. Edits schedule no refresh:
    each test runs the refreshes itself."""
    monkeypatch.setattr(background, "schedule_refresh", lambda project_id: None)
    manager = UserFactory(username="lead")
    project = make_project(manager, name="Locks", annotators_per_document=2)
    a, b = UserFactory(username="coder-a"), UserFactory(username="coder-b")
    document = DocumentFactory(project=project, text=TEXT)
    for user in (a, b):
        add_member(project, user, Role.ANNOTATOR)
        assign(document, user, state="submitted")
    make_span(document, a, 4, 40)
    make_span(document, b, 4, 30)
    refresh_full(project_id=project.pk)
    return project, manager, (a, b), document


class Side(threading.Thread):
    """One side of the race, on its own database connection."""

    def __init__(self, name: str, work: Callable[[], Any]) -> None:
        super().__init__(name=name, daemon=True)
        self.work = work
        self.error: BaseException | None = None
        self.pid: int | None = None

    def run(self) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.pid = cursor.fetchone()[0]
            self.work()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc
        finally:
            connections.close_all()


def waits_for_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row is not None and row[0] == "Lock"


def race(monkeypatch, refresh: Callable[[], Any], edit: Callable[[], Any]) -> tuple[Side, Side]:
    """Run ``refresh`` until it has locked the agreement rows it recomputes and is about to read
    their inputs; then ``edit``, until it waits for a lock or ends; then let both finish."""
    holding, go_on = threading.Event(), threading.Event()
    read = agreement_service.document_annotations

    def paused(document_ids):
        if threading.current_thread().name == "refresh" and not holding.is_set():
            holding.set()
            assert go_on.wait(HANG_SECONDS), "the test never let the refresh go on"
        return read(document_ids)

    monkeypatch.setattr(agreement_service, "document_annotations", paused)
    refresher = Side("refresh", refresh)
    refresher.start()
    wait_until(lambda: holding.is_set() or not refresher.is_alive(), what="the refresh's locks")
    editor = Side("edit", edit)
    editor.start()
    wait_until(
        lambda: not editor.is_alive() or (editor.pid is not None and waits_for_a_lock(editor.pid)),
        what="the edit to wait for a lock or finish",
    )
    go_on.set()
    for side in (refresher, editor):
        side.join(HANG_SECONDS)
        assert not side.is_alive(), f"{side.name} hangs"
    return refresher, editor


def assert_refresh_makes_it_current(project) -> None:
    refresh_incremental(project_id=project.pk)
    latest = AgreementReport.objects.filter(project=project).first()
    assert not is_stale(project.pk, latest)
    same_figures(latest.metrics, refresh_full(project_id=project.pk).metrics)


def is_deadlock(exc: BaseException | None) -> bool:
    return isinstance(exc, OperationalError) and isinstance(
        exc.__cause__, psycopg.errors.DeadlockDetected
    )


def _make_dirty(document, user) -> Span:
    """An edit that changes the figures, so that the refresh writes a report (which points at
    the project: a foreign key check, FOR KEY SHARE of the project row)."""
    span = Span.objects.get(document=document, annotator=user)
    return span_update(span=span, expected_version=span.version, end=38)


@pytest.mark.django_db(transaction=True)
def test_the_old_locks_of_span_update_deadlock_with_a_refresh(submitted, monkeypatch):
    """The control: the issue's deadlock, reproduced by the harness below with the lock that
    span_update took before (the span with its document and project, FOR UPDATE)."""
    project, _, (a, _), document = submitted
    span = _make_dirty(document, a)

    def old_edit() -> None:
        with transaction.atomic():
            locked = (
                Span.objects.select_for_update()
                .select_related("document", "project")
                .get(pk=span.pk)
            )
            locked.note = "second edit"
            locked.save()

    refresher, editor = race(
        monkeypatch, lambda: refresh_incremental(project_id=project.pk), old_edit
    )
    assert is_deadlock(refresher.error) or is_deadlock(editor.error), (
        refresher.error,
        editor.error,
    )


@pytest.mark.django_db(transaction=True)
def test_a_span_edit_during_a_refresh_waits_for_it_and_no_deadlock(
    submitted, monkeypatch, caplog, client_for
):
    project, manager, (a, _), document = submitted
    span = _make_dirty(document, a)
    caplog.set_level(logging.WARNING, logger="annotations.services.locking")

    refresher, editor = race(
        monkeypatch,
        lambda: refresh_incremental(project_id=project.pk),
        lambda: span_update(span=span, expected_version=span.version, note="second edit"),
    )
    assert refresher.error is None and editor.error is None, (refresher.error, editor.error)
    assert not [r for r in caplog.records if "deadlock" in r.getMessage()]  # not even retried
    span.refresh_from_db()
    assert (span.note, span.version) == ("second edit", 3)
    # The edit committed after the refresh: its document is dirty again, and the next refresh
    # reports what a full recomputation reports.
    assert DocumentAgreement.objects.get(document=document).dirty
    assert is_stale(project.pk, AgreementReport.objects.filter(project=project).first())
    assert_refresh_makes_it_current(project)


@pytest.mark.django_db(transaction=True)
def test_a_span_edit_during_a_full_run_is_not_lost(submitted, monkeypatch):
    """A full run locks each document's agreement row before it reads the document: an edit
    that lands meanwhile waits for the run's commit and leaves the document dirty. (Before, the
    run stored the document as computed, without the edit, and said the report was current.)"""
    project, _, (a, _), document = submitted
    span = Span.objects.get(document=document, annotator=a)

    refresher, editor = race(
        monkeypatch,
        lambda: refresh_full(project_id=project.pk),
        lambda: span_update(span=span, expected_version=span.version, end=60),
    )
    assert refresher.error is None and editor.error is None, (refresher.error, editor.error)
    assert is_stale(project.pk, AgreementReport.objects.filter(project=project).first())
    assert_refresh_makes_it_current(project)


class Deadlocks:
    """Raise PostgreSQL's deadlock error (as Django wraps it) on the first ``times`` updates of a
    span."""

    def __init__(self, times: int) -> None:
        self.left = times
        self.updates = 0

    def __call__(self, execute, sql, params, many, context):
        if sql.startswith('UPDATE "annotations_span"'):
            self.updates += 1
            if self.left:
                self.left -= 1
                cause = psycopg.errors.DeadlockDetected("deadlock detected")
                raise OperationalError("deadlock detected") from cause
        return execute(sql, params, many, context)


@pytest.mark.django_db(transaction=True)
def test_a_deadlock_in_span_update_is_retried_once_and_the_edit_saved(submitted, client_for):
    project, _, (a, _), document = submitted
    span = Span.objects.get(document=document, annotator=a)
    deadlocks = Deadlocks(1)
    with connection.execute_wrapper(deadlocks):
        response = client_for(a).patch(
            f"/api/v1/projects/{project.pk}/spans/{span.pk}/",
            {"version": span.version, "note": "kept"},
            format="json",
        )
    assert response.status_code == 200, response.content
    assert deadlocks.updates == 2
    span.refresh_from_db()
    assert (span.note, span.version) == ("kept", 2)
    assert response.json()["version"] == 2


@pytest.mark.django_db(transaction=True)
def test_a_deadlock_twice_answers_503_and_changes_nothing(submitted, client_for):
    project, _, (a, _), document = submitted
    span = Span.objects.get(document=document, annotator=a)
    client = client_for(a)
    client.raise_request_exception = False
    deadlocks = Deadlocks(2)
    with connection.execute_wrapper(deadlocks):
        response = client.patch(
            f"/api/v1/projects/{project.pk}/spans/{span.pk}/",
            {"version": span.version, "note": "lost?"},
            format="json",
        )
    assert response.status_code == 503, response.content
    assert response.json()["code"] == "try_again"
    assert response["Retry-After"] == "1"
    assert deadlocks.updates == 2
    span.refresh_from_db()
    assert (span.note, span.version) == ("", 1)
    # Sent again, the same request succeeds: the version it names is still current.
    again = client.patch(
        f"/api/v1/projects/{project.pk}/spans/{span.pk}/",
        {"version": span.version, "note": "saved"},
        format="json",
    )
    assert again.status_code == 200, again.content


def test_inside_a_callers_transaction_a_deadlock_is_not_retried(submitted):
    """The caller's earlier locks would still be held: one attempt, then TryAgain."""
    _, _, (a, _), document = submitted
    span = Span.objects.get(document=document, annotator=a)
    deadlocks = Deadlocks(1)
    with connection.execute_wrapper(deadlocks), pytest.raises(TryAgain):
        span_update(span=span, expected_version=span.version, note="x")
    assert deadlocks.updates == 1
