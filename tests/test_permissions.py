"""Who may do what, as a table: for every resource and action, the status code each persona gets.

Personas: the project's manager, reviewer and annotator, an annotator of another project
("outsider", who must not even learn that the objects exist: 404) and an anonymous client (401).
Every refused write leaves the database exactly as it was; every allowed one has its effect.
A second table gives, for every rule of ``annotations.permissions``, each persona's answer.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from annotations import permissions
from annotations.errors import Conflict, DomainError, Forbidden, NotFound
from annotations.models import (
    Assignment,
    Document,
    Evidence,
    GoldSpan,
    Job,
    JobKind,
    Label,
    Membership,
    Project,
    Role,
    Span,
    VerdictChange,
    VerificationStatus,
)
from annotations.selectors.access import project_access
from annotations.selectors.documents import visible_document
from annotations.selectors.projects import project_list
from tests.factories import PASSWORD, DocumentFactory, UserFactory, assign, make_project, make_span

ROLES = ("manager", "reviewer", "annotator", "outsider", "anonymous")


@dataclass
class World:
    project: Project
    document: Document  # assigned to annotator and annotator2
    other_document: Document  # assigned to nobody
    span: Span  # annotator's, with evidence
    membership: Membership  # annotator2's
    label: Label  # unused
    status: VerificationStatus  # unused, not initial
    assignment: Assignment  # annotator's, on document
    job: Job  # started by the manager
    users: dict[str, Any]

    @property
    def base(self) -> str:
        return f"/api/v1/projects/{self.project.pk}"


@pytest.fixture
def world(project, document, manager, reviewer, annotator, annotator2, outsider) -> World:
    span = make_span(document, annotator, 4, 12)
    Evidence.objects.create(span=span, stance="refutes", url="https://example.org/report")
    UserFactory(username="newcomer")
    return World(
        project=project,
        document=document,
        other_document=DocumentFactory(project=project, text="Nobody reads this one."),
        span=span,
        membership=Membership.objects.get(project=project, user=annotator2),
        label=project.labels.get(key="denial"),
        status=project.statuses.get(key="misleading"),
        assignment=Assignment.objects.get(document=document, annotator=annotator),
        job=Job.objects.create(project=project, kind=JobKind.AGREEMENT, created_by=manager),
        users={
            "manager": manager,
            "reviewer": reviewer,
            "annotator": annotator,
            "outsider": outsider,
            "anonymous": None,
        },
    )


@dataclass(frozen=True)
class Resource:
    list_url: Callable[[World], str]
    target: Callable[[World], Any]
    detail_url: Callable[[World], str]
    create_body: Callable[[World], dict[str, Any]]
    update_body: Callable[[World], dict[str, Any]]
    # Checks, on the reloaded target, that an accepted update had its effect.
    updated: Callable[[Any], bool]


def _nested(path: str) -> Callable[[World], str]:
    return lambda w: f"{w.base}/{path}/"


RESOURCES: dict[str, Resource] = {
    "projects": Resource(
        list_url=lambda w: "/api/v1/projects/",
        target=lambda w: w.project,
        detail_url=lambda w: f"/api/v1/projects/{w.project.pk}/",
        create_body=lambda w: {"name": "Brand new"},
        update_body=lambda w: {"name": "Renamed"},
        updated=lambda o: o.name == "Renamed",
    ),
    "members": Resource(
        list_url=_nested("members"),
        target=lambda w: w.membership,
        detail_url=lambda w: f"{w.base}/members/{w.membership.pk}/",
        create_body=lambda w: {"username": "newcomer", "role": "annotator"},
        update_body=lambda w: {"role": "reviewer"},
        updated=lambda o: o.role == Role.REVIEWER,
    ),
    "labels": Resource(
        list_url=_nested("labels"),
        target=lambda w: w.label,
        detail_url=lambda w: f"{w.base}/labels/{w.label.pk}/",
        create_body=lambda w: {"key": "rumour", "name": "Rumour"},
        update_body=lambda w: {"name": "Renamed"},
        updated=lambda o: o.name == "Renamed",
    ),
    "statuses": Resource(
        list_url=_nested("statuses"),
        target=lambda w: w.status,
        detail_url=lambda w: f"{w.base}/statuses/{w.status.pk}/",
        create_body=lambda w: {"key": "disputed", "name": "Disputed"},
        update_body=lambda w: {"name": "Renamed"},
        updated=lambda o: o.name == "Renamed",
    ),
    "documents": Resource(
        list_url=_nested("documents"),
        target=lambda w: w.document,
        detail_url=lambda w: f"{w.base}/documents/{w.document.pk}/",
        create_body=lambda w: {"title": "Fresh", "text": "A fresh article."},
        update_body=lambda w: {"title": "Renamed"},
        updated=lambda o: o.title == "Renamed",
    ),
    "assignments": Resource(
        list_url=_nested("assignments"),
        target=lambda w: w.assignment,
        detail_url=lambda w: f"{w.base}/assignments/{w.assignment.pk}/",
        create_body=lambda w: {
            "document": w.other_document.pk,
            "annotator": w.users["annotator"].pk,
        },
        update_body=lambda w: {"state": "submitted"},
        updated=lambda o: o.state == "submitted",
    ),
    "spans": Resource(
        list_url=_nested("spans"),
        target=lambda w: w.span,
        detail_url=lambda w: f"{w.base}/spans/{w.span.pk}/",
        create_body=lambda w: {"document": w.document.pk, "label": "denial", "start": 4, "end": 12},
        update_body=lambda w: {"note": "edited", "version": w.span.version},
        updated=lambda o: o.note == "edited" and o.version == 2,
    ),
    "jobs": Resource(
        list_url=_nested("jobs"),
        target=lambda w: w.job,
        detail_url=lambda w: f"{w.base}/jobs/{w.job.pk}/",
        create_body=lambda w: {"kind": "export"},
        update_body=lambda w: {"state": "failed"},
        updated=lambda o: o.state == "failed",
    ),
}

# fmt: off
# Expected status per persona:        manager reviewer annotator outsider anonymous
EXPECTED: dict[tuple[str, str], tuple[int, int, int, int, int]] = {
    ("projects", "list"):              (200, 200, 200, 200, 401),  # outsider: 200 without it
    ("projects", "retrieve"):          (200, 200, 200, 404, 401),
    ("projects", "create"):            (201, 201, 201, 201, 401),  # anyone may start a project
    ("projects", "update"):            (200, 403, 403, 404, 401),
    ("projects", "delete"):            (204, 403, 403, 404, 401),
    ("members", "list"):               (200, 200, 200, 404, 401),
    ("members", "retrieve"):           (200, 200, 404, 404, 401),  # annotators see only managers and themselves
    ("members", "create"):             (201, 403, 403, 404, 401),
    ("members", "update"):             (200, 403, 403, 404, 401),
    ("members", "delete"):             (204, 403, 403, 404, 401),
    ("labels", "list"):                (200, 200, 200, 404, 401),
    ("labels", "retrieve"):            (200, 200, 200, 404, 401),
    ("labels", "create"):              (201, 403, 403, 404, 401),
    ("labels", "update"):              (200, 403, 403, 404, 401),
    ("labels", "delete"):              (204, 403, 403, 404, 401),
    ("statuses", "list"):              (200, 200, 200, 404, 401),
    ("statuses", "retrieve"):          (200, 200, 200, 404, 401),
    ("statuses", "create"):            (201, 403, 403, 404, 401),
    ("statuses", "update"):            (200, 403, 403, 404, 401),
    ("statuses", "delete"):            (204, 403, 403, 404, 401),
    ("documents", "list"):             (200, 200, 200, 404, 401),
    ("documents", "retrieve"):         (200, 200, 200, 404, 401),
    ("documents", "create"):           (201, 403, 403, 404, 401),
    ("documents", "update"):           (200, 403, 403, 404, 401),
    ("documents", "delete"):           (204, 403, 403, 404, 401),
    ("assignments", "list"):           (200, 200, 200, 404, 401),
    ("assignments", "retrieve"):       (200, 200, 200, 404, 401),
    ("assignments", "create"):         (201, 403, 403, 404, 401),
    ("assignments", "update"):         (405, 405, 405, 404, 401),  # only through the actions
    ("assignments", "delete"):         (204, 403, 403, 404, 401),
    ("spans", "list"):                 (200, 200, 200, 404, 401),
    ("spans", "retrieve"):             (200, 200, 200, 404, 401),
    ("spans", "create"):               (201, 201, 201, 404, 401),
    ("spans", "update"):               (403, 403, 200, 404, 401),  # only the span's annotator
    ("spans", "delete"):               (403, 403, 204, 404, 401),
    ("jobs", "list"):                  (200, 200, 200, 404, 401),
    ("jobs", "retrieve"):              (200, 404, 404, 404, 401),  # the manager's own job
    ("jobs", "create"):                (405, 405, 405, 404, 401),  # jobs come from imports etc.
    ("jobs", "update"):                (405, 405, 405, 404, 401),
    ("jobs", "delete"):                (405, 405, 405, 404, 401),
}

# Whether the persona finds the target object in the list (when the list answers 200).
LIST_SEES_TARGET: dict[str, tuple[bool, bool, bool, bool]] = {
    #              manager reviewer annotator outsider
    "projects":    (True, True, True, False),
    "members":     (True, True, False, False),
    "labels":      (True, True, True, False),
    "statuses":    (True, True, True, False),
    "documents":   (True, True, True, False),
    "assignments": (True, True, True, False),
    "spans":       (True, True, True, False),
    "jobs":        (True, False, False, False),
}
# fmt: on


def _client(world: World, role: str) -> APIClient:
    client = APIClient()
    if world.users[role] is not None:
        client.force_authenticate(world.users[role])
    return client


def _request(world: World, resource: Resource, action: str, client: APIClient):
    if action == "list":
        return client.get(resource.list_url(world), {"page_size": 1000})
    if action == "retrieve":
        return client.get(resource.detail_url(world))
    if action == "create":
        return client.post(resource.list_url(world), resource.create_body(world), format="json")
    if action == "update":
        return client.patch(resource.detail_url(world), resource.update_body(world), format="json")
    return client.delete(resource.detail_url(world))


def _ids(response) -> set[str]:
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    return {str(row["id"]) for row in rows}


def _problems(world, db_snapshot, resource_name: str, action: str, role: str, expected: int):
    """What went wrong for one persona (empty when the answer and its effect are as expected)."""
    resource = RESOURCES[resource_name]
    target = resource.target(world)
    model = type(target)
    before = db_snapshot()
    count_before = model.objects.count()

    response = _request(world, resource, action, _client(world, role))

    if response.status_code != expected:
        return [f"{role}: expected {expected}, got {response.status_code} {response.content[:200]}"]
    if expected >= 400:
        # Errors are JSON, and a refused request changes nothing at all.
        problems = []
        if not response["Content-Type"].startswith("application/json"):
            problems.append(f"{role}: error is not JSON")
        if db_snapshot() != before:
            problems.append(f"{role}: the refused request changed the database")
        return problems
    if action == "list":
        sees = LIST_SEES_TARGET[resource_name][ROLES.index(role)]
        ok = (str(target.pk) in _ids(response)) is sees
    elif action == "retrieve":
        ok = str(response.json()["id"]) == str(target.pk)
    elif action == "create":
        ok = model.objects.count() == count_before + 1
    elif action == "update":
        ok = resource.updated(model.objects.get(pk=target.pk))
    else:
        ok = not model.objects.filter(pk=target.pk).exists()
    return [] if ok else [f"{role}: {action} answered {expected} without its effect"]


@pytest.mark.parametrize(
    ("resource_name", "action"), [pytest.param(*row, id="-".join(row)) for row in EXPECTED]
)
def test_permission_matrix(world, db_snapshot, resource_name, action):
    """One row of the table. Refused personas go first, so that an allowed delete or update does
    not change what the others are refused."""
    expected = dict(zip(ROLES, EXPECTED[resource_name, action], strict=True))
    order = sorted(ROLES, key=lambda role: expected[role] < 400)
    problems = [
        problem
        for role in order
        for problem in _problems(world, db_snapshot, resource_name, action, role, expected[role])
    ]
    assert problems == []


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("manager", 200),
        ("reviewer", 404),
        ("annotator", 404),
        ("outsider", 404),
        ("anonymous", 401),
    ],
)
def test_job_status_url_visible_to_starter_and_managers_only(world, role, expected):
    response = _client(world, role).get(f"/api/v1/jobs/{world.job.pk}/")
    assert response.status_code == expected
    if expected == 200:
        assert response.json()["id"] == str(world.job.pk)


def test_a_members_own_job_is_visible_to_them_and_to_managers(world, client_for):
    job = Job.objects.create(
        project=world.project, kind=JobKind.EXPORT, created_by=world.users["annotator"]
    )
    for role in ("annotator", "manager"):
        client = client_for(world.users[role])
        assert client.get(f"/api/v1/jobs/{job.pk}/").status_code == 200
        listed = {row["id"] for row in client.get(f"{world.base}/jobs/").json()["results"]}
        assert str(job.pk) in listed
    assert client_for(world.users["reviewer"]).get(f"/api/v1/jobs/{job.pk}/").status_code == 404


@pytest.mark.parametrize("path", ["", "members/", "labels/", "documents/", "spans/", "jobs/"])
def test_unknown_and_malformed_project_ids_are_404(world, client_for, path):
    client = client_for(world.users["manager"])
    assert client.get(f"/api/v1/projects/999999/{path}").status_code == 404
    assert client.get(f"/api/v1/projects/{10**30}/{path}").status_code == 404


# --- visibility of documents and spans -----------------------------------------------------------


def _span_ids(client, world) -> set[int]:
    return {row["id"] for row in client.get(f"{world.base}/spans/").json()["results"]}


def test_annotator_sees_only_assigned_documents(world, client_for):
    client = client_for(world.users["annotator"])
    listed = {row["id"] for row in client.get(f"{world.base}/documents/").json()["results"]}
    assert listed == {world.document.pk}
    assert client.get(f"{world.base}/documents/{world.other_document.pk}/").status_code == 404
    # Managers and reviewers see both.
    for role in ("manager", "reviewer"):
        body = client_for(world.users[role]).get(f"{world.base}/documents/").json()
        assert {row["id"] for row in body["results"]} == {
            world.document.pk,
            world.other_document.pk,
        }


def test_annotator_cannot_annotate_an_unassigned_document(world, client_for, db_snapshot):
    before = db_snapshot()
    response = client_for(world.users["annotator"]).post(
        f"{world.base}/spans/",
        {"document": world.other_document.pk, "label": "claim", "start": 0, "end": 6},
        format="json",
    )
    assert response.status_code == 400
    assert "document" in response.json()
    assert db_snapshot() == before


def test_annotator_cannot_annotate_a_skipped_document(world, client_for, db_snapshot):
    world.assignment.state = "skipped"
    world.assignment.save()
    before = db_snapshot()
    response = client_for(world.users["annotator"]).post(
        f"{world.base}/spans/",
        {"document": world.document.pk, "label": "denial", "start": 0, "end": 3},
        format="json",
    )
    assert response.status_code == 403
    assert db_snapshot() == before


def test_blind_project_hides_other_annotators_spans(world, client_for, annotator2):
    theirs = make_span(world.document, annotator2, 0, 3)
    client = client_for(world.users["annotator"])

    assert _span_ids(client, world) == {world.span.pk}
    assert client.get(f"{world.base}/spans/{theirs.pk}/").status_code == 404
    assert client.get(f"{world.base}/spans/", {"annotator": annotator2.pk}).json()["count"] == 0
    detail = client.get(f"{world.base}/documents/{world.document.pk}/").json()
    assert [s["id"] for s in detail["spans"]] == [world.span.pk]


def test_non_blind_project_shows_others_spans_on_assigned_documents_only(
    world, client_for, annotator2
):
    world.project.blind = False
    world.project.save()
    theirs = make_span(world.document, annotator2, 0, 3)
    elsewhere = make_span(world.other_document, world.users["manager"], 0, 6)
    client = client_for(world.users["annotator"])

    assert _span_ids(client, world) == {world.span.pk, theirs.pk}
    assert client.get(f"{world.base}/spans/{theirs.pk}/").status_code == 200
    assert client.get(f"{world.base}/spans/{elsewhere.pk}/").status_code == 404
    detail = client.get(f"{world.base}/documents/{world.document.pk}/").json()
    assert {s["id"] for s in detail["spans"]} == {world.span.pk, theirs.pk}


def test_non_blind_annotator_keeps_seeing_own_spans_after_unassignment(world, client_for):
    world.project.blind = False
    world.project.save()
    world.assignment.delete()
    assert _span_ids(client_for(world.users["annotator"]), world) == {world.span.pk}


def test_reviewer_and_manager_see_all_spans(world, client_for, annotator2):
    theirs = make_span(world.document, annotator2, 0, 3)
    mine = make_span(world.other_document, world.users["manager"], 0, 6)
    for role in ("reviewer", "manager"):
        client = client_for(world.users[role])
        assert _span_ids(client, world) == {world.span.pk, theirs.pk, mine.pk}
        detail = client.get(f"{world.base}/documents/{world.document.pk}/").json()
        assert {s["id"] for s in detail["spans"]} == {world.span.pk, theirs.pk}


@pytest.mark.parametrize("role", ["manager", "reviewer", "annotator2"])
def test_nobody_edits_or_deletes_someone_elses_span(
    world, client_for, annotator2, db_snapshot, role
):
    world.project.blind = False  # annotator2 can then read the span, and still not change it
    world.project.save()
    user = annotator2 if role == "annotator2" else world.users[role]
    client = client_for(user)
    url = f"{world.base}/spans/{world.span.pk}/"
    before = db_snapshot()

    assert client.get(url).status_code == 200
    patch = client.patch(url, {"note": "mine now", "version": 1}, format="json")
    put = client.put(url, {"label": "denial", "start": 0, "end": 3, "version": 1}, format="json")
    delete = client.delete(url)

    assert (patch.status_code, put.status_code, delete.status_code) == (403, 403, 403)
    assert db_snapshot() == before


# --- token authentication ------------------------------------------------------------------------


def test_token_from_username_and_password_authenticates(world):
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/", {"username": "annotator", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]

    assert client.get("/api/v1/projects/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    projects = client.get("/api/v1/projects/").json()["results"]
    assert [p["id"] for p in projects] == [world.project.pk]
    assert projects[0]["my_role"] == "annotator"


def test_token_with_wrong_password_is_refused(world):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "annotator", "password": "wrong"}, format="json"
    )
    assert response.status_code == 400
    assert "token" not in response.json()


def test_bogus_token_is_401(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get("/api/v1/projects/").status_code == 401


def test_token_of_a_deactivated_user_is_401_and_the_token_user_is_the_owner(world):
    from rest_framework.authtoken.models import Token

    user = world.users["annotator"]
    token = Token.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/v1/projects/").json()["results"][0]["my_role"] == "annotator"

    user.is_active = False
    user.save()
    response = client.get("/api/v1/projects/")
    assert response.status_code == 401
    assert "inactive" in response.json()["detail"]


@pytest.mark.parametrize("project_id", ["0", "9" * 19, "9" * 30, "-1"])
def test_project_ids_out_of_range_are_404_not_500(world, client_for, project_id):
    client = client_for(world.users["manager"])
    assert client.get(f"/api/v1/projects/{project_id}/documents/").status_code == 404


def test_project_list_shows_own_role_and_counts(world, client_for, annotator2):
    other = make_project(world.users["outsider"], name="Outsider's own")
    assign(world.other_document, world.users["annotator"], state="submitted")
    body = client_for(world.users["annotator"]).get("/api/v1/projects/").json()
    assert [p["id"] for p in body["results"]] == [world.project.pk]
    row = body["results"][0]
    assert (row["my_role"], row["my_assigned"], row["my_submitted"]) == ("annotator", 2, 1)
    assert other.pk not in {p["id"] for p in body["results"]}


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("spans", "label"),
        ("spans", "status"),
        ("spans", "annotator"),
        ("spans", "document"),
        ("assignments", "annotator"),
        ("assignments", "document"),
    ],
)
def test_filters_do_not_reveal_what_exists_elsewhere(world, client_for, path, param):
    """A filter on an id of another project (or another user) answers exactly like a filter on
    an id that does not exist: an empty page, not a 400 that tells the two apart."""
    other = make_project(UserFactory(username="stranger"), name="Stranger's")
    foreign = {
        "label": other.labels.first().pk,
        "status": other.statuses.first().pk,
        "annotator": UserFactory(username="nobody-here").pk,
        "document": DocumentFactory(project=other).pk,
    }[param]
    client = client_for(world.users["annotator"])
    answers = [
        client.get(f"{world.base}/{path}/", {param: value}) for value in (foreign, 999999999)
    ]
    assert [(r.status_code, r.json()["count"]) for r in answers] == [(200, 0), (200, 0)]
    malformed = client.get(f"{world.base}/{path}/", {param: "abc"})
    assert malformed.status_code == 400
    assert param in malformed.json()


JUNK = [None, [], {}, "", "x" * 3000, -1, 10**30, True, "a\x00b", "\u00b2"]


@pytest.mark.parametrize("resource_name", RESOURCES)
def test_junk_field_values_never_cause_a_500(world, resource_name):
    """Each field of a valid create or update body replaced, one at a time, by junk of every
    type: the answer is a response (2xx or a JSON 4xx), never a server error."""
    resource = RESOURCES[resource_name]
    client = _client(world, "manager" if resource_name != "spans" else "annotator")
    client.raise_request_exception = False
    for url, body in (
        (resource.list_url(world), resource.create_body(world)),
        (resource.detail_url(world), resource.update_body(world)),
    ):
        for field in body:
            for junk in JUNK:
                response = client.generic(
                    "POST" if url == resource.list_url(world) else "PATCH",
                    url,
                    json.dumps({**body, field: junk}),
                    content_type="application/json",
                )
                assert response.status_code < 500, (url, field, junk, response.content[:300])
                if response.status_code >= 400:
                    assert response["Content-Type"].startswith("application/json")


ACTIONS: dict[str, tuple[str, Callable[[World], str], Callable[[World], dict[str, Any]]]] = {
    "distribute": (
        "manager",
        lambda w: f"{w.base}/assignments/distribute/",
        lambda w: {"annotators": [w.users["annotator"].pk], "documents": [w.document.pk]},
    ),
    "skip": (
        "annotator",
        lambda w: f"{w.base}/assignments/{w.assignment.pk}/skip/",
        lambda w: {"reason": "Paywalled", "time_spent_seconds": 5},
    ),
    "assign": (
        "manager",
        lambda w: f"{w.base}/assignments/",
        lambda w: {"document": w.other_document.pk, "annotator": w.users["reviewer"].pk},
    ),
    "bulk": (
        "manager",
        lambda w: f"{w.base}/documents/bulk/",
        lambda w: {"documents": [{"text": "A", "title": "T", "metadata": {"k": "v"}}]},
    ),
    "evidence": (
        "annotator",
        lambda w: f"{w.base}/spans/",
        lambda w: {
            "document": w.document.pk,
            "label": "denial",
            "start": 0,
            "end": 3,
            "evidence": [{"stance": "supports", "url": "https://example.org", "note": "n"}],
        },
    ),
    "members": (
        "manager",
        lambda w: f"{w.base}/members/",
        lambda w: {"user": w.users["outsider"].pk, "username": "outsider", "role": "reviewer"},
    ),
    "accounts": (
        "manager",
        lambda w: f"{w.base}/members/accounts/",
        lambda w: {"username": "newbie", "email": "newbie@example.org", "role": "annotator"},
    ),
    "move": (
        "manager",
        lambda w: f"{w.base}/assignments/move/",
        lambda w: {
            "from_annotator": w.users["annotator"].pk,
            "to_annotators": [w.membership.user_id],
        },
    ),
    "remove": (
        "manager",
        lambda w: f"{w.base}/members/{w.membership.pk}/remove/",
        lambda w: {"open_work": "reassign"},
    ),
    "token": (
        "anonymous",
        lambda w: "/api/v1/auth/token/",
        lambda w: {"username": "x", "password": "y"},
    ),
}


def _variants(body: dict[str, Any]):
    """The body with each field, and each field of a nested object, replaced by each junk value."""
    for field, value in body.items():
        for junk in JUNK:
            yield {**body, field: junk}
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for inner in value[0]:
                for junk in JUNK:
                    yield {**body, field: [{**value[0], inner: junk}]}


@pytest.mark.parametrize("name", ACTIONS)
def test_junk_in_action_bodies_never_causes_a_500(world, name):
    role, url, body = ACTIONS[name]
    client = _client(world, role)
    client.raise_request_exception = False
    for variant in _variants(body(world)):
        response = client.post(url(world), variant, format="json")
        assert response.status_code < 500, (name, variant, response.content[:300])


def test_manager_deletes_a_project_with_spans_gold_and_verdict_history(world, client_for):
    project, document = world.project, world.document
    gold = GoldSpan.objects.create(
        project=project,
        document=document,
        label=project.labels.get(key="claim"),
        status=project.statuses.get(key="false"),
        start=4,
        end=12,
        quote="ministry",
    )
    gold.source_spans.add(world.span)
    VerdictChange.objects.create(
        gold_span=gold,
        from_status=project.statuses.get(key="unverified"),
        to_status=project.statuses.get(key="false"),
    )
    response = client_for(world.users["manager"]).delete(f"/api/v1/projects/{project.pk}/")
    assert response.status_code == 204
    assert not Project.objects.filter(pk=project.pk).exists()
    assert not Span.objects.filter(project_id=project.pk).exists()
    assert not GoldSpan.objects.filter(project_id=project.pk).exists()
    assert not VerdictChange.objects.exists()
    assert not Label.objects.filter(project_id=project.pk).exists()


# --- the rules of annotations.permissions, one row per situation --------------------------------
#
# Each rule is called as the code calls it: ``access`` from ``project_access``, ``my_role`` as
# ``project_list`` annotates it, ``document`` as ``visible_document`` returns it. The outsider is no
# member, so ``project_access`` finds nothing and a rule that takes ``access`` is never asked: the
# views answer 404 first (NOT_MEMBER below). A new public function in permissions.py needs rows.

RULE_PERSONAS = ("manager", "reviewer", "annotator", "outsider")
OK = "passes"  # a check_* that raises nothing
NOT_MEMBER = "no ProjectAccess: 404 before any rule"
Answer = bool | str | type[DomainError]


def _set_blind(world: World, blind: bool) -> dict[str, Any]:
    world.project.blind = blind
    world.project.save(update_fields=["blind"])
    return {}


def _skipped_document(world: World) -> dict[str, Any]:
    world.assignment.state = "skipped"
    world.assignment.save(update_fields=["state"])
    return {"document": world.document}


def _archive(world: World, archived: bool) -> dict[str, Any]:
    world.project.archived_at = timezone.now() if archived else None
    world.project.save(update_fields=["archived_at"])
    return {"project": world.project}


def _annotator2(world: World) -> Any:
    return world.membership.user


# Each situation sets the world up once per test and names the objects the rules are asked about.
SITUATIONS: dict[str, Callable[[World], dict[str, Any]]] = {
    "member": lambda w: {},
    "blind project": lambda w: _set_blind(w, True),
    "open project": lambda w: _set_blind(w, False),
    "project not archived": lambda w: _archive(w, False),
    "archived project": lambda w: _archive(w, True),
    "document assigned to the annotator": lambda w: {"document": w.document},
    "document the annotator skipped": _skipped_document,
    "document assigned to nobody": lambda w: {"document": w.other_document},
    "the annotator's span": lambda w: {"span": w.span},
    "the manager's span": lambda w: {"span": make_span(w.other_document, w.users["manager"], 0, 6)},
    "annotator2's span": lambda w: {"span": make_span(w.document, _annotator2(w), 0, 3)},
    "the document itself (no span)": lambda w: {"span": None},
    "the annotator's assignment": lambda w: {"assignment": w.assignment},
    "annotator2's assignment": lambda w: {
        "assignment": Assignment.objects.get(document=w.document, annotator=_annotator2(w))
    },
    "deleting documents (assign, unassign alike)": lambda w: {"action": "delete"},
    "exporting documents": lambda w: {"action": "export"},
}


def _context(world: World, user: Any, objects: dict[str, Any]) -> dict[str, Any]:
    """What the code has at hand when it asks a rule on behalf of ``user``."""
    access = project_access(user=user, project_id=world.project.pk)
    my_role = project_list(user=user).filter(pk=world.project.pk).values_list("my_role", flat=True)
    context = {"access": access, "user": user, "my_role": my_role.first(), **objects}
    if "document" in objects:
        # As the user may see it: for an annotator, with their assignment's state.
        document_id = objects["document"].pk
        context["document"] = access and visible_document(
            access=access, user=user, document_id=document_id
        )
    return context


# fmt: off
# Expected answer per persona:                                            manager    reviewer   annotator  outsider
RULES: dict[tuple[str, str], tuple[Answer, Answer, Answer, Answer]] = {
    ("can_manage", "member"):                                            (True,      False,     False,     NOT_MEMBER),
    ("can_review", "member"):                                            (True,      True,      False,     NOT_MEMBER),
    ("can_annotate", "member"):                                          (True,      True,      True,      NOT_MEMBER),
    ("can_add_spans", "document assigned to the annotator"):             (True,      True,      True,      NOT_MEMBER),
    ("can_add_spans", "document the annotator skipped"):                 (True,      True,      False,     NOT_MEMBER),
    # Not visible to the annotator (visible_document: None, and the view answers 400 first).
    ("can_add_spans", "document assigned to nobody"):                    (True,      True,      False,     NOT_MEMBER),
    ("can_change_project", "member"):                                    (True,      False,     False,     False),
    ("can_create_accounts", "member"):                                   (True,      False,     False,     NOT_MEMBER),
    ("can_comment_without_adjudication", "blind project"):               (True,      True,      False,     NOT_MEMBER),
    ("can_comment_without_adjudication", "open project"):                (True,      True,      True,      NOT_MEMBER),
    ("check_review", "member"):                                          (OK,        OK,        NotFound,  NOT_MEMBER),
    ("check_add_spans", "document assigned to the annotator"):           (OK,        OK,        OK,        NOT_MEMBER),
    ("check_add_spans", "document the annotator skipped"):               (OK,        OK,        Forbidden, NOT_MEMBER),
    ("check_add_spans", "document assigned to nobody"):                  (OK,        OK,        Forbidden, NOT_MEMBER),
    # Takes no access: everyone, managers and outsiders too, changes only their own spans.
    ("check_own_span", "the annotator's span"):                          (Forbidden, Forbidden, OK,        Forbidden),
    ("check_own_span", "the manager's span"):                            (OK,        Forbidden, Forbidden, Forbidden),
    ("check_change_assignment", "the annotator's assignment"):           (OK,        Forbidden, OK,        NOT_MEMBER),
    ("check_change_assignment", "annotator2's assignment"):              (OK,        Forbidden, Forbidden, NOT_MEMBER),
    ("check_change_project", "member"):                                  (OK,        Forbidden, Forbidden, Forbidden),
    ("check_create_accounts", "member"):                                 (OK,        Forbidden, Forbidden, NOT_MEMBER),
    ("can_act_on_documents", "deleting documents (assign, unassign alike)"): (True,  False,     False,     NOT_MEMBER),
    ("can_act_on_documents", "exporting documents"):                     (True,      True,      False,     NOT_MEMBER),
    # The documents table is not the annotators': 404, as for the reviewer pages.
    ("check_act_on_documents", "deleting documents (assign, unassign alike)"): (OK,  Forbidden, NotFound,  NOT_MEMBER),
    ("check_act_on_documents", "exporting documents"):                   (OK,        OK,        NotFound,  NOT_MEMBER),
    ("check_comment", "the annotator's span"):                           (OK,        OK,        OK,        NOT_MEMBER),
    ("check_comment", "annotator2's span"):                              (OK,        OK,        Forbidden, NOT_MEMBER),
    ("check_comment", "the document itself (no span)"):                  (OK,        OK,        Forbidden, NOT_MEMBER),
    # Takes the project, not an access: an archived project is read only for every role (the
    # outsider never gets this far: 404 first).
    ("check_project_open", "project not archived"):                      (OK,        OK,        OK,        OK),
    ("check_project_open", "archived project"):                          (Conflict,  Conflict,  Conflict,  Conflict),
}
# fmt: on


def _public_rules() -> dict[str, Callable[..., Any]]:
    return {
        name: value
        for name, value in vars(permissions).items()
        if inspect.isfunction(value)
        and value.__module__ == permissions.__name__
        and not name.startswith("_")
    }


def test_every_public_rule_has_rows_in_the_table():
    in_table = {name for name, _ in RULES}
    public = set(_public_rules())
    assert public - in_table == set(), (
        "Add rows to RULES in tests/test_permissions.py (one per situation, an answer per persona) "
        f"for: {sorted(public - in_table)}"
    )
    assert in_table - public == set(), f"RULES names no such function: {sorted(in_table - public)}"


def _answer(rule: Callable[..., Any], context: dict[str, Any]) -> Answer:
    parameters = inspect.signature(rule).parameters
    if "access" in parameters and context["access"] is None:
        return NOT_MEMBER
    try:
        result = rule(**{name: context[name] for name in parameters})
    except DomainError as exc:
        return type(exc)
    return OK if rule.__name__.startswith("check_") else result


@pytest.mark.parametrize(
    ("rule_name", "situation"), [pytest.param(*row, id=f"{row[0]}-{row[1]}") for row in RULES]
)
def test_rule_table(world, rule_name, situation):
    rule = _public_rules()[rule_name]
    expected = dict(zip(RULE_PERSONAS, RULES[rule_name, situation], strict=True))
    objects = SITUATIONS[situation](world)
    answers = {
        persona: _answer(rule, _context(world, world.users[persona], objects))
        for persona in RULE_PERSONAS
    }
    assert answers == expected
