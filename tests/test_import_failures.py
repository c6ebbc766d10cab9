"""Imports whose files used to leave their job running forever end with a readable reason: an
annotation file that is not UTF-8 (``UnicodeDecodeError`` escaped the reader), and a JSONL line
nested 100,000 levels deep (``RecursionError`` in the decoder). Jobs run eagerly here (in-process);
tests/test_worker_process.py runs jobs on a real worker."""

from __future__ import annotations

import csv
import io
import json

import pytest

from annotations.formats import ExportDocument
from annotations.formats.jsonl import dumps_line
from annotations.json_depth import MAX_JSON_DEPTH
from annotations.models import Document, Span

DEEP = 100_000


def nested(levels: int) -> str:
    return '{"a":' * levels + "1" + "}" * levels


def named_file(name: str, content: bytes) -> io.BytesIO:
    f = io.BytesIO(content)
    f.name = name
    return f


@pytest.fixture
def run_import(client_for, project, manager, django_capture_on_commit_callbacks):
    """POST a file to an import endpoint, run its job, and return the job as the API shows it."""

    def run(url: str, file: io.BytesIO, **fields: str) -> dict:
        client = client_for(manager)
        with django_capture_on_commit_callbacks(execute=True):
            started = client.post(
                f"/api/v1/projects/{project.pk}/{url}", {"file": file, **fields}, format="multipart"
            )
        assert started.status_code == 202, started.json()
        return client.get(f"/api/v1/jobs/{started.json()['id']}/").json()

    return run


@pytest.mark.parametrize(
    ("fmt", "name", "content"),
    [
        ("native", "export.jsonl", b'{"format": "factcheck-workbench/1", "text": "caf\xe9"}\n'),
        ("doccano", "ann.jsonl", b'{"text": "caf\xe9", "label": [[0, 3, "claim"]]}\n'),
        ("label_studio", "tasks.json", b'[{"data": {"text": "caf\xe9"}}]'),
    ],
)
def test_an_annotation_file_that_is_not_utf8_fails_naming_the_encoding(
    run_import, project, annotator, fmt, name, content
):
    job = run_import(
        "imports/annotations/", named_file(name, content), format=fmt, user=str(annotator.pk)
    )
    assert job["state"] == "failed", job
    # The reason itself says what is wrong and what to do, not only the result's list.
    assert "not UTF-8 text" in job["error"] and "0xe9" in job["error"], job["error"]
    assert "save the file with the UTF-8 encoding" in job["error"]
    assert not Document.objects.filter(project=project).exists()


def test_a_document_line_nested_100000_levels_is_a_line_error_and_the_job_ends(run_import, project):
    lines = [
        json.dumps({"text": "first"}),
        '{"text": "deep", "metadata": ' + nested(DEEP) + "}",
        json.dumps({"text": "third"}),
    ]
    job = run_import("imports/", named_file("docs.jsonl", "\n".join(lines).encode()))
    assert job["state"] == "failed", job  # ended, with the file's problems listed
    (file_result,) = job["result"]["files"]
    assert [(e["line"], e["field"]) for e in file_result["errors"]] == [(2, "line")]
    assert f"more than {MAX_JSON_DEPTH} levels" in file_result["errors"][0]["message"]
    assert not Document.objects.filter(project=project).exists()  # the file is all or nothing


def test_csv_metadata_nested_too_deeply_is_a_line_error(run_import, project):
    content = io.StringIO()
    csv.writer(content).writerows([("text", "metadata"), ("fine", "{}"), ("deep", nested(DEEP))])
    job = run_import("imports/", named_file("docs.csv", content.getvalue().encode()))
    assert job["state"] == "failed", job
    (file_result,) = job["result"]["files"]
    assert [(e["line"], e["field"]) for e in file_result["errors"]] == [(3, "metadata")]


def test_a_native_annotation_line_nested_too_deeply_fails_the_import_naming_it(
    run_import, project, annotator
):
    good = ExportDocument(
        document_id=1,
        title="Fine",
        text="A claim.",
        source_url="",
        published_at=None,
        metadata={},
        annotators=(),
        spans=(),
        gold=None,
        agreement=None,
    )
    lines = [dumps_line(good), '{"text": "deep", "metadata": ' + nested(DEEP) + "}"]
    job = run_import(
        "imports/annotations/",
        named_file("export.jsonl", "\n".join(lines).encode()),
        format="native",
        user=str(annotator.pk),
    )
    assert job["state"] == "failed", job
    assert [(e["item"], e["field"]) for e in job["result"]["errors"]] == [(2, "")]
    assert f"more than {MAX_JSON_DEPTH} levels" in job["error"]
    assert not Document.objects.filter(project=project).exists()
    assert not Span.objects.filter(project=project).exists()
