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


def project_access(*, user: User, project_id: int | str) -> ProjectAccess:
    """The project and the user's role in it; 404 for non-members and malformed ids."""
    try:
        pk = int(project_id)
    except (TypeError, ValueError):
        raise Http404("No such project.") from None
    if not user.is_authenticated:
        raise Http404("No such project.")
    membership = (
        Membership.objects.select_related("project").filter(project_id=pk, user=user).first()
    )
    if membership is None:
        raise Http404("No such project.")
    return ProjectAccess(project=membership.project, role=membership.role)


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


def document_for_annotation(
    *, access: ProjectAccess, user: User, document_id: int
) -> tuple[Document | None, bool]:
    """The document as ``user`` may annotate it, in one query: ``(None, False)`` when they cannot
    see it, ``(document, False)`` when they see it but may not add spans (they skipped it), and
    ``(document, True)`` otherwise. Managers and reviewers annotate any document of the project;
    annotators those assigned to them."""
    if access.sees_everything:
        document = Document.objects.filter(project=access.project, pk=document_id).first()
        if document is None:
            return None, False
    else:
        assignment = (
            Assignment.objects.filter(project=access.project, annotator=user, document=document_id)
            .select_related("document")
            .first()
        )
        if assignment is None:
            return None, False
        document = assignment.document
    document.project = access.project  # already loaded: no query when services read it
    return document, access.sees_everything or assignment.state != AssignmentState.SKIPPED


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
