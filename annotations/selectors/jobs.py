"""Reads about background jobs: the jobs a user may see, and whether anything will run them."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from kombu.utils.url import maybe_sanitize_url
from redis.exceptions import RedisError

from annotations.models import (
    Job,
    JobState,
    Membership,
)
from annotations.permissions import MANAGING_ROLES, can_manage
from annotations.selectors.access import ProjectAccess
from workbench import heartbeat

User = AbstractBaseUser | AnonymousUser


def job_list(*, access: ProjectAccess, user: User) -> QuerySet[Job]:
    qs = Job.objects.filter(project=access.project)
    if not can_manage(access):
        qs = qs.filter(created_by=user)
    return qs


def job_get(*, user: User, job_id: object) -> Job | None:
    """A job the user may see: their own, or any job of a project they manage."""
    if not user.is_authenticated:
        return None
    try:
        job_uuid = uuid.UUID(str(job_id))
    except ValueError:
        return None
    managed = Membership.objects.filter(
        project=OuterRef("project_id"), user=user, role__in=MANAGING_ROLES
    )
    job = (
        Job.objects.filter(pk=job_uuid)
        .filter(Q(created_by=user, project__memberships__user=user) | Q(Exists(managed)))
        .distinct()
        .first()
    )
    return job


def lease_expired_before(now: dt.datetime | None = None) -> dt.datetime:
    """A running job that last showed life before this moment has lost its lease."""
    return (now or timezone.now()) - dt.timedelta(seconds=settings.JOB_LEASE_SECONDS)


def lost_jobs(*, project_id: int | None = None, job_id: str | None = None) -> list[Job]:
    """Running jobs that nothing runs: their lease ran out and the worker instance holding it
    sends no heartbeat (a job from before leases, with none recorded, counts once its start is a
    lease ago). Empty when the broker cannot say which workers live. Jobs run in the web process
    (eager mode: no worker instance) hold no lease and are never counted."""
    stale = lease_expired_before()
    jobs = Job.objects.filter(state=JobState.RUNNING).filter(
        Q(heartbeat_at__lt=stale) & ~Q(worker_instance="")
        | Q(heartbeat_at__isnull=True) & (Q(started_at__lt=stale) | Q(started_at__isnull=True))
    )
    if project_id is not None:
        jobs = jobs.filter(project_id=project_id)
    if job_id is not None:
        jobs = jobs.filter(pk=job_id)
    candidates = list(jobs)
    if not candidates:
        return []
    try:
        alive = heartbeat.alive_instances()
    except (RedisError, OSError):
        return []
    return [job for job in candidates if job.worker_instance not in alive]


def _broker_url() -> str:
    return maybe_sanitize_url(settings.CELERY_BROKER_URL)


START_WORKER = (
    "Start a worker with the web app's settings: `celery -A workbench worker -l info` in the "
    "project folder (with docker compose: `docker compose up -d worker`; if it keeps stopping, "
    "read `docker compose logs worker`)."
)


def service_status() -> dict[str, dict[str, Any]]:
    """How jobs get executed right now: the broker and the workers, each with what a person
    should do (``action``, None when nothing is wrong)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {
            "broker": {
                "ok": True,
                "mode": "eager",
                "detail": "No broker: background jobs run in the web process.",
                "action": None,
            },
            "workers": {
                "mode": "eager",
                "alive": True,
                "workers": [],
                "detail": "Tasks run in the web process (no broker configured).",
                "action": None,
            },
        }
    url = _broker_url()
    try:
        workers = heartbeat.alive_workers()
    except (RedisError, OSError) as exc:
        return {
            "broker": {
                "ok": False,
                "mode": "celery",
                "detail": f"The broker (Redis at {url}) cannot be reached: {exc}. New background "
                "jobs (imports, exports, agreement runs) fail at once until it answers.",
                "action": f"Start Redis at {url} (`sudo systemctl start redis-server`, or "
                "`docker compose up -d redis`), or set REDIS_URL / CELERY_BROKER_URL to a Redis "
                "that runs, for the web app and the workers alike.",
            },
            "workers": {
                "mode": "celery",
                "alive": False,
                "workers": [],
                "detail": "Unknown: worker heartbeats are kept in the broker, which cannot be "
                "reached.",
                "action": "Start the broker first (see its action); workers reconnect by "
                "themselves.",
            },
        }
    broker = {"ok": True, "mode": "celery", "detail": f"Redis at {url} answers.", "action": None}
    if not workers:
        return {
            "broker": broker,
            "workers": {
                "mode": "celery",
                "alive": False,
                "workers": [],
                "detail": "No Celery worker is running: background jobs (imports, exports, "
                "agreement runs) wait in the queue until one starts.",
                "action": START_WORKER,
            },
        }
    return {
        "broker": broker,
        "workers": {
            "mode": "celery",
            "alive": True,
            "workers": workers,
            "detail": f"{len(workers)} worker(s) alive.",
            "action": None,
        },
    }


def worker_status() -> dict[str, Any]:
    """How jobs get executed right now: eagerly in-process, or by live Celery workers."""
    return service_status()["workers"]


def job_waiting_message(job: Job) -> str | None:
    """What to tell the user about a queued job that no worker is going to pick up."""
    if job.state != JobState.QUEUED:
        return None
    status = service_status()
    if status["workers"]["alive"]:
        return None
    why = status["broker"] if not status["broker"]["ok"] else status["workers"]
    return f"Waiting for a worker: {why['detail']} {why['action']}"
