"""Reads: every queryset here is scoped to the requesting user's membership and role.

A user who is not a member of a project gets ``Http404`` for it and for everything inside it, so
an outsider cannot even learn that an object exists.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from annotations.models import (
    Assignment,
    AssignmentState,
    Document,
    Evidence,
    Job,
    Label,
    Membership,
    Project,
    Role,
    Span,
    VerificationStatus,
)

User = AbstractBaseUser | AnonymousUser


@dataclass(frozen=True, slots=True)
class ProjectAccess:
    """A project as one user may see it."""

    project: Project
    role: str

    @property
    def is_manager(self) -> bool:
        return self.role == Role.MANAGER

    @property
    def sees_everything(self) -> bool:
        return self.role in (Role.MANAGER, Role.REVIEWER)


def project_list(*, user: User) -> QuerySet[Project]:
    if not user.is_authenticated:
        return Project.objects.none()
    role = Membership.objects.filter(project=OuterRef("pk"), user=user).values("role")[:1]
    return Project.objects.filter(memberships__user=user).annotate(my_role=role.values("role"))


# The two queries every request inside a project makes, written by hand: compiling them through
# the ORM cost more CPU than the database spent answering (see bench/api.py).
_ACCESS_SQL = """
SELECT p.*, m.role AS membership_role
  FROM annotations_project p JOIN annotations_membership m ON m.project_id = p.id
 WHERE p.id = %s AND m.user_id = %s
"""
_DOCUMENT_SQL = "SELECT d.* FROM annotations_document d WHERE d.project_id = %s AND d.id = %s"
_ASSIGNED_DOCUMENT_SQL = """
SELECT d.*, a.state AS assignment_state
  FROM annotations_document d JOIN annotations_assignment a ON a.document_id = d.id
 WHERE d.project_id = %s AND d.id = %s AND a.annotator_id = %s
"""
_MAX_ID = 2**63 - 1  # bigint: a larger number can name no row (and would be a database error)


def as_id(value: object) -> int | None:
    """``value`` as a row id, or ``None`` when it cannot name a row (not an integer, or out of
    the bigint range, which the database would refuse with an error rather than find nothing)."""
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= _MAX_ID else None


def project_access(*, user: User, project_id: int | str) -> ProjectAccess:
    """The project and the user's role in it; 404 for non-members and malformed ids."""
    pk = as_id(project_id)
    if pk is None or not user.is_authenticated:
        raise Http404("No such project.")
    projects = list(Project.objects.raw(_ACCESS_SQL, [pk, user.pk]))
    if not projects:
        raise Http404("No such project.")
    return ProjectAccess(project=projects[0], role=projects[0].membership_role)


def membership_list(*, access: ProjectAccess, user: User) -> QuerySet[Membership]:
    qs = Membership.objects.filter(project=access.project).select_related("user")
    if not access.sees_everything:
        qs = qs.filter(Q(user=user) | Q(role=Role.MANAGER))
    return qs.order_by("id")


def label_list(*, access: ProjectAccess) -> QuerySet[Label]:
    return Label.objects.filter(project=access.project)


def status_list(*, access: ProjectAccess) -> QuerySet[VerificationStatus]:
    return VerificationStatus.objects.filter(project=access.project)


def document_list(*, access: ProjectAccess, user: User) -> QuerySet[Document]:
    qs = Document.objects.filter(project=access.project)
    if not access.sees_everything:
        qs = qs.filter(Exists(Assignment.objects.filter(document=OuterRef("pk"), annotator=user)))
    return qs.order_by("id")


def visible_document(*, access: ProjectAccess, user: User, document_id: object) -> Document | None:
    """The document if ``user`` may see it, in one query, else ``None``: managers and reviewers
    see every document of the project, annotators those assigned to them. For annotators the
    document carries ``assignment_state``, the state of their assignment."""
    pk = as_id(document_id)
    if pk is None:
        return None
    if access.sees_everything:
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
    if not access.sees_everything:
        qs = qs.filter(annotator=user)
    return qs.defer("document__text", "document__metadata").order_by("id")


def span_list(*, access: ProjectAccess, user: User) -> QuerySet[Span]:
    """Spans the user may read: everything for managers and reviewers; for annotators their own
    spans, plus, when the project is not blind, others' spans on documents assigned to them."""
    qs = Span.objects.filter(project=access.project)
    if not access.sees_everything:
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


def next_assignment(*, access: ProjectAccess, user: User) -> Assignment | None:
    """The annotator's document to work on now: one already in progress, else the oldest assigned."""
    open_states = [AssignmentState.IN_PROGRESS, AssignmentState.ASSIGNED]
    candidates = Assignment.objects.filter(
        project=access.project, annotator=user, state__in=open_states
    )
    return (
        candidates.select_related("document")
        # "in_progress" sorts after "assigned", so descending state puts work in progress first.
        .order_by("-state", "id")
        .first()
    )


def job_list(*, access: ProjectAccess, user: User) -> QuerySet[Job]:
    qs = Job.objects.filter(project=access.project)
    if not access.is_manager:
        qs = qs.filter(created_by=user)
    return qs


def job_get(*, user: User, job_id: str) -> Job:
    """A job the user may see: their own, or any job of a project they manage."""
    if not user.is_authenticated:
        raise Http404("No such job.")
    try:
        job_uuid = uuid.UUID(str(job_id))
    except ValueError:
        raise Http404("No such job.") from None
    managed = Membership.objects.filter(
        project=OuterRef("project_id"), user=user, role=Role.MANAGER
    )
    job = (
        Job.objects.filter(pk=job_uuid)
        .filter(Q(created_by=user, project__memberships__user=user) | Q(Exists(managed)))
        .distinct()
        .first()
    )
    if job is None:
        raise Http404("No such job.")
    return job


def project_progress(*, project: Project) -> dict[str, int]:
    counts = Assignment.objects.filter(project=project).aggregate(
        total=Count("id"),
        **{state: Count("id", filter=Q(state=state)) for state in AssignmentState.values},
    )
    return {key: value or 0 for key, value in counts.items()}
