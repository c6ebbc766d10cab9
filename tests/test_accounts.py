"""Accounts for new colleagues (annotations.services.accounts): created by a project's manager with
no password, a one-time set-password link that signs the colleague in, mailed when mail is
configured (EMAIL_URL); and the password pages (reset, change) with the app's templates."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core import mail
from django.test import Client

from annotations.errors import Conflict, Forbidden, InvalidInput, NotFound
from annotations.models import Membership, Role
from annotations.services.accounts import (
    account_create,
    account_invite,
    account_link_reissue,
    account_link_renew,
)
from tests.factories import PASSWORD, UserFactory, add_member, make_project
from tests.test_settings import run_python

User = get_user_model()
NEW_PASSWORD = "a-long-new-passphrase-42"


@pytest.fixture
def mail_on(settings):
    """Mail configured, as EMAIL_URL does; the test runner's locmem backend keeps the mails."""
    settings.EMAIL_CONFIGURED = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _set_password(client: Client, path: str, password: str = NEW_PASSWORD):
    """Open a set-password link and submit a password, as a browser does (Django first redirects
    the token into the session)."""
    page = client.get(path, follow=True)
    assert page.status_code == 200
    if not page.context["validlink"]:
        return page
    return client.post(
        page.redirect_chain[-1][0],
        {"new_password1": password, "new_password2": password},
        follow=True,
    )


# --- the service ---------------------------------------------------------------------------------


def test_account_create_makes_a_member_without_a_password(project, manager):
    user, path = account_create(
        project=project,
        created_by=manager,
        username="newbie",
        email=" Newbie@Example.ORG ",
        role=Role.ANNOTATOR,
    )
    user.refresh_from_db()
    assert not user.has_usable_password()
    assert user.email == "Newbie@example.org"  # the domain part normalised
    assert Membership.objects.get(project=project, user=user).role == Role.ANNOTATOR
    assert path.startswith("/accounts/set-password/")


@pytest.mark.parametrize(
    ("username", "email", "field"),
    [
        ("Annotator", "", "username"),  # taken, ignoring case
        ("", "", "username"),
        ("has space", "", "username"),
        ("x" * 151, "", "username"),
        ("fresh", "not-an-address", "email"),
        ("fresh", "TAKEN@example.org", "email"),
    ],
    ids=["taken", "empty", "bad-characters", "too-long", "bad-email", "email-taken"],
)
def test_account_create_names_the_bad_field(project, manager, annotator, username, email, field):
    annotator.email = "taken@example.org"
    annotator.save()
    users_before = User.objects.count()
    with pytest.raises(InvalidInput) as raised:
        account_create(
            project=project, created_by=manager, username=username, email=email, role="annotator"
        )
    assert set(raised.value.detail) == {field}
    assert User.objects.count() == users_before


def test_account_create_refuses_an_unknown_role_and_creates_nothing(project, manager):
    with pytest.raises(InvalidInput) as raised:
        account_create(project=project, created_by=manager, username="fresh", role="owner")
    assert set(raised.value.detail) == {"role"}
    assert not User.objects.filter(username="fresh").exists()


@pytest.mark.parametrize(("who", "error"), [("reviewer", Forbidden), ("annotator", Forbidden)])
def test_only_managers_create_accounts(request, project, who, error):
    with pytest.raises(error):
        account_create(project=project, created_by=request.getfixturevalue(who), username="fresh")
    assert not User.objects.filter(username="fresh").exists()


def test_an_outsider_cannot_learn_the_project_exists(project, outsider):
    with pytest.raises(NotFound):
        account_create(project=project, created_by=outsider, username="fresh")


# --- the link ------------------------------------------------------------------------------------


def test_the_link_sets_the_password_signs_in_and_works_once(project, manager):
    user, path = account_create(project=project, created_by=manager, username="newbie")
    browser = Client()
    done = _set_password(browser, path)
    assert done.redirect_chain[-1][0] == "/"  # their projects
    assert browser.session[SESSION_KEY] == str(user.pk)  # signed in
    assert project.name in done.content.decode()
    assert "your password is set" in done.content.decode()
    assert User.objects.get(username="newbie").check_password(NEW_PASSWORD)

    again = _set_password(Client(), path, "another-long-passphrase-7")
    assert again.context["validlink"] is False
    assert "This link no longer works" in again.content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_a_mistyped_link_says_so(project, manager):
    _, path = account_create(project=project, created_by=manager, username="newbie")
    page = Client().get(path[:-3] + "xx/", follow=True)
    assert page.status_code == 200
    assert "This link no longer works" in page.content.decode()


def test_a_weak_password_is_refused_next_to_the_field(project, manager):
    _, path = account_create(project=project, created_by=manager, username="newbie")
    page = _set_password(Client(), path, "newbie")
    body = page.content.decode()
    assert 'id="id_new_password2_error"' in body
    assert "too short" in body
    assert not User.objects.get(username="newbie").has_usable_password()


