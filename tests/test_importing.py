"""Document import: folder of .txt, JSONL, CSV; command and API; all-or-nothing per file."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from annotations.models import Document, Job, Role, Span
from annotations.services.document_imports import import_path
from tests.factories import UserFactory, add_member, assign, make_project


@pytest.fixture
def import_project(db):
    return make_project(UserFactory(username="importer"), name="Imports")


def write_jsonl(path: Path, records: list[object]) -> Path:
    path.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8"
    )
    return path


# The fixture article with no-break spaces, astral emoji and a ZWJ sequence (tests/fixtures/).
EMOJI_NBSP_ARTICLE = "05_vaccine_shortage_denial.txt"


def test_folder_of_corpus_articles_keeps_text_exactly(import_project, corpus_dir):
    results = import_path(project=import_project, path=corpus_dir)

    files = sorted(corpus_dir.glob("*.txt"))
    assert len(files) == 5
    assert [r.name for r in results] == [f.name for f in files]
    assert all(r.ok and r.created == 1 for r in results)
    stored = {d.title: d.text for d in Document.objects.filter(project=import_project)}
    assert len(stored) == 5
    for file in files:
        raw = file.read_bytes().decode("utf-8")
        title = raw.partition("\n")[0].strip()
        assert stored[title] == raw  # the whole file, byte for byte, NBSP and curly quotes included
    raw = (corpus_dir / EMOJI_NBSP_ARTICLE).read_text(encoding="utf-8")
    nbsp_doc = Document.objects.get(project=import_project, title=raw.split("\n")[0])
    assert "\u00a0" in nbsp_doc.text
    assert "\U0001f600" in nbsp_doc.text  # 😀, outside the Basic Multilingual Plane
    assert "\U0001f469\u200d\u2695\ufe0f" in nbsp_doc.text  # 👩‍⚕️, a ZWJ sequence
    assert "“" in nbsp_doc.text and "—" in nbsp_doc.text


def test_jsonl_with_all_fields(import_project, tmp_path):
    path = write_jsonl(
        tmp_path / "docs.jsonl",
        [
            {
                "text": "Line one\r\nLine two 🚀 end",
                "title": "T1",
                "source_url": "https://example.org/a",
                "published_at": "2024-01-23",
                "metadata": {"outlet": "X"},
            },
            {"text": "Second", "published_at": "2024-01-23T10:15:00+02:00"},
        ],
    )
    [result] = import_path(project=import_project, path=path)
    assert result.ok and result.created == 2
    first, second = Document.objects.filter(project=import_project).order_by("id")
    assert first.text == "Line one\r\nLine two 🚀 end"
    assert first.metadata == {"outlet": "X"}
    assert first.published_at.isoformat() == "2024-01-23T00:00:00+00:00"
    assert second.published_at.isoformat() == "2024-01-23T08:15:00+00:00"


def test_jsonl_bad_lines_reported_and_nothing_stored(import_project, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(
        "\n".join(
            [
                json.dumps({"text": "ok"}),
                "{not json",
                json.dumps({"title": "no text"}),
                json.dumps({"text": "x", "source_url": "ftp:/nope"}),
                json.dumps({"text": "x", "published_at": "yesterday"}),
                json.dumps(["a list"]),
                json.dumps({"text": "x", "colour": "red"}),
            ]
        ),
        encoding="utf-8",
    )
    [result] = import_path(project=import_project, path=path)
    assert not result.ok
    assert result.created == 0
    assert Document.objects.filter(project=import_project).count() == 0
    problems = {(e.line, e.field) for e in result.errors}
    assert problems == {
        (2, "line"),
        (3, "text"),
        (4, "source_url"),
        (5, "published_at"),
        (6, "line"),
        (7, "colour"),
    }


def test_bad_line_after_a_full_batch_rolls_back_the_batch(import_project, tmp_path, monkeypatch):
    monkeypatch.setattr("annotations.services.document_imports.BATCH_SIZE", 10)
    records: list[object] = [{"text": f"doc {i}"} for i in range(25)] + [{"text": ""}]
    [result] = import_path(project=import_project, path=write_jsonl(tmp_path / "d.jsonl", records))
    assert [(e.line, e.field) for e in result.errors] == [(26, "text")]
    assert Document.objects.filter(project=import_project).count() == 0


def test_csv_with_multiline_text_and_metadata(import_project, tmp_path):
    path = tmp_path / "docs.csv"
    path.write_text(
        "title,text,source_url,published_at,metadata\r\n"
        'A,"First para\n\nSecond ""quoted"" para",https://example.org,2024-02-01,"{""k"": 1}"\r\n'
        "B,Plain,,,\r\n",
        encoding="utf-8",
        newline="",
    )
    [result] = import_path(project=import_project, path=path)
    assert result.ok and result.created == 2
    a = Document.objects.get(project=import_project, title="A")
    assert a.text == 'First para\n\nSecond "quoted" para'
    assert a.metadata == {"k": 1}
    assert Document.objects.get(project=import_project, title="B").source_url == ""


def test_csv_without_text_column_is_refused(import_project, tmp_path):
    path = tmp_path / "docs.csv"
    path.write_text("title,body\nA,B\n", encoding="utf-8")
    [result] = import_path(project=import_project, path=path)
    assert [(e.line, e.field) for e in result.errors] == [(1, "header")]
    assert not Document.objects.filter(project=import_project).exists()


def test_invalid_utf8_txt_file_is_reported_others_imported(import_project, tmp_path):
    (tmp_path / "a.txt").write_text("Title A\nBody A", encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(b"Title B\n\xff\xfe broken")
    (tmp_path / "c.txt").write_text("", encoding="utf-8")
    results = {r.name: r for r in import_path(project=import_project, path=tmp_path)}
    assert results["a.txt"].ok
    assert results["b.txt"].errors[0].field == "file"
    assert results["c.txt"].errors[0].field == "text"
    assert list(
        Document.objects.filter(project=import_project).values_list("title", flat=True)
    ) == ["Title A"]


def test_txt_keeps_the_headline_in_the_text_so_it_can_be_annotated(
    import_project, tmp_path, client
):
    raw = "\ufeff\r\n  \r\n  Minister denies dam was unsafe  \r\nMOSCOW — The minister said.\r\n"
    (tmp_path / "a.txt").write_bytes(raw.encode("utf-8"))
    (tmp_path / "b.txt").write_text("Headline only", encoding="utf-8")
    (tmp_path / "c.txt").write_text(" \n\t\n", encoding="utf-8")  # blank: no text to annotate
    (tmp_path / "d.txt").write_text("word " * 200 + "\nbody", encoding="utf-8")

    results = {r.name: r for r in import_path(project=import_project, path=tmp_path)}

    assert [results[n].ok for n in ("a.txt", "b.txt", "d.txt")] == [True, True, True]
    a = Document.objects.get(project=import_project, title="Minister denies dam was unsafe")
    assert a.text == raw[1:]  # the whole file but the BOM, CRLF and blank lines kept
    b = Document.objects.get(project=import_project, title="Headline only")
    assert b.text == "Headline only"
    d = Document.objects.get(project=import_project, title__startswith="word word")
    assert len(d.title) <= 500 and d.title.endswith("word…")  # cut at a word, not an error
    assert d.text.startswith("word " * 200)
    assert not results["c.txt"].ok

    # A span can cover the headline: its offsets are those of the stored text.
    annotator = UserFactory(username="headline-annotator")
    add_member(import_project, annotator, Role.ANNOTATOR)
    assign(a, annotator)
    start = a.text.index("Minister denies")
    end = start + len("Minister denies dam was unsafe")
    client.force_login(annotator)
    response = client.post(
        f"/api/v1/projects/{import_project.pk}/spans/",
        json.dumps(
            {
                "document": a.pk,
                "label": "denial",
                "start": start,
                "end": end,
                "quote": "Minister denies dam was unsafe",
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    assert Span.objects.get(pk=response.json()["id"]).quote == "Minister denies dam was unsafe"


def test_ten_thousand_documents_stream_in_batches(import_project, tmp_path):
    path = write_jsonl(
        tmp_path / "many.jsonl",
        [{"text": f"Document number {i}.", "title": str(i)} for i in range(10_000)],
    )
    [result] = import_path(project=import_project, path=path)
    assert result.created == 10_000
    assert Document.objects.filter(project=import_project).count() == 10_000
    assert (
        Document.objects.get(project=import_project, title="9999").text == "Document number 9999."
    )


def test_command_imports_and_reports_errors(import_project, tmp_path, corpus_dir):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import_documents",
        str(import_project.pk),
        str(corpus_dir),
        "--no-progress",
        stdout=out,
        stderr=err,
    )
    assert "Imported 5 document(s)" in out.getvalue()

    bad = write_jsonl(tmp_path / "bad.jsonl", [{"text": "fine"}, {"text": 3}])
    with pytest.raises(CommandError, match="1 file"):
        call_command(
            "import_documents",
            str(import_project.pk),
            str(bad),
            "--no-progress",
            stdout=out,
            stderr=err,
        )
    assert "line 2, text" in err.getvalue()
    assert Document.objects.filter(project=import_project).count() == 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["999999", "x.jsonl"], "No project"),
        (["{project}", "/nonexistent/file.jsonl"], "does not exist"),
        (["{project}", "{tmp}/notes.md"], "Cannot tell the format"),
    ],
)
def test_command_refuses_bad_arguments(import_project, tmp_path, args, message):
    (tmp_path / "notes.md").write_text("x")
    argv = [a.format(project=import_project.pk, tmp=tmp_path) for a in args]
    with pytest.raises(CommandError, match=message):
        call_command(
            "import_documents", *argv, "--no-progress", stdout=io.StringIO(), stderr=io.StringIO()
        )


# --- API -----------------------------------------------------------------------------------------


@pytest.fixture
def upload(django_capture_on_commit_callbacks):
    """POST files to the import endpoint and run the job it enqueues (eager Celery in tests)."""

    def post(client, project, *files, fmt=None):
        data = {"file": list(files)}
        if fmt:
            data["format"] = fmt
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(f"/api/v1/projects/{project.pk}/imports/", data, format="multipart")

    return post


def named_file(name: str, content: bytes) -> io.BytesIO:
    f = io.BytesIO(content)
    f.name = name
    return f


def test_api_import_of_corpus_files_runs_as_job(
    client_for, project, manager, corpus_dir, settings, upload
):
    files = [named_file(p.name, p.read_bytes()) for p in sorted(corpus_dir.glob("*.txt"))]
    response = upload(client_for(manager), project, *files)
    assert response.status_code == 202, response.json()
    job_id = response.json()["id"]

    job = client_for(manager).get(f"/api/v1/jobs/{job_id}/").json()
    assert job["state"] == "succeeded", job
    assert job["result"]["created"] == 5
    assert job["progress"] == 1.0
    assert Document.objects.filter(project=project).count() == 5
    assert not any(Path(settings.MEDIA_ROOT, "imports").iterdir())  # uploads removed after the job


def test_api_import_failed_file_makes_failed_job_with_line_errors(
    client_for, project, manager, upload
):
    good = named_file("good.jsonl", b'{"text": "fine"}\n')
    bad = named_file("bad.jsonl", b'{"text": "fine"}\n{"text": ""}\n')
    response = upload(client_for(manager), project, good, bad)
    job = client_for(manager).get(f"/api/v1/jobs/{response.json()['id']}/").json()
    assert job["state"] == "failed"
    assert "1 of 2 file(s)" in job["error"]
    by_file = {f["file"]: f for f in job["result"]["files"]}
    assert by_file["good.jsonl"]["created"] == 1
    assert by_file["bad.jsonl"]["errors"] == [
        {"line": 2, "field": "text", "message": by_file["bad.jsonl"]["errors"][0]["message"]}
    ]
    assert list(Document.objects.filter(project=project).values_list("text", flat=True)) == ["fine"]


@pytest.mark.parametrize(
    ("files", "fmt", "field"),
    [
        ([], None, "file"),
        ([("notes.md", b"x")], None, "file"),
        ([("a.jsonl", b"{}")], "xml", "format"),
        ([("empty.jsonl", b"")], None, "file"),
    ],
)
def test_api_import_bad_request(client_for, project, manager, files, fmt, field, upload):
    response = upload(client_for(manager), project, *[named_file(n, c) for n, c in files], fmt=fmt)
    assert response.status_code == 400
    assert field in response.json()
    assert not Job.objects.exists()


def test_api_import_needs_manager(client_for, project, reviewer, annotator, outsider, upload):
    f = named_file("a.jsonl", b'{"text": "x"}\n')
    assert upload(client_for(reviewer), project, f).status_code == 403
    assert upload(client_for(annotator), project, f).status_code == 403
    assert upload(client_for(outsider), project, f).status_code == 404
    assert upload(client_for(), project, f).status_code == 401
    assert not Document.objects.filter(project=project).exists()


def test_bulk_endpoint_is_all_or_nothing(client_for, project, manager):
    url = f"/api/v1/projects/{project.pk}/documents/bulk/"
    ok = client_for(manager).post(
        url, {"documents": [{"text": "a"}, {"text": "b", "title": "B"}]}, format="json"
    )
    assert ok.status_code == 201 and ok.json() == {"created": 2}
    bad = client_for(manager).post(
        url, {"documents": [{"text": "c"}, {"text": ""}, "nope"]}, format="json"
    )
    assert bad.status_code == 400
    assert [(e["line"], e["field"]) for e in bad.json()["errors"]] == [(2, "text"), (3, "line")]
    assert Document.objects.filter(project=project).count() == 2


def test_text_postgresql_cannot_store_is_a_line_error(import_project, tmp_path):
    path = tmp_path / "nul.jsonl"
    path.write_text(
        '{"text": "fine"}\n{"text": "bad \\u0000 byte"}\n{"text": "x", "title": "\\ud800"}\n',
        encoding="utf-8",
    )
    [result] = import_path(project=import_project, path=path)
    assert [(e.line, e.field) for e in result.errors] == [(2, "text"), (3, "title")]
    assert "NUL" in result.errors[0].message
    assert not Document.objects.filter(project=import_project).exists()
