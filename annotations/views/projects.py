"""Projects, members, labels and verification statuses."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated

from annotations.models import (
    Label,
    Membership,
    Project,
    VerificationStatus,
)
from annotations.permissions import check_change_project
from annotations.selectors.projects import (
    label_list,
    membership_list,
    project_list_with_my_counts,
    status_list,
)
from annotations.serializers.projects import (
    LabelSerializer,
    MembershipSerializer,
    ProjectSerializer,
    VerificationStatusSerializer,
)
from annotations.services.projects import (
    label_create,
    label_delete,
    label_update,
    membership_add,
    membership_change_role,
    membership_remove,
    project_create,
    project_delete,
    project_update,
    status_create,
    status_delete,
    status_update,
)
from annotations.views.base import ProjectScopedViewSet


class ProjectViewSet(viewsets.ModelViewSet):
    """Projects the user is a member of. Any signed-in user may create one and becomes its manager."""

    serializer_class = ProjectSerializer
    permission_classes = [IsAuthenticated]
    queryset = Project.objects.none()

    def get_queryset(self) -> QuerySet[Project]:
        if getattr(self, "swagger_fake_view", False):
            return Project.objects.none()
        return project_list_with_my_counts(user=self.request.user)

    def perform_create(self, serializer: ProjectSerializer) -> None:
        project = project_create(creator=self.request.user, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=project.pk)

    def perform_update(self, serializer: ProjectSerializer) -> None:
        check_change_project(serializer.instance.my_role)
        project_update(project=serializer.instance, changes=serializer.validated_data)

    def perform_destroy(self, instance: Project) -> None:
        check_change_project(instance.my_role)
        project_delete(project=instance)


class MembershipViewSet(ProjectScopedViewSet, viewsets.ModelViewSet):
    """Members and their roles. Managers manage; reviewers see everyone; annotators see themselves
    and the managers."""

    serializer_class = MembershipSerializer
    model = Membership
    queryset = Membership.objects.none()
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def scoped_queryset(self) -> QuerySet[Membership]:
        return membership_list(access=self.access, user=self.request.user)

    def perform_create(self, serializer: MembershipSerializer) -> None:
        data = serializer.validated_data
        serializer.instance = membership_add(
            project=self.access.project, user=data["user"], role=data["role"]
        )

    def perform_update(self, serializer: MembershipSerializer) -> None:
        if "role" in serializer.validated_data:
            serializer.instance = membership_change_role(
                membership=serializer.instance, role=serializer.validated_data["role"]
            )

    def perform_destroy(self, instance: Membership) -> None:
        membership_remove(membership=instance)


class LabelViewSet(ProjectScopedViewSet, viewsets.ModelViewSet):
    """Labels of the project. Rename freely; retire (``retired: true``) a label that spans use;
    delete only an unused one."""

    serializer_class = LabelSerializer
    model = Label
    queryset = Label.objects.none()
    pagination_class = None

    def scoped_queryset(self) -> QuerySet[Label]:
        return label_list(access=self.access)

    def perform_create(self, serializer: LabelSerializer) -> None:
        serializer.instance = label_create(
            project=self.access.project, fields=serializer.validated_data
        )

    def perform_update(self, serializer: LabelSerializer) -> None:
        serializer.instance = label_update(
            label=serializer.instance, changes=serializer.validated_data
        )

    def perform_destroy(self, instance: Label) -> None:
        label_delete(label=instance)


class VerificationStatusViewSet(ProjectScopedViewSet, viewsets.ModelViewSet):
    """Verification statuses of the project; exactly one is initial (given to new spans)."""

    serializer_class = VerificationStatusSerializer
    model = VerificationStatus
    queryset = VerificationStatus.objects.none()
    pagination_class = None

    def scoped_queryset(self) -> QuerySet[VerificationStatus]:
        return status_list(access=self.access)

    def perform_create(self, serializer: VerificationStatusSerializer) -> None:
        fields = dict(serializer.validated_data)
        make_initial = fields.pop("is_initial", False)
        serializer.instance = status_create(
            project=self.access.project, fields=fields, make_initial=make_initial
        )

    def perform_update(self, serializer: VerificationStatusSerializer) -> None:
        changes = dict(serializer.validated_data)
        make_initial = changes.pop("is_initial", None)
        serializer.instance = status_update(
            status=serializer.instance, changes=changes, make_initial=make_initial
        )

    def perform_destroy(self, instance: VerificationStatus) -> None:
        status_delete(status=instance)
