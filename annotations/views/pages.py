"""Browser pages: server-rendered shells around the frontend bundle built into ``frontend/dist``.

Every page checks membership here, on the server (anonymous users are sent to the login page,
non-members get 404, as in the API). The workspace page embeds its document and spans as JSON
produced by the same selectors and serializers as the API, so a blind project hides other
annotators' spans from the page exactly as it does from ``GET /documents/{id}/``. The bundle's
tags come from ``{% frontend_assets %}`` (annotations/templatetags/frontend.py).
"""

from __future__ import annotations

import re
from contextlib import suppress
from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from annotations.errors import Conflict
from annotations.forms.documents import MyDocumentsForm
from annotations.models import (
    AdjudicationState,
    Assignment,
    AssignmentState,
    Document,
    DocumentAdjudication,
    Project,
    Span,
)
from annotations.permissions import can_manage, can_review
from annotations.selectors.access import ProjectAccess
from annotations.selectors.document_table import document_table_page
from annotations.selectors.documents import document_list, next_assignment
from annotations.selectors.projects import (
    label_list,
    project_list_with_progress,
    project_progress,
    status_list,
)
from annotations.selectors.span_output import span_representations, span_rows
from annotations.selectors.spans import span_list
from annotations.serializers.assignments import AssignmentSerializer
from annotations.serializers.projects import LabelSerializer, VerificationStatusSerializer
from annotations.services.assignments import assignment_transition
from annotations.views.base import member_access_or_404


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    """The user's projects; archived ones apart, under "Archived"."""
    projects = list(project_list_with_progress(user=request.user))
    context = {
        "projects": [p for p in projects if p.archived_at is None],
        "archived": [p for p in projects if p.archived_at is not None],
    }
    return render(request, "annotations/project_list.html", context)


@login_required
def project_detail(request: HttpRequest, project_id: int) -> HttpResponse:
    access = member_access_or_404(request.user, project_id)
    project = access.project
    mine = Assignment.objects.filter(project=project, annotator=request.user)
    my_counts = {state: 0 for state in AssignmentState.values}
    for row in mine.values("state").annotate(n=Count("id")).order_by():
        my_counts[row["state"]] = row["n"]
    my_total = sum(n for state, n in my_counts.items() if state != AssignmentState.SKIPPED)
    context: dict[str, Any] = {
        "project": project,
        "access": access,
        "reviews": can_review(access),
        "manages": can_manage(access),
        "my_counts": my_counts,
        "my_total": my_total,
        "has_work": my_total + my_counts[AssignmentState.SKIPPED] > 0,
        "my_open": my_counts[AssignmentState.ASSIGNED] + my_counts[AssignmentState.IN_PROGRESS],
        "done": request.GET.get("done") == "1",
    }
    if context["has_work"]:
        context.update(_my_documents(request, access, mine))
    if can_review(access):
        context["team"] = project_progress(project=project)
    if context["manages"] and not context["has_work"]:  # the set-up card's figures only
        context["document_count"] = Document.objects.filter(project=project).count()
        context["member_count"] = project.memberships.count()
    return render(request, "annotations/project_detail.html", context)


def _my_documents(
    request: HttpRequest, access: ProjectAccess, mine: QuerySet[Assignment]
) -> dict[str, Any]:
    """The user's own documents, searched, filtered and paged like the documents table (its
    selector), each with the state of their own assignment."""
    form = MyDocumentsForm(request.GET)
    form.is_valid()  # a bad value is shown on its field and left out of the query
    page = document_table_page(
        access, request.user, form.query(access, request.user), page=form.chosen_page(), size=25
    )
    ids = [row.id for row in page.rows]
    own = {
        a["document_id"]: a
        for a in mine.filter(document_id__in=ids).values("document_id", "state", "skip_reason")
    }
    adjudicated = set(
        DocumentAdjudication.objects.filter(
            document_id__in=ids, state=AdjudicationState.ADJUDICATED
        ).values_list("document_id", flat=True)
    )
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "my_form": form,
        "my_page": page,
        "my_rows": [
            {
                "row": row,
                "state": own.get(row.id, {}).get("state", ""),
                "state_label": AssignmentState(own[row.id]["state"]).label if row.id in own else "",
                "skip_reason": own.get(row.id, {}).get("skip_reason", ""),
                "adjudicated": row.id in adjudicated,
            }
            for row in page.rows
        ],
        "my_query": query.urlencode(),
    }


