"""Console pages: assignment (see annotations/views/console/__init__.py).

``/projects/<id>/assign/`` (managers only; everyone else gets 404): each member's load, how many
documents still lack annotators, and three actions, each through the service the API uses
(annotations.services.assignments): distribute the documents that lack annotators (least-loaded
first, ``annotators_per_document`` each), assign or unassign one document by hand, and move an
annotator's open work to others.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_POST

from annotations.errors import DomainError
from annotations.forms.assignment import DistributeForm, HandAssignForm, MoveOpenForm
from annotations.forms.errors import add_domain_error
from annotations.models import Document, Role
from annotations.selectors.access import ProjectAccess
from annotations.selectors.assignments import assignment_coverage, documents_by_reference
from annotations.selectors.members import MemberWork, member_work_list
from annotations.services.assignments import (
    assignment_create,
    assignment_unassign_open,
    assignments_distribute,
    assignments_move_open,
)
from annotations.views.base import manager_access_or_404


def _render(
    request: HttpRequest,
    access: ProjectAccess,
    members: list[MemberWork] | None = None,
    *,
    distribute_form: DistributeForm | None = None,
    hand_form: HandAssignForm | None = None,
    move_form: MoveOpenForm | None = None,
    status: int = 200,
) -> HttpResponse:
    project = access.project
    members = members if members is not None else member_work_list(project=project)
    # The load table: annotators, and anyone else who holds assignments.
    loads = [
        row
        for row in members
        if row.membership.role == Role.ANNOTATOR or row.open or row.submitted or row.skipped
    ]
    context = {
        "project": project,
        "access": access,
        "loads": loads,
        "coverage": assignment_coverage(project=project),
        "has_annotators": any(r.membership.role == Role.ANNOTATOR for r in members),
        "anyone_open": any(r.open for r in members),
        "distribute_form": distribute_form or DistributeForm(members=members, prefix="dist"),
        "hand_form": hand_form or HandAssignForm(members=members, prefix="hand"),
        "move_form": move_form or MoveOpenForm(members=members, prefix="move"),
    }
    return render(request, "annotations/console/assignment.html", context, status=status)


@login_required
def assignment(request: HttpRequest, project_id: int) -> HttpResponse:
    access = manager_access_or_404(request.user, project_id)
    return _render(request, access)


def _back(access: ProjectAccess) -> HttpResponse:
    return redirect("console-assignment", project_id=access.project.pk)


@login_required
@require_POST
def distribute(request: HttpRequest, project_id: int) -> HttpResponse:
    access = manager_access_or_404(request.user, project_id)
    members = member_work_list(project=access.project)
    form = DistributeForm(request.POST, members=members, prefix="dist")
    if form.is_valid():
        try:
            result = assignments_distribute(
                project=access.project,
                annotator_ids=[int(pk) for pk in form.cleaned_data["annotators"]],
            )
        except DomainError as exc:
            add_domain_error(form, exc, default="annotators")
        else:
            wanted = access.project.annotators_per_document
            text = f"Created {result.created} assignment(s)."
            if result.documents_short_of_annotators:
                text += (
                    f" {result.documents_short_of_annotators} document(s) still have fewer than "
                    f"{wanted} annotator(s): not enough annotators who do not already hold them "
                    "(add annotators, or lower the number per document in the settings)."
                )
            else:
                text += f" Every document has {wanted} annotator(s)."
            messages.success(request, text)
            return _back(access)
    return _render(request, access, members, distribute_form=form, status=400)


def _resolve_document(form: HandAssignForm, access: ProjectAccess) -> Document | None:
    """The one document the form's reference names, or ``None`` with the reason on the field."""
    reference = form.cleaned_data["document"]
    found = documents_by_reference(project=access.project, reference=reference)
    if not found:
        form.add_error(
            "document", f"No document of this project has the id or title {reference!r}."
        )
        return None
    if len(found) > 1:
        shown = "; ".join(f"#{d.pk} {d.title or '(untitled)'}" for d in found[:5])
        more = " and more" if len(found) > 5 else ""
        form.add_error(
            "document",
            f"Several documents match {reference!r}: {shown}{more}. Give the id (e.g. #{found[0].pk}).",
        )
        return None
    return found[0]


@login_required
@require_POST
def hand_assign(request: HttpRequest, project_id: int) -> HttpResponse:
    """Assign or unassign one document (``op``: the button pressed)."""
    access = manager_access_or_404(request.user, project_id)
    members = member_work_list(project=access.project)
    form = HandAssignForm(request.POST, members=members, prefix="hand")
    if form.is_valid() and (document := _resolve_document(form, access)) is not None:
        annotator_id = form.cleaned_data["annotator"]
        who = next(r.user.get_username() for r in members if r.user.pk == annotator_id)
        title = document.title or f"document {document.pk}"
        try:
            if form.cleaned_data["op"] == "unassign":
                assignment_unassign_open(
                    project=access.project, document_id=document.pk, annotator_id=annotator_id
                )
                text = f"Unassigned “{title}” from {who}."
            else:
                assignment_create(
                    project=access.project, document_id=document.pk, annotator_id=annotator_id
                )
                text = f"Assigned “{title}” to {who}."
        except DomainError as exc:  # already assigned, already submitted...: said by the document
            add_domain_error(form, exc, default="document")
        else:
            messages.success(request, text)
            return _back(access)
    return _render(request, access, members, hand_form=form, status=400)


@login_required
@require_POST
def move_open(request: HttpRequest, project_id: int) -> HttpResponse:
    access = manager_access_or_404(request.user, project_id)
    members = member_work_list(project=access.project)
    form = MoveOpenForm(request.POST, members=members, prefix="move")
    if form.is_valid():
        from_id = form.cleaned_data["from_annotator"]
        try:
            result = assignments_move_open(
                project=access.project,
                from_user_id=from_id,
                to_user_ids=form.cleaned_data["to_annotators"] or None,
            )
        except DomainError as exc:
            add_domain_error(form, exc, default="from_annotator")
        else:
            names = {r.user.pk: r.user.get_username() for r in members}
            if result.moved:
                to = ", ".join(
                    f"{n} to {names.get(pk, pk)}" for pk, n in sorted(result.received.items())
                )
                text = f"Moved {result.moved} open document(s) of {names[from_id]}: {to}."
            else:
                text = f"Moved nothing from {names[from_id]}."
            if result.kept:
                text += (
                    f" {result.kept} stayed with {names[from_id]}: every other annotator already "
                    "has the document, or it has enough annotators without them."
                )
            messages.success(request, text)
            return _back(access)
    return _render(request, access, members, move_form=form, status=400)


urlpatterns: list[URLPattern] = [
    path("projects/<int:project_id>/assign/", assignment, name="console-assignment"),
    path(
        "projects/<int:project_id>/assign/distribute/",
        distribute,
        name="console-assignment-distribute",
    ),
    path("projects/<int:project_id>/assign/hand/", hand_assign, name="console-assignment-hand"),
    path("projects/<int:project_id>/assign/move/", move_open, name="console-assignment-move"),
]
