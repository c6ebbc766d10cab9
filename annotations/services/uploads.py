"""Uploaded files that a background import reads: stored where the worker finds them, removed
when the import is done."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from annotations.models import Job, JobKind, Project
from annotations.services.background import job_enqueue
from annotations.services.jobs import job_create


def import_upload_dir(job_id: str) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / str(job_id)


def upload_job_start(
    *,
    project: Project,
    user: Any,
    uploads: list[tuple[UploadedFile, str]],
    params: dict[str, Any],
    task_name: str,
) -> Job:
    """Create an import job, store its uploaded files (``(file, stored_as)`` pairs) where the
    worker reads them, and enqueue ``task_name`` once the transaction commits. Returns the job as
    stored after the enqueue (failed at once when the broker is unreachable)."""
    with transaction.atomic():
        job = job_create(project=project, kind=JobKind.IMPORT, created_by=user, params=params)
        folder = import_upload_dir(str(job.pk))
        folder.mkdir(parents=True, exist_ok=True)
        for upload, stored_as in uploads:
            with (folder / stored_as).open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
        job_enqueue(job=job, task_name=task_name)
    job.refresh_from_db()
    return job


def upload_dir_remove(job_id: str) -> None:
    shutil.rmtree(import_upload_dir(job_id), ignore_errors=True)
