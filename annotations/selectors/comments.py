"""Reads of discussion threads, scoped to what the user may see."""

from __future__ import annotations

from django.db.models import QuerySet

from annotations.models import Comment
from annotations.permissions import can_review
from annotations.selectors.access import ProjectAccess, User


def comment_list(*, access: ProjectAccess, user: User) -> QuerySet[Comment]:
    """Reviewers and managers read every thread; annotators the threads of their own spans."""
    qs = Comment.objects.filter(project=access.project).select_related("author")
    if not can_review(access):
        qs = qs.filter(span__annotator=user)
    return qs
