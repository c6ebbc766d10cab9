"""The upload limit (WORKBENCH_MAX_UPLOAD_MB): an import past it answers 413 naming the limit,
stores nothing, and is refused before its body is read."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIRequest
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from annotations.errors import PayloadTooLarge
from annotations.models import Document, Job

LIMIT = 4096


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.WORKBENCH_MAX_UPLOAD_BYTES = LIMIT


def jsonl_of_size(size: int) -> bytes:
    """JSONL documents, padded to exactly ``size`` bytes."""
    line = json.dumps({"text": "x" * 100}).encode() + b"\n"
    body = line * (size // len(line))
    return body + b" " * (size - len(body))


def import_files(client, project, content: bytes):
    upload = SimpleUploadedFile("articles.jsonl", content, content_type="application/x-ndjson")
    return client.post(f"/api/v1/projects/{project.pk}/imports/", {"file": [upload]})


def nothing_stored(project, media_root: str) -> bool:
    imports = Path(media_root) / "imports"
    return (
        not Job.objects.filter(project=project).exists()
        and not Document.objects.filter(project=project).exists()
        and not (imports.exists() and any(imports.rglob("*")))
    )


def test_a_document_file_just_over_the_limit_is_413_naming_it_and_nothing_is_stored(
    project, manager, client_for, media_root
):
    response = import_files(client_for(manager), project, jsonl_of_size(LIMIT + 1))

    assert response.status_code == 413
    body = response.json()
    assert body["code"] == "payload_too_large"
    assert "limit of 4,096 bytes" in body["detail"] and "WORKBENCH_MAX_UPLOAD_MB" in body["detail"]
    assert nothing_stored(project, media_root)


def test_a_file_under_the_limit_is_imported(
    project, manager, client_for, django_capture_on_commit_callbacks
):
    content = jsonl_of_size(LIMIT - 1024)  # the multipart envelope takes a few hundred bytes
    with django_capture_on_commit_callbacks(execute=True):
        response = import_files(client_for(manager), project, content)

    assert response.status_code == 202, response.json()
    assert Document.objects.filter(project=project).count() == content.count(b"\n")


def test_several_files_count_together(project, manager, client_for, media_root):
    files = [SimpleUploadedFile(f"part{i}.jsonl", jsonl_of_size(LIMIT // 3)) for i in range(4)]
    response = client_for(manager).post(f"/api/v1/projects/{project.pk}/imports/", {"file": files})

    assert response.status_code == 413
    assert nothing_stored(project, media_root)


def test_an_annotation_file_over_the_limit_is_413(project, manager, client_for, media_root):
    upload = SimpleUploadedFile("export.jsonl", jsonl_of_size(LIMIT + 1))
    response = client_for(manager).post(
        f"/api/v1/projects/{project.pk}/imports/annotations/",
        {"file": upload, "format": "native"},
    )

    assert response.status_code == 413
    assert "4,096 bytes" in response.json()["detail"]
    assert nothing_stored(project, media_root)


def test_the_limit_reads_in_megabytes(project, manager, client_for, settings):
    settings.WORKBENCH_MAX_UPLOAD_BYTES = 1024 * 1024
    response = import_files(client_for(manager), project, jsonl_of_size(1024 * 1024 + 1))
    assert response.status_code == 413
    assert "limit of 1 MB" in response.json()["detail"]


class CountingStream(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk

    def readline(self, size: int | None = -1) -> bytes:
        line = super().readline(size)
        self.bytes_read += len(line)
        return line


def test_an_upload_over_the_limit_is_refused_before_its_body_is_read():
    """Memory and disk stay flat whatever the size: not one byte of the body is taken in."""
    body = encode_multipart(BOUNDARY, {"file": SimpleUploadedFile("big.jsonl", b"x" * 10**6)})
    stream = CountingStream(body)
    request = WSGIRequest(
        {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/api/v1/projects/1/imports/",
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "wsgi.url_scheme": "http",
            "wsgi.input": stream,
            "CONTENT_TYPE": MULTIPART_CONTENT,
            "CONTENT_LENGTH": str(len(body)),
        }
    )

    with pytest.raises(PayloadTooLarge):
        request.FILES  # noqa: B018 - parsing is what is tested

    assert stream.bytes_read == 0
