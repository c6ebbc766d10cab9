"""The members page (annotations/views/console/members.py and accounts.py) and the member services
and API it shares: adding by username or email, roles, the last manager, removing a member with
their open work reassigned or left unassigned, and accounts with their one-time links."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from annotations.errors import Conflict, InvalidInput
from annotations.models import Assignment, AssignmentState, Membership, Role, Span
from annotations.services.projects import membership_add_by_login, membership_remove
from tests.factories import (
    DocumentFactory,
    UserFactory,
    add_member,
    assign,
    make_project,
    make_span,
)

User = get_user_model()


@pytest.fixture
def browser(manager) -> Client:
    client = Client()
    client.force_login(manager)
    return client


@pytest.fixture
def page(project) -> str:
    return f"/projects/{project.pk}/members/"


def _membership(project, user) -> Membership:
    return Membership.objects.get(project=project, user=user)


def _text(response) -> str:
    """The page's text without tags, whitespace collapsed, for messages that span elements."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


# --- who may open the page -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "code"), [("manager", 200), ("reviewer", 404), ("annotator", 404), ("outsider", 404)]
)
def test_only_managers_open_the_members_page(request, project, page, who, code):
    client = Client()
    client.force_login(request.getfixturevalue(who))
    assert client.get(page).status_code == code
    for action in ("add/", "accounts/"):
        posted = client.post(page + action, {"add-login": "x", "account-username": "y"})
        assert posted.status_code == (400 if code == 200 else 404)


def test_anonymous_visitors_are_sent_to_the_login_page(page):
    response = Client().get(page)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_page_lists_members_with_their_work(browser, page, project, annotator, annotator2):
    documents = [DocumentFactory(project=project) for _ in range(3)]
    assign(documents[0], annotator)
    assign(documents[1], annotator, state=AssignmentState.IN_PROGRESS)
    assign(documents[2], annotator, state=AssignmentState.SUBMITTED)
    annotator.email = "ann@example.org"
    annotator.save()
    response = browser.get(page)
    body = response.content.decode()
    assert 'data-page="console-members"' in body
    assert 'aria-current="page"' in body and 'data-nav="members"' in body
    row = re.search(r'<tr data-username="annotator".*?</tr>', body, re.S).group(0)
    cells = re.findall(r'<td class="num">(\d+)</td>', row)
    assert cells == ["2", "1"]  # open, submitted
    assert "ann@example.org" in row
    usernames = [r["work"].user.username for r in response.context["rows"]]
    assert usernames == ["manager", "reviewer", "annotator", "annotator2"]


def test_the_page_does_not_show_another_projects_members(browser, page, outsider):
    assert "outsider" not in browser.get(page).content.decode()


# --- adding --------------------------------------------------------------------------------------


def test_add_by_username_and_by_email(browser, page, project):
    UserFactory(username="newcomer")
    other = UserFactory(username="other")
    other.email = "Other.Person@Example.org"
    other.save()
    response = browser.post(page + "add/", {"add-login": "newcomer", "add-role": "reviewer"})
    assert response.status_code == 302
    assert _membership(project, User.objects.get(username="newcomer")).role == Role.REVIEWER
    response = browser.post(
        page + "add/", {"add-login": "other.person@example.org", "add-role": "annotator"}
    )
    assert response.status_code == 302
    assert _membership(project, other).role == Role.ANNOTATOR
    assert "Added other as annotator." in _text(browser.get(page))


@pytest.mark.parametrize(
    ("login", "message"),
    [
        ("nobody", "No account has the username or email address"),
        ("nobody@example.org", "No account has the username or email address"),
        ("annotator", "already a member of this project"),
        ("", "This field is required."),
    ],
    ids=["unknown-username", "unknown-email", "already-member", "empty"],
)
def test_bad_additions_are_explained_next_to_the_field(
    browser, page, project, db_snapshot, login, message
):
    before = db_snapshot()
    response = browser.post(page + "add/", {"add-login": login, "add-role": "annotator"})
    assert response.status_code == 400
    body = response.content.decode()
    error = re.search(r'<ul class="errorlist" id="id_add-login_error">(.*?)</ul>', body, re.S)
    assert error and message in error.group(1)
    assert 'aria-invalid="true"' in body
    assert f'value="{login}"' in body or not login  # what was typed stays
    assert db_snapshot() == before


