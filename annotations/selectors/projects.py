"""Reads of a project's set-up: the user's projects, members, labels, statuses and progress."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    IntegerField,
    Model,
    OrderBy,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Collate

from annotations.models import (
    Assignment,
    AssignmentState,
    GoldSpan,
    Label,
    Membership,
    Project,
    Span,
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


# Labels are listed in *hotkey order* everywhere they are offered for choosing (the API's
# `GET labels/`, the labels page, the workspace's label bar and pickers, the reviewer pages):
#   1. active labels with a hotkey, by hotkey: the character's Unicode code point, so digits
#      (1 ... 9) come before capital letters and those before small ones;
#   2. then every other label (no hotkey, or retired: a retired label's hotkey is free for
#      others and inactive) by `order`, the position a manager gives it (reorder), then by id.
# `order` thus places the labels of group 2; the labels of group 1 are placed by their hotkeys
# (reordering them trades hotkeys: services.projects.labels_reorder).
_HAS_ACTIVE_HOTKEY = Q(retired=False) & ~Q(shortcut="")


def _code_point_order(field: str) -> F | Collate:
    """``field`` compared by code point: PostgreSQL's "C" collation (the database's default one
    may sort "a" before "B"); SQLite's default (BINARY) already compares so."""
    return Collate(F(field), "C") if connection.vendor == "postgresql" else F(field)


def label_hotkey_order() -> list[OrderBy | str]:
    """The ``order_by`` of hotkey order (above)."""
    group = Case(When(_HAS_ACTIVE_HOTKEY, then=Value(0)), default=Value(1))
    hotkey = Case(
        When(_HAS_ACTIVE_HOTKEY, then=_code_point_order("shortcut")),
        default=Value(""),
        output_field=CharField(),
    )
    return [group.asc(), hotkey.asc(), "order", "id"]


def project_labels(*, project: Project) -> QuerySet[Label]:
    """A project's labels in hotkey order."""
    return Label.objects.filter(project=project).order_by(*label_hotkey_order())


def project_statuses(*, project: Project) -> QuerySet[VerificationStatus]:
    """A project's verification statuses by `order` (their position), then id."""
    return VerificationStatus.objects.filter(project=project).order_by("order", "id")


def label_list(*, access: ProjectAccess) -> QuerySet[Label]:
    return project_labels(project=access.project)


def status_list(*, access: ProjectAccess) -> QuerySet[VerificationStatus]:
    return project_statuses(project=access.project)


def _use_count(model: type[Model], field: str) -> Coalesce:
    uses = (
        model.objects.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("id"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(uses, output_field=IntegerField()), 0)


def label_list_with_use(*, access: ProjectAccess) -> QuerySet[Label]:
    """The labels page: each label with ``span_count`` (annotators' spans) and ``gold_count``
    (gold spans) that carry it, which a retired label keeps."""
    return label_list(access=access).annotate(
        span_count=_use_count(Span, "label"), gold_count=_use_count(GoldSpan, "label")
    )


def status_list_with_use(*, access: ProjectAccess) -> QuerySet[VerificationStatus]:
    """As ``label_list_with_use``, for statuses."""
    return status_list(access=access).annotate(
        span_count=_use_count(Span, "status"), gold_count=_use_count(GoldSpan, "status")
    )


def project_progress(*, project: Project) -> dict[str, int]:
    counts = Assignment.objects.filter(project=project).aggregate(
        total=Count("id"),
        **{state: Count("id", filter=Q(state=state)) for state in AssignmentState.values},
    )
    return {key: value or 0 for key, value in counts.items()}
