"""Celery tasks: ids in, one service call out. Each is safe to run twice."""

from __future__ import annotations

import shutil
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import DatabaseError, InterfaceError, OperationalError, transaction

from annotations import agreement_runs, annotation_import, exporting, jobs
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


# --- agreement -------------------------------------------------------------------------------------

_TRANSIENT = (OperationalError, InterfaceError)


@shared_task(autoretry_for=_TRANSIENT, retry_backoff=True, max_retries=5)
def agreement_refresh(project_id: int) -> None:
    """Debounced refresh after edits: recompute dirty documents, update the running sums."""
    # Edits from now on schedule anew. (In eager mode, the zero-config development setup, this
    # means every edit refreshes inside its own request: cheap for small projects, and the
    # figures are never stale there.)
    cache.delete(f"agreement-refresh-scheduled:{project_id}")
    agreement_runs.refresh_incremental(project_id=project_id)


@shared_task(autoretry_for=_TRANSIENT, retry_backoff=True, max_retries=5)
def agreement_run(job_id: str) -> None:
    """A full agreement run for a job: split into chunks (parallel when several workers run),
    then roll up. Re-running it recomputes the same rows (idempotent)."""
    job = Job.objects.filter(pk=job_id).select_related("project").first()
    if job is None or not jobs.job_start(job_id=job_id):
        return
    document_ids = agreement_runs.project_document_ids(job.project_id)
    chunks = agreement_runs.split_into_chunks(
        document_ids, -(-len(document_ids) // settings.AGREEMENT_CHUNK_DOCUMENTS)
    )
    if len(chunks) <= 1:  # small enough for one task: compute and report in one pass
        try:
            report = agreement_runs.refresh_full(project_id=job.project_id, job_id=job_id)
        except Exception as exc:
            jobs.job_fail(job_id=job_id, error=f"Agreement run failed: {exc}")
            raise
        jobs.job_succeed(
            job_id=job_id,
            result={"report_id": report.pk, "documents_counted": report.documents_counted},
        )
        return
    bounds = [[chunk[0], chunk[-1]] for chunk in chunks]
    Job.objects.filter(pk=job_id).update(
        progress_done=0,
        progress_total=len(document_ids),
        params={**job.params, "chunks": bounds, "chunks_done": 0},
    )
    for index in range(len(chunks)):
        agreement_chunk.delay(job_id, index)


@shared_task(autoretry_for=_TRANSIENT, retry_backoff=True, max_retries=5)
def agreement_chunk(job_id: str, index: int) -> None:
    job = Job.objects.filter(pk=job_id).first()
    if job is None or job.is_finished:
        return
    first, last = job.params["chunks"][index]
    document_ids = agreement_runs.project_document_ids(job.project_id, first=first, last=last)
    agreement_runs.compute_chunk(project_id=job.project_id, document_ids=document_ids)
    done = len(document_ids)
    # Fan-in without a result backend: the chunk that completes the count starts the roll-up.
    with transaction.atomic():
        locked = Job.objects.select_for_update().get(pk=job_id)
        finished = locked.params.get("chunks_done", 0) + 1
        locked.params = {**locked.params, "chunks_done": finished}
        locked.progress_done = min(locked.progress_done + done, locked.progress_total or 0)
        locked.save(update_fields=["params", "progress_done"])
    if finished == len(job.params["chunks"]):
        agreement_rollup.delay(job_id)


@shared_task(autoretry_for=_TRANSIENT, retry_backoff=True, max_retries=5)
def agreement_rollup(job_id: str) -> None:
    job = Job.objects.filter(pk=job_id).first()
    if job is None or job.is_finished:
        return
    _agreement_finish(job_id, job.project_id)


def _agreement_finish(job_id: str, project_id: int) -> None:
    try:
        report = agreement_runs.rollup(project_id=project_id, job_id=job_id)
    except Exception as exc:
        jobs.job_fail(job_id=job_id, error=f"Agreement roll-up failed: {exc}")
        raise
    jobs.job_succeed(
        job_id=job_id,
        result={"report_id": report.pk, "documents_counted": report.documents_counted},
    )


# --- exports ---------------------------------------------------------------------------------------


@shared_task(autoretry_for=_TRANSIENT, retry_backoff=True, max_retries=3)
def export_run(job_id: str) -> None:
    """Write an export file. A redelivered task (worker killed midway) starts the file afresh."""
    job = Job.objects.filter(pk=job_id).select_related("project").first()
    if job is None or not jobs.job_start(job_id=job_id):
        return
    scope = exporting.ExportScope.from_params(job.params)
    total = exporting.count_documents(job.project, scope)
    reporter = jobs.ProgressReporter(job_id, total=total)
    done = 0

    def one_more() -> None:
        nonlocal done
        done += 1
        reporter(done)

    try:
        exported = exporting.write_export(
            project=job.project,
            fmt=job.params["format"],
            scope=scope,
            job_id=job_id,
            progress=one_more,
        )
    except _TRANSIENT:
        raise
    except Exception as exc:
        jobs.job_fail(job_id=job_id, error=f"The export failed: {exc}")
        raise
    jobs.job_succeed(
        job_id=job_id,
        result={
            **exported.result,
            "filename": exported.filename,
            "content_type": exported.content_type,
            "size": exported.path.stat().st_size,
        },
    )


@shared_task(autoretry_for=(InterfaceError,), retry_backoff=True, max_retries=3)
def import_annotations_run(job_id: str) -> None:
    """Import another tool's annotations (or our JSONL) uploaded for ``job_id``, all or nothing."""
    job = Job.objects.filter(pk=job_id).select_related("project").first()
    if job is None or not jobs.job_start(job_id=job_id):
        return
    params = job.params
    path = import_upload_dir(job_id) / params["stored_as"]
    user_model = get_user_model()
    attribute_to = (
        user_model.objects.filter(pk=params["user"]).first() if params.get("user") else None
    )
    try:
        with path.open("rb") as fp:
            documents, report = annotation_import.parse(
                fp, params["format"], annotator=params.get("annotator")
            )
            result = annotation_import.import_annotations(
                project=job.project,
                documents=documents,
                report=report,
                attribute_to=attribute_to,
                create_labels=params.get("create_labels", False),
            )
    except DatabaseError as exc:
        jobs.job_fail(job_id=job_id, error=f"Database error during import: {exc}")
        raise
    if result.ok:
        jobs.job_succeed(job_id=job_id, result=result.as_dict())
    else:
        jobs.job_fail(
            job_id=job_id,
            error=f"{result.error_count} problem(s) in {params['name']}; nothing was imported. See result.errors.",
            result=result.as_dict(),
        )
    shutil.rmtree(import_upload_dir(job_id), ignore_errors=True)
