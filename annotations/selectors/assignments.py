"""Reads of the assignment page: how far the documents are covered, and documents named by id or
title."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from annotations.models import Assignment, AssignmentState, Document, Project


@dataclass(frozen=True, slots=True)
class Coverage:
    """Documents by how many annotators hold them (skipped assignments do not count): none at
    all, fewer than ``wanted`` (the project's ``annotators_per_document``), or enough."""

    documents: int
    unassigned: int
    short: int
    covered: int
    wanted: int

    @property
    def lacking(self) -> int:
        """Documents that distribution would give more annotators."""
        return self.unassigned + self.short


def assignment_coverage(*, project: Project) -> Coverage:
    """One query: each document's active assignments counted by a correlated subquery (the
    assignment's unique index starts with the document), then tallied."""
    active = (
        Assignment.objects.filter(document=OuterRef("pk"))
        .exclude(state=AssignmentState.SKIPPED)
        .order_by()
        .values("document")
        .annotate(n=Count("id"))
        .values("n")
    )
    wanted = project.annotators_per_document
    tally = (
        Document.objects.filter(project=project)
        .order_by()
        .annotate(active=Coalesce(Subquery(active, output_field=IntegerField()), 0))
        .aggregate(
            documents=Count("id"),
            unassigned=Count("id", filter=Q(active=0)),
            short=Count("id", filter=Q(active__gt=0, active__lt=wanted)),
        )
    )
    documents, unassigned, short = (tally[k] or 0 for k in ("documents", "unassigned", "short"))
    return Coverage(
        documents=documents,
        unassigned=unassigned,
        short=short,
        covered=documents - unassigned - short,
        wanted=wanted,
    )


def documents_by_reference(*, project: Project, reference: str, limit: int = 6) -> list[Document]:
    """The documents of ``project`` that ``reference`` names: an id (``12`` or ``#12``), else a
    title, whole (ignoring case) or, failing that, a part of one; at most ``limit``, by id."""
    reference = reference.strip()
    documents = Document.objects.filter(project=project).only("id", "title").order_by("id")
    number = reference.removeprefix("#")
    if number.isascii() and number.isdigit():
        by_id = documents.filter(pk=int(number)).first() if len(number) < 19 else None
        if by_id is not None:
            return [by_id]
    if not reference:
        return []
    exact = list(documents.filter(title__iexact=reference)[:limit])
    return exact or list(documents.filter(title__icontains=reference)[:limit])
