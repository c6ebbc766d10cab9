"""Labels and verification statuses: defaults of a new project, renaming, retiring, deleting,
shortcuts, and the single initial status."""

from __future__ import annotations

import pytest

from annotations.models import Span
from tests.factories import make_span


@pytest.fixture
def client(client_for, manager):
    return client_for(manager)


@pytest.fixture
def labels_url(project):
    return f"/api/v1/projects/{project.pk}/labels/"


@pytest.fixture
def statuses_url(project):
    return f"/api/v1/projects/{project.pk}/statuses/"


def test_new_project_has_the_default_labels_and_statuses(client_for, manager):
    client = client_for(manager)
    project = client.post("/api/v1/projects/", {"name": "Fresh"}, format="json").json()
    base = f"/api/v1/projects/{project['id']}"
    labels = client.get(f"{base}/labels/").json()
    assert [(label["key"], label["shortcut"], label["retired"]) for label in labels] == [
        ("claim", "1", False),
        ("denial", "2", False),
        ("verifiable_fact", "3", False),
    ]
    statuses = client.get(f"{base}/statuses/").json()
    assert [(s["key"], s["is_initial"], s["is_final"]) for s in statuses] == [
        ("unverified", True, False),
        ("true", False, True),
        ("false", False, True),
        ("misleading", False, True),
        ("unverifiable", False, True),
    ]
    assert project["my_role"] == "manager"


def test_rename_keeps_the_spans(client, labels_url, project, document, annotator):
    span = make_span(document, annotator, 4, 12)
    label = project.labels.get(key="claim")
    response = client.patch(f"{labels_url}{label.pk}/", {"name": "Assertion"}, format="json")
    assert response.status_code == 200
    span.refresh_from_db()
    assert (span.label_id, span.label.name) == (label.pk, "Assertion")


def test_retire_keeps_spans_but_blocks_new_use(
    client, client_for, labels_url, project, document, annotator, db_snapshot
):
    span = make_span(document, annotator, 4, 12)
    label = project.labels.get(key="claim")
    response = client.patch(f"{labels_url}{label.pk}/", {"retired": True}, format="json")
    assert response.status_code == 200
    assert Span.objects.get(pk=span.pk).label_id == label.pk

    before = db_snapshot()
    response = client_for(annotator).post(
        f"/api/v1/projects/{project.pk}/spans/",
        {"document": document.pk, "label": "claim", "start": 0, "end": 3},
        format="json",
    )
    assert response.status_code == 400
    assert "label" in response.json()
    assert db_snapshot() == before


def test_delete_of_a_used_label_is_409(
    client, labels_url, project, document, annotator, db_snapshot
):
    make_span(document, annotator, 4, 12)
    label = project.labels.get(key="claim")
    before = db_snapshot()
    response = client.delete(f"{labels_url}{label.pk}/")
    assert response.status_code == 409
    assert response.json()["code"] == "label_in_use"
    assert db_snapshot() == before


def test_delete_of_an_unused_label(client, labels_url, project):
    label = project.labels.get(key="verifiable_fact")
    assert client.delete(f"{labels_url}{label.pk}/").status_code == 204
    assert not project.labels.filter(key="verifiable_fact").exists()


def test_shortcut_clash_is_400(client, labels_url, project, db_snapshot):
    before = db_snapshot()
    response = client.post(
        labels_url, {"key": "rumour", "name": "Rumour", "shortcut": "1"}, format="json"
    )
    assert response.status_code == 400
    assert "Claim" in response.json()["shortcut"][0]  # names the label that has the hotkey
    denial = project.labels.get(key="denial")
    response = client.patch(f"{labels_url}{denial.pk}/", {"shortcut": "1"}, format="json")
    assert response.status_code == 400
    assert "shortcut" in response.json()
    assert db_snapshot() == before


