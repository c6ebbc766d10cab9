"""Reads of documents and assignments, scoped to what the user may see."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, OuterRef, QuerySet

from annotations.models import (
    OPEN_ASSIGNMENT_STATES,
    Assignment,
    Document,
)
from annotations.permissions import can_review
from annotations.selectors.access import ProjectAccess, as_id

User = AbstractBaseUser | AnonymousUser


_DOCUMENT_SQL = "SELECT d.* FROM annotations_document d WHERE d.project_id = %s AND d.id = %s"


_ASSIGNED_DOCUMENT_SQL = """
SELECT d.*, a.state AS assignment_state
  FROM annotations_document d JOIN annotations_assignment a ON a.document_id = d.id
 WHERE d.project_id = %s AND d.id = %s AND a.annotator_id = %s
"""


def document_list(*, access: ProjectAccess, user: User) -> QuerySet[Document]:
    qs = Document.objects.filter(project=access.project)
    if not can_review(access):
        qs = qs.filter(Exists(Assignment.objects.filter(document=OuterRef("pk"), annotator=user)))
    return qs.order_by("id")


def visible_document(*, access: ProjectAccess, user: User, document_id: object) -> Document | None:
    """The document if ``user`` may see it, in one query, else ``None``: managers and reviewers
    see every document of the project, annotators those assigned to them. For annotators the
    document carries ``assignment_state``, the state of their assignment."""
    pk = as_id(document_id)
    if pk is None:
        return None
    if can_review(access):
        found = list(Document.objects.raw(_DOCUMENT_SQL, [access.project.pk, pk]))
    else:
        found = list(Document.objects.raw(_ASSIGNED_DOCUMENT_SQL, [access.project.pk, pk, user.pk]))
    if not found:
        return None
    document = found[0]
    document.project = access.project  # already loaded: no query when services read it
    return document


def assignment_list(*, access: ProjectAccess, user: User) -> QuerySet[Assignment]:
    qs = Assignment.objects.filter(project=access.project).select_related("annotator", "document")
    if not can_review(access):
        qs = qs.filter(annotator=user)
    return qs.defer("document__text", "document__metadata").order_by("id")


def next_assignment(*, access: ProjectAccess, user: User) -> Assignment | None:
    """The annotator's document to work on now: one already in progress, else the oldest assigned."""
    candidates = Assignment.objects.filter(
        project=access.project, annotator=user, state__in=OPEN_ASSIGNMENT_STATES
    )
    return (
        candidates.select_related("document")
        # "in_progress" sorts after "assigned", so descending state puts work in progress first.
        .order_by("-state", "id")
        .first()
    )
