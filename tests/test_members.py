"""Project members: adding by username or id, changing roles, and never losing the last manager."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from rest_framework.test import APIClient

from annotations.models import Membership, Role
from annotations.views import projects as project_views
from tests.factories import UserFactory, add_member, make_project


@pytest.fixture
def client(client_for, manager):
    return client_for(manager)


@pytest.fixture
def url(project):
    return f"/api/v1/projects/{project.pk}/members/"


def _membership(project, user) -> Membership:
    return Membership.objects.get(project=project, user=user)


def test_add_member_by_username(client, url, project):
    newcomer = UserFactory(username="newcomer")
    response = client.post(url, {"username": "newcomer", "role": "reviewer"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["username"] == "newcomer"
    assert _membership(project, newcomer).role == Role.REVIEWER


def test_add_member_by_id(client, url, project):
    newcomer = UserFactory(username="newcomer")
    response = client.post(url, {"user": newcomer.pk, "role": "annotator"}, format="json")
    assert response.status_code == 201
    assert _membership(project, newcomer).role == Role.ANNOTATOR


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"username": "nobody", "role": "annotator"}, 400, "username"),
        ({"username": "newcomer", "role": "owner"}, 400, "role"),
        ({"username": "newcomer"}, 400, "role"),
        ({"role": "annotator"}, 400, "user"),
        ({"user": 999999, "role": "annotator"}, 400, "user"),
        ({"user": "newcomer", "role": "annotator"}, 400, "user"),
        ({"username": "annotator", "role": "annotator"}, 409, "detail"),
    ],
    ids=["unknown-user", "bad-role", "no-role", "no-user", "unknown-id", "id-string", "already"],
)
def test_bad_member_input(client, url, db_snapshot, body, code, field):
    UserFactory(username="newcomer")
    before = db_snapshot()
    response = client.post(url, body, format="json")
    assert response.status_code == code
    assert field in response.json()
    assert db_snapshot() == before


def test_change_role(client, url, project, annotator):
    membership = _membership(project, annotator)
    response = client.patch(f"{url}{membership.pk}/", {"role": "reviewer"}, format="json")
    assert response.status_code == 200
    assert response.json()["role"] == "reviewer"
    assert _membership(project, annotator).role == Role.REVIEWER


def test_membership_user_cannot_change(client, url, project, annotator, annotator2, db_snapshot):
    membership = _membership(project, annotator)
    before = db_snapshot()
    response = client.patch(f"{url}{membership.pk}/", {"user": annotator2.pk}, format="json")
    assert response.status_code == 400
    assert "user" in response.json()
    assert db_snapshot() == before


def test_cannot_demote_or_remove_the_last_manager(client, url, project, manager, db_snapshot):
    membership = _membership(project, manager)
    before = db_snapshot()
    response = client.patch(f"{url}{membership.pk}/", {"role": "annotator"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "last_manager"
    response = client.delete(f"{url}{membership.pk}/")
    assert response.status_code == 409
    assert response.json()["code"] == "last_manager"
    assert db_snapshot() == before


def test_with_a_second_manager_the_first_may_step_down(client, url, project, manager, reviewer):
    _membership(project, reviewer).delete()
    add_member(project, reviewer, Role.MANAGER)
    membership = _membership(project, manager)
    response = client.patch(f"{url}{membership.pk}/", {"role": "reviewer"}, format="json")
    assert response.status_code == 200
    # Now the manager is the other one, who cannot leave.
    other = _membership(project, reviewer)
    assert client.delete(f"{url}{other.pk}/").status_code == 403  # no longer a manager
    assert Membership.objects.filter(project=project, role=Role.MANAGER).count() == 1


def test_remove_member(client, url, project, annotator2):
    membership = _membership(project, annotator2)
    assert client.delete(f"{url}{membership.pk}/").status_code == 204
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_removed_member_loses_access(client, client_for, url, project, annotator2):
    membership = _membership(project, annotator2)
    client.delete(f"{url}{membership.pk}/")
    assert client_for(annotator2).get(f"/api/v1/projects/{project.pk}/").status_code == 404


def test_annotators_see_themselves_and_the_managers(client_for, url, annotator):
    body = client_for(annotator).get(url).json()
    assert sorted((m["username"], m["role"]) for m in body["results"]) == [
        ("annotator", "annotator"),
        ("manager", "manager"),
    ]


def test_reviewers_see_everyone(client_for, url, reviewer):
    body = client_for(reviewer).get(url).json()
    assert {m["username"] for m in body["results"]} == {
        "manager",
        "reviewer",
        "annotator",
        "annotator2",
    }


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("method", ["patch", "delete"])
def test_two_managers_stepping_down_at_once_leave_one_manager(monkeypatch, method):
    """Each request locks its own membership, then checks for another manager: without a common
    lock taken first, the two checks deadlock and one request fails with a 500."""
    first, second = UserFactory(username="m1"), UserFactory(username="m2")
    project = make_project(first)
    add_member(project, second, Role.MANAGER)
    url = f"/api/v1/projects/{project.pk}/members/"
    barrier = threading.Barrier(2, timeout=10)
    service = "membership_change_role" if method == "patch" else "membership_remove"
    original = getattr(project_views, service)

    def both_at_once(**kwargs):
        barrier.wait()
        return original(**kwargs)

    monkeypatch.setattr(project_views, service, both_at_once)

    def step_down(user):
        def request():
            try:
                client = APIClient()
                client.raise_request_exception = False
                client.force_authenticate(user)
                target = f"{url}{Membership.objects.get(project=project, user=user).pk}/"
                if method == "patch":
                    return client.patch(target, {"role": "annotator"}, format="json").status_code
                return client.delete(target).status_code
            finally:
                connection.close()

        return request

    with ThreadPoolExecutor(2) as pool:
        codes = sorted(f.result() for f in [pool.submit(step_down(u)) for u in (first, second)])

    assert codes == [200 if method == "patch" else 204, 409]
    assert Membership.objects.filter(project=project, role=Role.MANAGER).count() == 1
