"""The annotator's view of an adjudicated document: where the gold standard differs from their
spans, with the discussion threads of their own spans."""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render

from annotations.models import Comment
from annotations.selectors.adjudication import gold_comparison, is_adjudicated
from annotations.selectors.documents import document_list
from annotations.views.base import member_access_or_404


@login_required
def gold_comparison_page(request: HttpRequest, project_id: int, document_id: int) -> HttpResponse:
    access = member_access_or_404(request.user, project_id)
    document = document_list(access=access, user=request.user).filter(pk=document_id).first()
    if document is None:
        raise Http404("No such document.")
    adjudicated = is_adjudicated(document)
    rows = gold_comparison(document=document, annotator_id=request.user.pk) if adjudicated else []
    threads: dict[int, list[Comment]] = defaultdict(list)
    for comment in Comment.objects.filter(
        document=document, span__annotator=request.user
    ).select_related("author"):
        threads[comment.span_id].append(comment)
    for row in rows:
        row["comments"] = threads.get(row["yours"]["id"], []) if row["yours"] else []
    get_token(request)  # the comment form posts to the API with the CSRF cookie
    return render(
        request,
        "annotations/gold_comparison.html",
        {"project": access.project, "document": document, "adjudicated": adjudicated, "rows": rows},
    )