def test_a_retired_labels_shortcut_is_free_again(client, labels_url, project):
    claim = project.labels.get(key="claim")
    client.patch(f"{labels_url}{claim.pk}/", {"retired": True}, format="json")
    response = client.post(
        labels_url, {"key": "rumour", "name": "Rumour", "shortcut": "1"}, format="json"
    )
    assert response.status_code == 201
    # Un-retiring the old label would now clash.
    response = client.patch(f"{labels_url}{claim.pk}/", {"retired": False}, format="json")
    assert response.status_code == 400
    assert "shortcut" in response.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"key": "claim", "name": "Again"}, "key"),
        ({"key": "not a slug", "name": "x"}, "key"),
        ({"key": "rumour", "name": "x", "color": "red"}, "color"),
        ({"key": "rumour", "name": "x", "shortcut": "12"}, "shortcut"),
        ({"key": "rumour"}, "name"),
        ({"key": "rumour", "name": "x", "order": -1}, "order"),
    ],
    ids=["duplicate-key", "bad-key", "bad-color", "long-shortcut", "no-name", "negative-order"],
)
def test_bad_label_is_400(client, labels_url, db_snapshot, body, field):
    before = db_snapshot()
    response = client.post(labels_url, body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert db_snapshot() == before


def test_labels_of_another_project_are_404(client_for, outsider, labels_url, project):
    label = project.labels.get(key="claim")
    assert client_for(outsider).get(f"{labels_url}{label.pk}/").status_code == 404


# --- statuses ------------------------------------------------------------------------------------


def _initial_keys(project) -> list[str]:
    return list(project.statuses.filter(is_initial=True).values_list("key", flat=True))


def test_switching_the_initial_status(client, statuses_url, project, document, annotator):
    target = project.statuses.get(key="unverifiable")
    response = client.patch(f"{statuses_url}{target.pk}/", {"is_initial": True}, format="json")
    assert response.status_code == 200
    assert _initial_keys(project) == ["unverifiable"]
    assert make_span(document, annotator, 4, 12).status.key == "unverifiable"


def test_creating_an_initial_status_takes_over(client, statuses_url, project):
    response = client.post(
        statuses_url, {"key": "triage", "name": "Triage", "is_initial": True}, format="json"
    )
    assert response.status_code == 201
    assert _initial_keys(project) == ["triage"]


def test_initial_status_cannot_be_unset_retired_or_deleted(
    client, statuses_url, project, db_snapshot
):
    initial = project.statuses.get(is_initial=True)
    before = db_snapshot()
    for method, body in (
        ("patch", {"is_initial": False}),
        ("patch", {"retired": True}),
        ("delete", None),
    ):
        response = getattr(client, method)(f"{statuses_url}{initial.pk}/", body, format="json")
        assert response.status_code == 409, (method, body)
        assert response.json()["code"] == "status_initial"
    assert db_snapshot() == before


def test_a_retired_status_cannot_become_initial(client, statuses_url, project, db_snapshot):
    status = project.statuses.get(key="misleading")
    before = db_snapshot()
    response = client.patch(
        f"{statuses_url}{status.pk}/", {"retired": True, "is_initial": True}, format="json"
    )
    assert response.status_code == 400
    assert "is_initial" in response.json()
    assert db_snapshot() == before


def test_used_status_cannot_be_deleted_but_can_be_retired(
    client, statuses_url, project, document, annotator, db_snapshot
):
    span = make_span(document, annotator, 4, 12)
    status = project.statuses.get(key="false")
    span.status = status
    span.save()
    before = db_snapshot()
    response = client.delete(f"{statuses_url}{status.pk}/")
    assert response.status_code == 409
    assert response.json()["code"] == "status_in_use"
    assert db_snapshot() == before
    assert (
        client.patch(f"{statuses_url}{status.pk}/", {"retired": True}, format="json").status_code
        == 200
    )
    span.refresh_from_db()
    assert span.status_id == status.pk


def test_duplicate_status_key_is_400(client, statuses_url, db_snapshot):
    before = db_snapshot()
    response = client.post(statuses_url, {"key": "true", "name": "Also true"}, format="json")
    assert response.status_code == 400
    assert "key" in response.json()
    assert db_snapshot() == before
