"""Console pages: imports (see annotations/views/console/__init__.py).

``/projects/<id>/import/`` (managers only; everyone else gets 404), in three steps:

1. Upload one or more files in any format the imports read (documents: .txt, JSONL, CSV;
   annotated documents: this workbench's JSONL, Label Studio JSON, doccano JSONL), with the
   options of the annotated files. The files are stored as a pending import
   (``annotations.services.pending_imports``); nothing reaches the database.
2. The preview (``.../import/<token>/``): per file its format, how many records and what the
   import would create, the first documents as they will be, and every problem by line. The
   import button stays disabled while a file has a problem: the manager fixes the file and
   uploads it again (or changes the options and checks again). Discarding removes the files.
3. Starting runs the import jobs on the stored files, exactly as the API's import endpoints do,
   and shows the progress page (``.../import/progress/?job=<id>``): a progress bar per job that
   the page's script follows through ``/api/v1/jobs/{id}/``, then the result, with a link to the
   imported documents in the documents table.

Every step acts through the services the API uses, so formats, checks and jobs are the same; what
a service refuses is shown next to the field it names.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST

from annotations.errors import DomainError
from annotations.forms.errors import add_domain_error
from annotations.forms.imports import ImportOptionsForm, ImportUploadForm
from annotations.models import Job, JobKind, JobState
from annotations.selectors.access import ProjectAccess
from annotations.selectors.jobs import job_get, job_list, job_waiting_message
from annotations.selectors.pending_imports import (
    PENDING_MAX_AGE,
    PendingImport,
    pending_import_get,
    pending_import_list,
)
from annotations.selectors.projects import membership_list
from annotations.services.import_preview import (
    FORMAT_NAMES,
    IMPORT_FORMATS,
    ImportOptions,
    is_annotation_format,
)
from annotations.services.job_recovery import jobs_recover_lost
from annotations.services.pending_imports import (
    pending_import_create,
    pending_import_discard,
    pending_import_recheck,
    pending_import_start,
)
from annotations.views.base import manager_access_or_404

RECENT_IMPORTS = 10
SHOWN_JOB_ERRORS = 100  # per file of a finished job (its result keeps at most that many)


def _members(access: ProjectAccess, user: Any) -> Any:
    return membership_list(access=access, user=user)


# --- 1. upload -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def import_upload(request: HttpRequest, project_id: int) -> HttpResponse:
    """GET: the upload form, the user's uploads waiting for a go, and the recent imports; POST:
    store the files as a pending import and show its preview."""
    access = manager_access_or_404(request.user, project_id)
    members = _members(access, request.user)
    if request.method != "POST":
        return _render_upload(request, access, ImportUploadForm(members=members))
    form = ImportUploadForm(request.POST, request.FILES, members=members)
    if form.is_valid():
        try:
            pending = pending_import_create(
                project=access.project,
                user=request.user,
                files=form.cleaned_data["file"],
                fmt=form.chosen_format(),
                options=form.options(),
            )
        except DomainError as exc:
            add_domain_error(form, exc)  # the form's fields have the services' names
        else:
            count = len(pending.files)
            if pending.ok:
                messages.success(
                    request,
                    f"Checked {count} file{'s' if count != 1 else ''}: no problem found. Nothing "
                    "is imported until you start the import.",
                )
            else:
                messages.warning(
                    request,
                    f"Checked {count} file{'s' if count != 1 else ''}: {pending.error_count} "
                    "problem(s) found. Nothing was stored in the project.",
                )
            return redirect(
                "console-import-preview", project_id=access.project.pk, token=pending.token
            )
    return _render_upload(request, access, form, status=400)


def _render_upload(
    request: HttpRequest, access: ProjectAccess, form: ImportUploadForm, *, status: int = 200
) -> HttpResponse:
    project = access.project
    recent = job_list(access=access, user=request.user).filter(kind=JobKind.IMPORT)
    context = {
        "project": project,
        "access": access,
        "form": form,
        "formats": [{"key": f, "name": FORMAT_NAMES[f]} for f in IMPORT_FORMATS],
        "max_upload_mb": settings.WORKBENCH_MAX_UPLOAD_MB,
        "pending": pending_import_list(project_id=project.pk, user=request.user),
        "pending_hours": int(PENDING_MAX_AGE.total_seconds() // 3600),
        "recent": [_job_summary(job) for job in recent[:RECENT_IMPORTS]],
        "page_data": {
            "maxUploadBytes": settings.WORKBENCH_MAX_UPLOAD_BYTES,
            "maxUploadMb": settings.WORKBENCH_MAX_UPLOAD_MB,
            "annotationFormats": [f for f in IMPORT_FORMATS if is_annotation_format(f)],
        },
    }
    return render(request, "annotations/console/import.html", context, status=status)


# --- 2. preview ------------------------------------------------------------------------------


def _pending_or_404(request: HttpRequest, access: ProjectAccess, token: str) -> PendingImport:
    pending = pending_import_get(project_id=access.project.pk, user=request.user, token=token)
    if pending is None:
        raise Http404("No such upload: it was imported, discarded, or left too long.")
    return pending


def _options_form(
    access: ProjectAccess, user: Any, pending: PendingImport, data: Any = None
) -> ImportOptionsForm:
    options = ImportOptions.from_dict(pending.options)
    initial = {
        "user": options.attribute_to,
        "annotator": options.annotator or "",
        "create_labels": options.create_labels,
    }
    return ImportOptionsForm(data, members=_members(access, user), initial=initial)


@login_required
def import_preview(request: HttpRequest, project_id: int, token: str) -> HttpResponse:
    access = manager_access_or_404(request.user, project_id)
    pending = _pending_or_404(request, access, token)
    return _render_preview(request, access, pending, _options_form(access, request.user, pending))


def _render_preview(
    request: HttpRequest,
    access: ProjectAccess,
    pending: PendingImport,
    options_form: ImportOptionsForm,
    *,
    status: int = 200,
) -> HttpResponse:
    previews = pending.previews
    context = {
        "project": access.project,
        "access": access,
        "pending": pending,
        "previews": previews,
        "options_form": options_form,
        "totals": {
            "files": len(previews),
            "failed_files": sum(1 for p in previews if not p["ok"]),
            "documents": sum(p["documents"] for p in previews),
            "spans": sum(p["spans"] for p in previews),
            "gold_spans": sum(p["gold_spans"] for p in previews),
        },
    }
    return render(request, "annotations/console/import_preview.html", context, status=status)


@login_required
@require_POST
def import_recheck(request: HttpRequest, project_id: int, token: str) -> HttpResponse:
    """Preview the stored files again with the options of the form."""
    access = manager_access_or_404(request.user, project_id)
    pending = _pending_or_404(request, access, token)
    form = _options_form(access, request.user, pending, request.POST)
    if form.is_valid():
        try:
            pending = pending_import_recheck(
                pending=pending, project=access.project, options=form.options()
            )
        except DomainError as exc:
            add_domain_error(form, exc)  # the form's fields have the services' names
        else:
            messages.success(
                request,
                "Checked again: no problem found."
                if pending.ok
                else f"Checked again: {pending.error_count} problem(s) found.",
            )
            return redirect("console-import-preview", project_id=access.project.pk, token=token)
    return _render_preview(request, access, pending, form, status=400)


@login_required
@require_POST
def import_discard(request: HttpRequest, project_id: int, token: str) -> HttpResponse:
    access = manager_access_or_404(request.user, project_id)
    pending = _pending_or_404(request, access, token)
    pending_import_discard(pending=pending)
    messages.success(request, "Discarded the upload: its files are removed, nothing was imported.")
    return redirect("console-import", project_id=access.project.pk)


@login_required
@require_POST
def import_start(request: HttpRequest, project_id: int, token: str) -> HttpResponse:
    access = manager_access_or_404(request.user, project_id)
    pending = _pending_or_404(request, access, token)
    try:
        jobs = pending_import_start(pending=pending, project=access.project, user=request.user)
    except DomainError as exc:
        # A file with problems (the button was disabled), an option that no longer names a
        # member, an archived project: said on the preview, which still holds the files.
        if isinstance(exc.detail, dict):
            text = "; ".join(m for ms in exc.detail.values() for m in ms)
        else:
            text = exc.detail
        messages.error(request, f"The import was not started: {text}")
        if pending_import_get(project_id=access.project.pk, user=request.user, token=token):
            return redirect("console-import-preview", project_id=access.project.pk, token=token)
        return redirect("console-import", project_id=access.project.pk)
    messages.success(
        request,
        f"Import started ({len(jobs)} job{'s' if len(jobs) != 1 else ''}): each file is imported "
        "all or nothing.",
    )
    return redirect(_progress_url(access.project.pk, jobs))


def _progress_url(project_id: int, jobs: list[Job]) -> str:
    query = urlencode([("job", str(job.pk)) for job in jobs])
    return f"{reverse('console-import-progress', args=[project_id])}?{query}"


# --- 3. progress and result -----------------------------------------------------------------


@login_required
def import_progress(request: HttpRequest, project_id: int) -> HttpResponse:
    """The import jobs named by ``?job=<id>`` (the manager's own or the project's): a progress
    bar each while they run, then their results."""
    access = manager_access_or_404(request.user, project_id)
    # A job shown running must be run by something (annotations.services.job_recovery).
    jobs_recover_lost(project_id=access.project.pk)
    jobs = []
    for job_id in dict.fromkeys(request.GET.getlist("job")):
        job = job_get(user=request.user, job_id=job_id)
        if job is not None and job.project_id == access.project.pk and job.kind == JobKind.IMPORT:
            jobs.append(job)
    if not jobs:
        raise Http404("No such import.")
    summaries = [_job_summary(job) for job in jobs]
    context = {
        "project": access.project,
        "access": access,
        "summaries": summaries,
        "finished": all(s["finished"] for s in summaries),
        "page_data": {
            "jobs": [
                {"id": s["id"], "url": reverse("job-detail", args=[s["id"]]), "state": s["state"]}
                for s in summaries
            ],
        },
    }
    return render(request, "annotations/console/import_progress.html", context)


def _job_summary(job: Job) -> dict[str, Any]:
    """What the pages show of an import job: its files, state, progress and result."""
    params, result = job.params or {}, job.result or {}
    annotated = params.get("kind") == "annotations"
    finished = job.state in (JobState.SUCCEEDED, JobState.FAILED)
    if annotated:
        names = [params.get("name", "")]
        fmt = params.get("format", "")
        title = f"{names[0]} ({FORMAT_NAMES.get(fmt, fmt)})"
        by_line = fmt != "label_studio"
        files = [
            {
                "name": names[0],
                "created": result.get("documents", 0),
                "error_count": result.get("error_count", 0),
                "errors": [
                    {
                        "where": _where(e.get("item"), by_line),
                        "field": e.get("field", ""),
                        "message": e.get("message", ""),
                    }
                    for e in result.get("errors", [])[:SHOWN_JOB_ERRORS]
                ],
            }
        ]
        documents = result.get("documents", 0)
    else:
        names = [f.get("name", "") for f in params.get("files", [])]
        title = ", ".join(names) if len(names) <= 3 else f"{names[0]} and {len(names) - 1} more"
        files = [
            {
                "name": f.get("file", ""),
                "created": f.get("created", 0),
                "error_count": f.get("error_count", 0),
                "errors": [
                    {
                        "where": _where(e.get("line"), True),
                        "field": e.get("field", ""),
                        "message": e.get("message", ""),
                    }
                    for e in f.get("errors", [])[:SHOWN_JOB_ERRORS]
                ],
            }
            for f in result.get("files", [])
        ]
        documents = result.get("created", 0)
    progress = None
    if job.state == JobState.SUCCEEDED:
        progress = 1.0
    elif job.progress_total:
        progress = min(job.progress_done / job.progress_total, 1.0)
    return {
        "id": str(job.pk),
        "job": job,
        "title": title,
        "annotated": annotated,
        "state": job.state,
        "finished": finished,
        "progress": progress,
        "status": _status_text(job),
        "files": files,
        "documents": documents,
        "spans": result.get("spans", 0) if annotated else None,
        "gold_spans": result.get("gold_spans", 0) if annotated else None,
        "created_labels": result.get("created_labels", []) if annotated else [],
        "error": job.error,
        "url": f"{reverse('console-import-progress', args=[job.project_id])}?job={job.pk}",
        "documents_url": f"{reverse('console-documents', args=[job.project_id])}?batch={job.pk}",
    }


def _where(number: Any, by_line: bool) -> str:
    if not isinstance(number, int) or (by_line and number < 1):
        return "file"
    return f"line {number}" if by_line else f"task [{number}]"


def _status_text(job: Job) -> str:
    if job.state == JobState.QUEUED:
        return job_waiting_message(job) or "Queued: waiting for a worker to start it…"
    if job.state == JobState.RUNNING:
        done = f" ({job.progress_done} of {job.progress_total})" if job.progress_total else ""
        return f"Running…{done}"
    if job.state == JobState.SUCCEEDED:
        return "Done."
    return f"Failed: {job.error or 'no reason given.'}"


urlpatterns: list[URLPattern] = [
    path("projects/<int:project_id>/import/", import_upload, name="console-import"),
    path(
        "projects/<int:project_id>/import/progress/",
        import_progress,
        name="console-import-progress",
    ),
    path(
        "projects/<int:project_id>/import/<slug:token>/",
        import_preview,
        name="console-import-preview",
    ),
    path(
        "projects/<int:project_id>/import/<slug:token>/recheck/",
        import_recheck,
        name="console-import-recheck",
    ),
    path(
        "projects/<int:project_id>/import/<slug:token>/start/",
        import_start,
        name="console-import-start",
    ),
    path(
        "projects/<int:project_id>/import/<slug:token>/discard/",
        import_discard,
        name="console-import-discard",
    ),
]