def test_the_link_expires(project, manager, settings):
    _, path = account_create(project=project, created_by=manager, username="newbie")
    settings.PASSWORD_RESET_TIMEOUT = -1
    assert _set_password(Client(), path).context["validlink"] is False


def test_a_new_link_replaces_the_old_one(project, manager):
    user, first = account_create(project=project, created_by=manager, username="newbie")
    second = account_link_renew(project=project, requested_by=manager, user=user)
    assert second != first
    assert _set_password(Client(), first).context["validlink"] is False
    assert _set_password(Client(), second).redirect_chain[-1][0] == "/"


def test_no_new_link_once_the_password_is_set(project, manager, annotator):
    with pytest.raises(Conflict) as raised:
        account_link_renew(project=project, requested_by=manager, user=annotator)
    assert raised.value.code == "password_set"


def test_no_new_link_for_a_member_of_a_project_the_manager_does_not_manage(project, manager):
    user, _ = account_create(project=project, created_by=manager, username="newbie")
    elsewhere = make_project(UserFactory(username="someone-else"), name="Elsewhere")
    add_member(elsewhere, user, Role.ANNOTATOR)
    with pytest.raises(Conflict) as raised:
        account_link_renew(project=project, requested_by=manager, user=user)
    assert raised.value.code == "member_elsewhere"


def test_no_new_link_for_a_non_member(project, manager):
    stranger = User.objects.create_user(username="stranger", password=None)
    with pytest.raises(InvalidInput):
        account_link_renew(project=project, requested_by=manager, user=stranger)


# --- mail ----------------------------------------------------------------------------------------


def test_without_mail_configured_nothing_is_mailed(project, manager, settings):
    assert settings.EMAIL_CONFIGURED is False  # the default: no EMAIL_URL
    delivery = account_invite(
        project=project,
        created_by=manager,
        username="newbie",
        email="newbie@example.org",
        site_url="http://wb.example.org/",
    )
    assert mail.outbox == []
    assert delivery.mailed_to == ""
    assert delivery.set_password_url.startswith("http://wb.example.org/accounts/set-password/")


def test_with_mail_configured_the_link_is_mailed(project, manager, mail_on):
    delivery = account_invite(
        project=project,
        created_by=manager,
        username="newbie",
        email="newbie@example.org",
        role=Role.ANNOTATOR,
        site_url="https://wb.example.org/",
    )
    assert delivery.mailed_to == "newbie@example.org"
    (message,) = mail.outbox
    assert message.to == ["newbie@example.org"]
    assert project.name in message.subject
    assert delivery.set_password_url in message.body
    assert "newbie" in message.body
    # The mailed link is the one that works.
    path = delivery.set_password_url.removeprefix("https://wb.example.org")
    assert _set_password(Client(), path).redirect_chain[-1][0] == "/"


def test_an_account_without_an_address_is_not_mailed(project, manager, mail_on):
    account_invite(project=project, created_by=manager, username="newbie", site_url="http://x/")
    assert mail.outbox == []


def test_a_failing_mail_server_keeps_the_account_and_says_why(project, manager, mail_on, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    delivery = account_invite(
        project=project,
        created_by=manager,
        username="newbie",
        email="newbie@example.org",
        site_url="http://x/",
    )
    assert delivery.mailed_to == ""
    assert delivery.mail_error
    assert User.objects.filter(username="newbie").exists()


def test_a_renewed_link_is_mailed_too(project, manager, mail_on):
    user, _ = account_create(
        project=project, created_by=manager, username="newbie", email="n@example.org"
    )
    delivery = account_link_reissue(
        project=project, requested_by=manager, user=user, site_url="http://x/"
    )
    assert [m.to for m in mail.outbox] == [["n@example.org"]]
    assert delivery.set_password_url in mail.outbox[0].body
    assert "new link" in mail.outbox[0].body


REPORT_MAIL = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({"configured": s.EMAIL_CONFIGURED, "backend": s.EMAIL_BACKEND,
    "host": s.EMAIL_HOST, "port": s.EMAIL_PORT, "user": s.EMAIL_HOST_USER, "tls": s.EMAIL_USE_TLS,
    "sender": s.DEFAULT_FROM_EMAIL}))
