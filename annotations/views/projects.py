"""Projects, members, labels and verification statuses."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.models import (
    Label,
    Membership,
    Project,
    VerificationStatus,
)
from annotations.permissions import can_create_accounts, check_change_project
from annotations.selectors.projects import (
    label_list,
    membership_list,
    project_list_with_my_counts,
    status_list,
)
from annotations.serializers.members import (
    AccountCreatedSerializer,
    AccountCreateSerializer,
    MemberRemovalSerializer,
    MemberRemoveSerializer,
    SetPasswordLinkSerializer,
)
from annotations.serializers.projects import (
    LabelSerializer,
    MembershipSerializer,
    ProjectSerializer,
    ReorderSerializer,
    VerificationStatusSerializer,
)
from annotations.services.accounts import LinkDelivery, account_invite, account_link_reissue
from annotations.services.projects import (
    label_create,
    label_delete,
    label_update,
    labels_reorder,
    membership_add,
    membership_add_by_login,
    membership_change_role,
    membership_remove,
    project_archive,
    project_create,
    project_delete,
    project_unarchive,
    project_update,
    status_create,
    status_delete,
    status_update,
    statuses_reorder,
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

    def _archive_state(self, change: Callable[..., Project]) -> Response:
        project = self.get_object()
        check_change_project(project.my_role)
        change(project=project)
        return Response(self.get_serializer(self.get_queryset().get(pk=project.pk)).data)

    @extend_schema(request=None, responses={200: ProjectSerializer})
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str) -> Response:
        """Archive the project (managers): kept, read only and listed apart until unarchived.
        Spans, documents, assignments, imports, gold, comments, labels, statuses and settings
        then answer 409 ``project_archived``; reads and exports go on."""
        return self._archive_state(project_archive)

    @extend_schema(request=None, responses={200: ProjectSerializer})
    @action(detail=True, methods=["post"])
    def unarchive(self, request: Request, pk: str) -> Response:
        """Make an archived project writable again (managers)."""
        return self._archive_state(project_unarchive)


class MembershipViewSet(ProjectScopedViewSet, viewsets.ModelViewSet):
    """Members and their roles. Managers manage; reviewers see everyone; annotators see themselves
    and the managers. Add an existing user by id, username or email address; create an account
    for a new colleague with ``accounts``. Removing a member (``DELETE``, or ``remove`` to choose)
    keeps their spans and finished work and unassigns, or reassigns, their open work."""

    serializer_class = MembershipSerializer
    model = Membership
    queryset = Membership.objects.none()
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    action_rules = {"accounts": can_create_accounts, "password_link": can_create_accounts}

    def scoped_queryset(self) -> QuerySet[Membership]:
        return membership_list(access=self.access, user=self.request.user)

    def perform_create(self, serializer: MembershipSerializer) -> None:
        data = serializer.validated_data
        if "user" in data:
            serializer.instance = membership_add(
                project=self.access.project, user=data["user"], role=data["role"]
            )
        else:
            serializer.instance = membership_add_by_login(
                project=self.access.project,
                role=data["role"],
                username=data.get("username", ""),
                email=data.get("email", ""),
            )

    def perform_update(self, serializer: MembershipSerializer) -> None:
        if "role" in serializer.validated_data:
            serializer.instance = membership_change_role(
                membership=serializer.instance, role=serializer.validated_data["role"]
            )

    def perform_destroy(self, instance: Membership) -> None:
        """Remove the member; their open assignments are unassigned (``remove`` can reassign)."""
        membership_remove(membership=instance)

    @extend_schema(request=MemberRemoveSerializer, responses={200: MemberRemovalSerializer})
    @action(detail=True, methods=["post"])
    def remove(self, request: Request, project_pk: str, pk: str) -> Response:
        """Remove the member, choosing what becomes of their open assignments (``open_work``):
        reassigned to the other annotators, least-loaded first, or unassigned. Their spans and
        submitted work stay. The last manager cannot be removed (409 ``last_manager``)."""
        data = MemberRemoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = membership_remove(
            membership=self.get_object(),
            reassign_open=data.validated_data["open_work"] == "reassign",
        )
        return Response({"reassigned": result.reassigned, "unassigned": result.unassigned})

    @extend_schema(request=AccountCreateSerializer, responses={201: AccountCreatedSerializer})
    @action(detail=False, methods=["post"])
    def accounts(self, request: Request, project_pk: str) -> Response:
        """Create an account for a new colleague, a member of this project with ``role``. The
        answer's ``set_password_url`` is a one-time link to hand over (it sets the password and
        signs them in); with mail configured (EMAIL_URL) it is also mailed to ``email``. A
        username or email address another account has is a 400 naming the field."""
        data = AccountCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        delivery = account_invite(
            project=self.access.project,
            created_by=request.user,
            site_url=request.build_absolute_uri("/"),
            **data.validated_data,
        )
        body = {**_link_body(delivery), "role": data.validated_data["role"]}
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: SetPasswordLinkSerializer})
    @action(detail=True, methods=["post"], url_path="password-link")
    def password_link(self, request: Request, project_pk: str, pk: str) -> Response:
        """A new one-time set-password link for a member who has not set a password yet; earlier
        links stop working. Refused (409) once they have a password, and for an account that is
        also a member of a project the caller does not manage."""
        delivery = account_link_reissue(
            project=self.access.project,
            requested_by=request.user,
            user=self.get_object().user,
            site_url=request.build_absolute_uri("/"),
        )
        return Response(_link_body(delivery))


def _link_body(delivery: LinkDelivery) -> dict[str, object]:
    return {
        "user": delivery.user.pk,
        "username": delivery.user.get_username(),
        "set_password_url": delivery.set_password_url,
        "mailed_to": delivery.mailed_to,
        "mail_error": delivery.mail_error,
    }


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

    @extend_schema(request=ReorderSerializer, responses={200: LabelSerializer(many=True)})
    @action(detail=False, methods=["post"])
    def reorder(self, request: Request, project_pk: str) -> Response:
        """Put the labels in a new order (managers): ``ids`` names every label once. Labels with
        a hotkey come first in hotkey order, so reordering them hands their hotkeys out again in
        the new order; a label with a hotkey after one without is refused (400 ``ids``)."""
        data = ReorderSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        labels = labels_reorder(project=self.access.project, ordered_ids=data.validated_data["ids"])
        return Response(LabelSerializer(labels, many=True).data)


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

    @extend_schema(
        request=ReorderSerializer, responses={200: VerificationStatusSerializer(many=True)}
    )
    @action(detail=False, methods=["post"])
    def reorder(self, request: Request, project_pk: str) -> Response:
        """Put the statuses in a new order (managers): ``ids`` names every status once."""
        data = ReorderSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        statuses = statuses_reorder(
            project=self.access.project, ordered_ids=data.validated_data["ids"]
        )
        return Response(VerificationStatusSerializer(statuses, many=True).data)
