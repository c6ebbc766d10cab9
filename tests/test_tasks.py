"""Celery tasks as an interface: the names services enqueue are registered tasks, and
``job_task`` owns a job's life (skip a finished job, retry transient errors, fail with a reason).

The lifecycle tests run throwaway tasks made with ``job_task`` here, eagerly (``apply``: in-process,
retries at once), so that each path is exercised without the work of a real import or export.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import Task
from django.db import InterfaceError, OperationalError

from annotations import tasks
from annotations.models import Job, JobKind, JobState
from annotations.services.background import TASK_NAMES, task_named
from annotations.services.jobs import JobFailed, JobOutcome
from workbench.sweep import SWEEP_TASKS

ANNOTATIONS_DIR = Path(tasks.__file__).resolve().parent

# Tasks that only other tasks enqueue (the chunks of a large agreement run, then its roll-up).
ENQUEUED_BY_TASKS_ONLY = {"annotations.tasks.agreement_chunk", "annotations.tasks.agreement_rollup"}
# Tasks a worker sends itself on its timer, by name (workbench/sweep.py).
SENT_BY_WORKERS = set(SWEEP_TASKS)


def _tasks_defined_in_tasks_py() -> dict[str, Task]:
    return {attribute: value for attribute, value in vars(tasks).items() if isinstance(value, Task)}


@pytest.mark.parametrize("name", [*TASK_NAMES, *sorted(SENT_BY_WORKERS)])
def test_every_enqueued_name_is_a_registered_task(name):
    task = task_named(name)
    assert task.name == name


def test_tasks_py_defines_tasks():
    # Guards the next test against passing vacuously (say, if tasks stopped being Task objects).
    assert len(_tasks_defined_in_tasks_py()) >= len(TASK_NAMES) + len(ENQUEUED_BY_TASKS_ONLY)


def test_every_task_is_enqueued_by_name_or_only_from_tasks_py():
    unaccounted = sorted(
        task.name
        for task in _tasks_defined_in_tasks_py().values()
        if task.name not in TASK_NAMES
        and task.name not in ENQUEUED_BY_TASKS_ONLY
        and task.name not in SENT_BY_WORKERS
    )
    assert not unaccounted, (
        f"{unaccounted}: add each to TASK_NAMES in annotations/services/background.py when a "
        "service enqueues it, or to ENQUEUED_BY_TASKS_ONLY here when only tasks.py does"
    )


@pytest.mark.parametrize("name", sorted(ENQUEUED_BY_TASKS_ONLY))
def test_tasks_enqueued_by_tasks_only_are_named_nowhere_else(name):
    function = name.rsplit(".", 1)[1]
    assert function in _tasks_defined_in_tasks_py()
    pattern = re.compile(rf"\b{function}\b")
    elsewhere = sorted(
        str(path.relative_to(ANNOTATIONS_DIR))
        for path in ANNOTATIONS_DIR.rglob("*.py")
        if path.name != "tasks.py" or path.parent != ANNOTATIONS_DIR
        if pattern.search(path.read_text(encoding="utf-8"))
    )
    assert elsewhere == [], f"{name} is used outside annotations/tasks.py: add it to TASK_NAMES"


# --- the job_task lifecycle ----------------------------------------------------------------------

# What the throwaway work does on each call, per job id: raise the exception, or (None) succeed.
_SCRIPTS: dict[str, Iterator[BaseException | None]] = {}
_CALLS: list[str] = []


@tasks.job_task(failure="The lifecycle test job failed")
def lifecycle_test_scripted_work(job: Job) -> JobOutcome:
    """Throwaway task (registered as ``annotations.tasks.lifecycle_test_scripted_work``)."""
    _CALLS.append(str(job.pk))
    step = next(_SCRIPTS[str(job.pk)])
    if step is not None:
        raise step
    return JobOutcome(result={"done": len(_CALLS)})


@tasks.job_task(failure="The lifecycle test job failed")
def lifecycle_test_outcome_with_error(job: Job) -> JobOutcome:
    """Throwaway task whose work finishes with a reason instead of raising."""
    return JobOutcome(result={"rows": 2}, error="Two rows could not be read.")


@pytest.fixture
def run_job(db, project, manager):
    """``run_job(*steps, state=...)``: a job in ``state``, run once through the scripted task;
    returns the reloaded job and how many times the work was called."""
    _CALLS.clear()
    _SCRIPTS.clear()

    def run(*steps: BaseException | None, state: str = JobState.QUEUED) -> tuple[Job, int]:
        job = Job.objects.create(
            project=project, kind=JobKind.EXPORT, created_by=manager, state=state
        )
        _SCRIPTS[str(job.pk)] = iter(steps)
        lifecycle_test_scripted_work.apply((str(job.pk),))
        job.refresh_from_db()
        return job, _CALLS.count(str(job.pk))

    yield run
    _CALLS.clear()
    _SCRIPTS.clear()


def test_work_that_succeeds_ends_succeeded_with_its_result(run_job):
    job, calls = run_job(None)
    assert (job.state, job.result, job.error, calls) == (JobState.SUCCEEDED, {"done": 1}, "", 1)
    assert job.started_at is not None and job.finished_at is not None


def test_an_ordinary_error_ends_failed_with_the_reason(run_job):
    job, calls = run_job(ValueError("column 'text' is missing"))
    assert job.state == JobState.FAILED
    assert job.error == "The lifecycle test job failed: column 'text' is missing"
    assert job.finished_at is not None
    assert calls == 1  # not retried: only transient errors are


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (RecursionError(), "RecursionError"),  # no message: the kind of error is named
        (
            UnicodeDecodeError("utf-8", b"caf\xe9", 3, 4, "invalid continuation byte"),
            "'utf-8' codec can't decode byte 0xe9 in position 3: invalid continuation byte",
        ),
    ],
)
def test_any_error_ends_failed_with_a_reason_that_names_it(run_job, error, reason):
    job, calls = run_job(error)
    assert (job.state, job.error, calls) == (
        JobState.FAILED,
        f"The lifecycle test job failed: {reason}",
        1,
    )


def test_job_failed_ends_failed_with_its_partial_result(run_job):
    job, calls = run_job(JobFailed("Stopped at row 3.", result={"imported": 2}))
    assert (job.state, job.error, job.result) == (
        JobState.FAILED,
        "Stopped at row 3.",
        {"imported": 2},
    )
    assert calls == 1


def test_an_outcome_with_an_error_ends_failed(db, project, manager):
    job = Job.objects.create(project=project, kind=JobKind.IMPORT, created_by=manager)
    lifecycle_test_outcome_with_error.apply((str(job.pk),))
    job.refresh_from_db()
    assert (job.state, job.error, job.result) == (
        JobState.FAILED,
        "Two rows could not be read.",
        {"rows": 2},
    )


@pytest.mark.parametrize("state", [JobState.SUCCEEDED, JobState.FAILED])
def test_a_redelivered_finished_job_is_skipped(run_job, state):
    job, calls = run_job(None, state=state)
    assert calls == 0
    assert job.state == state
    assert job.started_at is None


def test_a_deleted_job_is_skipped(db):
    missing = "00000000-0000-0000-0000-000000000000"
    _SCRIPTS[missing] = iter([None])
    lifecycle_test_scripted_work.apply((missing,))
    assert missing not in _CALLS
    _SCRIPTS.clear()


@pytest.mark.parametrize("transient", [OperationalError, InterfaceError])
def test_a_transient_error_is_retried_and_the_retry_succeeds(run_job, transient):
    job, calls = run_job(transient("server closed the connection"), None)
    assert calls == 2
    assert (job.state, job.error) == (JobState.SUCCEEDED, "")


def test_a_transient_error_that_every_retry_meets_ends_failed(run_job):
    errors = [OperationalError("the database system is starting up")] * (tasks.MAX_RETRIES + 1)
    job, calls = run_job(*errors)
    assert calls == tasks.MAX_RETRIES + 1
    assert job.state == JobState.FAILED  # not left running
    assert job.error == "The lifecycle test job failed: the database system is starting up"
    assert job.finished_at is not None
