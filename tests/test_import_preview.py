"""The import preview (services/import_preview.py), the pending uploads of the import page
(services/pending_imports.py), the preview endpoint and the import pages: every format previews
its records, a bad line is named by line and field, nothing is stored before the manager starts the
import, and documents remember the import job that created them."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from annotations.errors import Conflict, InvalidInput
from annotations.models import Document, Job, Label, Role, Span
from annotations.selectors.pending_imports import pending_import_get, pending_root
from annotations.services.annotation_imports import import_annotations, parse
from annotations.services.import_preview import (
    MAX_LISTED_ERRORS,
    FormatUnknown,
    ImportOptions,
    detect_format,
    import_preview,
)
from annotations.services.pending_imports import (
    pending_import_create,
    pending_import_start,
    pending_imports_prune,
)
from tests.factories import UserFactory, add_member

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "imports"
TITLES = [
    "Harbour authority denies fuel leak",
    "City denies cutting library hours",
    "Ministry rejects claims of exam leak \N{OPEN BOOK}",
]


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def named(name: str, content: bytes) -> io.BytesIO:
    f = io.BytesIO(content)
    f.name = name
    return f


def upload(name: str, content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, fixture(name) if content is None else content)


@pytest.fixture
def authors(project):
    """The annotators the native fixture names, members of the project."""
    ines, omar = UserFactory(username="ines"), UserFactory(username="omar")
    add_member(project, ines, Role.ANNOTATOR)
    add_member(project, omar, Role.ANNOTATOR)
    return ines, omar


def stored(project) -> tuple[int, int, int, int]:
    return (
        Document.objects.filter(project=project).count(),
        Span.objects.filter(project=project).count(),
        Label.objects.filter(project=project).count(),
        Job.objects.filter(project=project).count(),
    )


def preview_of(project, name, content=None, *, fmt=None, **options):
    [preview] = import_preview(
        project=project,
        files=[(name, named(name, fixture(name) if content is None else content))],
        fmt=fmt,
        options=ImportOptions(**options),
    )
    return preview


# --- every format ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt", "options", "spans", "gold"),
    [
        ("articles.jsonl", "jsonl", {}, 0, 0),
        ("articles.csv", "csv", {}, 0, 0),
        ("annotated.jsonl", "native", {}, 9, 1),
        ("doccano.jsonl", "doccano", {"annotator": "ines"}, 3, 0),
        ("label_studio.json", "label_studio", {"attribute_to": "ines"}, 6, 0),
    ],
)
def test_a_good_file_of_every_format_previews_its_records_and_stores_nothing(
    project, authors, name, fmt, options, spans, gold
):
    if "attribute_to" in options:
        options["attribute_to"] = authors[0].pk
    before = stored(project)

    preview = preview_of(project, name, **options)

    assert (preview.format, preview.detected) == (fmt, True)
    assert preview.ok, preview.errors
    assert (preview.records, preview.documents) == (3, 3)
    assert (preview.spans, preview.gold_spans) == (spans, gold)
    assert [r.title for r in preview.sample] == TITLES
    assert preview.sample[0].text.startswith("TALLINN — The harbour authority")
    assert stored(project) == before


def test_a_txt_file_is_one_document_titled_by_its_first_line(project, corpus_dir):
    article = corpus_dir / "05_vaccine_shortage_denial.txt"
    raw = article.read_bytes()

    preview = preview_of(project, article.name, raw)

    text = raw.decode("utf-8")
    title = text.partition("\n")[0]
    assert (preview.format, preview.records, preview.documents) == ("txt", 1, 1)
    [record] = preview.sample
    # The whole file is the text (the headline can be annotated); its first line is the title.
    assert (record.line, record.title, record.characters) == (1, title.strip(), len(text))
    assert record.text == text[: len(record.text)]


def test_annotated_records_show_each_annotators_spans_and_the_gold(project, authors):
    preview = preview_of(project, "annotated.jsonl")

    first = preview.sample[0]
    assert first.line == 1 and first.item is None
    assert [(a.name, a.spans, a.labels) for a in first.annotators] == [
        ("ines", 2, {"claim": 1, "denial": 1}),
        ("omar", 1, {"claim": 1}),
    ]
    assert first.gold_spans == 1
    assert preview.sample[1].gold_spans is None


def test_spans_given_to_one_member_are_shown_as_theirs(project, authors):
    ines = authors[0]
    preview = preview_of(project, "label_studio.json", attribute_to=ines.pk)

    assert preview.sample[0].item == 0 and preview.sample[0].line is None
    assert [(a.name, a.spans) for a in preview.sample[0].annotators] == [("ines", 2)]


# --- bad lines -----------------------------------------------------------------------------------


def test_a_bad_document_line_is_named_by_line_and_field_and_nothing_is_stored(project):
    before = stored(project)

    preview = preview_of(project, "articles_bad_line.jsonl")

    assert not preview.ok
    assert {(e.line, e.field) for e in preview.errors} == {
        (2, "body"),
        (2, "text"),
        (2, "published_at"),
    }
    assert preview.error_count == 3
    dates = next(e for e in preview.errors if e.field == "published_at")
    assert dates.message.startswith("'18 November 2024' is not an ISO 8601 date")
    assert (preview.records, preview.documents) == (3, 2)
    assert [r.line for r in preview.sample] == [1, 3]
    assert stored(project) == before


def test_a_line_that_is_not_json_and_a_csv_without_text_column(project):
    broken = b'{"text": "fine"}\n{"text": "cut short\n{"text": "fine too"}\n'
    jsonl = preview_of(project, "broken.jsonl", broken)
    assert [(e.line, e.field) for e in jsonl.errors] == [(2, "line")]
    assert "Not valid JSON" in jsonl.errors[0].message

    csv = preview_of(project, "no_text.csv", b"title,body\nA,B\n")
    assert [(e.line, e.field) for e in csv.errors] == [(1, "header")]
    assert csv.records == 0


def test_a_bad_annotated_line_is_named_by_its_line_and_field_path(project, authors):
    lines = fixture("annotated.jsonl").decode("utf-8").splitlines()
    second = json.loads(lines[1])
    second["spans"][0]["quote"] = "something else"
    content = "\n".join([lines[0], json.dumps(second, ensure_ascii=False), lines[2]]) + "\n"

    preview = preview_of(project, "annotated.jsonl", content.encode())

    assert [(e.line, e.field) for e in preview.errors] == [(2, "spans[0].quote")]
    assert preview.documents == 2  # the other two lines would import, if the file could


def test_project_checks_name_the_line_of_the_document_even_after_blank_and_bad_lines(project):
    """Annotators who are not members: the import's own check, reported at each document's line
    (not its rank among the valid ones)."""
    lines = fixture("annotated.jsonl").decode("utf-8").splitlines()
    content = "\n".join([lines[0], "", "not json", lines[1], lines[2]]) + "\n"

    preview = preview_of(project, "annotated.jsonl", content.encode())

    assert preview.errors[0].line == 1 and preview.errors[0].field == "annotator"
    assert {e.line for e in preview.errors} == {1, 3, 4, 5}
    assert {e.line for e in preview.errors if e.field == "annotator"} == {1, 4, 5}
    assert "'ines' is not a member of this project" in preview.errors[0].message


def test_label_studio_problems_are_named_by_the_tasks_index(project):
    preview = preview_of(project, "label_studio.json")  # completed_by 7: not a member

    assert not preview.ok
    assert {(e.item, e.line, e.field) for e in preview.errors} == {
        (0, None, "annotator"),
        (1, None, "annotator"),
        (2, None, "annotator"),
    }
    assert "label-studio-user-7" in preview.errors[0].message


def test_a_label_studio_file_that_is_not_json_is_a_problem_of_the_whole_file(project):
    preview = preview_of(project, "tasks.json", b"[{not json")

    [error] = preview.errors
    assert (error.line, error.item) == (None, None)
    assert "not valid UTF-8 JSON" in error.message


def test_a_doccano_file_without_its_annotator_says_whom_to_choose(project, authors):
    preview = preview_of(project, "doccano.jsonl")

    assert {e.line for e in preview.errors} == {1, 2, 3}
    assert "'doccano' is not a member" in preview.errors[0].message


def test_listed_problems_are_capped_and_all_are_counted(project):
    content = b'{"title": "no text"}\n' * (MAX_LISTED_ERRORS + 100)

    preview = preview_of(project, "many.jsonl", content)

    assert preview.error_count == MAX_LISTED_ERRORS + 100
    assert len(preview.errors) == MAX_LISTED_ERRORS
    assert preview.errors[-1].line == MAX_LISTED_ERRORS


# --- labels and options --------------------------------------------------------------------------


def label_studio_with(label: str) -> bytes:
    tasks = json.loads(fixture("label_studio.json"))
    tasks[0]["annotations"][0]["result"][0]["value"]["labels"] = [label]
    return json.dumps(tasks).encode()


def test_labels_the_project_lacks_are_errors_or_listed_to_create_but_never_created(
    project, authors
):
    ines = authors[0]
    content = label_studio_with("attribution")

    refused = preview_of(project, "ls.json", content, attribute_to=ines.pk)
    assert [(e.item, e.field) for e in refused.errors] == [(0, "label")]

    created = preview_of(project, "ls.json", content, attribute_to=ines.pk, create_labels=True)
    assert created.ok and created.labels_to_create == ["attribution"]
    assert not Label.objects.filter(project=project, key="attribution").exists()


def test_a_new_label_whose_name_is_taken_is_refused_by_preview_and_import_alike(project, authors):
    """ "Claim" is not the key of the label named "Claim" (key "claim"); names are unique ignoring
    case, so the import must not try to add it (the database would refuse it mid-import)."""
    ines = authors[0]
    content = label_studio_with("Claim")

    preview = preview_of(project, "ls.json", content, attribute_to=ines.pk, create_labels=True)
    assert [(e.item, e.field) for e in preview.errors] == [(0, "label")]
    assert "key 'claim'" in preview.errors[0].message

    documents, report = parse(io.BytesIO(content), "label_studio", annotator=None)
    result = import_annotations(
        project=project, documents=documents, report=report, attribute_to=ines, create_labels=True
    )
    assert not result.ok and result.errors[0]["field"] == "label"
    assert not Document.objects.filter(project=project).exists()


def test_options_must_name_members(project, outsider):
    with pytest.raises(InvalidInput) as refused:
        preview_of(project, "label_studio.json", attribute_to=outsider.pk)
    assert "user" in refused.value.detail
    with pytest.raises(InvalidInput) as refused:
        preview_of(project, "doccano.jsonl", annotator="outsider")
    assert "annotator" in refused.value.detail


def test_an_archived_project_previews_no_import(project):
    project.archived_at = timezone.now()
    project.save()
    with pytest.raises(Conflict):
        preview_of(project, "articles.jsonl")


# --- detection -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "fmt"),
    [
        ("a.txt", b"Title\nText", "txt"),
        ("a.csv", b"text\nx\n", "csv"),
        ("a.jsonl", b'{"text": "x"}\n', "jsonl"),
        ("a.ndjson", b'\n\n{"text": "x", "title": "t"}\n', "jsonl"),
        ("export.jsonl", fixture("annotated.jsonl"), "native"),
        ("export.json", fixture("annotated.jsonl"), "native"),
        ("a.jsonl", b'{"text": "x", "label": [[0, 1, "claim"]]}\n', "doccano"),
        ("a.jsonl", b'{"text": "x", "entities": []}\n', "doccano"),
        ("tasks.json", b'[{"data": {"text": "x"}}]', "label_studio"),
        ("tasks", b'\xef\xbb\xbf  [{"data": {"text": "x"}}]', "label_studio"),
        ("task.json", b'{\n  "data": {"text": "x"}\n}\n', "label_studio"),
        ("broken.jsonl", b"{not json}\n", "jsonl"),
        ("data.dat", b'{"text": "x"}\n', "jsonl"),
    ],
)
def test_detect_format(name, content, fmt):
    fp = named(name, content)
    assert detect_format(name, fp) == fmt
    assert fp.tell() == 0


def test_a_native_line_longer_than_the_sniffed_head_is_still_recognised():
    line = fixture("annotated.jsonl").splitlines()[0]
    with mock.patch("annotations.services.import_preview.SNIFF_BYTES", 200):
        assert detect_format("huge.jsonl", named("huge.jsonl", line)) == "native"


@pytest.mark.parametrize(
    ("name", "content"), [("notes.md", b"# Notes\n"), ("data", b"plain words\n")]
)
def test_a_format_that_cannot_be_told_says_what_to_do(project, name, content):
    with pytest.raises(FormatUnknown, match="name it .txt, .csv, .jsonl or .json"):
        detect_format(name, named(name, content))
    with pytest.raises(InvalidInput) as refused:
        preview_of(project, name, content)
    assert name in refused.value.detail["file"][0]


def test_a_chosen_format_is_used_for_every_file(project):
    preview = preview_of(project, "notes.md", b"Title\nBody", fmt="txt")
    assert (preview.format, preview.detected, preview.documents) == ("txt", False, 1)


# --- import jobs remember their documents --------------------------------------------------------


def test_documents_of_a_document_import_job_name_the_job(
    client_for, project, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(manager).post(
            f"/api/v1/projects/{project.pk}/imports/",
            {"file": [named("articles.jsonl", fixture("articles.jsonl"))]},
            format="multipart",
        )
    job = Job.objects.get(pk=response.json()["id"])
    assert job.state == "succeeded", job.error
    documents = Document.objects.filter(project=project)
    assert documents.count() == 3
    assert set(documents.values_list("import_job", flat=True)) == {job.pk}


def test_documents_of_an_annotation_import_job_name_the_job(
    client_for, project, manager, authors, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(manager).post(
            f"/api/v1/projects/{project.pk}/imports/annotations/",
            {"file": named("annotated.jsonl", fixture("annotated.jsonl")), "format": "native"},
            format="multipart",
        )
    job = Job.objects.get(pk=response.json()["id"])
    assert job.state == "succeeded", job.error
    assert set(Document.objects.filter(project=project).values_list("import_job", flat=True)) == {
        job.pk
    }


def test_documents_added_otherwise_belong_to_no_import(client_for, project, manager):
    response = client_for(manager).post(
        f"/api/v1/projects/{project.pk}/documents/bulk/",
        {"documents": [{"text": "a"}]},
        format="json",
    )
    assert response.status_code == 201
    assert Document.objects.get(project=project).import_job_id is None


# --- the preview endpoint ------------------------------------------------------------------------


def preview_url(project) -> str:
    return f"/api/v1/projects/{project.pk}/imports/preview/"


def test_preview_endpoint_answers_each_file_and_stores_nothing(
    client_for, project, manager, db_snapshot
):
    before = db_snapshot()
    response = client_for(manager).post(
        preview_url(project),
        {
            "file": [
                named("articles.jsonl", fixture("articles.jsonl")),
                named("bad.jsonl", fixture("articles_bad_line.jsonl")),
            ]
        },
        format="multipart",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["ok"] is False
    good, bad = body["files"]
    assert (good["name"], good["format"], good["ok"], good["documents"]) == (
        "articles.jsonl",
        "jsonl",
        True,
        3,
    )
    assert good["sample"][0]["title"] == TITLES[0]
    assert bad["error_count"] == 3
    assert {(e["line"], e["field"]) for e in bad["errors"]} == {
        (2, "body"),
        (2, "text"),
        (2, "published_at"),
    }
    assert db_snapshot() == before


def test_preview_endpoint_takes_the_annotation_options(client_for, project, manager, authors):
    response = client_for(manager).post(
        preview_url(project),
        {
            "file": named("tasks.json", label_studio_with("attribution")),
            "user": authors[0].pk,
            "create_labels": "true",
        },
        format="multipart",
    )
    assert response.status_code == 200, response.json()
    [file] = response.json()["files"]
    assert file["ok"] and file["labels_to_create"] == ["attribution"]
    assert file["sample"][0]["annotators"] == [
        {"name": "ines", "spans": 2, "labels": {"attribution": 1, "denial": 1}}
    ]


@pytest.mark.parametrize(
    ("files", "fields", "field"),
    [
        ([("notes.md", b"# Notes\n")], {}, "file"),
        ([("a.jsonl", b"")], {}, "file"),
        ([], {}, "file"),
        ([("a.jsonl", b'{"text": "x"}\n')], {"format": "xml"}, "format"),
        ([("a.json", b"[]")], {"user": "999999"}, "user"),
    ],
)
def test_preview_endpoint_bad_request_names_the_field(
    client_for, project, manager, files, fields, field
):
    response = client_for(manager).post(
        preview_url(project),
        {"file": [named(n, c) for n, c in files], **fields},
        format="multipart",
    )
    assert response.status_code == 400
    assert field in response.json()


def test_preview_endpoint_is_for_managers(client_for, project, reviewer, annotator, outsider):
    def post(user):
        return client_for(user).post(
            preview_url(project),
            {"file": named("a.jsonl", b'{"text": "x"}\n')},
            format="multipart",
        )

    assert post(reviewer).status_code == 403
    assert post(annotator).status_code == 403
    assert post(outsider).status_code == 404
    assert post(None).status_code == 401


# --- pending uploads -----------------------------------------------------------------------------


def test_pending_upload_is_previewed_from_disk_and_started_on_the_same_files(
    project, manager, django_capture_on_commit_callbacks
):
    pending = pending_import_create(
        project=project, user=manager, files=[upload("articles.jsonl"), upload("articles.csv")]
    )
    assert pending.ok and [p["documents"] for p in pending.previews] == [3, 3]
    assert not Document.objects.filter(project=project).exists()
    assert sorted(p.name for p in pending.folder.iterdir()) == [
        "000.jsonl",
        "001.csv",
        "manifest.json",
    ]

    with django_capture_on_commit_callbacks(execute=True):
        [job] = pending_import_start(pending=pending, project=project, user=manager)

    job.refresh_from_db()
    assert job.state == "succeeded", job.error
    assert job.result["created"] == 6
    assert Document.objects.filter(project=project, import_job=job).count() == 6
    assert not pending.folder.exists()
    assert pending_import_get(project_id=project.pk, user=manager, token=pending.token) is None


def test_documents_and_annotated_files_start_one_job_each_kind(
    project, manager, authors, django_capture_on_commit_callbacks
):
    pending = pending_import_create(
        project=project, user=manager, files=[upload("articles.jsonl"), upload("annotated.jsonl")]
    )
    with django_capture_on_commit_callbacks(execute=True):
        jobs = pending_import_start(pending=pending, project=project, user=manager)

    assert [j.params.get("kind") for j in jobs] == [None, "annotations"]
    for job in jobs:
        job.refresh_from_db()
        assert job.state == "succeeded", job.error
    assert Document.objects.filter(project=project).count() == 6
    assert Span.objects.filter(project=project).count() == 9


def test_a_pending_upload_with_problems_cannot_be_started(project, manager):
    pending = pending_import_create(
        project=project, user=manager, files=[upload("articles_bad_line.jsonl")]
    )
    with pytest.raises(Conflict, match="fix them and upload the files again"):
        pending_import_start(pending=pending, project=project, user=manager)
    assert not Job.objects.exists()
    assert pending.folder.exists()


def test_a_pending_upload_starts_once(project, manager, django_capture_on_commit_callbacks):
    pending = pending_import_create(project=project, user=manager, files=[upload("articles.jsonl")])
    with django_capture_on_commit_callbacks(execute=True):
        pending_import_start(pending=pending, project=project, user=manager)
    with pytest.raises(Exception, match="already imported or discarded"):
        pending_import_start(pending=pending, project=project, user=manager)
    assert Job.objects.count() == 1


def test_a_file_of_unknown_format_stores_nothing(project, manager):
    with pytest.raises(InvalidInput):
        pending_import_create(
            project=project,
            user=manager,
            files=[upload("articles.jsonl"), upload("notes.md", b"# Notes\n")],
        )
    assert not pending_root().exists() or not any(pending_root().iterdir())


def test_pending_uploads_older_than_a_day_are_pruned(project, manager):
    old = pending_import_create(project=project, user=manager, files=[upload("articles.jsonl")])
    fresh = pending_import_create(project=project, user=manager, files=[upload("articles.csv")])
    (pending_root() / "half-written").mkdir()

    removed = pending_imports_prune(now=timezone.now() + dt.timedelta(hours=23))
    assert removed == 0

    with mock.patch(
        "annotations.selectors.pending_imports.timezone.now",
        return_value=timezone.now() + dt.timedelta(hours=25),
    ):
        assert pending_import_get(project_id=project.pk, user=manager, token=old.token) is None
    assert pending_imports_prune(now=timezone.now() + dt.timedelta(hours=25)) == 3
    assert not old.folder.exists() and not fresh.folder.exists()


def test_a_pending_upload_is_its_uploaders_only(project, manager):
    other = UserFactory(username="co-manager")
    add_member(project, other, Role.MANAGER)
    pending = pending_import_create(project=project, user=manager, files=[upload("articles.jsonl")])

    assert pending_import_get(project_id=project.pk, user=manager, token=pending.token)
    assert pending_import_get(project_id=project.pk, user=other, token=pending.token) is None
    assert pending_import_get(project_id=project.pk + 1, user=manager, token=pending.token) is None
    assert pending_import_get(project_id=project.pk, user=manager, token="../../etc") is None


# --- the pages -----------------------------------------------------------------------------------


@pytest.fixture
def browser_for(client):
    def make(user):
        if user is not None:
            client.force_login(user)
        return client

    return make


def page_url(project, tail: str = "") -> str:
    return f"/projects/{project.pk}/import/{tail}"


def test_import_page_is_for_managers(browser_for, project, reviewer, annotator, outsider, manager):
    assert browser_for(manager).get(page_url(project)).status_code == 200
    for user in (reviewer, annotator, outsider):
        assert browser_for(user).get(page_url(project)).status_code == 404
    pending = pending_import_create(project=project, user=manager, files=[upload("articles.jsonl")])
    for user in (reviewer, annotator, outsider):
        client = browser_for(user)
        assert client.get(page_url(project, f"{pending.token}/")).status_code == 404
        assert client.post(page_url(project, f"{pending.token}/start/")).status_code == 404
    assert not Job.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client, project):
    response = client.get(page_url(project))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_upload_of_unknown_format_is_an_inline_error(browser_for, project, manager):
    response = browser_for(manager).post(
        page_url(project), {"file": [upload("notes.md", b"# Notes\n")], "format": ""}
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert "Cannot tell the format of 'notes.md'" in form.errors["file"][0]
    assert 'aria-invalid="true"' in response.content.decode()
    assert not pending_root().exists() or not any(pending_root().iterdir())


def test_an_upload_past_the_limit_says_so_on_a_page(browser_for, project, manager, settings):
    settings.WORKBENCH_MAX_UPLOAD_BYTES = 200
    response = browser_for(manager).post(page_url(project), {"file": [upload("articles.jsonl")]})

    assert response.status_code == 413
    html = response.content.decode()
    assert "larger than the limit of 200 bytes per request" in html
    assert f'href="{page_url(project)}"' in html
    assert not pending_root().exists()


def test_upload_of_an_empty_file_is_an_inline_error(browser_for, project, manager):
    response = browser_for(manager).post(page_url(project), {"file": [upload("a.jsonl", b"")]})
    assert response.status_code == 400
    assert "empty" in response.context["form"].errors["file"][0]


def test_bad_line_then_fixed_file_then_import_through_the_pages(
    browser_for, project, manager, django_capture_on_commit_callbacks
):
    client = browser_for(manager)

    response = client.post(page_url(project), {"file": [upload("articles_bad_line.jsonl")]})
    assert response.status_code == 302
    preview = client.get(response["Location"])
    html = preview.content.decode()
    assert "line 2" in html and "<code>body</code>" in html
    assert 'id="btn-import" disabled' in html
    token = preview.context["pending"].token
    refused = client.post(page_url(project, f"{token}/start/"), follow=True)
    assert "The import was not started" in refused.content.decode()
    assert not Job.objects.exists() and not Document.objects.exists()

    client.post(page_url(project, f"{token}/discard/"))
    response = client.post(page_url(project), {"file": [upload("articles.jsonl")]})
    preview = client.get(response["Location"])
    assert 'id="btn-import" disabled' not in preview.content.decode()
    assert "Import 3 documents" in preview.content.decode()

    token = preview.context["pending"].token
    with django_capture_on_commit_callbacks(execute=True):  # the job runs in-process
        started = client.post(page_url(project, f"{token}/start/"))
    assert started.status_code == 302
    job = Job.objects.get()
    assert started["Location"] == page_url(project, f"progress/?job={job.pk}")
    result = client.get(started["Location"])
    assert result.status_code == 200
    html = result.content.decode()
    assert "Created 3 documents" in html
    assert f"/projects/{project.pk}/documents/?batch={job.pk}" in html
    assert Document.objects.filter(project=project, import_job=job).count() == 3


def test_options_changed_on_the_preview_are_checked_again(browser_for, project, manager, authors):
    client = browser_for(manager)
    response = client.post(page_url(project), {"file": [upload("label_studio.json")]})
    token = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    assert not client.get(response["Location"]).context["pending"].ok

    bad = client.post(page_url(project, f"{token}/recheck/"), {"user": "999999"})
    assert bad.status_code == 400
    assert bad.context["options_form"].errors["user"]

    client.post(page_url(project, f"{token}/recheck/"), {"user": str(authors[0].pk)})
    pending = client.get(response["Location"]).context["pending"]
    assert pending.ok and pending.options["user"] == authors[0].pk


def test_an_archived_project_takes_no_upload(browser_for, project, manager):
    project.archived_at = timezone.now()
    project.save()
    client = browser_for(manager)
    assert "is archived" in client.get(page_url(project)).content.decode()

    response = client.post(page_url(project), {"file": [upload("articles.jsonl")]})
    assert response.status_code == 400
    assert "is archived" in str(response.context["form"].non_field_errors())


def test_progress_page_shows_only_this_projects_import_jobs(
    browser_for, project, manager, outsider
):
    from tests.factories import make_project

    elsewhere = make_project(manager, name="Elsewhere")
    job = Job.objects.create(project=elsewhere, kind="import", created_by=manager)
    client = browser_for(manager)
    assert client.get(page_url(project, f"progress/?job={job.pk}")).status_code == 404
    assert client.get(page_url(project, "progress/?job=nonsense")).status_code == 404
    own = Job.objects.create(project=project, kind="import", created_by=manager)
    page = client.get(page_url(project, f"progress/?job={own.pk}"))
    assert page.status_code == 200
    assert "Reload this page" in page.content.decode()  # queued: the <noscript> way to follow it
