"""The manager's members and assignment pages and the account pages in a real Chromium: accounts
for two new colleagues and their one-time links, a colleague who signs in with one and starts
work, distributing documents and moving an annotator's open work, and a password change from the
header. Every page is checked with axe-core."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from annotations.models import Assignment, AssignmentState, Membership, Role
from tests.e2e.axe import assert_accessible
from tests.factories import PASSWORD, DocumentFactory, UserFactory, add_member, make_project

pytestmark = pytest.mark.browser

User = get_user_model()
NEW_PASSWORD = "a-long-new-passphrase-42"


@pytest.fixture
def setup(transactional_db):
    manager = UserFactory(username="mia")
    project = make_project(manager, name="Denials", annotators_per_document=1)
    documents = [DocumentFactory(project=project, title=f"Article {i}") for i in range(4)]
    return manager, project, documents


def _create_account(page, username: str) -> str:
    page.fill("#id_account-username", username)
    page.select_option("#id_account-role", "annotator")
    page.click("#create-account-form button[type=submit]")
    page.wait_for_selector("body[data-ready='1']")
    expect(page.locator("#new-link-title")).to_contain_text(f"Account created: {username}")
    return page.input_value("#new-link-url")


def test_a_manager_creates_accounts_and_a_colleague_signs_in_with_the_link(
    open_page, setup, server_url, artifacts_dir
):
    manager, project, _ = setup
    page = open_page(manager, f"/projects/{project.pk}/members/")
    page.wait_for_selector("body[data-ready='1']")
    assert_accessible(page)

    first = _create_account(page, "ann-a")
    assert first.startswith(f"{server_url}/accounts/set-password/")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server_url)
    page.click("#copy-link")
    expect(page.locator("#copy-status")).to_contain_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == first
    assert_accessible(page)  # with the link box
    expect(page.locator("tr[data-username='ann-a'] .badge")).to_have_text("no password yet")

    second = _create_account(page, "ann-b")
    assert second != first
    # Errors are shown next to the field, the page is not left.
    page.fill("#id_account-username", "ann-a")
    page.click("#create-account-form button[type=submit]")
    expect(page.locator("#id_account-username_error")).to_contain_text("already exists")
    expect(page.locator("#id_account-username")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)
    page.screenshot(path=str(artifacts_dir / "console-members.png"), full_page=True)

    # The manager distributes the documents: two each.
    page.goto(f"/projects/{project.pk}/assign/")
    page.click("#btn-distribute")
    expect(page.locator(".messages")).to_contain_text("Created 4 assignment(s).")

    # A fresh browser, signed in as nobody, opens the handed-over link.
    colleague = open_page(None, first)
    expect(colleague.locator("h1")).to_have_text("Choose your password")
    expect(colleague.locator("#account-username")).to_have_text("ann-a")
    assert_accessible(colleague)
    colleague.screenshot(path=str(artifacts_dir / "set-password.png"), full_page=True)
    colleague.fill("#id_new_password1", NEW_PASSWORD)
    colleague.fill("#id_new_password2", NEW_PASSWORD)
    colleague.click("#set-password-form button[type=submit]")
    expect(colleague).to_have_url(f"{server_url}/")
    expect(colleague.locator(".messages")).to_contain_text("Welcome, ann-a")
    expect(colleague.locator(".topbar .who")).to_have_text("ann-a")

    # ... and can work: their project, their next document.
    colleague.click(f"a[href='/projects/{project.pk}/']")
    colleague.click("#btn-next-doc")
    colleague.wait_for_selector("body[data-ready='1']")
    assert "/documents/" in colleague.url
    assert Assignment.objects.filter(
        annotator__username="ann-a", state=AssignmentState.IN_PROGRESS
    ).exists()

    # The link worked once.
    again = open_page(None, first)
    expect(again.locator("#invalid-link")).to_be_visible()
    assert_accessible(again)


def test_distribute_then_move_an_annotators_open_work(open_page, setup, artifacts_dir):
    manager, project, documents = setup
    ann_a, ann_b = UserFactory(username="ann-a"), UserFactory(username="ann-b")
    add_member(project, ann_a, Role.ANNOTATOR)
    add_member(project, ann_b, Role.ANNOTATOR)
    page = open_page(manager, f"/projects/{project.pk}/assign/")
    page.wait_for_selector("body[data-ready='1']")
    expect(page.locator("#coverage")).to_contain_text("4 unassigned")
    assert_accessible(page)

    page.click("#btn-distribute")
    expect(page.locator(".messages")).to_contain_text(
        "Created 4 assignment(s). Every document has 1 annotator(s)."
    )
    expect(page.locator("tr[data-username='ann-a'] [data-col='open']")).to_have_text("2")
    expect(page.locator("tr[data-username='ann-b'] [data-col='open']")).to_have_text("2")

    # By hand: a document given to ann-a as well is refused inline (ann-a has it already)...
    held = Assignment.objects.filter(annotator=ann_a).first().document
    page.fill("#id_hand-document", held.title)
    page.select_option("#id_hand-annotator", str(ann_a.pk))
    page.click("#hand-form button[value=assign]")
    expect(page.locator("#id_hand-document_error")).to_contain_text("already has this document")
    assert_accessible(page)

    # ann-a is away: their open work goes to ann-b. The source cannot be ticked as a target.
    page.select_option("#id_move-from_annotator", str(ann_a.pk))
    expect(page.locator(f"#move-form input[value='{ann_a.pk}']")).to_be_disabled()
    page.click("#btn-move")
    expect(page.locator(".messages")).to_contain_text(
        "Moved 2 open document(s) of ann-a: 2 to ann-b."
    )
    expect(page.locator("tr[data-username='ann-a'] [data-col='open']")).to_have_text("0")
    expect(page.locator("tr[data-username='ann-b'] [data-col='open']")).to_have_text("4")
    page.screenshot(path=str(artifacts_dir / "console-assignment.png"), full_page=True)

    # Removing ann-b asks what becomes of their open work; reassigning gives it back to ann-a.
    page.goto(f"/projects/{project.pk}/members/")
    page.click("a[aria-label='Remove ann-b']")
    assert_accessible(page)
    page.screenshot(path=str(artifacts_dir / "console-member-remove.png"), full_page=True)
    page.check("input[name=open_work][value=reassign]")
    page.click("#remove-member-form button[type=submit]")
    expect(page.locator(".messages")).to_contain_text(
        "4 open assignment(s) went to other annotators"
    )
    assert not Membership.objects.filter(project=project, user=ann_b).exists()
    assert Assignment.objects.filter(annotator=ann_a).count() == len(documents)


def test_password_change_from_the_header_and_the_reset_page(open_page, transactional_db):
    user = UserFactory(username="ann-a")
    add_member(make_project(UserFactory(username="mia"), name="Denials"), user, Role.ANNOTATOR)
    page = open_page(user, "/")
    page.click(".topbar a.who")
    expect(page.locator("h1")).to_have_text("Change your password")
    assert_accessible(page)
    page.fill("#id_old_password", "wrong")
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    page.click("#password-change-form button[type=submit]")
    expect(page.locator("#id_old_password_error")).to_be_visible()
    page.fill("#id_old_password", PASSWORD)
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    page.click("#password-change-form button[type=submit]")
    expect(page.locator("h1")).to_have_text("Your password is changed")
    assert_accessible(page)
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)

    # Logged out: the login page links to the reset page, which says that no mail can be sent.
    visitor = open_page(None, "/accounts/login/")
    assert_accessible(visitor)
    visitor.click("#forgot-password")
    expect(visitor.locator("#no-mail")).to_contain_text("does not send email")
    assert re.search(r"/accounts/password_reset/$", visitor.url)
    assert_accessible(visitor)
