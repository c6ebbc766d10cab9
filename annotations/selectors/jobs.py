"""Reads about background jobs: the jobs a user may see, and whether anything will run them."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet
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


def worker_status() -> dict[str, Any]:
    """How jobs get executed right now: eagerly in-process, or by live Celery workers."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {
            "mode": "eager",
            "alive": True,
            "workers": [],
            "detail": "Tasks run in the web process (no broker configured).",
        }
    try:
        workers = heartbeat.alive_workers()
    except (RedisError, OSError) as exc:
        return {
            "mode": "celery",
            "alive": False,
            "workers": [],
            "detail": f"Broker unreachable: {exc}",
        }
    if not workers:
        return {
            "mode": "celery",
            "alive": False,
            "workers": [],
            "detail": "No Celery worker is running; start one with `celery -A workbench worker`.",
        }
    return {
        "mode": "celery",
        "alive": True,
        "workers": workers,
        "detail": f"{len(workers)} worker(s) alive.",
    }


def job_waiting_message(job: Job) -> str | None:
    """What to tell the user about a queued job that no worker is going to pick up."""
    if job.state != JobState.QUEUED:
        return None
    status = worker_status()
    if status["alive"]:
        return None
    return f"Waiting for a worker: {status['detail']}"
