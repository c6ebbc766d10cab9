"""Discussion: comments on a document, on an annotator's span or on a gold span."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from annotations.errors import Conflict, InvalidInput
from annotations.models import Comment, Document, GoldSpan, Span
from annotations.permissions import (
    can_comment_without_adjudication,
    check_comment,
    check_project_open,
)
from annotations.selectors.access import ProjectAccess
from annotations.selectors.adjudication import is_adjudicated


@transaction.atomic
def comment_create(
    *,
    access: ProjectAccess,
    author: Any,
    document: Document,
    body: str,
    span_id: int | None = None,
    gold_span_id: int | None = None,
) -> Comment:
    """A comment on ``document``, or on one of its spans or gold spans (not both).

    ``document`` must be one the author may see (``selectors.documents.document_list``)."""
    check_project_open(access.project)
    if span_id is not None and gold_span_id is not None:
        raise InvalidInput({"span": "Comment on a span or on a gold span, not both."})
    span = gold = None
    if span_id is not None:
        span = Span.objects.filter(pk=span_id, document=document).first()
        if span is None:
            raise InvalidInput({"span": "Unknown span of this document."})
    if gold_span_id is not None:
        gold = GoldSpan.objects.filter(pk=gold_span_id, document=document).first()
        if gold is None:
            raise InvalidInput({"gold_span": "Unknown gold span of this document."})
    check_comment(access, author, span)
    if not can_comment_without_adjudication(access) and not is_adjudicated(document):
        raise Conflict(
            "In a blind project, discussion opens once the document is adjudicated.",
            code="not_adjudicated",
        )
    return Comment.objects.create(
        project=access.project,
        document=document,
        span=span,
        gold_span=gold,
        author=author,
        body=body,
    )
