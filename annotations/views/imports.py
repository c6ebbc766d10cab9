"""Document import through the API: files become a background job; JSON lists insert at once."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from annotations import jobs
from annotations.annotation_import import ANNOTATION_FORMATS
from annotations.importing import FORMATS, ImportFormatError, detect_format
from annotations.models import Job, JobKind, Membership, Project
from annotations.serializers import JobSerializer
from annotations.tasks import import_annotations_run, import_documents, import_upload_dir
from annotations.views.base import ProjectScopedViewSet


def start_upload_job(
    *,
    project: Project,
    user: Any,
    uploads: list[tuple[UploadedFile, str]],
    params: dict[str, Any],
    task: Any,
) -> Job:
    """Create an import job, store its uploaded files where the worker reads them, and enqueue
    ``task`` once the transaction commits. Returns the job as stored after the enqueue."""
    with transaction.atomic():
        job = jobs.job_create(project=project, kind=JobKind.IMPORT, created_by=user, params=params)
        folder = import_upload_dir(str(job.pk))
        folder.mkdir(parents=True, exist_ok=True)
        for upload, stored_as in uploads:
            with (folder / stored_as).open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
        jobs.job_enqueue(job=job, task=task)
    job.refresh_from_db()
    return job


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.ListField(
        child=serializers.FileField(allow_empty_file=False),
        min_length=1,
        max_length=10000,
        help_text="One or more .jsonl, .csv or .txt files (a folder: send each .txt file).",
    )
    format = serializers.ChoiceField(
        choices=FORMATS, required=False, help_text="Default: from each file's extension."
    )


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
        fmt = upload.validated_data.get("format")
        files = upload.validated_data["file"]
        entries = []
        for f in files:
            try:
                file_format = fmt or detect_format(Path(f.name))
            except ImportFormatError as exc:
                return Response({"file": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
            entries.append(
                {
                    "name": Path(f.name).name,
                    "format": file_format,
                    "stored_as": f"{uuid.uuid4().hex}{Path(f.name).suffix}",
                }
            )
        job = start_upload_job(
            project=self.access.project,
            user=request.user,
            uploads=list(zip(files, [e["stored_as"] for e in entries], strict=True)),
            params={"files": entries},
            task=import_documents,
        )
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class AnnotationImportSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=False)
    format = serializers.ChoiceField(
        choices=ANNOTATION_FORMATS,
        help_text="native (our JSONL export), label_studio (JSON) or doccano (JSONL)",
    )
    user = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="Attribute every span to this member instead of the names in the file.",
    )
    annotator = serializers.CharField(
        required=False, help_text="doccano: the username the file's spans belong to."
    )
    create_labels = serializers.BooleanField(default=False)


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
        project = self.access.project
        if (
            "user" in values
            and not Membership.objects.filter(project=project, user_id=values["user"]).exists()
        ):
            return Response(
                {"user": ["Not a member of this project."]}, status=status.HTTP_400_BAD_REQUEST
            )
        if (
            values.get("annotator")
            and not Membership.objects.filter(
                project=project, user__username=values["annotator"]
            ).exists()
        ):
            return Response(
                {"annotator": ["Not a member of this project."]}, status=status.HTTP_400_BAD_REQUEST
            )
        upload = values["file"]
        stored_as = f"{uuid.uuid4().hex}{Path(upload.name).suffix}"
        params = {
            "kind": "annotations",
            "name": Path(upload.name).name,
            "stored_as": stored_as,
            "format": values["format"],
            "user": values.get("user"),
            "annotator": values.get("annotator"),
            "create_labels": values["create_labels"],
        }
        job = start_upload_job(
            project=project,
            user=request.user,
            uploads=[(upload, stored_as)],
            params=params,
            task=import_annotations_run,
        )
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