def test_an_address_two_accounts_share_is_ambiguous(project):
    for name in ("twin1", "twin2"):
        user = UserFactory(username=name)
        user.email = "twins@example.org"
        user.save()
    with pytest.raises(InvalidInput) as raised:
        membership_add_by_login(project=project, role="annotator", username="twins@example.org")
    assert "give the username" in raised.value.detail["username"][0]


def test_api_adds_by_email(client_for, manager, project):
    user = UserFactory(username="mailed")
    user.email = "mailed@example.org"
    user.save()
    url = f"/api/v1/projects/{project.pk}/members/"
    response = client_for(manager).post(
        url, {"email": "MAILED@example.org", "role": "annotator"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["username"] == "mailed"
    unknown = client_for(manager).post(
        url, {"email": "ghost@example.org", "role": "annotator"}, format="json"
    )
    assert unknown.status_code == 400
    assert "email" in unknown.json()


# --- roles ---------------------------------------------------------------------------------------


def test_change_a_role(browser, page, project, annotator):
    membership = _membership(project, annotator)
    response = browser.post(f"{page}{membership.pk}/role/", {f"m{membership.pk}-role": "reviewer"})
    assert response.status_code == 302
    assert _membership(project, annotator).role == Role.REVIEWER


def test_the_last_manager_cannot_step_down(browser, page, project, manager, db_snapshot):
    membership = _membership(project, manager)
    before = db_snapshot()
    response = browser.post(f"{page}{membership.pk}/role/", {f"m{membership.pk}-role": "annotator"})
    assert response.status_code == 400
    body = response.content.decode()
    error = re.search(rf'id="id_m{membership.pk}-role_error">(.*?)</ul>', body, re.S)
    assert error and "at least one manager" in error.group(1)
    assert db_snapshot() == before


def test_a_manager_who_steps_down_lands_on_the_overview(browser, page, project, manager, reviewer):
    _membership(project, reviewer).delete()
    add_member(project, reviewer, Role.MANAGER)
    membership = _membership(project, manager)
    response = browser.post(f"{page}{membership.pk}/role/", {f"m{membership.pk}-role": "reviewer"})
    assert response["Location"] == f"/projects/{project.pk}/"
    assert browser.get(page).status_code == 404


def test_a_membership_of_another_project_is_not_found(browser, project):
    other = make_project(UserFactory(username="boss"), name="Other")
    theirs = add_member(other, UserFactory(username="theirs"), Role.ANNOTATOR)
    base = f"/projects/{project.pk}/members/{theirs.pk}"
    assert browser.post(f"{base}/role/", {f"m{theirs.pk}-role": "manager"}).status_code == 404
    assert browser.get(f"{base}/remove/").status_code == 404
    assert browser.post(f"{base}/remove/", {"open_work": "unassign"}).status_code == 404
    assert browser.post(f"{base}/password-link/").status_code == 404
    # Nor may they reach it through the other project's pages, which they do not manage.
    assert browser.get(f"/projects/{other.pk}/members/").status_code == 404
    assert _membership(other, theirs.user).role == Role.ANNOTATOR


# --- removing ------------------------------------------------------------------------------------


@pytest.fixture
def work(project, annotator, annotator2):
    """``annotator`` holds two open documents and one submitted, with a span on an open one;
    ``annotator2`` holds one of the open ones too."""
    docs = [DocumentFactory(project=project, title=f"Doc {i}") for i in range(3)]
    assign(docs[0], annotator)
    assign(docs[1], annotator, state=AssignmentState.IN_PROGRESS)
    assign(docs[2], annotator, state=AssignmentState.SUBMITTED)
    assign(docs[1], annotator2)
    span = make_span(docs[1], annotator, 0, 12)
    return docs, span


def test_the_remove_page_asks_what_becomes_of_open_work(browser, page, project, annotator, work):
    membership = _membership(project, annotator)
    response = browser.get(f"{page}{membership.pk}/remove/")
    text = _text(response)
    assert "2 open assignments" in text
    assert "1 submitted" in text
    assert "Reassign their open assignments to other annotators (least-loaded first)" in text
    assert "Leave their open assignments unassigned" in text


def test_remove_and_reassign_open_work(browser, page, project, annotator, annotator2, work):
    docs, span = work
    annotator3 = UserFactory(username="annotator3")
    add_member(project, annotator3, Role.ANNOTATOR)
    membership = _membership(project, annotator)
    response = browser.post(f"{page}{membership.pk}/remove/", {"open_work": "reassign"})
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    holders = {
        (a.document_id, a.annotator.username, a.state)
        for a in Assignment.objects.filter(project=project).select_related("annotator")
    }
    # Doc 0 to the least-loaded (annotator2 has one, annotator3 none); doc 1 to annotator3, who
    # is the only one without it; the submitted doc 2 stays with the removed annotator.
    assert holders == {
        (docs[0].pk, "annotator3", "assigned"),
        (docs[1].pk, "annotator3", "assigned"),
        (docs[1].pk, "annotator2", "assigned"),
        (docs[2].pk, "annotator", "submitted"),
    }
    assert Span.objects.filter(pk=span.pk).exists()
    assert "2 open assignment(s) went to other annotators" in _text(browser.get(page))


def test_remove_and_leave_open_work_unassigned(browser, page, project, annotator, work):
    docs, span = work
    membership = _membership(project, annotator)
    response = browser.post(f"{page}{membership.pk}/remove/", {"open_work": "unassign"})
    assert response.status_code == 302
    assert list(
        Assignment.objects.filter(annotator=annotator).values_list("document_id", "state")
    ) == [(docs[2].pk, "submitted")]
    assert Span.objects.filter(pk=span.pk).exists()
    assert "2 open assignment(s) are now unassigned" in _text(browser.get(page))


def test_reassigning_leaves_unassigned_what_nobody_can_take(project, annotator, annotator2, work):
    docs, _ = work
    result = membership_remove(membership=_membership(project, annotator), reassign_open=True)
    # annotator2 takes doc 0; doc 1 they hold already, and there is no one else.
    assert (result.reassigned, result.unassigned) == (1, 1)
    assert not Assignment.objects.filter(
        annotator=annotator, state__in=["assigned", "in_progress"]
    ).exists()


def test_the_last_manager_cannot_be_removed(browser, page, project, manager, db_snapshot):
    membership = _membership(project, manager)
    before = db_snapshot()
    response = browser.post(f"{page}{membership.pk}/remove/", {"open_work": "unassign"})
    assert response.status_code == 409
    assert "A project needs at least one manager" in _text(response)
    assert db_snapshot() == before
    with pytest.raises(Conflict):
        membership_remove(membership=membership)


def test_a_manager_who_leaves_lands_on_the_project_list(browser, page, project, manager, reviewer):
    add_member(project, UserFactory(username="boss2"), Role.MANAGER)
    membership = _membership(project, manager)
    response = browser.post(f"{page}{membership.pk}/remove/", {"open_work": "unassign"})
    assert response["Location"] == "/"


def test_api_delete_unassigns_open_work_and_remove_can_reassign(
    client_for, manager, project, annotator, annotator2, work
):
    docs, _ = work
    url = f"/api/v1/projects/{project.pk}/members/"
    annotator3 = UserFactory(username="annotator3")
    add_member(project, annotator3, Role.ANNOTATOR)
    response = client_for(manager).post(
        f"{url}{_membership(project, annotator).pk}/remove/",
        {"open_work": "reassign"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json() == {"reassigned": 2, "unassigned": 0}
    assert (
        client_for(manager).delete(f"{url}{_membership(project, annotator3).pk}/").status_code
        == 204
    )
    assert not Assignment.objects.filter(annotator=annotator3).exists()
    bad = client_for(manager).post(
        f"{url}{_membership(project, annotator2).pk}/remove/", {"open_work": "later"}, format="json"
    )
    assert bad.status_code == 400
    assert "open_work" in bad.json()


@pytest.mark.parametrize(
    ("who", "code"), [("reviewer", 403), ("annotator", 403), ("outsider", 404)]
)
def test_api_remove_is_for_managers(
    request, client_for, project, annotator2, db_snapshot, who, code
):
    membership = _membership(project, annotator2)
    client = client_for(request.getfixturevalue(who))
    before = db_snapshot()
    response = client.post(
        f"/api/v1/projects/{project.pk}/members/{membership.pk}/remove/", {}, format="json"
    )
    assert response.status_code == code
    assert db_snapshot() == before


# --- accounts ------------------------------------------------------------------------------------


def test_create_an_account_shows_the_link_once(browser, page, project):
    response = browser.post(
        page + "accounts/",
        {"account-username": "newbie", "account-email": "", "account-role": "annotator"},
    )
    assert response.status_code == 302
    assert _membership(project, User.objects.get(username="newbie")).role == Role.ANNOTATOR
    first = browser.get(page).content.decode()
    link = re.search(r'id="new-link-url"[^>]*value="([^"]+)"', first).group(1)
    assert link.startswith("http://testserver/accounts/set-password/")
    assert "no password yet" in first
    assert 'id="new-link-url"' not in browser.get(page).content.decode()  # shown once
    # The link works for the new colleague, who lands signed in.
    anonymous = Client()
    form_page = anonymous.get(link.removeprefix("http://testserver"), follow=True)
    done = anonymous.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-long-new-passphrase-42", "new_password2": "a-long-new-passphrase-42"},
        follow=True,
    )
    assert done.redirect_chain[-1][0] == "/"
    assert project.name in done.content.decode()


def test_the_link_is_shown_on_its_own_project_only(browser, page, project, manager):
    other = make_project(manager, name="Second")
    browser.post(page + "accounts/", {"account-username": "newbie", "account-role": "annotator"})
    assert 'id="new-link-url"' not in browser.get(f"/projects/{other.pk}/members/").content.decode()
    assert 'id="new-link-url"' in browser.get(page).content.decode()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"account-username": "annotator"}, "username", "already exists"),
        ({"account-username": "bad name"}, "username", "Enter a valid username"),
        ({"account-username": "fresh", "account-email": "x@"}, "email", "valid email"),
        (
            {"account-username": "fresh", "account-email": "taken@example.org"},
            "email",
            "already exists",
        ),
    ],
    ids=["username-taken", "username-invalid", "email-invalid", "email-taken"],
)
def test_account_errors_are_next_to_the_field(
    browser, page, annotator, db_snapshot, fields, field, message
):
    annotator.email = "taken@example.org"
    annotator.save()
    before = db_snapshot()
    response = browser.post(page + "accounts/", {"account-role": "annotator", **fields})
    assert response.status_code == 400
    error = re.search(rf'id="id_account-{field}_error">(.*?)</ul>', response.content.decode(), re.S)
    assert error and message in error.group(1)
    assert db_snapshot() == before


