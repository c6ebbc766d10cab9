"""The whole manager's path of issue [3/7] in one browser session, from an empty database: a manager
signs in, creates a project, writes its guidelines, adds a label with hotkey 4, creates two
annotator accounts, imports files (a bad line is named by the preview and nothing is stored until
the fixed file is uploaded), distributes the documents, and an annotator signs in with the
handed-over link and annotates with the new label. Each step is also covered in detail by the
tests of its own page (tests/e2e/test_console_*.py); this one checks that they join up."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from annotations.models import Assignment, Document, Label, Project, Span
from tests.e2e.axe import assert_accessible
from tests.e2e.helpers import api_spans, drag_select, wait_saved
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"
NEW_PASSWORD = "a-long-new-passphrase-42"


def _upload(page, path: Path, name: str) -> None:
    page.set_input_files(
        "#id_file", {"name": name, "mimeType": "application/json", "buffer": path.read_bytes()}
    )
    page.click("#btn-upload")
    page.wait_for_selector("#import-preview")
    page.wait_for_selector("body[data-ready='1']")


def _create_account(page, username: str) -> str:
    page.fill("#id_account-username", username)
    page.select_option("#id_account-role", "annotator")
    page.click("#create-account-form button[type=submit]")
    expect(page.locator("#new-link-title")).to_contain_text(f"Account created: {username}")
    return page.input_value("#new-link-url")


def test_from_an_empty_install_to_an_annotated_document(open_page, transactional_db, server_url):
    assert not Project.objects.exists() and not Document.objects.exists()
    UserFactory(username="mia")  # the first account (`manage.py createsuperuser` in real life)

    # The manager signs in through the login form.
    page = open_page(None, "/accounts/login/")
    page.fill("#id_username", "mia")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator(".topbar .who")).to_have_text("mia")

    # A project with guidelines.
    page.click("#btn-new-project")
    page.fill("#id_name", "Strike denials")
    page.fill("#id_annotators_per_document", "2")
    page.fill("#id_guidelines", "Tag **who denied what**.")
    expect(page.locator("#guidelines-preview strong")).to_have_text("who denied what")
    page.click("#btn-save-project")
    project = Project.objects.get(name="Strike denials")
    nav = page.locator("nav.project-nav")
    expect(nav.locator("a")).to_have_text(
        [
            "Overview",
            "Documents",
            "Dashboard",
            "Adjudicate",
            "Exports",
            "Import",
            "Assign",
            "Members",
            "Labels",
            "Settings",
        ]
    )

    # A label with hotkey 4.
    nav.locator("a[data-nav='labels']").click()
    page.fill("#id_label-name", "Attribution")
    page.fill("#id_label-shortcut", "4")
    page.fill("#id_label-description", "Who is speaking.")
    page.click("#btn-save-label")
    expect(page.locator(".messages")).to_contain_text("added with hotkey 4")

    # Two annotator accounts; the links are handed over.
    page.locator("nav.project-nav a[data-nav='members']").click()
    links = [_create_account(page, "ann-a"), _create_account(page, "ann-b")]
    assert all(link.startswith(f"{server_url}/accounts/set-password/") for link in links)

    # Import: the file with a bad line is named and nothing is stored; the fixed one imports.
    page.locator("nav.project-nav a[data-nav='import']").click()
    page.wait_for_selector("body[data-ready='1']")
    _upload(page, FIXTURES / "articles_bad_line.jsonl", "articles.jsonl")
    expect(page.locator(".preview-errors tr[data-field='body'] .where")).to_have_text("line 2")
    expect(page.locator("#btn-import")).to_be_disabled()
    assert not Document.objects.filter(project=project).exists()
    page.click("#upload-again")
    page.wait_for_selector("body[data-ready='1']")
    _upload(page, FIXTURES / "articles.jsonl", "articles.jsonl")
    page.click("#btn-import")
    page.wait_for_selector("#import-progress[data-finished='1']")
    expect(page.locator(".import-job .created")).to_have_text("Created 3 documents.")
    assert Document.objects.filter(project=project).count() == 3

    # Distribute: two annotators per document, both new colleagues get all three.
    page.locator("nav.project-nav a[data-nav='assign']").click()
    page.click("#btn-distribute")
    expect(page.locator(".messages")).to_contain_text("Created 6 assignment(s).")
    assert_accessible(page)
    # The manager's own project page: the project at a glance, not an empty "Your documents".
    page.locator("nav.project-nav a[data-nav='overview']").click()
    expect(page.locator("#project-setup")).to_contain_text("3 documents, 3 members")
    expect(page.locator("#my-progress")).to_have_count(0)
    assert_accessible(page)

    # The annotator opens the handed-over link in a browser signed in as nobody.
    annotator = open_page(None, links[0])
    annotator.fill("#id_new_password1", NEW_PASSWORD)
    annotator.fill("#id_new_password2", NEW_PASSWORD)
    annotator.click("#set-password-form button[type=submit]")
    expect(annotator.locator(".topbar .who")).to_have_text("ann-a")
    annotator.click(f"a[href='/projects/{project.pk}/']")
    expect(annotator.locator(".guidelines-text strong")).to_have_text("who denied what")
    expect(annotator.locator("#my-assignments tbody tr")).to_have_count(3)
    assert_accessible(annotator)
    annotator.click("#btn-next-doc")
    annotator.wait_for_selector("body[data-ready='1']")
    attribution = annotator.locator(".label-btn[data-label='attribution']")
    expect(attribution.locator("kbd")).to_have_text("4")

    # ... and annotates with the new label, by its hotkey.
    document_id = int(annotator.url.rstrip("/").split("/")[-1])
    document = Document.objects.get(pk=document_id)
    first_word = document.text.split(" ")[0]
    drag_select(annotator, document.text, 0, len(first_word))
    annotator.keyboard.press("4")
    wait_saved(annotator)
    spans = api_spans(annotator, project.pk, document_id)
    assert [(s["label_key"], s["quote"]) for s in spans] == [("attribution", first_word)]
    span = Span.objects.get(document=document)
    assert span.label == Label.objects.get(project=project, key="attribution")
    assert span.annotator.username == "ann-a"
    assert Assignment.objects.filter(project=project, annotator__username="ann-a").count() == 3
