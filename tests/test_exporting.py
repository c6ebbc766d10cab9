"""Exports through the API and the command, read back with each format's own reader and checked
against the database; scope; permissions; failure midway; import of other tools' files and the
round trip through our JSONL."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import select
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command

from annotations.models import Document, GoldSpan, Job, Role, Span
from annotations.services import exports
from annotations.services.adjudication import (
    GoldEvidenceInput,
    adjudication_set_state,
    gold_accept,
    verdict_set,
)
from annotations.services.assignments import assignment_transition
from annotations.services.spans import EvidenceInput, span_create, span_update
from tests.factories import DocumentFactory, UserFactory, add_member, assign, make_project

EMOJI_TEXT = "🚨 The minister 🙅 denied that 12 civilians died.\u00a0Officials counted 12 déaths. 🕯️"


@pytest.fixture
def exported_project(db):
    manager = UserFactory(username="exp-manager")
    project = make_project(manager, name="Export me")
    coders = [UserFactory(username=name) for name in ("ann", "bob", "cyd")]
    for coder in coders:
        add_member(project, coder, Role.ANNOTATOR)
    reviewer = UserFactory(username="exp-reviewer")
    add_member(project, reviewer, Role.REVIEWER)
    doc = DocumentFactory(
        project=project,
        title="Emoji",
        text=EMOJI_TEXT,
        source_url="https://example.org/emoji",
        published_at=dt.datetime(2024, 3, 5, 9, 30, tzinfo=dt.UTC),
        metadata={"desk": "wire", "tags": ["denial", "casualties"]},
    )
    plain = DocumentFactory(project=project, title="Plain")
    claim, denial = project.labels.get(key="claim"), project.labels.get(key="denial")
    start = EMOJI_TEXT.index("The minister")
    end = EMOJI_TEXT.index(" died") + len(" died")
    fact_start = EMOJI_TEXT.index("Officials")
    spans = [
        (coders[0], doc, denial, start, end),
        (coders[0], doc, claim, fact_start, len(EMOJI_TEXT) - 3),
        (coders[1], doc, denial, start + 4, end),
        (coders[2], doc, claim, 0, 1),  # cyd never submits: excluded from submitted-only exports
        (coders[0], plain, claim, 0, 12),
    ]
    for coder, document, label, s, e in spans:
        if not document.assignments.filter(annotator=coder).exists():
            assign(document, coder)
        span_create(
            annotator=coder,
            document=document,
            label=label,
            start=s,
            end=e,
            note="nb" if coder == coders[0] else "",
        )
    first = Span.objects.get(annotator=coders[0], document=doc, label=denial)
    span_update(
        span=first,
        expected_version=1,
        evidence=[EvidenceInput(stance="refutes", url="https://example.org/count")],
    )
    for coder in coders[:2]:
        for assignment in coder.assignments.filter(project=project):
            assignment_transition(assignment=assignment, action="submit")
    gold = gold_accept(actor=reviewer, document=doc, span_ids=[first.pk])
    verdict_set(
        actor=reviewer,
        gold=gold,
        status=project.statuses.get(key="false"),
        rationale="Twelve deaths were counted.",
        evidence=[GoldEvidenceInput(stance="refutes", url="https://example.org/report")],
    )
    adjudication_set_state(actor=reviewer, document=doc, state="adjudicated")
    return {
        "project": project,
        "manager": manager,
        "reviewer": reviewer,
        "coders": coders,
        "doc": doc,
        "plain": plain,
    }


def db_spans(project, *, annotators=("ann", "bob")):
    return {
        (s.annotator.username, s.label.key, s.start, s.end, s.quote)
        for s in Span.objects.filter(
            project=project, annotator__username__in=annotators
        ).select_related("annotator", "label")
    }


@pytest.fixture
def run_export(client_for, django_capture_on_commit_callbacks):
    def run(setup, user=None, **params):
        client = client_for(user or setup["reviewer"])
        with django_capture_on_commit_callbacks(execute=True):
            started = client.post(
                f"/api/v1/projects/{setup['project'].pk}/exports/", params, format="json"
            )
        assert started.status_code == 202, started.json()
        job = client.get(f"/api/v1/jobs/{started.json()['id']}/").json()
        return job, client

    return run


def download(client, setup, job):
    response = client.get(f"/api/v1/projects/{setup['project'].pk}/exports/{job['id']}/download/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    return response, b"".join(response.streaming_content)


def test_jsonl_export_is_lossless_and_matches_the_database(exported_project, run_export):
    job, client = run_export(exported_project, format="jsonl")
    assert job["state"] == "succeeded", job
    response, body = download(client, exported_project, job)
    assert response["Content-Type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in body.decode("utf-8").splitlines()]
    assert [line["document_id"] for line in lines] == [
        exported_project["doc"].pk,
        exported_project["plain"].pk,
    ]
    emoji = lines[0]
    assert emoji["text"] == EMOJI_TEXT
    found = {
        (s["annotator"], s["label"], s["start"], s["end"], s["quote"])
        for line in lines
        for s in line["spans"]
    }
    assert found == db_spans(exported_project["project"])
    for s in emoji["spans"]:
        assert emoji["text"][s["start"] : s["end"]] == s["quote"]
    [gold] = emoji["gold"]
    assert (gold["status"], gold["verdict_rationale"]) == ("false", "Twelve deaths were counted.")
    assert gold["evidence"][0]["url"] == "https://example.org/report"
    assert lines[1]["gold"] is None
    assert any(
        e["url"] == "https://example.org/count" for s in emoji["spans"] for e in s["evidence"]
    )


def test_csv_and_parquet_rows_match_the_database(exported_project, run_export):
    job, client = run_export(exported_project, format="csv")
    _, body = download(client, exported_project, job)
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
    annotator_rows = {
        (r["annotator"], r["label"], int(r["start"]), int(r["end"]), r["quote"])
        for r in rows
        if r["is_gold"] in ("false", "False", "0")
    }
    assert annotator_rows == db_spans(exported_project["project"])

    job, client = run_export(exported_project, format="parquet")
    _, body = download(client, exported_project, job)
    table = pq.read_table(io.BytesIO(body)).to_pylist()
    parquet_rows = {
        (r["annotator"], r["label"], r["start"], r["end"], r["quote"])
        for r in table
        if not r["is_gold"]
    }
    assert parquet_rows == db_spans(exported_project["project"])
    assert [r["quote"] for r in table if r["is_gold"]] == [GoldSpan.objects.get().quote]


def test_every_format_produces_a_file_its_reader_accepts(exported_project, run_export):
    for fmt in ("conll", "label_studio", "doccano", "claimreview", "fever"):
        job, client = run_export(exported_project, format=fmt)
        assert job["state"] == "succeeded", (fmt, job)
        _, body = download(client, exported_project, job)
        if fmt == "conll":
            tokens = [
                line
                for line in body.decode("utf-8").splitlines()
                if line and not line.startswith("#")
            ]
            assert all(" " not in line.split("\t")[0] for line in tokens)
            assert any("B-denial" in line for line in tokens)
        elif fmt == "label_studio":
            tasks = json.loads(body)
            assert {t["data"]["text"] for t in tasks} >= {EMOJI_TEXT}
            assert "<Labels" in job["result"]["label_studio_config"]
        elif fmt == "doccano":
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                assert sorted(archive.namelist()) == ["ann.jsonl", "bob.jsonl", "gold.jsonl"]
                gold_lines = [
                    json.loads(x) for x in archive.read("gold.jsonl").decode().splitlines()
                ]
                assert any(line["label"] for line in gold_lines)
        elif fmt == "claimreview":
            reviews = json.loads(body)
            items = reviews if isinstance(reviews, list) else reviews.get("@graph", [reviews])
            assert items and all(item["@type"] == "ClaimReview" for item in items)
            assert items[0]["claimReviewed"] == GoldSpan.objects.get().quote
        else:
            [line] = [json.loads(x) for x in body.decode().splitlines()]
            assert line["label"] == "REFUTES"


def test_scope_annotators_gold_only_labels(exported_project, run_export):
    ann = exported_project["coders"][0]
    job, client = run_export(
        exported_project, format="jsonl", annotators=[ann.pk], labels=["denial"]
    )
    lines = [
        json.loads(x) for x in download(client, exported_project, job)[1].decode().splitlines()
    ]
    found = {(s["annotator"], s["label"]) for line in lines for s in line["spans"]}
    assert found == {("ann", "denial")}
    job, client = run_export(exported_project, format="jsonl", gold_only=True)
    lines = [
        json.loads(x) for x in download(client, exported_project, job)[1].decode().splitlines()
    ]
    assert all(line["spans"] == [] for line in lines)
    assert len(lines[0]["gold"]) == 1
    job, client = run_export(exported_project, format="jsonl", submitted_only=False)
    lines = [
        json.loads(x) for x in download(client, exported_project, job)[1].decode().splitlines()
    ]
    assert "cyd" in {s["annotator"] for line in lines for s in line["spans"]}


def test_bad_requests_and_permissions(exported_project, run_export, client_for, outsider):
    url = f"/api/v1/projects/{exported_project['project'].pk}/exports/"
    reviewer = client_for(exported_project["reviewer"])
    assert reviewer.post(url, {"format": "xml"}, format="json").status_code == 400
    assert (
        "labels" in reviewer.post(url, {"format": "csv", "labels": ["nope"]}, format="json").json()
    )
    assert (
        "annotators"
        in reviewer.post(url, {"format": "csv", "annotators": [outsider.pk]}, format="json").json()
    )
    job, _ = run_export(exported_project, format="csv")
    download_url = f"{url}{job['id']}/download/"
    annotator = client_for(exported_project["coders"][0])
    assert annotator.post(url, {"format": "csv"}, format="json").status_code == 404
    assert annotator.get(download_url).status_code == 404
    assert client_for(outsider).get(download_url).status_code == 404
    assert client_for().get(download_url).status_code == 401
    assert client_for(exported_project["manager"]).get(download_url).status_code == 200
    assert [j["id"] for j in reviewer.get(url).json()["results"]] == [job["id"]]
    assert Job.objects.filter(kind="export").count() == 1


def test_failure_midway_leaves_no_finished_file(
    exported_project, run_export, monkeypatch, settings
):
    def broken_writer(documents, fp, **kwargs):
        for _ in documents:
            fp.write(b'{"partial": true}\n')
            raise RuntimeError("disk full")

    monkeypatch.setattr(exports, "write_jsonl", broken_writer)
    job, client = run_export(exported_project, format="jsonl")
    assert job["state"] == "failed"
    assert "disk full" in job["error"]
    folder = exports.export_dir(job["id"])
    assert not any(p.name.endswith(".jsonl") for p in folder.iterdir())
    response = client.get(
        f"/api/v1/projects/{exported_project['project'].pk}/exports/{job['id']}/download/"
    )
    assert response.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_killed_export_process_leaves_no_finished_file(tmp_path, settings):
    """SIGKILL the export command while it writes: the output file never appears."""
    manager = UserFactory(username="kill-manager")
    project = make_project(manager, name="Big")
    Document.objects.bulk_create(
        Document(project=project, title=str(i), text="word " * 400) for i in range(6000)
    )
    out = tmp_path / "out.jsonl"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "WORKBENCH_MEDIA_ROOT": str(tmp_path / "media"),
    }
    argv = [
        "manage.py",
        "export_project",
        str(project.pk),
        "--format",
        "jsonl",
        "--out",
        str(out),
        "--all-documents",
        "--no-progress",
    ]
    process = subprocess.Popen(
        [sys.executable, "-c", _PAUSE_MIDWAY.format(module=exports.__name__, argv=argv)],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        # The process says when it has written 2,000 documents (~4 MB) and waits there, mid-file;
        # the cap only bounds a hang.
        ready, _, _ = select.select([process.stdout], [], [], 120)
        line = process.stdout.readline() if ready else b""
        assert line == b"paused\n", (line, process.poll())
        partial = [p for p in (tmp_path / "media").rglob("*.part") if p.stat().st_size > 0]
        assert len(partial) == 1
    finally:
        process.send_signal(signal.SIGKILL)
        _, stderr = process.communicate(timeout=120)
    assert process.returncode == -signal.SIGKILL, stderr.decode()
    assert not out.exists()
    assert not any(p.suffix == ".jsonl" for p in (tmp_path / "media").rglob("*"))


# Runs the export command, stopping for good (until killed) once 2,000 documents were handed to
# the writer: the test kills it at a known point in the middle of the file, not at a moment it
# hopes falls there.
_PAUSE_MIDWAY = """
import os, sys, threading
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workbench.settings")
django.setup()
from django.core.management import execute_from_command_line
import {module} as exports

