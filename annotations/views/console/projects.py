"""Console pages: a new project and a project's settings (see annotations/views/console/__init__.py).

- ``/projects/new/`` (``console-project-new``): any signed-in user creates a project and becomes
  its manager, as with ``POST /api/v1/projects/``.
- ``/projects/<id>/settings/`` (``console-project-settings``, managers; everyone else gets 404):
  name, description, guidelines in Markdown with a live preview, annotators per document, blind.
- ``/projects/<id>/settings/archive/`` and ``.../unarchive/``: a confirmation, then the change.

Each write is the service the API calls (annotations.services.projects); what it refuses is shown
next to the field it names, and a change that succeeds redirects with a message.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_http_methods

from annotations.errors import DomainError
from annotations.forms.errors import add_domain_error
from annotations.forms.projects import ProjectForm
from annotations.models import Project
from annotations.selectors.access import ProjectAccess
from annotations.services.projects import (
    project_archive,
    project_create,
    project_unarchive,
    project_update,
)
from annotations.views.base import manager_access_or_404


def _preview_data(request: HttpRequest) -> dict[str, Any]:
    """What the live preview's script needs (frontend/src/console/project-settings.ts)."""
    return {"apiRoot": reverse("api-root"), "csrfToken": get_token(request)}


def _render_form(
    request: HttpRequest,
    form: ProjectForm,
    *,
    access: ProjectAccess | None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "form": form,
        "access": access,
        "project": access.project if access else None,
        "preview_data": _preview_data(request),
    }
    return render(request, "annotations/console/project_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def project_new(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _render_form(request, ProjectForm(), access=None)
    form = ProjectForm(request.POST)
    if form.is_valid():
        try:
            project = project_create(creator=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(
                request,
                f"Project '{project.name}' created; you are its manager. Next: its labels, "
                "members and documents (the menu above).",
            )
            return redirect("console-project-settings", project_id=project.pk)
    return _render_form(request, form, access=None, status=400)


def _initial(project: Project) -> dict[str, Any]:
    return {name: getattr(project, name) for name in ProjectForm.base_fields}


@login_required
@require_http_methods(["GET", "POST"])
def project_settings(request: HttpRequest, project_id: int) -> HttpResponse:
    access = manager_access_or_404(request.user, project_id)
    project = access.project
    if request.method == "GET":
        return _render_form(request, ProjectForm(initial=_initial(project)), access=access)
    form = ProjectForm(request.POST, initial=_initial(project))
    status = 400
    if form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        if not changes:
            messages.info(request, "Nothing changed.")
            return redirect("console-project-settings", project_id=project.pk)
        try:
            project_update(project=project, changes=changes)
        except DomainError as exc:
            add_domain_error(form, exc)
            status = exc.status_code
        else:
            messages.success(request, f"Settings of '{project.name}' saved.")
            return redirect("console-project-settings", project_id=project.pk)
    return _render_form(request, form, access=access, status=status)


def _archive_page(request: HttpRequest, project_id: int, *, archive: bool) -> HttpResponse:
    access = manager_access_or_404(request.user, project_id)
    project = access.project
    if request.method == "POST":
        if archive:
            project_archive(project=project)
            messages.success(
                request,
                f"'{project.name}' is archived: read only, and listed apart on the projects "
                "page. Unarchive it here to change it again.",
            )
        else:
            project_unarchive(project=project)
            messages.success(request, f"'{project.name}' is open again.")
        return redirect("console-project-settings", project_id=project.pk)
    context = {"project": project, "access": access, "archive": archive}
    return render(request, "annotations/console/project_archive.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def project_archive_confirm(request: HttpRequest, project_id: int) -> HttpResponse:
    return _archive_page(request, project_id, archive=True)


@login_required
@require_http_methods(["GET", "POST"])
def project_unarchive_confirm(request: HttpRequest, project_id: int) -> HttpResponse:
    return _archive_page(request, project_id, archive=False)


urlpatterns: list[URLPattern] = [
    path("projects/new/", project_new, name="console-project-new"),
    path(
        "projects/<int:project_id>/settings/",
        project_settings,
        name="console-project-settings",
    ),
    path(
        "projects/<int:project_id>/settings/archive/",
        project_archive_confirm,
        name="console-project-archive",
    ),
    path(
        "projects/<int:project_id>/settings/unarchive/",
        project_unarchive_confirm,
        name="console-project-unarchive",
    ),
]