def test_with_mail_the_page_says_where_the_link_went(browser, page, settings, mailoutbox):
    settings.EMAIL_CONFIGURED = True
    browser.post(
        page + "accounts/",
        {
            "account-username": "newbie",
            "account-email": "n@example.org",
            "account-role": "annotator",
        },
    )
    text = _text(browser.get(page))
    assert "It was also mailed to n@example.org." in text
    assert [m.to for m in mailoutbox] == [["n@example.org"]]


def test_a_new_link_for_a_pending_member(browser, page, project, manager):
    browser.post(page + "accounts/", {"account-username": "newbie", "account-role": "annotator"})
    first = re.search(r'id="new-link-url"[^>]*value="([^"]+)"', browser.get(page).content.decode())
    membership = _membership(project, User.objects.get(username="newbie"))
    response = browser.post(f"{page}{membership.pk}/password-link/")
    assert response.status_code == 302
    second = re.search(r'id="new-link-url"[^>]*value="([^"]+)"', browser.get(page).content.decode())
    assert first.group(1) != second.group(1)


def test_a_refused_new_link_is_explained_in_the_row(browser, page, project, annotator):
    membership = _membership(project, annotator)
    response = browser.post(f"{page}{membership.pk}/password-link/")
    assert response.status_code == 409
    row = re.search(r'<tr data-username="annotator".*?</tr>', response.content.decode(), re.S)
    assert "has set a password already" in row.group(0)


# --- an archived project ---------------------------------------------------------------------------


def test_a_member_of_an_archived_project_can_still_be_removed_and_their_work_stays(
    project, annotator
):
    from annotations.services.projects import project_archive

    document = DocumentFactory(project=project)
    assign(document, annotator)
    project_archive(project=project)

    # Reassigning work would change the frozen project: refused, and the member stays.
    with pytest.raises(Conflict):
        membership_remove(membership=_membership(project, annotator), reassign_open=True)
    assert Membership.objects.filter(project=project, user=annotator).exists()

    # Access can always be withdrawn; the assignment stays as the record of who had the document.
    membership_remove(membership=_membership(project, annotator))
    assert not Membership.objects.filter(project=project, user=annotator).exists()
    assert Assignment.objects.filter(document=document, annotator=annotator).exists()
