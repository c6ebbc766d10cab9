"""Background jobs (shared by imports, agreement and exports) and service health."""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.models import Job
from annotations.selectors.jobs import job_get, job_list, worker_status
from annotations.serializers.jobs import HealthSerializer, JobSerializer
from annotations.views.base import ProjectScopedViewSet


class JobViewSet(viewsets.GenericViewSet):
    """``GET /api/v1/jobs/{id}/``: state, progress, result and error of a background job. Visible to
    the user who started it and to the project's managers."""

    serializer_class = JobSerializer
    permission_classes = [IsAuthenticated]
    queryset = Job.objects.none()

    def retrieve(self, request: Request, pk: str) -> Response:
        job = job_get(user=request.user, job_id=pk)
        if job is None:
            raise Http404("No such job.")
        return Response(JobSerializer(job).data)


class ProjectJobViewSet(ProjectScopedViewSet, viewsets.ReadOnlyModelViewSet):
    """Jobs of a project: all of them for managers, one's own for everyone else."""

    model = Job
    queryset = Job.objects.none()
    serializer_class = JobSerializer

    def scoped_queryset(self) -> QuerySet[Job]:
        return job_list(access=self.access, user=self.request.user)


class HealthView(APIView):
    """Database, broker and worker liveness. 200 when the database answers, else 503."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses={200: HealthSerializer, 503: HealthSerializer})
    def get(self, request: Request) -> Response:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            database = {"ok": True, "vendor": connection.vendor}
        except Exception as exc:  # noqa: BLE001 - any database failure is reported, not raised
            database = {"ok": False, "vendor": connection.vendor, "detail": str(exc)}
        workers = worker_status()
        broker_ok = workers["mode"] == "eager" or not workers["detail"].startswith(
            "Broker unreachable"
        )
        body = {
            "database": database,
            "broker": {"ok": broker_ok, "mode": workers["mode"]},
            "workers": {
                "ok": workers["alive"],
                "names": workers["workers"],
                "detail": workers["detail"],
            },
        }
        return Response(
            body,
            status=status.HTTP_200_OK if database["ok"] else status.HTTP_503_SERVICE_UNAVAILABLE,
        )