export_documents = exports.export_documents

def pausing(*args, **kwargs):
    for number, document in enumerate(export_documents(*args, **kwargs), 1):
        yield document
        if number == 2000:
            print("paused", flush=True)
            threading.Event().wait()

exports.export_documents = pausing
execute_from_command_line({argv!r})
"""


def _database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def test_command_writes_the_file_and_refuses_bad_arguments(exported_project, tmp_path):
    out = tmp_path / "spans.csv"
    call_command(
        "export_project",
        str(exported_project["project"].pk),
        "--format",
        "csv",
        "--out",
        str(out),
        "--no-progress",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert (
        len(list(csv.DictReader(out.open(encoding="utf-8"))))
        == len(db_spans(exported_project["project"])) + 1
    )
    with pytest.raises(CommandError, match="Not members"):
        call_command(
            "export_project",
            str(exported_project["project"].pk),
            "--format",
            "csv",
            "--out",
            str(out),
            "--annotator",
            "ghost",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    with pytest.raises(CommandError, match="No project"):
        call_command(
            "export_project", "999999", "--format", "csv", "--out", str(out), stdout=io.StringIO()
        )


FORMULA_TEXT = '=HYPERLINK("http://evil.example","Click") said the minister, -5% @once.'


@pytest.fixture
def formula_document(exported_project):
    """A submitted span whose quote and note a spreadsheet would run as formulas."""
    ann = exported_project["coders"][0]
    document = DocumentFactory(
        project=exported_project["project"], title="+Title", text=FORMULA_TEXT
    )
    assignment = assign(document, ann)
    span_create(
        annotator=ann,
        document=document,
        label=exported_project["project"].labels.get(key="claim"),
        start=0,
        end=FORMULA_TEXT.index(" said"),
        note="=cmd|'/c calc'!A0",
    )
    assignment_transition(assignment=assignment, action="submit")
    return document


def formula_rows(body: bytes, document) -> list[tuple[str, str, str]]:
    rows = csv.DictReader(io.StringIO(body.decode("utf-8")))
    return [
        (r["document_title"], r["quote"], r["note"])
        for r in rows
        if r["document_id"] == str(document.pk)
    ]


def test_csv_export_neutralises_formulas_unless_asked_not_to(
    exported_project, formula_document, run_export
):
    quote = FORMULA_TEXT[: FORMULA_TEXT.index(" said")]
    job, client = run_export(exported_project, format="csv")
    assert job["params"]["excel_safe"] is True
    _, body = download(client, exported_project, job)
    assert formula_rows(body, formula_document) == [("'+Title", "'" + quote, "'=cmd|'/c calc'!A0")]

    job, client = run_export(exported_project, format="csv", excel_safe=False)
    assert job["params"]["excel_safe"] is False
    _, body = download(client, exported_project, job)
    assert formula_rows(body, formula_document) == [("+Title", quote, "=cmd|'/c calc'!A0")]


def test_command_neutralises_formulas_unless_given_no_excel_safe(
    exported_project, formula_document, tmp_path
):
    quote = FORMULA_TEXT[: FORMULA_TEXT.index(" said")]
    for flags, expected in (
        ([], [("'+Title", "'" + quote, "'=cmd|'/c calc'!A0")]),
        (["--no-excel-safe"], [("+Title", quote, "=cmd|'/c calc'!A0")]),
    ):
        out = tmp_path / "spans.csv"
        call_command(
            "export_project",
            str(exported_project["project"].pk),
            "--format",
            "csv",
            "--out",
            str(out),
            "--no-progress",
            *flags,
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
        assert formula_rows(out.read_bytes(), formula_document) == expected, flags


# --- import of other tools' annotations -------------------------------------------------------------


@pytest.fixture
def target(db, exported_project):
    """A new project whose members carry the same usernames."""
    manager = UserFactory(username="new-manager")
    project = make_project(manager, name="Moved in")
    for coder in exported_project["coders"]:
        add_member(project, coder, Role.ANNOTATOR)
    return project, manager


def _import(client, project, name, content, django_capture_on_commit_callbacks, **fields):
    f = io.BytesIO(content)
    f.name = name
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            f"/api/v1/projects/{project.pk}/imports/annotations/",
            {"file": f, **fields},
            format="multipart",
        )
    assert started.status_code == 202, started.json()
    return client.get(f"/api/v1/jobs/{started.json()['id']}/").json()


def _spans_of(project):
    return {
        (
            s.annotator.username,
            s.label.key,
            s.start,
            s.end,
            s.quote,
            s.status.key,
            s.note,
            tuple((e.url, e.stance) for e in s.evidence.all()),
        )
        for s in Span.objects.filter(project=project)
        .select_related("annotator", "label", "status")
        .prefetch_related("evidence")
    }


def test_round_trip_through_our_jsonl_reproduces_every_span(
    exported_project, target, run_export, client_for, django_capture_on_commit_callbacks
):
    job, client = run_export(exported_project, format="jsonl")
    _, body = download(client, exported_project, job)
    project, manager = target
    imported = _import(
        client_for(manager),
        project,
        "export.jsonl",
        body,
        django_capture_on_commit_callbacks,
        format="native",
    )
    assert imported["state"] == "succeeded", imported
    source = exported_project["project"]
    assert _spans_of(project) == {row for row in _spans_of(source) if row[0] in ("ann", "bob")}
    fields = ("title", "text", "source_url", "published_at", "metadata")
    assert list(Document.objects.filter(project=project).order_by("id").values_list(*fields)) == [
        tuple(getattr(d, f) for f in fields)
        for d in (exported_project["doc"], exported_project["plain"])
    ]
    gold = GoldSpan.objects.get(project=project)
    assert (gold.quote, gold.status.key, gold.rationale) == (
        GoldSpan.objects.get(project=source).quote,
        "false",
        "Twelve deaths were counted.",
    )
    assert (
        project.assignments.filter(state="submitted").count()
        == source.assignments.filter(state="submitted").count()
    )


def test_native_import_reads_a_date_as_its_midnight_utc(
    exported_project, target, run_export, client_for, django_capture_on_commit_callbacks
):
    job, client = run_export(exported_project, format="jsonl")
    _, body = download(client, exported_project, job)
    records = [json.loads(line) for line in body.decode().splitlines() if line.strip()]
    records[0]["published_at"] = "2024-03-05"
    project, manager = target
    imported = _import(
        client_for(manager),
        project,
        "export.jsonl",
        "\n".join(json.dumps(r) for r in records).encode(),
        django_capture_on_commit_callbacks,
        format="native",
    )
    assert imported["state"] == "succeeded", imported
    document = Document.objects.get(project=project, title=records[0]["title"])
    assert document.published_at == dt.datetime(2024, 3, 5, tzinfo=dt.UTC)


def test_label_studio_and_doccano_files_import_with_attribution(
    exported_project, target, run_export, client_for, django_capture_on_commit_callbacks
):
    project, manager = target
    job, client = run_export(exported_project, format="label_studio")
    _, tasks = download(client, exported_project, job)
    imported = _import(
        client_for(manager),
        project,
        "ls.json",
        tasks,
        django_capture_on_commit_callbacks,
        format="label_studio",
    )
    assert imported["state"] == "succeeded", imported
    found = {(s[0], s[1], s[2], s[3], s[4]) for s in _spans_of(project)}
    assert found == db_spans(exported_project["project"])

    doccano = json.dumps(
        {"text": EMOJI_TEXT, "label": [[2, 14, "claim"]]}, ensure_ascii=False
    ).encode()
    bob = exported_project["coders"][1]
    before = Span.objects.filter(project=project).count()
    imported = _import(
        client_for(manager),
        project,
        "d.jsonl",
        doccano,
        django_capture_on_commit_callbacks,
        format="doccano",
        user=bob.pk,
    )
    assert imported["state"] == "succeeded", imported
    span = Span.objects.filter(project=project).order_by("-id").first()
    assert Span.objects.filter(project=project).count() == before + 1
    assert span.annotator == bob
    assert span.quote == EMOJI_TEXT[span.start : span.end]


def test_bad_import_file_is_all_or_nothing(target, client_for, django_capture_on_commit_callbacks):
    project, manager = target
    lines = [
        {"text": "Fine text here", "label": [[0, 4, "claim"]]},
        {"text": "Short", "label": [[0, 40, "claim"]]},
    ]
    content = "\n".join(json.dumps(line) for line in lines).encode()
    imported = _import(
        client_for(manager),
        project,
        "d.jsonl",
        content,
        django_capture_on_commit_callbacks,
        format="doccano",
        annotator="ann",
    )
    assert imported["state"] == "failed"
    assert imported["result"]["errors"]
    assert not Document.objects.filter(project=project).exists()
    unknown = _import(
        client_for(manager),
        project,
        "d.jsonl",
        b'{"text": "abc", "label": [[0, 1, "mystery"]]}',
        django_capture_on_commit_callbacks,
        format="doccano",
        annotator="ann",
    )
    assert unknown["state"] == "failed" and any(
        e["field"] == "label" for e in unknown["result"]["errors"]
    )
    created = _import(
        client_for(manager),
        project,
        "d.jsonl",
        b'{"text": "abc", "label": [[0, 1, "mystery"]]}',
        django_capture_on_commit_callbacks,
        format="doccano",
        annotator="ann",
        create_labels="true",
    )
    assert created["state"] == "succeeded" and created["result"]["created_labels"] == ["mystery"]
    assert (
        client_for(manager)
        .post(
            f"/api/v1/projects/{project.pk}/imports/annotations/",
            {"format": "native"},
            format="multipart",
        )
        .status_code
        == 400
    )
