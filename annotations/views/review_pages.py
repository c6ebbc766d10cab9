"""Reviewer pages: the dashboard, adjudication (queue and one document) and exports.

Server-rendered shells like the annotator's pages (annotations/views/pages.py): the page embeds
what it needs to start (ids, URLs, labels, statuses) and the frontend reads and writes everything
else through the REST API with the session cookie and the CSRF token. Only reviewers and managers
may open them; annotators get 404, as from the API, so the pages do not reveal themselves.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from annotations.forms.documents import DocumentTableForm
from annotations.models import Document, Membership, Role
from annotations.selectors.access import ProjectAccess
from annotations.selectors.document_table import document_table_choices
from annotations.selectors.projects import label_list, status_list
from annotations.serializers.projects import LabelSerializer, VerificationStatusSerializer
from annotations.services.exports import EXPORT_FORMATS
from annotations.views.base import review_access_or_404

# Documents offered as evidence in a <select>; a larger project gets a number field instead.
EVIDENCE_DOCUMENT_CHOICES = 500

# What each export format is, in the words a reviewer needs to choose (README.md, "Exports").
FORMAT_HELP = {
    "jsonl": "Native JSONL, one document per line, lossless (code point offsets)",
    "csv": "CSV, one span per row",
    "parquet": "Parquet, one span per row, typed columns",
    "conll": "CoNLL, one token per line with BIO tags per annotator and gold",
    "label_studio": "Label Studio tasks (JSON)",
    "doccano": "doccano, a zip of JSONL files (UTF-16 offsets)",
    "claimreview": "schema.org ClaimReview (gold spans with a final verdict)",
    "fever": "FEVER JSONL (gold spans as claims)",
}


def _bootstrap(request: HttpRequest, access: ProjectAccess, **extra: Any) -> dict[str, Any]:
    project = access.project
    pid = project.pk
    return {
        "apiRoot": reverse("api-root"),
        "csrfToken": get_token(request),
        "project": {"id": pid, "name": project.name},
        "user": {"id": request.user.pk, "username": request.user.get_username()},
        "role": access.role,
        "urls": {
            "project": reverse("page-project", kwargs={"project_id": pid}),
            "dashboard": reverse("page-dashboard", kwargs={"project_id": pid}),
            "adjudicate": reverse("page-adjudication-queue", kwargs={"project_id": pid}),
            "exports": reverse("page-exports", kwargs={"project_id": pid}),
        },
        **extra,
    }


def _page(
    request: HttpRequest, template: str, access: ProjectAccess, bootstrap: dict[str, Any], **ctx
) -> HttpResponse:
    context = {"project": access.project, "access": access, "bootstrap": bootstrap, **ctx}
    return render(request, f"annotations/{template}", context)


@login_required
def dashboard(request: HttpRequest, project_id: int) -> HttpResponse:
    """Progress, agreement and the disagreement queue (figures from the dashboard API)."""
    access = review_access_or_404(request.user, project_id)
    labels = LabelSerializer(label_list(access=access), many=True).data
    return _page(request, "dashboard.html", access, _bootstrap(request, access, labels=labels))


@login_required
def adjudication_queue(request: HttpRequest, project_id: int) -> HttpResponse:
    """Documents with submissions, lowest agreement first (the adjudication API's queue)."""
    access = review_access_or_404(request.user, project_id)
    # The documents table's search and filters; the script asks the API with the same values.
    form = DocumentTableForm(request.GET, access=access, **document_table_choices(access))
    form.is_valid()
    shown = [f for f in form if f.name not in ("submitted", "ordering", "page_size", "search")]
    return _page(
        request,
        "adjudication_queue.html",
        access,
        _bootstrap(request, access),
        form=form,
        filter_fields=shown,
        filtered=any(v for k, v in request.GET.items() if k != "page"),
    )


@login_required
def adjudication_document(request: HttpRequest, project_id: int, document_id: int) -> HttpResponse:
    """One document's clusters, gold spans, verdicts and discussion."""
    access = review_access_or_404(request.user, project_id)
    document = get_object_or_404(
        Document.objects.filter(project=access.project).only("id", "title"), pk=document_id
    )
    choices = list(
        Document.objects.filter(project=access.project)
        .order_by("id")
        .values("id", "title")[: EVIDENCE_DOCUMENT_CHOICES + 1]
    )
    bootstrap = _bootstrap(
        request,
        access,
        document={"id": document.pk, "title": document.title},
        labels=LabelSerializer(label_list(access=access), many=True).data,
        statuses=VerificationStatusSerializer(status_list(access=access), many=True).data,
        evidenceDocuments=choices[:EVIDENCE_DOCUMENT_CHOICES],
        evidenceDocumentsComplete=len(choices) <= EVIDENCE_DOCUMENT_CHOICES,
    )
    return _page(request, "adjudication.html", access, bootstrap, document=document)


@login_required
def exports(request: HttpRequest, project_id: int) -> HttpResponse:
    """Start an export with a format and a scope, follow it, download it; past exports."""
    access = review_access_or_404(request.user, project_id)
    annotators = (
        Membership.objects.filter(project=access.project, role=Role.ANNOTATOR)
        .order_by("user__username")
        .values_list("user_id", "user__username")
    )
    bootstrap = _bootstrap(
        request,
        access,
        formats=[{"key": key, "help": FORMAT_HELP.get(key, key)} for key in EXPORT_FORMATS],
        annotators=[{"id": pk, "username": name} for pk, name in annotators],
        labels=LabelSerializer(label_list(access=access), many=True).data,
    )
    return _page(request, "exports.html", access, bootstrap)
