"""The agreement refresh of the zero-config mode (no broker, eager tasks): after the response, on
one thread of the web process, debounced, one at a time, never retried
(annotations/services/eager_refresh.py). tests/test_sqlite.py runs it in a real server."""

from __future__ import annotations

import logging
import threading

import pytest
from django.db import OperationalError, connections

from annotations.models import AgreementReport, Role
from annotations.selectors.agreement import is_stale
from annotations.services import background
from annotations.services.agreement import refresh_incremental
from annotations.services.assignments import assignment_transition
from annotations.services.eager_refresh import RefreshQueue
from tests.factories import DocumentFactory, UserFactory, add_member, assign, make_project
from tests.waiting import HANG_SECONDS, wait_until

TEXT = "The ministry said no civilians were hurt. Local officials counted twelve casualties."


class Recorder:
    """A stand-in refresh: records the projects it ran for; may hold each run at a gate."""

    def __init__(self, *, gated: bool = False, fail_for: int | None = None) -> None:
        self.calls: list[int] = []
        self.threads: list[threading.Thread] = []
        self.started = threading.Event()
        self.gate = threading.Event()
        if not gated:
            self.gate.set()
        self.fail_for = fail_for
        self._inside = 0
        self.most_at_once = 0
        self._lock = threading.Lock()

    def __call__(self, project_id: int) -> None:
        with self._lock:
            self._inside += 1
            self.most_at_once = max(self.most_at_once, self._inside)
            self.calls.append(project_id)
            self.threads.append(threading.current_thread())
        self.started.set()
        try:
            assert self.gate.wait(HANG_SECONDS), "the test never opened the gate"
            if project_id == self.fail_for:
                raise OperationalError("database is locked")
        finally:
            with self._lock:
                self._inside -= 1


def test_a_burst_of_edits_costs_one_refresh_after_the_delay():
    run = Recorder()
    queue = RefreshQueue(run=run)

    for _ in range(10):
        queue.schedule(7, delay=60)

    assert run.calls == []  # not before the debounce delay
    queue.expedite()
    assert queue.wait_idle(HANG_SECONDS)
    assert run.calls == [7]
    assert run.threads[0] is not threading.current_thread()
    wait_until(lambda: not run.threads[0].is_alive(), what="the idle refresh thread to end")


def test_refreshes_run_one_at_a_time_and_an_edit_during_one_schedules_the_next():
    run = Recorder(gated=True)
    queue = RefreshQueue(run=run)

    queue.schedule(1, delay=0)
    assert run.started.wait(HANG_SECONDS)
    queue.schedule(1, delay=0)  # project 1 changed while its refresh runs: refresh it again
    queue.schedule(2, delay=0)
    run.gate.set()

    assert queue.wait_idle(HANG_SECONDS)
    assert run.calls == [1, 1, 2]
    assert run.most_at_once == 1


def test_a_failed_refresh_is_logged_not_retried_and_the_queue_goes_on(caplog):
    run = Recorder(fail_for=1)
    queue = RefreshQueue(run=run)

    with caplog.at_level(logging.WARNING, logger="annotations.services.eager_refresh"):
        queue.schedule(1, delay=0)
        assert queue.wait_idle(HANG_SECONDS)
    assert run.calls == [1]
    assert "refresh of project 1 failed" in caplog.text

    queue.schedule(2, delay=0)
    assert queue.wait_idle(HANG_SECONDS)
    assert run.calls == [1, 2]


def test_the_refresh_task_is_not_retried_in_eager_mode(settings, monkeypatch, caplog):
    """Celery's eager retry ran a failing refresh six times in a row inside the request."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    calls = []

    def failing_refresh(*, project_id: int) -> None:
        calls.append(project_id)
        raise OperationalError("database is locked")

    monkeypatch.setattr("annotations.tasks.refresh_incremental", failing_refresh)
    with caplog.at_level(logging.WARNING, logger="annotations.services.background"):
        background.schedule_refresh(5)

    assert calls == [5]
    assert "refresh of project 5 failed" in caplog.text


@pytest.fixture
def refresh_thread(settings, monkeypatch):
    """The eager refresh on its thread, as in the zero-config server, with a debounce no test
    outlasts; its own queue, emptied before the test's database goes."""
    recorded: list[object] = []

    def refresh(project_id: int) -> None:
        recorded.append(connections["default"])  # this thread's connection
        background._refresh_now(project_id)

    queue = RefreshQueue(run=refresh)
    monkeypatch.setattr(background, "in_process_refreshes", queue)
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.AGREEMENT_DEBOUNCE_SECONDS = 60
    queue.recorded = recorded
    yield queue
    queue.expedite()
    assert queue.wait_idle(HANG_SECONDS)


@pytest.mark.django_db(transaction=True)
def test_span_creates_answer_before_the_refresh_which_follows_once(
    refresh_thread, settings, client_for
):
    manager = UserFactory(username="lead")
    project = make_project(manager, name="Eager", annotators_per_document=2)
    coders = [UserFactory(username=f"coder{i}") for i in range(2)]
    document = DocumentFactory(project=project, text=TEXT)
    for user in coders:
        add_member(project, user, Role.ANNOTATOR)
        assignment_transition(assignment=assign(document, user), action="submit")
    refresh_incremental(project_id=project.pk)  # the submissions refreshed it already
    reports = AgreementReport.objects.filter(project=project)
    before, count_before = reports.first(), reports.count()
    assert before is not None and not is_stale(project.pk, before)
    settings.AGREEMENT_EAGER_REFRESH_IN_BACKGROUND = True

    client = client_for(coders[0])
    for start in range(10):
        response = client.post(
            f"/api/v1/projects/{project.pk}/spans/",
            {"document": document.pk, "label": "claim", "start": start, "end": start + 20},
            format="json",
        )
        assert response.status_code == 201, response.json()

    # Every create has answered, and none waited for a refresh: the debounce holds it back.
    assert reports.count() == count_before
    assert is_stale(project.pk, before)
    refresh_thread.expedite()
    assert refresh_thread.wait_idle(HANG_SECONDS)

    assert reports.count() == count_before + 1  # one refresh for the burst of ten edits
    assert not is_stale(project.pk, reports.first())  # and it took in all of them
    (thread_connection,) = refresh_thread.recorded
    assert thread_connection is not connections["default"]
    assert thread_connection.connection is None  # closed by the thread when it was done
