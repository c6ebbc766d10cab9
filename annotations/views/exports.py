"""Exports: start one (a background job), list past ones, download a finished file."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.formats import FORMATS
from annotations.models import Job, JobKind, JobState
from annotations.permissions import can_review
from annotations.serializers.exports import ExportRequestSerializer
from annotations.serializers.jobs import JobSerializer
from annotations.services.exports import export_dir, export_start
from annotations.views.base import ProjectScopedViewSet, ReviewerOnlyMixin
from annotations.views.jobs import LostJobsSettled

# The download's media type depends on the format; an export split into parts is a zip.
DOWNLOAD_MEDIA_TYPES = sorted({media for _, media, _ in FORMATS.values()} | {"application/zip"})


class ExportViewSet(LostJobsSettled, ReviewerOnlyMixin, ProjectScopedViewSet):
    """``POST``: start an export (202 with the job). ``GET``: past exports of the project.
    ``GET {job}/download/``: the finished file. Managers and reviewers only."""

    model = Job
    queryset = Job.objects.none()
    serializer_class = JobSerializer
    write_rule = can_review

    def scoped_queryset(self) -> QuerySet[Job]:
        return Job.objects.filter(project=self.access.project, kind=JobKind.EXPORT)

    def list(self, request: Request, project_pk: str) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(JobSerializer(page, many=True).data)

    def retrieve(self, request: Request, project_pk: str, pk: str) -> Response:
        return Response(JobSerializer(self.get_object()).data)

    @extend_schema(request=ExportRequestSerializer, responses={202: JobSerializer})
    def create(self, request: Request, project_pk: str) -> Response:
        data = ExportRequestSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        job = export_start(
            project=self.access.project, user=request.user, params=dict(data.validated_data)
        )
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        responses={
            (200, media): OpenApiResponse(
                OpenApiTypes.BINARY, description="The export file (attachment)"
            )
            for media in DOWNLOAD_MEDIA_TYPES
        }
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, project_pk: str, pk: str) -> FileResponse:
        job = self.get_object()
        if job.state != JobState.SUCCEEDED:
            raise NotFound(f"This export is {job.state}; only a finished export can be downloaded.")
        path = export_dir(str(job.pk)) / job.result["filename"]
        if not path.is_file():
            raise NotFound("The export file is gone from the server; start the export again.")
        return FileResponse(
            path.open("rb"),
            as_attachment=True,
            filename=job.result["filename"],
            content_type=job.result["content_type"],
        )
