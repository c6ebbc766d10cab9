"""Reads of a project's set-up: the user's projects, members, labels, statuses and progress."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from annotations.models import (
    Assignment,
    AssignmentState,
    Label,
    Membership,
    Project,
    VerificationStatus,
)
from annotations.permissions import MANAGING_ROLES, can_review
from annotations.selectors.access import ProjectAccess

User = AbstractBaseUser | AnonymousUser


def project_list(*, user: User) -> QuerySet[Project]:
    if not user.is_authenticated:
        return Project.objects.none()
    role = Membership.objects.filter(project=OuterRef("pk"), user=user).values("role")[:1]
    return Project.objects.filter(memberships__user=user).annotate(my_role=role.values("role"))


def _correlated_count(assignments: QuerySet[Assignment]) -> Coalesce:
    """A correlated COUNT(*) of a project's assignments as an annotation (no join fan-out
    between several counts)."""
    counted = assignments.order_by().values("project").annotate(n=Count("id")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def project_list_with_my_counts(*, user: User) -> QuerySet[Project]:
    """The API's project list: each project with the user's assignments, all and submitted."""
    mine = Assignment.objects.filter(project=OuterRef("pk"), annotator=user)
    return (
        project_list(user=user)
        .annotate(
            my_assigned=_correlated_count(mine),
            my_submitted=_correlated_count(mine.filter(state=AssignmentState.SUBMITTED)),
        )
        .order_by("id")
    )


def project_list_with_progress(*, user: User) -> QuerySet[Project]:
    """The projects page: the user's own progress and the team's (skipped work not counted as
    assigned)."""
    mine = Assignment.objects.filter(project=OuterRef("pk"), annotator=user)
    everyone = Assignment.objects.filter(project=OuterRef("pk"))
    return (
        project_list(user=user)
        .annotate(
            my_assigned=_correlated_count(mine.exclude(state=AssignmentState.SKIPPED)),
            my_submitted=_correlated_count(mine.filter(state=AssignmentState.SUBMITTED)),
            my_skipped=_correlated_count(mine.filter(state=AssignmentState.SKIPPED)),
            team_assigned=_correlated_count(everyone.exclude(state=AssignmentState.SKIPPED)),
            team_submitted=_correlated_count(everyone.filter(state=AssignmentState.SUBMITTED)),
        )
        .order_by("name", "id")
    )


def membership_list(*, access: ProjectAccess, user: User) -> QuerySet[Membership]:
    qs = Membership.objects.filter(project=access.project).select_related("user")
    if not can_review(access):
        qs = qs.filter(Q(user=user) | Q(role__in=MANAGING_ROLES))
    return qs.order_by("id")


def label_list(*, access: ProjectAccess) -> QuerySet[Label]:
    return Label.objects.filter(project=access.project)


def status_list(*, access: ProjectAccess) -> QuerySet[VerificationStatus]:
    return VerificationStatus.objects.filter(project=access.project)


def project_progress(*, project: Project) -> dict[str, int]:
    counts = Assignment.objects.filter(project=project).aggregate(
        total=Count("id"),
        **{state: Count("id", filter=Q(state=state)) for state in AssignmentState.values},
    )
    return {key: value or 0 for key, value in counts.items()}
