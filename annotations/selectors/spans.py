"""Reads of annotators' spans, scoped to what the user may see."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from annotations.models import (
    Assignment,
    Evidence,
    Span,
)
from annotations.permissions import can_review
from annotations.selectors.access import ProjectAccess

User = AbstractBaseUser | AnonymousUser


def span_list(*, access: ProjectAccess, user: User) -> QuerySet[Span]:
    """Spans the user may read: everything for managers and reviewers; for annotators their own
    spans, plus, when the project is not blind, others' spans on documents assigned to them."""
    qs = Span.objects.filter(project=access.project)
    if not can_review(access):
        if access.project.blind:
            qs = qs.filter(annotator=user)
        else:
            qs = qs.filter(
                Q(annotator=user)
                | Exists(
                    Assignment.objects.filter(document=OuterRef("document_id"), annotator=user)
                )
            )
    return qs.select_related("annotator", "label", "status").prefetch_related(
        Prefetch("evidence", queryset=Evidence.objects.order_by("order", "id"))
    )
