"""Browser pages: server-rendered shells around the frontend bundle built into ``frontend/dist``.

Every page checks membership here, on the server (anonymous users are sent to the login page,
non-members get 404, as in the API). The workspace page embeds its document and spans as JSON
produced by the same selectors and serializers as the API, so a blind project hides other
annotators' spans from the page exactly as it does from ``GET /documents/{id}/``. The bundle's
tags come from ``{% frontend_assets %}`` (annotations/templatetags/frontend.py).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from annotations import selectors, services
from annotations.models import (
    AdjudicationState,
    Assignment,
    AssignmentState,
    Document,
    DocumentAdjudication,
    Project,
    Span,
)
from annotations.selectors import ProjectAccess
from annotations.serializers import (
    AssignmentSerializer,
    LabelSerializer,
    VerificationStatusSerializer,
)
from annotations.span_output import span_representations, span_rows


def _count(queryset: QuerySet) -> Coalesce:
    """A correlated COUNT(*) as an annotation (no join fan-out between several counts)."""
    counted = queryset.order_by().values("project").annotate(n=Count("id")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    mine = Assignment.objects.filter(project=OuterRef("pk"), annotator=request.user)
    everyone = Assignment.objects.filter(project=OuterRef("pk"))
    projects = (
        selectors.project_list(user=request.user)
        .annotate(
            my_assigned=_count(mine.exclude(state=AssignmentState.SKIPPED)),
            my_submitted=_count(mine.filter(state=AssignmentState.SUBMITTED)),
            my_skipped=_count(mine.filter(state=AssignmentState.SKIPPED)),
            team_assigned=_count(everyone.exclude(state=AssignmentState.SKIPPED)),
            team_submitted=_count(everyone.filter(state=AssignmentState.SUBMITTED)),
        )
        .order_by("name", "id")
    )
    return render(request, "annotations/project_list.html", {"projects": projects})


@login_required
def project_detail(request: HttpRequest, project_id: int) -> HttpResponse:
    access = selectors.project_access(user=request.user, project_id=project_id)
    project = access.project
    my_assignments = (
        Assignment.objects.filter(project=project, annotator=request.user)
        .select_related("document")
        .only("id", "state", "skip_reason", "document__id", "document__title")
        .order_by("id")
    )
    my_counts = {state: 0 for state in AssignmentState.values}
    for row in my_assignments.values("state").annotate(n=Count("id")).order_by():
        my_counts[row["state"]] = row["n"]
    my_total = sum(n for state, n in my_counts.items() if state != AssignmentState.SKIPPED)
    context: dict[str, Any] = {
        "project": project,
        "access": access,
        "my_assignments": my_assignments,
        "my_counts": my_counts,
        "my_total": my_total,
        "my_open": my_counts[AssignmentState.ASSIGNED] + my_counts[AssignmentState.IN_PROGRESS],
        "done": request.GET.get("done") == "1",
        "my_adjudicated": set(
            DocumentAdjudication.objects.filter(
                document__assignments__annotator=request.user,
                project=project,
                state=AdjudicationState.ADJUDICATED,
            ).values_list("document_id", flat=True)
        ),
    }
    if access.sees_everything:
        documents = (
            selectors.document_list(access=access, user=request.user)
            .only("id", "title")
            .annotate(
                n_assigned=Count("assignments", filter=~Q(assignments__state="skipped")),
                n_submitted=Count("assignments", filter=Q(assignments__state="submitted")),
            )
        )
        context["team"] = selectors.project_progress(project=project)
        context["documents"] = Paginator(documents, 50).get_page(request.GET.get("page"))
    return render(request, "annotations/project_detail.html", context)


@login_required
@require_POST
def project_next(request: HttpRequest, project_id: int) -> HttpResponse:
    """Open the annotator's next document: one in progress, else the oldest assigned."""
    access = selectors.project_access(user=request.user, project_id=project_id)
    assignment = selectors.next_assignment(access=access, user=request.user)
    if assignment is None:
        messages.info(request, "No documents left to annotate in this project.")
        return redirect("page-project", project_id=access.project.pk)
    if assignment.state == AssignmentState.ASSIGNED:
        assignment = services.assignment_transition(assignment=assignment, action="start")
    return redirect(
        "page-workspace", project_id=access.project.pk, document_id=assignment.document_id
    )


def _visible_document(request: HttpRequest, access: ProjectAccess, document_id: int) -> Document:
    return get_object_or_404(
        selectors.document_list(access=access, user=request.user), pk=document_id
    )


@login_required
def document_workspace(request: HttpRequest, project_id: int, document_id: int) -> HttpResponse:
    """The annotator's workspace for one assigned document."""
    access = selectors.project_access(user=request.user, project_id=project_id)
    document = _visible_document(request, access, document_id)
    assignment = Assignment.objects.filter(document=document, annotator=request.user).first()
    if assignment is None:
        if access.sees_everything:
            return redirect("page-review", project_id=access.project.pk, document_id=document.pk)
        raise Http404("No such document.")
    return _workspace(request, access, document, mode="annotate", assignment=assignment)


@login_required
def document_review(request: HttpRequest, project_id: int, document_id: int) -> HttpResponse:
    """Every annotator's spans on one document, read only (managers and reviewers)."""
    access = selectors.project_access(user=request.user, project_id=project_id)
    if not access.sees_everything:
        raise Http404("No such document.")
    document = _visible_document(request, access, document_id)
    return _workspace(request, access, document, mode="review", assignment=None)


def page_spans(spans: QuerySet[Span]) -> list[dict[str, Any]]:
    """The API form of the spans (``SpanSerializer``) without the timestamps, which the page does
    not use, in position order (tests/e2e/test_pages.py checks the values)."""
    rows = span_rows(spans.order_by("start", "end", "id"))
    return span_representations(rows, timestamps=False)


def _workspace(
    request: HttpRequest,
    access: ProjectAccess,
    document: Document,
    *,
    mode: str,
    assignment: Assignment | None,
) -> HttpResponse:
    project: Project = access.project
    spans = selectors.span_list(access=access, user=request.user).filter(document=document)
    bootstrap = {
        "mode": mode,
        "apiRoot": reverse("api-root"),
        "csrfToken": get_token(request),
        "project": {"id": project.pk, "name": project.name, "blind": project.blind},
        "user": {"id": request.user.pk, "username": request.user.get_username()},
        "role": access.role,
        "labels": LabelSerializer(selectors.label_list(access=access), many=True).data,
        "statuses": VerificationStatusSerializer(
            selectors.status_list(access=access), many=True
        ).data,
        "assignment": AssignmentSerializer(assignment).data if assignment else None,
        "document": {
            "id": document.pk,
            "title": document.title,
            "text": document.text,
            "spans": page_spans(spans),
        },
        "urls": {
            "project": reverse("page-project", kwargs={"project_id": project.pk}),
            "documents": reverse("page-project", kwargs={"project_id": project.pk}) + "documents/",
        },
    }
    context = {
        "project": project,
        "document": document,
        "mode": mode,
        "assignment": assignment,
        "bootstrap": bootstrap,
        "review_url": reverse(
            "page-review", kwargs={"project_id": project.pk, "document_id": document.pk}
        )
        if access.sees_everything
        else None,
    }
    return render(request, "annotations/workspace.html", context)
