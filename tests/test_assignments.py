"""Assignments: even distribution, manual assignment, "next for me", and the state machine
assigned → in_progress → submitted / skipped (→ reopened)."""

from __future__ import annotations

from collections import Counter

import pytest

from annotations.models import Assignment, AssignmentState, Role
from tests.factories import DocumentFactory, UserFactory, add_member, assign, make_project


@pytest.fixture
def url(project):
    return f"/api/v1/projects/{project.pk}/assignments/"


@pytest.fixture
def client(client_for, manager):
    return client_for(manager)


@pytest.fixture
def annotator3(project):
    user = UserFactory(username="annotator3")
    add_member(project, user, Role.ANNOTATOR)
    return user


@pytest.fixture
def annotators(annotator, annotator2, annotator3):
    return [annotator, annotator2, annotator3]


def _docs(project, n: int) -> list:
    return [DocumentFactory(project=project) for _ in range(n)]


def _holders(project) -> dict[int, list[int]]:
    holders: dict[int, list[int]] = {}
    for doc_id, user_id in (
        Assignment.objects.filter(project=project)
        .exclude(state=AssignmentState.SKIPPED)
        .values_list("document_id", "annotator_id")
    ):
        holders.setdefault(doc_id, []).append(user_id)
    return holders


def _loads(project, users) -> dict[str, int]:
    counts = Counter(
        Assignment.objects.filter(project=project)
        .exclude(state=AssignmentState.SKIPPED)
        .values_list("annotator__username", flat=True)
    )
    return {u.username: counts[u.username] for u in users}


# --- distribute ----------------------------------------------------------------------------------


def test_distribute_honours_overlap_and_spreads_evenly(client, url, project, annotators):
    docs = _docs(project, 7)  # 7 documents x 2 annotators = 14 assignments over 3 people
    response = client.post(f"{url}distribute/", {}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "created": 14,
        "documents_fully_covered": 7,
        "documents_short_of_annotators": 0,
    }
    holders = _holders(project)
    assert sorted(holders) == sorted(d.pk for d in docs)
    assert all(len(set(users)) == len(users) == 2 for users in holders.values())
    loads = _loads(project, annotators)
    assert sorted(loads.values()) == [4, 5, 5]
    # Reviewers and managers are not annotators: they get nothing.
    assert not Assignment.objects.exclude(annotator__in=annotators).exists()


def test_distribute_gives_new_work_to_the_least_loaded_first(
    client, url, project, annotator, annotators
):
    docs = _docs(project, 6)
    for doc in docs[:3]:
        assign(doc, annotator)  # annotator already has 3 of the 12 slots
    response = client.post(f"{url}distribute/", {}, format="json")
    assert response.json()["created"] == 9
    assert _loads(project, annotators) == {"annotator": 4, "annotator2": 4, "annotator3": 4}
    assert all(len(set(users)) == 2 for users in _holders(project).values())


def test_distribute_is_idempotent(client, url, project, annotators, db_snapshot):
    _docs(project, 5)
    client.post(f"{url}distribute/", {}, format="json")
    before = db_snapshot()
    response = client.post(f"{url}distribute/", {}, format="json")
    assert response.status_code == 200
    assert response.json()["created"] == 0
    assert response.json()["documents_fully_covered"] == 5
    assert db_snapshot() == before


def test_skipped_document_goes_to_someone_else(
    client, client_for, url, project, annotator, annotators
):
    (doc,) = _docs(project, 1)
    client.post(f"{url}distribute/", {}, format="json")
    first = Assignment.objects.get(document=doc, annotator=annotator)
    assert (
        client_for(annotator)
        .post(f"{url}{first.pk}/skip/", {"reason": "Paywalled"}, format="json")
        .status_code
        == 200
    )

    response = client.post(f"{url}distribute/", {}, format="json")
    assert response.json()["created"] == 1
    active = set(_holders(project)[doc.pk])
    assert len(active) == 2
    assert annotator.pk not in active
    first.refresh_from_db()
    assert first.state == AssignmentState.SKIPPED  # the skipper keeps their skipped row only


