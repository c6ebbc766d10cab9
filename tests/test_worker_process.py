"""Real Celery workers in processes of their own (tests/worker_process.py), killed with SIGKILL
in the middle of jobs, and cut off from their broker: every job ends succeeded or failed, none is
left running, no partial export is offered, and a worker survives a broker outage.

Jobs stop at a known point of their work (a file appears when they reach it) before the worker is
killed; every wait is for a state, with a generous cap (tests/waiting.py). The workers run with a
short lease and heartbeat (3 s) so that a killed worker is noticed in seconds.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from django.db import connection

from annotations.models import AgreementReport, Document, Job, JobState
from annotations.services.exports import export_dir
from tests.factories import DocumentFactory
from tests.waiting import wait_until
from workbench import heartbeat
from workbench.celery import app as celery_app

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

REPO = Path(__file__).resolve().parents[1]
LAUNCHER = Path(__file__).resolve().parent / "worker_process.py"
LEASE_SECONDS = 3


@dataclass
class WorkerProcess:
    name: str
    process: subprocess.Popen
    log: Path

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL to the worker and its pool's processes, as when its container is killed."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=60)

    def stop(self) -> None:
        """Warm shutdown, as ``docker compose stop`` asks."""
        if self.alive():
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_tail(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-4000:]


@pytest.fixture
def start_worker_process(tmp_path, settings, broker_mode) -> Iterator[Callable[..., WorkerProcess]]:
    """``start(name, block=False, broker=None)``: a worker on this test's database, queue and
    media folder; ``block`` makes its jobs stop at their known points (tests/worker_process.py)."""
    started: list[WorkerProcess] = []
    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )

    def start(name: str, *, block: bool = False, broker: str | None = None) -> WorkerProcess:
        broker = broker or settings.CELERY_BROKER_URL
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": broker,
            "CELERY_BROKER_URL": broker,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "WORKBENCH_MEDIA_ROOT": settings.MEDIA_ROOT,
            "WORKBENCH_TEST_QUEUE": celery_app.conf.task_default_queue,
            "JOB_LEASE_SECONDS": str(LEASE_SECONDS),
            "WORKER_HEARTBEAT_INTERVAL": "1",
            "WORKER_HEARTBEAT_TTL": str(LEASE_SECONDS),
        }
        if block:
            env["WORKBENCH_TEST_BLOCK_DIR"] = str(tmp_path)
        log = tmp_path / f"{name}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, str(LAUNCHER), f"celery@{name}"],
                cwd=REPO,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killed with its pool
            )
        worker = WorkerProcess(f"celery@{name}", process, log)
        started.append(worker)
        wait_until(
            lambda: worker.name in heartbeat.alive_workers() or not worker.alive(),
            what=f"{worker.name}'s heartbeat",
        )
        assert worker.alive(), worker.log_tail()
        return worker

    settings.JOB_LEASE_SECONDS = LEASE_SECONDS  # this process judges leases as the workers do
    yield start
    for worker in started:
        worker.kill()
        # Shown by pytest only when the test failed: what each worker logged.
        print(f"--- {worker.name} ---\n{worker.log_tail()}")


def named_file(name: str, content: bytes) -> io.BytesIO:
    f = io.BytesIO(content)
    f.name = name
    return f


def start_jobs(client, project) -> dict[str, str]:
    """An import, an export and an agreement run of ``project``: their job ids by kind."""
    base = f"/api/v1/projects/{project.pk}"
    started = {
        "import": client.post(
            f"{base}/imports/",
            {"file": [named_file("new.jsonl", b'{"text": "one"}\n{"text": "two"}\n')]},
            format="multipart",
        ),
        "export": client.post(
            f"{base}/exports/", {"format": "jsonl", "submitted_only": False}, format="json"
        ),
        "agreement": client.post(f"{base}/agreement/"),
    }
    for kind, response in started.items():
        assert response.status_code == 202, (kind, response.json())
    return {kind: response.json()["id"] for kind, response in started.items()}


def reached(tmp_path: Path, *points: str) -> bool:
    return all((tmp_path / f"{point}.reached").exists() for point in points)


def finished_jobs(*job_ids: str) -> list[Job] | None:
    """The jobs, once every one of them has ended (succeeded or failed)."""
    jobs = list(Job.objects.filter(pk__in=job_ids, state__in=[JobState.SUCCEEDED, JobState.FAILED]))
    return jobs if len(jobs) == len(job_ids) else None


def job_states(client, job_ids: dict[str, str]) -> dict[str, dict]:
    return {kind: client.get(f"/api/v1/jobs/{job_id}/").json() for kind, job_id in job_ids.items()}


def test_jobs_of_a_killed_worker_are_restarted_and_finish(
    start_worker_process, client_for, project, manager, tmp_path
):
    for _ in range(3):
        DocumentFactory(project=project)
    client = client_for(manager)
    first = start_worker_process("killed", block=True)
    job_ids = start_jobs(client, project)
    wait_until(lambda: reached(tmp_path, "import", "export", "agreement"), what="the stop points")
    running = job_states(client, job_ids)
    assert {kind: job["state"] for kind, job in running.items()} == dict.fromkeys(
        job_ids, "running"
    ), running
    assert {job["worker"] for job in running.values()} == {first.name}
    export_folder = export_dir(job_ids["export"])
    partial = f".project-{project.pk}-jsonl.jsonl.part"
    assert [p.name for p in export_folder.iterdir()] == [partial]  # nothing finished-looking

    first.kill()

    # Read while no worker runs: each job whose worker stopped goes back to the queue, once.
    def all_queued() -> dict[str, dict] | None:
        jobs = job_states(client, job_ids)
        return jobs if all(job["state"] == "queued" for job in jobs.values()) else None

    queued = wait_until(all_queued, what="the killed worker's jobs to be restarted")
    for job in queued.values():
        assert job["restarts"] == 1 and job["waiting_for_worker"], job
    download = client.get(f"/api/v1/projects/{project.pk}/exports/{job_ids['export']}/download/")
    assert download.status_code == 404  # the partial file is never offered

    second = start_worker_process("fresh")

    def all_finished() -> dict[str, dict] | None:
        jobs = job_states(client, job_ids)
        return jobs if all(j["state"] in ("succeeded", "failed") for j in jobs.values()) else None

    finished = wait_until(all_finished, what="the restarted jobs to finish")
    assert {kind: job["state"] for kind, job in finished.items()} == dict.fromkeys(
        job_ids, "succeeded"
    ), (finished, second.log_tail())
    assert {job["worker"] for job in finished.values()} == {second.name}
    assert Document.objects.filter(project=project, text__in=["one", "two"]).count() == 2
    assert AgreementReport.objects.filter(pk=finished["agreement"]["result"]["report_id"]).exists()
    download = client.get(f"/api/v1/projects/{project.pk}/exports/{job_ids['export']}/download/")
    assert download.status_code == 200
    lines = b"".join(download.streaming_content).decode().splitlines()
    assert len(lines) == finished["export"]["result"]["documents"] >= 3
    assert all(json.loads(line)["format"] == "factcheck-workbench/1" for line in lines)
    assert not Job.objects.filter(state__in=[JobState.RUNNING, JobState.QUEUED]).exists()
    second.stop()


def test_a_job_whose_worker_is_killed_twice_fails_visibly(
    start_worker_process, client_for, project, manager, tmp_path
):
    client = client_for(manager)
    first = start_worker_process("killed-once", block=True)
    job_id = client.post(
        f"/api/v1/projects/{project.pk}/imports/",
        {"file": [named_file("new.jsonl", b'{"text": "one"}\n')]},
        format="multipart",
    ).json()["id"]
    wait_until(lambda: reached(tmp_path, "import"), what="the import's stop point")
    (tmp_path / "import.reached").unlink()
    first.kill()

    # Nobody reads the job: the next worker finds it on its own and restarts it.
    again = start_worker_process("killed-twice", block=True)
    wait_until(lambda: reached(tmp_path, "import"), what="the restarted import's stop point")
    job = Job.objects.get(pk=job_id)
    assert (job.state, job.restarts, job.worker) == (JobState.RUNNING, 1, again.name)
    again.kill()

    last = start_worker_process("survivor")
    (job,) = wait_until(lambda: finished_jobs(job_id), what="the job to end")
    assert job.state == JobState.FAILED, last.log_tail()
    assert f"The worker running this job ({again.name}) stopped" in job.error, last.log_tail()
    assert "as it had once before" in job.error
    assert not Document.objects.filter(project=project).exists()
    last.stop()


# --- a broker outage -----------------------------------------------------------------------------

# How long Redis stays down: long enough for several failed reconnections (the consumer retries
# after 2, then 4, then 6 s), and for the worker's heartbeat (3 s here) to expire. The reported
# outage lasted 30 s; what ended the worker was losing the broker while a job ran, at any length.
OUTAGE_SECONDS = 10


@dataclass
class OwnRedis:
    port: int
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        wait_until(lambda: self._answers(client), what=f"redis-server on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None

    @staticmethod
    def _answers(client: redis.Redis) -> bool:
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False


def _free_port() -> int:
    for port in range(6380, 6390):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    pytest.fail("No free port in 6380-6389 for a Redis of this test's own.")


@pytest.fixture
def own_redis(settings) -> Iterator[OwnRedis]:
    """A redis-server of this test's own, as the broker of this process and of its workers."""
    server = OwnRedis(_free_port())
    server.start()
    live = celery_app.conf.broker_url
    settings.CELERY_BROKER_URL = server.url
    celery_app.conf.broker_url = server.url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    yield server
    celery_app.conf.broker_url = live
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    server.stop()


