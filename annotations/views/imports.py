"""Document import through the API: files become a background job; JSON lists insert at once."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.models import Job, JobKind
from annotations.serializers.imports import (
    AnnotationImportSerializer,
    ImportPreviewResultSerializer,
    ImportPreviewSerializer,
    ImportUploadSerializer,
)
from annotations.serializers.jobs import JobSerializer
from annotations.services.annotation_imports import annotation_import_start
from annotations.services.document_imports import (
    document_import_start,
)
from annotations.services.import_preview import ImportOptions, import_preview
from annotations.views.base import ProjectScopedViewSet


class ImportViewSet(ProjectScopedViewSet):
    """``POST`` files to import them in the background; answers 202 with the job to poll at
    ``/api/v1/jobs/{id}/``. Managers only."""

    model = Job
    queryset = Job.objects.none()
    serializer_class = ImportUploadSerializer
    parser_classes = [MultiPartParser, FormParser]

    def scoped_queryset(self):  # type: ignore[override]
        return Job.objects.filter(project=self.access.project, kind=JobKind.IMPORT)

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer}, responses={202: JobSerializer}
    )
    def create(self, request: Request, project_pk: str) -> Response:
        fields = {"file": request.FILES.getlist("file")}
        if "format" in request.data:
            fields["format"] = request.data["format"]
        upload = ImportUploadSerializer(data=fields)
        upload.is_valid(raise_exception=True)
        job = document_import_start(
            project=self.access.project,
            user=request.user,
            files=upload.validated_data["file"],
            fmt=upload.validated_data.get("format"),
        )
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request={"multipart/form-data": ImportPreviewSerializer},
        responses={200: ImportPreviewResultSerializer},
    )
    @action(detail=False, methods=["post"], url_path="preview")
    def preview(self, request: Request, project_pk: str) -> Response:
        """What importing the files would do, storing nothing: each file's format, its records and
        the first documents as they would be created, and every problem that would make the
        import refuse it, by line (Label Studio: by task). Takes the fields of both import
        endpoints. Managers only."""
        data = ImportPreviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        previews = import_preview(
            project=self.access.project,
            files=[(upload.name, upload) for upload in values["file"]],
            fmt=values.get("format"),
            options=ImportOptions(
                attribute_to=values.get("user"),
                annotator=values.get("annotator") or None,
                create_labels=values["create_labels"],
            ),
        )
        body = {"ok": all(p.ok for p in previews), "files": [p.as_dict() for p in previews]}
        return Response(ImportPreviewResultSerializer(body).data)


class AnnotationImportViewSet(ProjectScopedViewSet):
    """``POST`` a Label Studio JSON export, a doccano JSONL file or our own JSONL export: documents
    with their spans (attributed to the members the file names, or to ``user``), submissions and
    gold are imported in the background, all or nothing. Managers only."""

    model = Job
    queryset = Job.objects.none()
    serializer_class = AnnotationImportSerializer
    parser_classes = [MultiPartParser, FormParser]

    def scoped_queryset(self):  # type: ignore[override]
        return Job.objects.filter(project=self.access.project, kind=JobKind.IMPORT)

    @extend_schema(
        request={"multipart/form-data": AnnotationImportSerializer}, responses={202: JobSerializer}
    )
    def create(self, request: Request, project_pk: str) -> Response:
        data = AnnotationImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        job = annotation_import_start(
            project=self.access.project,
            user=request.user,
            upload=values["file"],
            fmt=values["format"],
            attribute_to=values.get("user"),
            annotator=values.get("annotator") or None,
            create_labels=values["create_labels"],
        )
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
