"""``GET /api/v1/projects/{id}/dashboard/``: progress, agreement, trend and worker status for
reviewers and managers (annotators get 404)."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.models import Project
from annotations.selectors.dashboard import project_dashboard
from annotations.serializers.dashboard import DashboardSerializer
from annotations.views.base import ProjectScopedViewSet, ReviewerOnlyMixin, SingleObjectSchema


class DashboardViewSet(ReviewerOnlyMixin, ProjectScopedViewSet):
    """The reviewer dashboard: documents by state, each annotator's progress, worker liveness and
    the agreement section of the latest report with its trend, in a fixed number of queries.
    Managers and reviewers only; annotators get 404."""

    model = Project
    queryset = Project.objects.none()
    pagination_class = None
    schema = SingleObjectSchema()

    def scoped_queryset(self) -> QuerySet[Project]:
        return Project.objects.filter(pk=self.access.project.pk)

    @extend_schema(responses={200: DashboardSerializer})
    def list(self, request: Request, project_pk: str) -> Response:
        return Response(project_dashboard(self.access.project))