"""


def _mail_settings(**env: str) -> dict:
    proc = run_python(REPORT_MAIL, **env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_email_url_configures_mail():
    unset = _mail_settings(EMAIL_URL="")
    assert unset["configured"] is False
    assert unset["backend"] == "django.core.mail.backends.dummy.EmailBackend"

    smtp = _mail_settings(
        EMAIL_URL="smtp+tls://robot:secret@smtp.example.org:587",
        DEFAULT_FROM_EMAIL="Workbench <robot@example.org>",
    )
    assert smtp == {
        "configured": True,
        "backend": "django.core.mail.backends.smtp.EmailBackend",
        "host": "smtp.example.org",
        "port": 587,
        "user": "robot",
        "tls": True,
        "sender": "Workbench <robot@example.org>",
    }


def test_a_bad_email_url_stops_the_app_from_starting():
    proc = run_python("import django; django.setup()", EMAIL_URL="carrier-pigeon://coop")
    assert proc.returncode != 0
    assert "ImproperlyConfigured" in proc.stderr


# --- the API -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "code"),
    [("manager", 201), ("reviewer", 403), ("annotator", 403), ("outsider", 404)],
)
def test_api_create_account(request, client_for, project, who, code):
    client = client_for(request.getfixturevalue(who))
    response = client.post(
        f"/api/v1/projects/{project.pk}/members/accounts/",
        {"username": "newbie", "email": "newbie@example.org", "role": "reviewer"},
        format="json",
    )
    assert response.status_code == code, response.content
    if code != 201:
        assert not User.objects.filter(username="newbie").exists()
        return
    body = response.json()
    user = User.objects.get(username="newbie")
    assert body["user"] == user.pk
    assert body["username"] == "newbie"
    assert body["role"] == "reviewer"
    assert body["mailed_to"] == ""
    assert body["set_password_url"].startswith("http://testserver/accounts/set-password/")
    path = body["set_password_url"].removeprefix("http://testserver")
    assert _set_password(Client(), path).redirect_chain[-1][0] == "/"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "annotator"}, "username"),
        ({"username": "x y"}, "username"),
        ({"username": "fresh", "email": "nope"}, "email"),
        ({"username": "fresh", "role": "owner"}, "role"),
        ({"email": "a@example.org"}, "username"),
    ],
)
def test_api_create_account_bad_input_names_the_field(client_for, manager, project, body, field):
    response = client_for(manager).post(
        f"/api/v1/projects/{project.pk}/members/accounts/", body, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()


def test_api_new_link_for_a_pending_member(client_for, manager, annotator, project):
    user, first = account_create(project=project, created_by=manager, username="newbie")
    membership = Membership.objects.get(project=project, user=user)
    base = f"/api/v1/projects/{project.pk}/members"
    response = client_for(manager).post(f"{base}/{membership.pk}/password-link/")
    assert response.status_code == 200
    assert response.json()["set_password_url"].startswith("http://testserver/accounts/")
    assert _set_password(Client(), first).context["validlink"] is False
    # Only managers; and not for an account that has its password.
    assert client_for(annotator).post(f"{base}/{membership.pk}/password-link/").status_code == 403
    theirs = Membership.objects.get(project=project, user=annotator)
    refused = client_for(manager).post(f"{base}/{theirs.pk}/password-link/")
    assert refused.status_code == 409
    assert refused.json()["code"] == "password_set"


# --- password reset and change -------------------------------------------------------------------


def test_login_page_links_to_the_password_reset():
    body = Client().get("/accounts/login/").content.decode()
    assert 'href="/accounts/password_reset/"' in body


def test_without_mail_the_reset_page_says_so_and_sends_nothing(annotator):
    annotator.email = "annotator@example.org"
    annotator.save()
    client = Client()
    page = client.get("/accounts/password_reset/")
    body = page.content.decode()
    assert 'id="no-mail"' in body
    assert "does not send email" in body
    assert 'name="email"' not in body
    posted = client.post("/accounts/password_reset/", {"email": "annotator@example.org"})
    assert posted.status_code == 200
    assert 'id="no-mail"' in posted.content.decode()
    assert mail.outbox == []


def test_with_mail_the_reset_link_is_mailed_and_works(annotator, mail_on):
    annotator.email = "annotator@example.org"
    annotator.save()
    client = Client()
    assert 'data-page="account"' in client.get("/accounts/password_reset/").content.decode()
    response = client.post("/accounts/password_reset/", {"email": "ANNOTATOR@example.org"})
    assert response.status_code == 302
    assert "Check your email" in client.get(response["Location"]).content.decode()
    (message,) = mail.outbox
    assert message.to == ["annotator@example.org"]
    link = next(line for line in message.body.splitlines() if "/accounts/reset/" in line)
    path = link.strip().removeprefix("http://testserver")
    page = client.get(path, follow=True)
    assert "Choose a new password" in page.content.decode()
    done = client.post(
        page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert "Your password is changed" in done.content.decode()
    assert User.objects.get(username="annotator").check_password(NEW_PASSWORD)


def test_a_pending_account_can_ask_for_its_link_by_mail(project, manager, mail_on):
    account_create(project=project, created_by=manager, username="newbie", email="n@example.org")
    Client().post("/accounts/password_reset/", {"email": "n@example.org"})
    assert [m.to for m in mail.outbox] == [["n@example.org"]]


def test_password_change_uses_the_app_pages(annotator):
    client = Client()
    client.force_login(annotator)
    page = client.get("/accounts/password_change/")
    body = page.content.decode()
    assert 'data-page="account"' in body  # the app's template, not the admin site's
    assert 'id="password-change-form"' in body
    wrong = client.post(
        "/accounts/password_change/",
        {"old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert 'id="id_old_password_error"' in wrong.content.decode()
    done = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert "Your password is changed" in done.content.decode()
    assert User.objects.get(username="annotator").check_password(NEW_PASSWORD)
