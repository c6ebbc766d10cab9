"""Nothing stuck: a job's lease, and what happens to a running job whose worker stopped.

A running job records the worker instance that runs it and when it last showed life. A second
delivery does not run it while the lease is alive; a job whose lease ran out while its worker sends
no heartbeat is restarted once, then failed with the reason; only the lease's holder finishes it.
The lifecycle runs through throwaway ``job_task`` tasks applied in-process, as in test_tasks.py;
worker liveness is read from the real Redis broker. tests/test_worker_process.py kills real
workers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from kombu import Connection

from annotations import tasks
from annotations.models import Document, Job, JobKind, JobState
from annotations.serializers.jobs import HealthSerializer
from annotations.services.agreement import agreement_chunk_compute
from annotations.services.background import EXPORT_RUN, IMPORT_DOCUMENTS
from annotations.services.jobs import JobOutcome
from tests.factories import DocumentFactory
from workbench import heartbeat
from workbench.celery import app as celery_app

CALLS: list[str] = []


@tasks.job_task(failure="The recovery test job failed")
def recovery_test_work(job: Job) -> JobOutcome:
    """Throwaway task: records the call and succeeds."""
    CALLS.append(str(job.pk))
    return JobOutcome(result={"ran": True})


@tasks.job_task(failure="The recovery test job failed")
def recovery_test_overtaken(job: Job) -> JobOutcome:
    """Throwaway task whose lease is taken over while it works (by a restart elsewhere)."""
    Job.objects.filter(pk=job.pk).update(worker_instance="a-later-claim")
    return JobOutcome(result={"ran": True})


def ago(leases: float, settings) -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=leases * settings.JOB_LEASE_SECONDS)


@pytest.fixture
def running_job(db, project, manager, settings):
    """``running_job(leases_ago, instance=..., **fields)``: a job running on a worker instance
    that last showed life ``leases_ago`` leases ago."""

    def make(leases_ago: float, *, instance: str = "a-killed-worker", **fields) -> Job:
        defaults = {
            "kind": JobKind.IMPORT,
            "state": JobState.RUNNING,
            "worker": "celery@killed",
            "worker_instance": instance,
            "heartbeat_at": ago(leases_ago, settings),
            "started_at": ago(leases_ago + 1, settings),
            "task_name": IMPORT_DOCUMENTS,
        }
        return Job.objects.create(project=project, created_by=manager, **{**defaults, **fields})

    return make


@pytest.fixture
def live_worker():
    """A heartbeat in Redis, as a running worker writes it: (host name, instance)."""
    written: list[tuple[str, str]] = []

    def beat(instance: str) -> None:
        hostname = f"celery@{instance}"
        heartbeat.beat(hostname, instance)
        written.append((hostname, instance))

    yield beat
    for hostname, instance in written:
        heartbeat.clear(hostname, instance)


def queued_messages() -> int:
    with Connection(celery_app.conf.broker_url) as conn:
        return conn.default_channel.client.llen(celery_app.conf.task_default_queue)


# --- claiming under a lease ----------------------------------------------------------------------


def test_a_second_delivery_does_not_run_a_job_whose_lease_is_alive(running_job):
    CALLS.clear()
    job = running_job(0, task_name="")  # showed life just now, on another worker
    recovery_test_work.apply((str(job.pk),))
    job.refresh_from_db()
    assert CALLS == []
    assert (job.state, job.worker_instance) == (JobState.RUNNING, "a-killed-worker")


def test_a_delivery_takes_over_a_job_whose_lease_ran_out_as_a_restart(running_job):
    CALLS.clear()
    job = running_job(2)
    recovery_test_work.apply((str(job.pk),))
    job.refresh_from_db()
    assert [str(job.pk)] == CALLS
    assert (job.state, job.restarts, job.result) == (JobState.SUCCEEDED, 1, {"ran": True})


def test_a_job_whose_worker_stopped_again_after_a_restart_fails_with_the_reason(running_job):
    CALLS.clear()
    job = running_job(2, restarts=1)
    recovery_test_work.apply((str(job.pk),))
    job.refresh_from_db()
    assert CALLS == []
    assert job.state == JobState.FAILED
    assert "The worker running this job (celery@killed) stopped" in job.error
    assert job.finished_at is not None


def test_a_process_whose_lease_was_taken_over_finishes_nothing(db, project, manager):
    job = Job.objects.create(project=project, kind=JobKind.EXPORT, created_by=manager)
    recovery_test_overtaken.apply((str(job.pk),))
    job.refresh_from_db()
    # The later claim runs the job now: the overtaken outcome must not end it.
    assert (job.state, job.result) == (JobState.RUNNING, None)


# --- jobs whose worker stopped -------------------------------------------------------------------


def test_reading_a_job_whose_worker_stopped_restarts_it_once(
    broker_mode, running_job, client_for, manager, django_capture_on_commit_callbacks
):
    job = running_job(2)
    before = queued_messages()
    with django_capture_on_commit_callbacks(execute=True):
        body = client_for(manager).get(f"/api/v1/jobs/{job.pk}/").json()
    assert (body["state"], body["restarts"], body["worker"]) == ("queued", 1, "")
    assert queued_messages() == before + 1  # sent to the workers again
    assert body["waiting_for_worker"].startswith("Waiting for a worker")  # none runs here


def test_reading_a_job_whose_worker_stopped_twice_fails_it_with_the_reason(
    broker_mode, running_job, client_for, manager
):
    job = running_job(2, restarts=1, kind=JobKind.EXPORT, task_name=EXPORT_RUN)
    body = client_for(manager).get(f"/api/v1/jobs/{job.pk}/").json()
    assert body["state"] == "failed"
    assert "stopped before the job finished, as it had once before" in body["error"]
    download = client_for(manager).get(f"/api/v1/projects/{job.project_id}/exports/{job.pk}/")
    assert download.json()["state"] == "failed"


def test_in_eager_mode_a_job_whose_worker_stopped_fails_rather_than_run_in_the_request(
    running_job, client_for, manager, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    job = running_job(2)
    body = client_for(manager).get(f"/api/v1/jobs/{job.pk}/").json()
    assert body["state"] == "failed"
    assert "stopped" in body["error"]
    assert not Document.objects.exists()


def test_lists_of_jobs_show_no_job_running_that_nothing_runs(
    broker_mode, running_job, client_for, manager, project, settings
):
    imported, exported = running_job(2), running_job(2, kind=JobKind.EXPORT, task_name=EXPORT_RUN)
    jobs = client_for(manager).get(f"/api/v1/projects/{project.pk}/jobs/").json()["results"]
    assert {j["id"]: j["state"] for j in jobs} == {
        str(imported.pk): "queued",
        str(exported.pk): "queued",
    }
    Job.objects.filter(pk=exported.pk).update(
        state=JobState.RUNNING, worker_instance="killed-again", heartbeat_at=ago(2, settings)
    )
    exports = client_for(manager).get(f"/api/v1/projects/{project.pk}/exports/").json()
    assert [j["state"] for j in exports["results"]] == ["failed"]


def test_a_job_from_before_leases_is_recovered_too(broker_mode, running_job, client_for, manager):
    job = running_job(2, instance="", heartbeat_at=None, task_name="")
    body = client_for(manager).get(f"/api/v1/jobs/{job.pk}/").json()
    assert body["state"] == "failed" and "stopped" in body["error"]


@pytest.mark.parametrize("case", ["worker alive, lease ran out", "lease alive, worker gone"])
def test_a_job_is_left_running_unless_both_its_lease_and_its_worker_are_gone(
    broker_mode, running_job, live_worker, client_for, manager, case
):
    if case == "worker alive, lease ran out":
        live_worker("a-busy-worker")  # e.g. a long step holding the interpreter
        job = running_job(2, instance="a-busy-worker")
    else:
        job = running_job(0.25)
    body = client_for(manager).get(f"/api/v1/jobs/{job.pk}/").json()
    assert (body["state"], body["restarts"]) == ("running", 0)


def test_nothing_is_decided_while_the_broker_cannot_say_which_workers_live(
    broker_mode, running_job, client_for, manager, settings
):
    job = running_job(2)
    live = celery_app.conf.broker_url
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # where liveness is read: nothing there
    try:
        body = client_for(manager).get(f"/api/v1/jobs/{job.pk}/").json()
    finally:
        settings.CELERY_BROKER_URL = live
    assert body["state"] == "running"


# --- a run split into chunks ---------------------------------------------------------------------


def test_chunks_of_an_earlier_run_and_repeated_chunks_count_nothing(project, manager):
    documents = [DocumentFactory(project=project) for _ in range(4)]
    ids = sorted(d.pk for d in documents)
    job = Job.objects.create(
        project=project,
        kind=JobKind.AGREEMENT,
        created_by=manager,
        state=JobState.RUNNING,
        restarts=1,
        progress_total=4,
        params={"chunks": [ids[:2], ids[2:]], "chunks_done": [], "run": 1},
    )
    assert agreement_chunk_compute(job_id=str(job.pk), index=0, run=0) is False  # stale run
    assert agreement_chunk_compute(job_id=str(job.pk), index=0, run=1) is False
    assert agreement_chunk_compute(job_id=str(job.pk), index=0, run=1) is False  # redelivered
    job.refresh_from_db()
    assert (job.params["chunks_done"], job.progress_done) == ([0], 2)
    assert agreement_chunk_compute(job_id=str(job.pk), index=1, run=1) is True  # the last one


# --- health: what a person should do -------------------------------------------------------------


def assert_declared(body: dict) -> None:
    """The body is what the schema declares (HealthSerializer): no key more, none missing but the
    database's optional ``detail``."""
    declared = {name: set(field.fields) for name, field in HealthSerializer().fields.items()}
    assert set(body) == set(declared)
    for section, fields in declared.items():
        optional = {"detail"} if section == "database" else set()
        assert fields - optional <= set(body[section]) <= fields, section


