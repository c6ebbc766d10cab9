"""Projects, members, labels and verification statuses."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from rest_framework import viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated

from annotations import selectors, services
from annotations.errors import Conflict
from annotations.models import (
    Assignment,
    AssignmentState,
    Label,
    Membership,
    Project,
    Role,
    VerificationStatus,
)
from annotations.serializers import (
    LabelSerializer,
    MembershipSerializer,
    ProjectSerializer,
    VerificationStatusSerializer,
)
from annotations.views.base import ProjectScopedViewSet


def _my_assignment_count(user: Any, *states: str) -> Subquery:
    qs = Assignment.objects.filter(project=OuterRef("pk"), annotator=user)
    if states:
        qs = qs.filter(state__in=states)
    return Coalesce(
        Subquery(qs.order_by().values("project").annotate(n=Count("id")).values("n")[:1]), 0
    )


class ProjectViewSet(viewsets.ModelViewSet):
    """Projects the user is a member of. Any signed-in user may create one and becomes its manager."""

    serializer_class = ProjectSerializer
    permission_classes = [IsAuthenticated]
    queryset = Project.objects.none()

    def get_queryset(self) -> QuerySet[Project]:
        if getattr(self, "swagger_fake_view", False):
            return Project.objects.none()
        user = self.request.user
        return (
            selectors.project_list(user=user)
            .annotate(
                my_assigned=_my_assignment_count(user),
                my_submitted=_my_assignment_count(user, AssignmentState.SUBMITTED),
            )
            .order_by("id")
        )

    def perform_create(self, serializer: ProjectSerializer) -> None:
        project = services.project_create(creator=self.request.user, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=project.pk)

    def _require_manager(self, project: Project) -> None:
        if project.my_role != Role.MANAGER:
            raise PermissionDenied("Only the project's managers may change or delete it.")

    def perform_update(self, serializer: ProjectSerializer) -> None:
        self._require_manager(serializer.instance)
        serializer.save()

    def perform_destroy(self, instance: Project) -> None:
        self._require_manager(instance)
        services.project_delete(project=instance)


class MembershipViewSet(ProjectScopedViewSet, viewsets.ModelViewSet):
    """Members and their roles. Managers manage; reviewers see everyone; annotators see themselves
    and the managers."""

    serializer_class = MembershipSerializer
    model = Membership
    queryset = Membership.objects.none()
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def scoped_queryset(self) -> QuerySet[Membership]:
        return selectors.membership_list(access=self.access, user=self.request.user)

    def perform_create(self, serializer: MembershipSerializer) -> None:
        data = serializer.validated_data
        serializer.instance = services.membership_add(
            project=self.access.project, user=data["user"], role=data["role"]
        )

    def perform_update(self, serializer: MembershipSerializer) -> None:
        if "role" in serializer.validated_data:
            serializer.instance = services.membership_change_role(
                membership=serializer.instance, role=serializer.validated_data["role"]
            )

    def perform_destroy(self, instance: Membership) -> None:
        services.membership_remove(membership=instance)


class LabelViewSet(ProjectScopedViewSet, viewsets.ModelViewSet):
    """Labels of the project. Rename freely; retire (``retired: true``) a label that spans use;
    delete only an unused one."""

    serializer_class = LabelSerializer
    model = Label
    queryset = Label.objects.none()
    pagination_class = None

    def scoped_queryset(self) -> QuerySet[Label]:
        return selectors.label_list(access=self.access)

    def perform_create(self, serializer: LabelSerializer) -> None:
        serializer.save(project=self.access.project)

    def perform_destroy(self, instance: Label) -> None:
        services.label_delete(label=instance)


class VerificationStatusViewSet(ProjectScopedViewSet, viewsets.ModelViewSet):
    """Verification statuses of the project; exactly one is initial (given to new spans)."""

    serializer_class = VerificationStatusSerializer
    model = VerificationStatus
    queryset = VerificationStatus.objects.none()
    pagination_class = None

    def scoped_queryset(self) -> QuerySet[VerificationStatus]:
        return selectors.status_list(access=self.access)

    @transaction.atomic
    def perform_create(self, serializer: VerificationStatusSerializer) -> None:
        make_initial = serializer.validated_data.pop("is_initial", False)
        status_ = serializer.save(project=self.access.project, is_initial=False)
        if make_initial:
            services.status_save_initial(status=status_)

    @transaction.atomic
    def perform_update(self, serializer: VerificationStatusSerializer) -> None:
        make_initial = serializer.validated_data.pop("is_initial", None)
        if make_initial is False and serializer.instance.is_initial:
            raise Conflict(
                "Make another status initial instead of unsetting this one.", code="status_initial"
            )
        if serializer.validated_data.get("retired") and serializer.instance.is_initial:
            raise Conflict(
                "The initial status cannot be retired; make another status initial first.",
                code="status_initial",
            )
        status_ = serializer.save()
        if make_initial:
            services.status_save_initial(status=status_)

    def perform_destroy(self, instance: VerificationStatus) -> None:
        services.status_delete(status=instance)
