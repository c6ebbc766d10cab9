"""Celery tasks: ids in, one service call out. Each is safe to run twice."""

from __future__ import annotations

import shutil
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError, InterfaceError

from annotations import jobs
from annotations.importing import ImportFormatError, import_path
from annotations.models import Job


def import_upload_dir(job_id: str) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / str(job_id)


@shared_task(autoretry_for=(InterfaceError,), retry_backoff=True, max_retries=3)
def import_documents(job_id: str) -> None:
    """Import the files uploaded for ``job_id``; each file all-or-nothing."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None or not jobs.job_start(job_id=job_id):
        return  # deleted, or already finished by an earlier delivery
    files = [
        (import_upload_dir(job_id) / item["stored_as"], item)
        for item in job.params.get("files", [])
    ]
    done_before = {
        r["file"] for r in (job.result or {}).get("files", []) if r.get("error_count") == 0
    }
    reporter = jobs.ProgressReporter(job_id, total=len(files))
    results = list((job.result or {}).get("files", []))
    try:
        for index, (path, item) in enumerate(files):
            if item["name"] in done_before:
                continue
            try:
                file_results = import_path(project=job.project, path=path, fmt=item.get("format"))
            except ImportFormatError as exc:
                results.append(
                    {
                        "file": item["name"],
                        "created": 0,
                        "error_count": 1,
                        "errors": [{"line": 0, "field": "file", "message": str(exc)}],
                    }
                )
            else:
                for r in file_results:
                    entry = r.as_dict()
                    entry["file"] = (
                        item["name"] if len(file_results) == 1 else f"{item['name']}/{r.name}"
                    )
                    results.append(entry)
            reporter(index + 1)
    except DatabaseError as exc:
        jobs.job_fail(
            job_id=job_id, error=f"Database error during import: {exc}", result={"files": results}
        )
        raise
    summary = {
        "files": results,
        "created": sum(r["created"] for r in results),
        "failed_files": sum(1 for r in results if r["error_count"]),
    }
    if summary["failed_files"]:
        jobs.job_fail(
            job_id=job_id,
            error=f"{summary['failed_files']} of {len(results)} file(s) had errors and were not imported; "
            "see result.files for each line's problem.",
            result=summary,
        )
    else:
        jobs.job_succeed(job_id=job_id, result=summary)
    shutil.rmtree(import_upload_dir(job_id), ignore_errors=True)
