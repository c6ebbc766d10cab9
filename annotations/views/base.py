from __future__ import annotations

from abc import abstractmethod
from functools import cached_property
from typing import Any

from django.db.models import Model, QuerySet
from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request

from annotations.permissions import ProjectRolePermission
from annotations.selectors import ProjectAccess, project_access
from annotations.vocabulary import ProjectVocabulary


class ProjectScopedViewSet(viewsets.GenericViewSet):
    """Base for everything under ``/projects/{project_pk}/``: resolves the project and the user's
    role once per request (404 for non-members) before role permissions are checked."""

    permission_classes = [IsAuthenticated, ProjectRolePermission]
    access: ProjectAccess
    model: type[Model]

    def check_permissions(self, request: Request) -> None:
        if request.user.is_authenticated and not self.is_schema_generation:
            self.access = project_access(user=request.user, project_id=self.kwargs["project_pk"])
            self.check_access(self.access)
        super().check_permissions(request)

    @cached_property
    def vocabulary(self) -> ProjectVocabulary:
        return ProjectVocabulary(self.access.project.pk)

    def check_access(self, access: ProjectAccess) -> None:
        """Hook for views that hide themselves from some roles (raise ``Http404``)."""

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