@login_required
@require_POST
def project_next(request: HttpRequest, project_id: int) -> HttpResponse:
    """Open the annotator's next document: one in progress, else the oldest assigned."""
    access = member_access_or_404(request.user, project_id)
    assignment = next_assignment(access=access, user=request.user)
    if assignment is None:
        messages.info(request, "No documents left to annotate in this project.")
        return redirect("page-project", project_id=access.project.pk)
    if assignment.state == AssignmentState.ASSIGNED:
        # In an archived project nothing starts (Conflict): the document opens read only, and
        # the workspace says why.
        with suppress(Conflict):
            assignment = assignment_transition(assignment=assignment, action="start")
    return redirect(
        "page-workspace", project_id=access.project.pk, document_id=assignment.document_id
    )


def _visible_document(request: HttpRequest, access: ProjectAccess, document_id: int) -> Document:
    return get_object_or_404(document_list(access=access, user=request.user), pk=document_id)


@login_required
def document_workspace(request: HttpRequest, project_id: int, document_id: int) -> HttpResponse:
    """The annotator's workspace for one assigned document."""
    access = member_access_or_404(request.user, project_id)
    document = _visible_document(request, access, document_id)
    assignment = Assignment.objects.filter(document=document, annotator=request.user).first()
    if assignment is None:
        if can_review(access):
            return redirect("page-review", project_id=access.project.pk, document_id=document.pk)
        raise Http404("No such document.")
    return _workspace(request, access, document, mode="annotate", assignment=assignment)


@login_required
def document_review(request: HttpRequest, project_id: int, document_id: int) -> HttpResponse:
    """Every annotator's spans on one document, read only (managers and reviewers)."""
    access = member_access_or_404(request.user, project_id)
    if not can_review(access):
        raise Http404("No such document.")
    document = _visible_document(request, access, document_id)
    return _workspace(request, access, document, mode="review", assignment=None)


def page_spans(spans: QuerySet[Span]) -> list[dict[str, Any]]:
    """The API form of the spans (``SpanSerializer``) without the timestamps, which the page does
    not use, in position order (tests/e2e/test_pages.py checks the values)."""
    rows = span_rows(spans.order_by("start", "end", "id"))
    return span_representations(rows, timestamps=False)


# How many of a document's metadata fields the workspace header lists, and how long a value it
# shows: enough for a source name, author, section or id; the full record is in the export.
HEADER_FIELDS_MAX = 12
HEADER_VALUE_MAX = 300


def is_http_url(value: str) -> bool:
    """True for an absolute http(s) URL: the only kind the pages link to (never ``javascript:``)."""
    parts = urlsplit(value)
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def human_key(key: str) -> str:
    """A metadata key as a label: ``source_name``, ``source-name`` and ``sourceName`` all read
    "Source name"."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", key).replace("_", " ").replace("-", " ").split()
    phrase = " ".join(words).lower()
    return phrase[:1].upper() + phrase[1:]


def metadata_fields(metadata: Any) -> list[dict[str, Any]]:
    """The scalar fields of a document's metadata (strings, numbers, booleans; not nested objects,
    lists or empty values) as ``{"label", "value", "url"}`` rows, by key (PostgreSQL's jsonb does
    not keep the imported order)."""
    if not isinstance(metadata, dict):
        return []
    rows: list[dict[str, Any]] = []
    for key, value in sorted(metadata.items(), key=lambda item: str(item[0]).lower()):
        if isinstance(value, bool):
            shown = "Yes" if value else "No"
        elif isinstance(value, int | float):
            shown = str(value)
        elif isinstance(value, str) and value.strip():
            shown = value.strip()
        else:
            continue
        label = human_key(str(key))
        if not label:
            continue
        if len(shown) > HEADER_VALUE_MAX:
            shown = shown[: HEADER_VALUE_MAX - 1] + "…"
        url = value.strip() if isinstance(value, str) and is_http_url(value.strip()) else None
        rows.append({"label": label, "value": shown, "url": url})
        if len(rows) == HEADER_FIELDS_MAX:
            break
    return rows


def _workspace(
    request: HttpRequest,
    access: ProjectAccess,
    document: Document,
    *,
    mode: str,
    assignment: Assignment | None,
) -> HttpResponse:
    project: Project = access.project
    spans = span_list(access=access, user=request.user).filter(document=document)
    bootstrap = {
        "mode": mode,
        "apiRoot": reverse("api-root"),
        "csrfToken": get_token(request),
        "project": {
            "id": project.pk,
            "name": project.name,
            "blind": project.blind,
            "archived": project.archived_at is not None,
        },
        "user": {"id": request.user.pk, "username": request.user.get_username()},
        "role": access.role,
        "labels": LabelSerializer(label_list(access=access), many=True).data,
        "statuses": VerificationStatusSerializer(status_list(access=access), many=True).data,
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
        "source_link": is_http_url(document.source_url),
        "metadata_fields": metadata_fields(document.metadata),
        "review_url": reverse(
            "page-review", kwargs={"project_id": project.pk, "document_id": document.pk}
        )
        if can_review(access)
        else None,
    }
    return render(request, "annotations/workspace.html", context)
