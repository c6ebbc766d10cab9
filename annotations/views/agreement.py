"""Agreement: start a full run (a job), read the latest report and the trend of past reports."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.models import AgreementReport
from annotations.permissions import can_review
from annotations.selectors.agreement import agreement_overview
from annotations.serializers.agreement import AgreementOverviewSerializer
from annotations.serializers.jobs import JobSerializer
from annotations.services.agreement import agreement_run_start
from annotations.views.base import ProjectScopedViewSet, SingleObjectSchema


class AgreementViewSet(ProjectScopedViewSet):
    """``GET``: the latest agreement report (with ``stale`` when inputs changed after it, names for
    the ids it mentions, and the trend of past reports). ``POST``: start a full recomputation;
    answers 202 with the job. Managers and reviewers only."""

    model = AgreementReport
    queryset = AgreementReport.objects.none()
    action_rules = {"list": can_review, "create": can_review}
    pagination_class = None
    schema = SingleObjectSchema()

    def scoped_queryset(self) -> QuerySet[AgreementReport]:
        return AgreementReport.objects.filter(project=self.access.project)

    @extend_schema(responses={200: AgreementOverviewSerializer})
    def list(self, request: Request, project_pk: str) -> Response:
        return Response(agreement_overview(self.access.project))

    @extend_schema(request=None, responses={202: JobSerializer})
    def create(self, request: Request, project_pk: str) -> Response:
        job = agreement_run_start(project=self.access.project, user=request.user)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
