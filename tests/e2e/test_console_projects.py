"""The manager's console in a real Chromium: a new project with guidelines and their live preview,
then its labels (add with a hotkey and a description, reorder, retire) as the annotator's workspace
then shows them. Every page is checked with axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from annotations.models import Project, Role
from tests.e2e.axe import assert_accessible
from tests.factories import DocumentFactory, UserFactory, add_member, assign, make_project

pytestmark = pytest.mark.browser

GUIDELINES = (
    "# Claims\n\n"
    "Tag **who said what**.\n\n"
    "<script>window.previewRan = true</script>\n\n"
    '<img src=x onerror="window.previewRan = true">\n\n'
    "| Label | Key |\n|---|--:|\n| Claim | 1 |\n\n"
    "[not a link](javascript:window.previewRan=true)"
)


def test_manager_creates_a_project_with_guidelines_and_a_live_preview(open_page, transactional_db):
    manager = UserFactory(username="mia")
    page = open_page(manager, "/")
    page.click("#btn-new-project")
    expect(page).to_have_url("/projects/new/")
    page.wait_for_selector("body[data-ready='1']")
    assert_accessible(page)

    page.fill("#id_name", "Election claims")
    page.fill("#id_description", "Claims made during the *campaign*.")
    page.fill("#id_annotators_per_document", "2")
    page.fill("#id_guidelines", GUIDELINES)
    preview = page.locator("#guidelines-preview")
    # The preview follows the typing: rendered by the server, sanitised, inserted by the script.
    expect(preview.locator("h3")).to_have_text("Claims")
    expect(preview.locator("strong")).to_have_text("who said what")
    expect(preview.locator("td.align-right")).to_have_text("1")
    assert preview.locator("script, img, [onerror]").count() == 0
    assert preview.locator("a[href^='javascript']").count() == 0
    assert page.evaluate("() => window.previewRan === undefined")

    page.click("#btn-save-project")
    project = Project.objects.get(name="Election claims")
    expect(page).to_have_url(f"/projects/{project.pk}/settings/")
    expect(page.locator(".messages")).to_contain_text("you are its manager")
    expect(page.locator("#guidelines-preview h3")).to_have_text("Claims")  # server-rendered
    assert page.evaluate("() => window.previewRan === undefined")
    assert (project.annotators_per_document, project.guidelines) == (2, GUIDELINES)
    assert_accessible(page)

    # The project's page shows the guidelines rendered, without the script.
    page.goto(f"/projects/{project.pk}/")
    expect(page.locator(".guidelines-text h3")).to_have_text("Claims")
    expect(page.locator(".project-description em")).to_have_text("campaign")
    assert page.locator(".guidelines-text script, .guidelines-text img").count() == 0
    assert page.evaluate("() => window.previewRan === undefined")

    # Archive (after a confirmation): read only, and listed apart on the projects page.
    page.goto(f"/projects/{project.pk}/settings/")
    page.click("#link-archive")
    expect(page.locator("h1")).to_have_text("Archive Election claims?")
    assert_accessible(page)
    page.click("#btn-confirm-archive")
    expect(page.locator("#archived-banner")).to_be_visible()
    expect(page.locator("#btn-save-project")).to_be_disabled()
    page.goto("/")
    page.click("#archived-projects summary")
    expect(page.locator("#archived-projects")).to_contain_text("Election claims")
    assert_accessible(page)


def test_manager_sets_up_labels_that_the_workspace_shows(open_page, transactional_db):
    manager = UserFactory(username="mia")
    annotator = UserFactory(username="ann")
    project = make_project(manager, name="Denials")
    add_member(project, annotator, Role.ANNOTATOR)
    document = DocumentFactory(project=project)
    assign(document, annotator)

    page = open_page(manager, f"/projects/{project.pk}/labels/")
    page.wait_for_selector("body[data-ready='1']")
    assert_accessible(page)
    # A hotkey in use is refused next to the field, and what was typed stays.
    page.fill("#id_label-name", "Attribution")
    page.fill("#id_label-shortcut", "1")
    page.click("#btn-save-label")
    expect(page.locator("#id_label-shortcut_error")).to_contain_text(
        "already used by the label 'Claim'"
    )
    expect(page.locator("#id_label-name")).to_have_value("Attribution")
    assert_accessible(page)

    page.fill("#id_label-shortcut", "4")
    page.fill("#id_label-description", "Who is speaking, not what is said.")
    page.click("#btn-save-label")
    expect(page.locator(".messages")).to_contain_text("Label 'Attribution' added with hotkey 4.")
    rows = page.locator("#label-table tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.nth(3)).to_have_attribute("data-label", "attribution")

    # Reorder: Denial up, trading hotkeys with Claim.
    page.click("#label-table tr[data-label='denial'] button[aria-label='Move Denial up']")
    expect(page.locator(".messages")).to_contain_text("Hotkeys follow the order")
    expect(rows.nth(0)).to_have_attribute("data-label", "denial")
    expect(rows.nth(0).locator("td.hotkey")).to_have_text("1")
    expect(rows.nth(1).locator("td.hotkey")).to_have_text("2")

    # Retire: the row says its spans keep the label.
    page.click("#label-table tr[data-label='verifiable_fact'] button:has-text('Retire')")
    expect(page.locator(".messages")).to_contain_text("is retired")
    retired = page.locator("#label-table tr[data-label='verifiable_fact']")
    expect(retired.locator("td.uses")).to_contain_text("Retired")
    assert_accessible(page)

    # The annotator's workspace: labels in hotkey order, the new one with its key and tooltip.
    work = open_page(annotator, f"/projects/{project.pk}/documents/{document.pk}/")
    buttons = work.locator("#sidebar .label-btn")
    expect(buttons).to_have_count(3)  # the retired label has no spans: not offered
    assert buttons.evaluate_all("els => els.map(e => e.dataset.label)") == [
        "denial",
        "claim",
        "attribution",
    ]
    attribution = work.locator(".label-btn[data-label='attribution']")
    expect(attribution.locator("kbd")).to_have_text("4")
    expect(attribution).to_have_attribute("title", "Who is speaking, not what is said.")
