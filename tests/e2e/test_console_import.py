"""The import pages in a real Chromium: a file with a bad line is previewed, its line named and the
import button disabled, and nothing is stored; the fixed file previews clean, and starting the
import shows a progress bar that the page follows to the result. An annotated file (this
workbench's JSONL) shows each annotator's spans before it is imported with them."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from annotations.models import Document, Job, Role, Span
from annotations.services import uploads
from tests.e2e.axe import assert_accessible
from tests.factories import UserFactory, add_member, make_project

pytestmark = pytest.mark.browser

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"


@pytest.fixture
def import_project(transactional_db):
    manager = UserFactory(username="mia")
    project = make_project(manager, name="Baltic denials")
    return project, manager


def open_import(open_page, user, project):
    page = open_page(user, f"/projects/{project.pk}/import/")
    page.wait_for_selector("body[data-ready='1']")
    return page


def upload(page, path: Path, *, name: str | None = None) -> None:
    page.set_input_files(
        "#id_file",
        {
            "name": name or path.name,
            "mimeType": "application/octet-stream",
            "buffer": path.read_bytes(),
        },
    )
    expect(page.locator("#file-list")).to_contain_text(name or path.name)
    page.click("#btn-upload")
    page.wait_for_selector("#import-preview")
    page.wait_for_selector("body[data-ready='1']")


def test_bad_line_is_named_then_the_fixed_file_imports_with_a_progress_bar(
    open_page, import_project, monkeypatch, artifacts_dir
):
    project, manager = import_project
    # Jobs stay queued (no broker in the tests: they would run inside the request), so that the
    # page is seen following a job that has not finished; the test runs it below.
    monkeypatch.setattr(uploads, "job_enqueue", lambda **kwargs: None)
    page = open_import(open_page, manager, project)
    assert_accessible(page)
    page.screenshot(path=str(artifacts_dir / "import-upload.png"), full_page=True)

    upload(page, FIXTURES / "articles_bad_line.jsonl", name="articles.jsonl")
    status = page.locator("#preview-status")
    expect(status).to_contain_text("3 problems in 1 of 1 file")
    errors = page.locator(".preview-errors tbody tr")
    expect(errors).to_have_count(3)
    expect(page.locator(".preview-errors tr[data-field='body'] .where")).to_have_text("line 2")
    expect(page.locator(".preview-errors tr[data-field='published_at']")).to_contain_text(
        "'18 November 2024' is not an ISO 8601 date"
    )
    expect(page.locator("#btn-import")).to_be_disabled()
    expect(page.locator(".preview-sample tbody tr")).to_have_count(2)  # lines 1 and 3
    assert_accessible(page)
    page.screenshot(path=str(artifacts_dir / "import-preview-bad-line.png"), full_page=True)
    assert not Document.objects.exists() and not Job.objects.exists()

    page.click("#upload-again")
    page.wait_for_selector("body[data-ready='1']")
    upload(page, FIXTURES / "articles.jsonl")
    expect(page.locator("#preview-status")).to_contain_text("1 file can be imported: 3 documents")
    expect(page.locator(".preview-sample tbody tr").first).to_contain_text(
        "Harbour authority denies fuel leak"
    )
    button = page.locator("#btn-import")
    expect(button).to_be_enabled()
    expect(button).to_have_text("Import 3 documents")
    button.click()

    page.wait_for_selector("#import-progress")
    job = Job.objects.get(project=project)
    section = page.locator(f".import-job[data-job='{job.pk}']")
    expect(section).to_have_attribute("data-state", "queued")
    expect(section.locator(".job-text")).to_contain_text("Queued")
    assert_accessible(page)

    from annotations.tasks import import_documents

    import_documents(str(job.pk))  # as a worker would: the page follows it to the result

    expect(page.locator("#import-progress")).to_have_attribute("data-finished", "1")
    section = page.locator(f".import-job[data-job='{job.pk}']")
    expect(section.locator("progress")).to_have_attribute("value", "1.0000")
    expect(section.locator(".created")).to_have_text("Created 3 documents.")
    link = section.locator(".documents-link")
    expect(link).to_have_attribute("href", f"/projects/{project.pk}/documents/?batch={job.pk}")
    assert_accessible(page)
    page.screenshot(path=str(artifacts_dir / "import-result.png"), full_page=True)
    assert Document.objects.filter(project=project, import_job=job).count() == 3


def test_an_annotated_file_shows_each_annotators_spans_and_imports_them(
    open_page, import_project, artifacts_dir
):
    project, manager = import_project
    for name in ("ines", "omar"):
        add_member(project, UserFactory(username=name), Role.ANNOTATOR)
    page = open_import(open_page, manager, project)
    page.select_option("#id_format", "jsonl")
    expect(page.locator("#id_user")).to_be_disabled()  # document formats ignore the options
    page.select_option("#id_format", "")
    expect(page.locator("#id_user")).to_be_enabled()

    upload(page, FIXTURES / "annotated.jsonl")
    preview = page.locator(".file-preview[data-file='annotated.jsonl']")
    expect(preview).to_have_attribute("data-format", "native")
    expect(preview.locator(".file-facts")).to_contain_text(
        "will create 3 documents, 9 spans, 1 gold span"
    )
    first = preview.locator(".preview-sample tbody tr").first
    expect(first.locator(".spans")).to_contain_text("ines: 2 (claim 1, denial 1)")
    expect(first.locator(".spans")).to_contain_text("gold: 1")
    assert not Document.objects.exists()
    page.screenshot(path=str(artifacts_dir / "import-preview-annotated.png"), full_page=True)

    page.click("#btn-import")
    page.wait_for_selector("#import-progress[data-finished='1']")
    expect(page.locator(".import-job .created")).to_have_text(
        "Created 3 documents, 9 spans, 1 gold span."
    )
    assert Span.objects.filter(project=project).count() == 9
    job = Job.objects.get(project=project)
    assert Document.objects.filter(project=project, import_job=job).count() == 3