def test_distribute_reports_documents_short_of_annotators(client, url, project, annotators):
    project.annotators_per_document = 4  # one more than the project has annotators
    project.save()
    _docs(project, 2)
    response = client.post(f"{url}distribute/", {}, format="json")
    assert response.status_code == 200
    assert response.json() == {
        "created": 6,
        "documents_fully_covered": 0,
        "documents_short_of_annotators": 2,
    }


def test_distribute_to_chosen_annotators_and_documents(client, url, project, annotator, annotators):
    docs = _docs(project, 4)
    project.annotators_per_document = 1
    project.save()
    response = client.post(
        f"{url}distribute/",
        {"annotators": [annotator.pk], "documents": [docs[0].pk, docs[2].pk]},
        format="json",
    )
    assert response.json()["created"] == 2
    assert set(Assignment.objects.values_list("document_id", "annotator_id")) == {
        (docs[0].pk, annotator.pk),
        (docs[2].pk, annotator.pk),
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"annotators": ["x"]}, "annotators"),
        ({"annotators": "all"}, "annotators"),
        ({"documents": [999999]}, "documents"),
    ],
)
def test_bad_distribute_input_is_400(client, url, project, annotators, db_snapshot, body, field):
    _docs(project, 2)
    before = db_snapshot()
    response = client.post(f"{url}distribute/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert db_snapshot() == before


def test_distribute_to_a_non_annotator_is_400(client, url, project, reviewer, db_snapshot):
    _docs(project, 2)
    before = db_snapshot()
    response = client.post(f"{url}distribute/", {"annotators": [reviewer.pk]}, format="json")
    assert response.status_code == 400
    assert "annotators" in response.json()
    assert db_snapshot() == before


def test_distribute_without_annotators_is_400(client_for, db_snapshot):
    manager = UserFactory(username="lonely")
    project = make_project(manager)
    DocumentFactory(project=project)
    before = db_snapshot()
    response = client_for(manager).post(
        f"/api/v1/projects/{project.pk}/assignments/distribute/", {}, format="json"
    )
    assert response.status_code == 400
    assert "annotators" in response.json()
    assert db_snapshot() == before


# --- manual assignment ---------------------------------------------------------------------------


def test_manual_assignment(client, url, project, annotator):
    (doc,) = _docs(project, 1)
    response = client.post(url, {"document": doc.pk, "annotator": annotator.pk}, format="json")
    assert response.status_code == 201
    assert response.json()["state"] == "assigned"
    assert Assignment.objects.filter(document=doc, annotator=annotator).count() == 1
    again = client.post(url, {"document": doc.pk, "annotator": annotator.pk}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "already_assigned"


def test_manual_assignment_bad_input(client, url, project, annotator, outsider, db_snapshot):
    (doc,) = _docs(project, 1)
    other_doc = DocumentFactory(project=make_project(UserFactory(username="x"), name="X"))
    before = db_snapshot()
    cases = [
        ({"document": doc.pk, "annotator": outsider.pk}, "annotator"),
        ({"document": other_doc.pk, "annotator": annotator.pk}, "document"),
        ({"document": 999999, "annotator": annotator.pk}, "document"),
        ({"document": "one", "annotator": annotator.pk}, "document"),
        ({"document": doc.pk}, "annotator"),
    ]
    for body, field in cases:
        response = client.post(url, body, format="json")
        assert response.status_code == 400, body
        assert field in response.json(), body
    assert db_snapshot() == before


def test_delete_assignment(client, url, document, annotator):
    assignment = Assignment.objects.get(document=document, annotator=annotator)
    assert client.delete(f"{url}{assignment.pk}/").status_code == 204
    assert not Assignment.objects.filter(pk=assignment.pk).exists()


# --- next for me ---------------------------------------------------------------------------------


def test_next_returns_work_in_progress_then_oldest_assigned_then_204(
    client_for, url, project, annotator, annotator2
):
    docs = _docs(project, 4)
    oldest = assign(docs[0], annotator)
    in_progress = assign(docs[1], annotator, state=AssignmentState.IN_PROGRESS)
    newer = assign(docs[2], annotator)
    assign(docs[3], annotator, state=AssignmentState.SUBMITTED)
    assign(docs[0], annotator2)  # someone else's work is never offered
    client = client_for(annotator)

    order = []
    while True:
        response = client.post(f"{url}next/")
        if response.status_code == 204:
            break
        assert response.status_code == 200
        assert response.json()["state"] == "in_progress"
        order.append(response.json()["id"])
        client.post(f"{url}{response.json()['id']}/submit/", {}, format="json")
        assert len(order) < 10
    assert order == [in_progress.pk, oldest.pk, newer.pk]


def test_next_keeps_offering_the_same_document_until_it_is_finished(
    client_for, url, project, annotator
):
    docs = _docs(project, 2)
    first = assign(docs[0], annotator)
    assign(docs[1], annotator)
    client = client_for(annotator)
    assert client.post(f"{url}next/").json()["id"] == first.pk
    assert client.post(f"{url}next/").json()["id"] == first.pk
    first.refresh_from_db()
    assert first.state == AssignmentState.IN_PROGRESS
    assert first.started_at is not None


# --- transitions ---------------------------------------------------------------------------------


@pytest.fixture
def mine(document, annotator):
    return Assignment.objects.get(document=document, annotator=annotator)


def _act(client, url, assignment, action, **body):
    return client.post(f"{url}{assignment.pk}/{action}/", body, format="json")


def test_start_submit_reopen_submit(client_for, url, mine, annotator):
    client = client_for(annotator)
    response = _act(client, url, mine, "start")
    assert response.json()["state"] == "in_progress"
    assert response.json()["started_at"] is not None
    response = _act(client, url, mine, "submit", time_spent_seconds=120)
    assert (response.json()["state"], response.json()["time_spent_seconds"]) == ("submitted", 120)
    assert response.json()["finished_at"] is not None
    response = _act(client, url, mine, "reopen")
    assert (response.json()["state"], response.json()["finished_at"]) == ("in_progress", None)
    response = _act(client, url, mine, "submit", time_spent_seconds=30)
    assert response.json()["time_spent_seconds"] == 150


def test_skip_needs_a_reason(client_for, url, mine, annotator, db_snapshot):
    client = client_for(annotator)
    before = db_snapshot()
    for body in ({}, {"reason": "   "}):
        response = _act(client, url, mine, "skip", **body)
        assert response.status_code == 400
        assert "reason" in response.json()
    assert db_snapshot() == before
    response = _act(client, url, mine, "skip", reason="Not in English")
    assert response.status_code == 200
    mine.refresh_from_db()
    assert (mine.state, mine.skip_reason) == ("skipped", "Not in English")


@pytest.mark.parametrize(
    ("state", "action"),
    [
        ("submitted", "submit"),
        ("submitted", "start"),
        ("submitted", "skip"),
        ("skipped", "start"),
        ("skipped", "submit"),
        ("assigned", "reopen"),
        ("in_progress", "reopen"),
    ],
)
def test_invalid_transitions_are_409(client_for, url, mine, annotator, db_snapshot, state, action):
    mine.state = state
    mine.save()
    before = db_snapshot()
    response = _act(client_for(annotator), url, mine, action, reason="because")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert db_snapshot() == before


def test_negative_time_spent_is_400(client_for, url, mine, annotator, db_snapshot):
    before = db_snapshot()
    response = _act(client_for(annotator), url, mine, "submit", time_spent_seconds=-5)
    assert response.status_code == 400
    assert "time_spent_seconds" in response.json()
    assert db_snapshot() == before


def test_only_the_annotator_or_a_manager_moves_an_assignment(
    client_for, url, mine, manager, reviewer, annotator2, db_snapshot
):
    before = db_snapshot()
    assert _act(client_for(reviewer), url, mine, "start").status_code == 403
    assert _act(client_for(annotator2), url, mine, "start").status_code == 404
    assert db_snapshot() == before
    assert _act(client_for(manager), url, mine, "start").status_code == 200


def test_list_filters_by_state(client_for, url, project, manager, mine, annotator2, document):
    mine.state = AssignmentState.SUBMITTED
    mine.save()
    body = client_for(manager).get(url, {"state": "submitted"}).json()
    assert [a["id"] for a in body["results"]] == [mine.pk]
    response = client_for(manager).get(url, {"state": "bogus"})
    assert response.status_code == 400
    assert "state" in response.json()
