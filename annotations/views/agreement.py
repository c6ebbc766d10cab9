"""Agreement: start a full run (a job), read the latest report and the trend of past reports."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from annotations import agreement_runs, jobs
from annotations.models import AgreementReport, JobKind, Label, Role, VerificationStatus
from annotations.serializers import JobSerializer
from annotations.tasks import agreement_run
from annotations.views.base import ProjectScopedViewSet

HISTORY_LIMIT = 100


class AgreementViewSet(ProjectScopedViewSet):
    """``GET``: the latest agreement report (with ``stale`` when inputs changed after it, names for
    the ids it mentions, and the trend of past reports). ``POST``: start a full recomputation;
    answers 202 with the job. Managers and reviewers only."""

    model = AgreementReport
    queryset = AgreementReport.objects.none()
    action_roles = {"list": (Role.MANAGER, Role.REVIEWER), "create": (Role.MANAGER, Role.REVIEWER)}
    pagination_class = None

    def scoped_queryset(self) -> QuerySet[AgreementReport]:
        return AgreementReport.objects.filter(project=self.access.project)

    @extend_schema(responses={200: dict})
    def list(self, request: Request, project_pk: str) -> Response:
        project = self.access.project
        latest = self.scoped_queryset().first()
        history = self.scoped_queryset().values(
            "id",
            "created_at",
            "documents_counted",
            "metrics__character_alpha__value",
            "metrics__character_alpha__bootstrap",
        )[:HISTORY_LIMIT]
        return Response(
            {
                "report": None if latest is None else _report_body(latest),
                "stale": agreement_runs.is_stale(project.pk, latest),
                "detail": None
                if latest is not None
                else "No agreement report yet: POST to compute one.",
                "names": _names(project.pk),
                "history": [
                    {
                        "id": row["id"],
                        "created_at": row["created_at"],
                        "documents_counted": row["documents_counted"],
                        "alpha": row["metrics__character_alpha__value"],
                        "bootstrap": row["metrics__character_alpha__bootstrap"],
                    }
                    for row in history
                ],
            }
        )

    @extend_schema(request=None, responses={202: JobSerializer})
    def create(self, request: Request, project_pk: str) -> Response:
        job = jobs.job_create(
            project=self.access.project, kind=JobKind.AGREEMENT, created_by=request.user
        )
        jobs.job_enqueue(job=job, task=agreement_run)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


def _report_body(report: AgreementReport) -> dict[str, Any]:
    return {
        "id": report.pk,
        "created_at": report.created_at,
        "fingerprint": report.fingerprint,
        "documents_counted": report.documents_counted,
        "timings": report.timings,
        "job": str(report.job_id) if report.job_id else None,
        "metrics": report.metrics,
    }


def _names(project_id: int) -> dict[str, dict[int, str]]:
    """Keys for the label, status and annotator ids that the metrics mention."""
    user_model = get_user_model()
    return {
        "labels": dict(Label.objects.filter(project_id=project_id).values_list("id", "key")),
        "statuses": dict(
            VerificationStatus.objects.filter(project_id=project_id).values_list("id", "key")
        ),
        "annotators": dict(
            user_model.objects.filter(memberships__project_id=project_id).values_list(
                "id", "username"
            )
        ),
    }