def test_a_worker_survives_a_broker_outage_and_runs_jobs_afterwards(
    start_worker_process, own_redis, client_for, project, manager, tmp_path
):
    client = client_for(manager)
    worker = start_worker_process("outage", broker=own_redis.url, block=True)
    through = client.post(
        f"/api/v1/projects/{project.pk}/imports/",
        {"file": [named_file("through.jsonl", b'{"text": "through the outage"}\n')]},
        format="multipart",
    ).json()["id"]
    wait_until(lambda: reached(tmp_path, "import"), what="the import to be running")

    own_redis.stop()  # while the import runs
    with contextlib.suppress(subprocess.TimeoutExpired):  # it must still run at the end
        worker.process.wait(timeout=OUTAGE_SECONDS)
    assert worker.alive(), worker.log_tail()
    health = client_for().get("/api/v1/health/").json()
    assert health["broker"]["ok"] is False and own_redis.url in health["broker"]["detail"]

    own_redis.start()  # empty: the heartbeat keys went with the old one
    wait_until(lambda: worker.name in heartbeat.alive_workers(), what="the heartbeat", cap=60)

    # The worker consumes again while the job from before the outage still runs...
    after = client.post(
        f"/api/v1/projects/{project.pk}/imports/",
        {"file": [named_file("after.jsonl", b'{"text": "after the outage"}\n')]},
        format="multipart",
    ).json()["id"]
    (job,) = wait_until(lambda: finished_jobs(after), what="the job sent after the outage")
    assert job.state == JobState.SUCCEEDED, (job.error, worker.log_tail())
    # ... and that job ends too, and the worker goes on (ending it used to end the worker).
    (tmp_path / "import.release").touch()
    (job,) = wait_until(lambda: finished_jobs(through), what="the job run through the outage")
    assert job.state == JobState.SUCCEEDED, (job.error, worker.log_tail())
    last = client.post(
        f"/api/v1/projects/{project.pk}/imports/",
        {"file": [named_file("last.jsonl", b'{"text": "and the next one"}\n')]},
        format="multipart",
    ).json()["id"]
    (job,) = wait_until(lambda: finished_jobs(last), what="a job sent after that")
    assert job.state == JobState.SUCCEEDED and worker.alive(), worker.log_tail()
    assert sorted(Document.objects.filter(project=project).values_list("text", flat=True)) == [
        "after the outage",
        "and the next one",
        "through the outage",
    ]
    worker.stop()