def test_health_without_a_worker_names_the_command_that_starts_one(broker_mode, client_for, db):
    body = client_for().get("/api/v1/health/").json()
    assert body["broker"]["ok"] is True and body["broker"]["action"] is None
    assert body["workers"]["ok"] is False
    assert "celery -A workbench worker" in body["workers"]["action"]
    assert_declared(body)


def test_health_with_the_broker_down_names_it_and_how_to_start_it(
    broker_mode, client_for, db, settings
):
    settings.CELERY_BROKER_URL = "redis://:secret@127.0.0.1:1/0"
    body = client_for().get("/api/v1/health/").json()
    broker = body["broker"]
    assert broker["ok"] is False
    assert "redis://:**@127.0.0.1:1/0" in broker["detail"]  # which broker, password hidden
    assert "secret" not in str(body)
    assert "redis-server" in broker["action"] and "REDIS_URL" in broker["action"]
    assert body["workers"]["ok"] is False and body["workers"]["action"]
    assert_declared(body)


def test_health_with_the_database_down_names_it_and_answers_503(client_for, db, monkeypatch):
    from django.db import OperationalError, connection

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", refuse)
        response = client_for().get("/api/v1/health/")
    assert response.status_code == 503
    database = response.json()["database"]
    assert (database["ok"], database["detail"]) == (False, "connection refused")
    settings_dict = connection.settings_dict
    assert f"{settings_dict['HOST'] or 'localhost'}:" in database["action"]
    assert "DATABASE_URL" in database["action"]
    assert_declared(response.json())
