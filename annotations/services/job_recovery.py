"""Jobs whose worker stopped: restarted once, then failed with the reason.

A running job shows life through its lease (``annotations.services.jobs``). When the lease ran out
and the worker instance that held it sends no heartbeat any more (killed, crashed, its machine
gone), nothing runs the job: it goes back to the queue, once, under the task that ran it (the
broker may also redeliver the original message, ``acks_late``; whichever delivery claims the job
first runs it, ``job_claim``), and fails the next time. Workers look on start and every few
seconds (``workbench.heartbeat``); every read of a job looks too (``annotations.views.jobs``), so
that no page shows a job running that nothing runs.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from annotations.models import Job, JobState
from annotations.selectors.jobs import lease_expired_before, lost_jobs
from annotations.services.background import job_enqueue
from annotations.services.jobs import MAX_RESTARTS, lost_job_error

logger = logging.getLogger(__name__)


def jobs_recover_lost(*, project_id: int | None = None, job_id: str | None = None) -> list[str]:
    """Restart (once) or fail the running jobs, of one project or one job when given, whose
    worker stopped. Returns the ids of the jobs it changed; nothing when the broker cannot say
    which workers live (then nobody can tell a stopped worker from a silent one)."""
    changed = []
    for job in lost_jobs(project_id=project_id, job_id=job_id):
        if _recover(job):
            changed.append(str(job.pk))
    return changed


def _recover(lost: Job) -> bool:
    now = timezone.now()
    with transaction.atomic():
        # Again under the lock: the job may have shown life or been claimed since it was read.
        job = (
            Job.objects.select_for_update()
            .filter(
                pk=lost.pk,
                state=JobState.RUNNING,
                worker_instance=lost.worker_instance,
                heartbeat_at=lost.heartbeat_at,
            )
            .first()
        )
        if job is None or (job.heartbeat_at and job.heartbeat_at >= lease_expired_before(now)):
            return False
        # Restarting in eager mode would run the job inside the request that noticed it.
        restart = not settings.CELERY_TASK_ALWAYS_EAGER and job.task_name
        if restart and job.restarts < MAX_RESTARTS:
            logger.warning(
                "job %s: its worker %s stopped; restarting it", job.pk, job.worker or "(unknown)"
            )
            job.state = JobState.QUEUED
            job.restarts += 1
            job.worker = job.worker_instance = ""
            job.heartbeat_at = None
            job.save(
                update_fields=["state", "restarts", "worker", "worker_instance", "heartbeat_at"]
            )
            job_enqueue(job=job, task_name=job.task_name)  # sent once this commits
        else:
            logger.warning("job %s: its worker %s stopped; failing it", job.pk, job.worker)
            job.state = JobState.FAILED
            job.error = lost_job_error(job)
            job.finished_at = now
            job.save(update_fields=["state", "error", "finished_at"])
    return True
