from __future__ import annotations

from abc import abstractmethod
from functools import cached_property
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from django.http import Http404
from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request

from annotations.permissions import ProjectRolePermission, can_manage, can_review, check_review
from annotations.selectors.access import ProjectAccess, project_access
from annotations.selectors.vocabulary import ProjectVocabulary
from annotations.views.schema import WorkbenchSchema


class SingleObjectSchema(WorkbenchSchema):
    """Schema of a viewset whose ``list`` answers one object (a report, a hand-built page): its
    response serializer is not wrapped in an array or a page and no pagination parameters are
    added. Without it drf-spectacular treats every ``list`` action as a list."""

    def _is_list_view(self, serializer: Any = None) -> bool:
        return False


def member_access_or_404(user: Any, project_id: object) -> ProjectAccess:
    """The user's access to the project; 404 for non-members, as if the project did not exist."""
    access = project_access(user=user, project_id=project_id)
    if access is None:
        raise Http404("No such project.")
    return access


def review_access_or_404(user: Any, project_id: object) -> ProjectAccess:
    """Reviewer pages: 404 for non-members and for annotators, as from the API."""
    access = member_access_or_404(user, project_id)
    if not can_review(access):
        raise Http404("No such page.")
    return access


def manager_access_or_404(user: Any, project_id: object) -> ProjectAccess:
    """The console's manager pages: 404 for non-members and for members who do not manage the
    project, so the pages do not reveal themselves."""
    access = member_access_or_404(user, project_id)
    if not can_manage(access):
        raise Http404("No such page.")
    return access


class ProjectScopedViewSet(viewsets.GenericViewSet):
    """Base for everything under ``/projects/{project_pk}/``: resolves the project and the user's
    role once per request (404 for non-members) before role permissions are checked."""

    permission_classes = [IsAuthenticated, ProjectRolePermission]
    access: ProjectAccess
    model: type[Model]

    def check_permissions(self, request: Request) -> None:
        if request.user.is_authenticated and not self.is_schema_generation:
            self.access = member_access_or_404(request.user, self.kwargs["project_pk"])
            self.check_access(self.access)
        super().check_permissions(request)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # An id that cannot name a row of the model (`abc` where ids are numbers, `1` where they
        # are UUIDs) is no row: 404 here, once, rather than a database error in whichever lookup
        # the view makes with it.
        lookup = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
        if lookup is not None and not self.is_schema_generation:
            try:
                self.model._meta.pk.to_python(lookup)
            except DjangoValidationError:
                raise Http404("No such object.") from None

    @cached_property
    def vocabulary(self) -> ProjectVocabulary:
        return ProjectVocabulary(self.access.project.pk)

    def check_access(self, access: ProjectAccess) -> None:
        """Hook for views that hide themselves from some roles (a ``permissions.check_*``)."""

    @property
    def is_schema_generation(self) -> bool:
        return getattr(self, "swagger_fake_view", False)

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if hasattr(self, "access"):
            context["project"] = self.access.project
            # Labels and statuses, read in one query when a serializer first needs one.
            context["vocabulary"] = self.vocabulary
        return context

    def get_queryset(self) -> QuerySet:
        if self.is_schema_generation:
            return self.model.objects.none()
        return self.scoped_queryset()

    @abstractmethod
    def scoped_queryset(self) -> QuerySet:
        """The objects of ``self.access.project`` that the requesting user may see."""


class ReviewerOnlyMixin:
    """Annotators get 404 from every action, so the API does not reveal the view to them."""

    def check_access(self, access: ProjectAccess) -> None:
        check_review(access)
