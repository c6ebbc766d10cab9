"""Uploaded files that a background import reads: stored where the worker finds them, removed
when the import is done."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class StoredUpload:
    """A file already on the server's disk, handed to an import in place of a request's upload:
    a previewed upload waiting for the manager's go (``annotations.services.pending_imports``).
    ``format`` is the one the preview settled on (None: from the file's extension)."""

    name: str  # the file's name as the user uploaded it
    path: Path
    format: str | None = None


def _store(upload: UploadedFile | StoredUpload, target: Path) -> None:
    if isinstance(upload, StoredUpload):
        # A hard link costs no copy and leaves the pending file in place until its owner removes
        # it; another file system (MEDIA_ROOT split across mounts) gets a copy.
        try:
            os.link(upload.path, target)
        except OSError:
            shutil.copyfile(upload.path, target)
        return
    with target.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)


def upload_job_start(
    *,
    project: Project,
    user: Any,
    uploads: list[tuple[UploadedFile | StoredUpload, str]],
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
            _store(upload, folder / stored_as)
        job_enqueue(job=job, task_name=task_name)
    job.refresh_from_db()
    return job


def upload_dir_remove(job_id: str) -> None:
    shutil.rmtree(import_upload_dir(job_id), ignore_errors=True)
