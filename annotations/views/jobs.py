"""Background jobs (shared by imports, agreement and exports) and service health."""

from __future__ import annotations

from typing import Any

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
from annotations.selectors.access import ProjectAccess
from annotations.selectors.jobs import job_get, job_list, service_status
from annotations.serializers.jobs import HealthSerializer, JobSerializer
from annotations.services.job_recovery import jobs_recover_lost
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
        # A job shown running must be run by something: one whose worker stopped is restarted or
        # failed before it is shown (annotations.services.job_recovery).
        if jobs_recover_lost(job_id=str(job.pk)):
            job.refresh_from_db()
        return Response(JobSerializer(job).data)


class LostJobsSettled:
    """For the views that list or show a project's jobs: the project's jobs whose worker stopped
    are restarted or failed first, so that none is shown running that nothing runs."""

    access: ProjectAccess

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if request.method == "GET" and hasattr(self, "access"):
            jobs_recover_lost(project_id=self.access.project.pk)


class ProjectJobViewSet(LostJobsSettled, ProjectScopedViewSet, viewsets.ReadOnlyModelViewSet):
    """Jobs of a project: all of them for managers, one's own for everyone else."""

    model = Job
    queryset = Job.objects.none()
    serializer_class = JobSerializer

    def scoped_queryset(self) -> QuerySet[Job]:
        return job_list(access=self.access, user=self.request.user)


class HealthView(APIView):
    """Database, broker and worker liveness, each with what a person should do when it fails
    (``action``). 200 when the database answers, else 503."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses={200: HealthSerializer, 503: HealthSerializer})
    def get(self, request: Request) -> Response:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            database = {"ok": True, "vendor": connection.vendor, "action": None}
        except Exception as exc:  # noqa: BLE001 - any database failure is reported, not raised
            database = {
                "ok": False,
                "vendor": connection.vendor,
                "detail": str(exc),
                "action": database_action(),
            }
        services = service_status()
        workers = services["workers"]
        body = {
            "database": database,
            "broker": services["broker"],
            "workers": {
                "ok": workers["alive"],
                "names": workers["workers"],
                "detail": workers["detail"],
                "action": workers["action"],
            },
        }
        return Response(
            body,
            status=status.HTTP_200_OK if database["ok"] else status.HTTP_503_SERVICE_UNAVAILABLE,
        )


def database_action() -> str:
    """What to do when the database does not answer, naming the one the settings point at."""
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        return (
            f"Check that the SQLite file {settings_dict['NAME']} exists and that the app may "
            "write to it and to its folder (DATABASE_URL)."
        )
    where = f"{settings_dict.get('HOST') or 'localhost'}:{settings_dict.get('PORT') or 5432}"
    return (
        f"Start PostgreSQL at {where} (`sudo systemctl start postgresql`, or `docker compose up "
        f"-d postgres`), or set DATABASE_URL to a database that runs; database "
        f"{settings_dict['NAME']!r}, user {settings_dict.get('USER')!r}."
    )
