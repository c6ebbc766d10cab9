"""The manager's console for a project's set-up: creating a project and its settings, archiving,
and the labels and statuses page, with the services and API actions behind them.

The rules live in ``annotations.services.projects`` and ``annotations.permissions``; the API and
the pages go through them, so a duplicate hotkey or a name in use gives the same message in both,
shown next to the field on the page. Personas: the project's manager, its reviewer and annotator,
and an outsider (a member of another project only), who gets 404 everywhere.
"""

from __future__ import annotations

import re
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from annotations.errors import Conflict, InvalidInput
from annotations.models import (
    Assignment,
    Document,
    Label,
    Membership,
    Project,
    Role,
    Span,
    VerificationStatus,
)
from annotations.services import projects as project_services
from annotations.services.projects import (
    label_create,
    label_move,
    label_update,
    labels_reorder,
    project_archive,
    project_unarchive,
    status_create,
    status_move,
    statuses_reorder,
)
from tests.factories import UserFactory, make_span


@pytest.fixture
def page_client():
    def make(user) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


def labels_in_order(project: Project) -> list[tuple[str, str]]:
    """(name, hotkey) as ``GET labels/`` lists them."""
    from annotations.selectors.projects import project_labels

    return [(label.name, label.shortcut) for label in project_labels(project=project)]


def field_error(html: str, field_id: str) -> str:
    """The error Django renders next to the field ``field_id`` (its ``<ul id="…_error">``)."""
    found = re.search(rf'<ul class="errorlist" id="{field_id}_error">(.*?)</ul>', html, re.S)
    assert found, f"no error shown next to #{field_id}"
    return re.sub(r"<[^>]+>", "", found.group(1)).replace("&#x27;", "'").strip()


# --- services: labels ----------------------------------------------------------------------------


def test_a_new_label_gets_a_key_from_its_name_and_goes_last(project):
    label = label_create(project=project, fields={"name": "Attribution", "shortcut": "4"})
    assert (label.key, label.order) == ("attribution", 3)
    again = label_create(project=project, fields={"name": "attribution!", "key": ""})
    assert again.key == "attribution_2"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": "CLAIM"}, "name", "already used by the label 'Claim'"),
        ({"name": "Rumour", "shortcut": "1"}, "shortcut", "already used by the label 'Claim'"),
        ({"name": "Rumour", "shortcut": "n"}, "shortcut", "'next document'"),
        ({"name": "Rumour", "shortcut": " "}, "shortcut", "visible character"),
        ({"name": "Rumour", "shortcut": "12"}, "shortcut", "one character"),
        ({"name": "Rumour", "color": "red"}, "color", "six hex digits"),
        ({"name": "Rumour", "description": "two\nlines"}, "description", "One line"),
        ({"name": "Rumour", "key": "claim"}, "key", "already used"),
        ({"name": "Rumour", "key": "not a slug"}, "key", "Letters, digits"),
        ({"name": "  "}, "name", "Give the label a name"),
    ],
    ids=[
        "name-in-use-ignoring-case",
        "hotkey-in-use",
        "workspace-key",
        "blank-hotkey-char",
        "long-hotkey",
        "bad-colour",
        "two-lines",
        "key-in-use",
        "bad-key",
        "blank-name",
    ],
)
def test_label_rules(project, fields, field, message, db_snapshot):
    before = db_snapshot()
    with pytest.raises(InvalidInput) as caught:
        label_create(project=project, fields=fields)
    assert field in caught.value.detail
    assert message in caught.value.detail[field][0]
    assert db_snapshot() == before


def test_every_problem_is_named_at_once(project):
    with pytest.raises(InvalidInput) as caught:
        label_create(project=project, fields={"name": "claim", "shortcut": "2", "color": "x"})
    assert set(caught.value.detail) == {"name", "shortcut", "color"}


def test_a_clash_that_slips_past_the_check_names_the_field(project):
    """Two managers at once: the database's constraint refuses the second, and the answer is the
    check's (a field error), not a 500 or a bare 409."""
    with mock.patch.object(project_services, "_check_label"), pytest.raises(InvalidInput) as caught:
        label_create(project=project, fields={"name": "claim"})
    assert "name" in caught.value.detail
    with mock.patch.object(project_services, "_check_label"), pytest.raises(InvalidInput) as caught:
        label_create(project=project, fields={"name": "Rumour", "shortcut": "2"})
    assert "shortcut" in caught.value.detail


def test_retiring_frees_the_hotkey_and_bringing_back_checks_it(project, document, annotator):
    claim = project.labels.get(key="claim")
    span = make_span(document, annotator, 4, 12)
    label_update(label=claim, changes={"retired": True})
    rumour = label_create(project=project, fields={"name": "Rumour", "shortcut": "1"})
    with pytest.raises(InvalidInput) as caught:
        label_update(label=claim, changes={"retired": False})
    assert "now used by the label 'Rumour'" in caught.value.detail["shortcut"][0]
    # With another hotkey (given at the same time) it comes back.
    label_update(label=claim, changes={"retired": False, "shortcut": "9"})
    span.refresh_from_db()
    assert span.label_id == claim.pk
    assert rumour.shortcut == "1"


def test_hotkey_order_digits_then_letters_then_the_others_by_position(project):
    label_create(project=project, fields={"name": "Zeta", "shortcut": "z"})
    label_create(project=project, fields={"name": "Big A", "shortcut": "A"})
    label_create(project=project, fields={"name": "Attribution", "shortcut": "4"})
    label_create(project=project, fields={"name": "Unkeyed"})
    label_update(label=project.labels.get(key="denial"), changes={"retired": True})
    assert labels_in_order(project) == [
        ("Claim", "1"),
        ("Verifiable fact", "3"),
        ("Attribution", "4"),
        ("Big A", "A"),
        ("Zeta", "z"),
        ("Denial", "2"),  # retired: its hotkey is inactive, so it stands by position
        ("Unkeyed", ""),
    ]


def test_reordering_labels_with_hotkeys_trades_their_hotkeys(project):
    claim, denial, fact = (
        project.labels.get(key=k) for k in ("claim", "denial", "verifiable_fact")
    )
    rumour = label_create(project=project, fields={"name": "Rumour"})
    other = label_create(project=project, fields={"name": "Other"})
    labels = labels_reorder(
        project=project, ordered_ids=[fact.pk, claim.pk, denial.pk, other.pk, rumour.pk]
    )
    assert [(label.name, label.shortcut) for label in labels] == [
        ("Verifiable fact", "1"),
        ("Claim", "2"),
        ("Denial", "3"),
        ("Other", ""),
        ("Rumour", ""),
    ]
    assert labels_in_order(project) == [(label.name, label.shortcut) for label in labels]


def test_a_label_without_hotkey_cannot_go_before_one_with(project, db_snapshot):
    claim, denial, fact = (
        project.labels.get(key=k) for k in ("claim", "denial", "verifiable_fact")
    )
    rumour = label_create(project=project, fields={"name": "Rumour"})
    before = db_snapshot()
    with pytest.raises(InvalidInput) as caught:
        labels_reorder(project=project, ordered_ids=[claim.pk, rumour.pk, denial.pk, fact.pk])
    assert "Give 'Rumour' a hotkey to move it up" in caught.value.detail["ids"][0]
    assert db_snapshot() == before


@pytest.mark.parametrize(
    ("ids", "problem"),
    [
        (lambda ids: ids[:-1], "leaves out"),
        (lambda ids: [*ids, ids[0]], "repeats"),
        (lambda ids: [*ids, 999_999], "names no label of this project"),
    ],
    ids=["missing", "repeated", "unknown"],
)
def test_reorder_needs_every_label_once(project, ids, problem):
    current = [label.pk for label in project.labels.all()]
    with pytest.raises(InvalidInput) as caught:
        labels_reorder(project=project, ordered_ids=ids(current))
    assert problem in caught.value.detail["ids"][0]


def test_moving_a_label_one_place(project):
    denial = project.labels.get(key="denial")
    label_move(label=denial, offset=-1)
    assert labels_in_order(project) == [("Denial", "1"), ("Claim", "2"), ("Verifiable fact", "3")]
    label_move(label=project.labels.get(key="denial"), offset=-1)  # already first: no change
    assert labels_in_order(project)[0] == ("Denial", "1")


def test_statuses_reorder_and_move(project):
    statuses = list(project.statuses.order_by("order"))
    statuses_reorder(project=project, ordered_ids=[s.pk for s in reversed(statuses)])
    assert list(project.statuses.order_by("order").values_list("key", flat=True)) == [
        "unverifiable",
        "misleading",
        "false",
        "true",
        "unverified",
    ]
    status_move(status=project.statuses.get(key="true"), offset=-1)
    assert list(project.statuses.order_by("order").values_list("key", flat=True))[2:4] == [
        "true",
        "false",
    ]


def test_status_rules_are_the_labels(project):
    with pytest.raises(InvalidInput) as caught:
        status_create(project=project, fields={"name": "TRUE", "color": "#12345"})
    assert set(caught.value.detail) == {"name", "color"}
    created = status_create(project=project, fields={"name": "Needs source"}, make_initial=True)
    assert (created.key, created.is_initial) == ("needs_source", True)


# --- services: the project ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": " "}, "name"),
        ({"annotators_per_document": 0}, "annotators_per_document"),
        ({"annotators_per_document": 51}, "annotators_per_document"),
        ({"guidelines": "x" * 100_001}, "guidelines"),
    ],
)
def test_project_settings_rules(project, changes, field, client_for, manager):
    response = client_for(manager).patch(f"/api/v1/projects/{project.pk}/", changes, format="json")
    assert response.status_code == 400
    assert field in response.json()
    with pytest.raises(InvalidInput) as caught:
        project_services.project_update(project=project, changes=changes)
    assert field in caught.value.detail


def test_archiving_twice_keeps_the_first_date(project):
    first = project_archive(project=project).archived_at
    assert first is not None
    assert project_archive(project=project).archived_at == first
    assert project_unarchive(project=project).archived_at is None


# --- archive: the API ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("manager", 200), ("reviewer", 403), ("annotator", 403), ("outsider", 404)],
)
def test_who_may_archive(project, client_for, persona, expected, request, db_snapshot):
    user = request.getfixturevalue(persona)
    before = db_snapshot()
    response = client_for(user).post(f"/api/v1/projects/{project.pk}/archive/")
    assert response.status_code == expected
    if expected == 200:
        assert response.json()["archived_at"] is not None
        assert response.json()["my_role"] == "manager"
        response = client_for(user).post(f"/api/v1/projects/{project.pk}/unarchive/")
        assert response.json()["archived_at"] is None
    else:
        assert db_snapshot() == before


def test_archived_at_is_read_only(project, client_for, manager):
    response = client_for(manager).patch(
        f"/api/v1/projects/{project.pk}/", {"archived_at": "2020-01-01T00:00:00Z"}, format="json"
    )
    assert response.status_code == 200
    project.refresh_from_db()
    assert project.archived_at is None


def test_an_archived_project_refuses_writes_and_serves_reads(
    project, document, manager, annotator, reviewer, client_for, db_snapshot
):
    span = make_span(document, annotator, 4, 12)
    project_archive(project=project)
    base = f"/api/v1/projects/{project.pk}"
    manager_api, annotator_api = client_for(manager), client_for(annotator)
    assignment = Assignment.objects.get(document=document, annotator=annotator)
    before = db_snapshot()
    writes = [
        (
            annotator_api,
            "post",
            "/spans/",
            {"document": document.pk, "label": "denial", "start": 0, "end": 3},
        ),
        (annotator_api, "patch", f"/spans/{span.pk}/", {"note": "late", "version": span.version}),
        (annotator_api, "delete", f"/spans/{span.pk}/", None),
        (annotator_api, "post", f"/assignments/{assignment.pk}/submit/", {}),
        (manager_api, "post", "/assignments/", {"document": document.pk, "annotator": reviewer.pk}),
        (manager_api, "post", "/documents/", {"text": "New text."}),
        (manager_api, "post", "/documents/bulk/", {"documents": [{"text": "Bulk text."}]}),
        (manager_api, "patch", f"/documents/{document.pk}/", {"title": "Renamed"}),
        (manager_api, "post", "/labels/", {"name": "Rumour"}),
        (manager_api, "patch", f"/labels/{project.labels.get(key='claim').pk}/", {"name": "X"}),
        (manager_api, "post", "/statuses/", {"name": "Pending"}),
        (manager_api, "patch", "/", {"name": "Renamed"}),
    ]
    for client, method, path, body in writes:
        url = f"{base}{path}" if path != "/" else f"{base}/"
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code == 409, (method, path, response.content[:300])
        body_json = response.json()
        assert body_json["code"] == "project_archived"
        assert "archived" in body_json["detail"]
        assert "unarchive" in body_json["detail"]
    assert db_snapshot() == before
    # Reads and exports go on.
    assert annotator_api.get(f"{base}/spans/").status_code == 200
    assert manager_api.get(f"{base}/documents/{document.pk}/").status_code == 200
    assert manager_api.get(f"{base}/labels/").status_code == 200
    export = manager_api.post(f"{base}/exports/", {"format": "jsonl"}, format="json")
    assert export.status_code == 202
    # Unarchiving restores writing.
    assert manager_api.post(f"{base}/unarchive/").status_code == 200
    response = annotator_api.post(
        f"{base}/spans/",
        {"document": document.pk, "label": "denial", "start": 0, "end": 3},
        format="json",
    )
    assert response.status_code == 201


def test_an_archived_project_refuses_imports(project, manager, client_for, tmp_path):
    from annotations.services.document_imports import import_path

    project_archive(project=project)
    path = tmp_path / "docs.jsonl"
    path.write_text('{"text": "An article."}\n', encoding="utf-8")
    with pytest.raises(Conflict):
        import_path(project=project, path=path)
    with path.open("rb") as fp:
        response = client_for(manager).post(
            f"/api/v1/projects/{project.pk}/imports/", {"file": [fp]}, format="multipart"
        )
    assert response.status_code == 409
    assert not Document.objects.filter(project=project).exists()


# --- labels and statuses: the API ----------------------------------------------------------------


def test_labels_api_lists_in_hotkey_order_with_descriptions(project, client_for, manager):
    api = client_for(manager)
    base = f"/api/v1/projects/{project.pk}/labels/"
    response = api.post(
        base,
        {"name": "Attribution", "shortcut": "0", "description": "Who said it, not what."},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["key"] == "attribution"
    labels = api.get(base).json()
    assert [(label["name"], label["shortcut"]) for label in labels] == [
        ("Attribution", "0"),
        ("Claim", "1"),
        ("Denial", "2"),
        ("Verifiable fact", "3"),
    ]
    assert labels[0]["description"] == "Who said it, not what."


def test_api_and_service_give_the_same_message(project, client_for, manager):
    response = client_for(manager).post(
        f"/api/v1/projects/{project.pk}/labels/", {"name": "cLaIm"}, format="json"
    )
    assert response.status_code == 400
    with pytest.raises(InvalidInput) as caught:
        label_create(project=project, fields={"name": "cLaIm"})
    assert response.json()["name"] == caught.value.detail["name"]


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("manager", 200), ("reviewer", 403), ("annotator", 403), ("outsider", 404)],
)
def test_reorder_action(project, client_for, persona, expected, request):
    ids = [label.pk for label in project.labels.order_by("-shortcut")]  # 3, 2, 1
    response = client_for(request.getfixturevalue(persona)).post(
        f"/api/v1/projects/{project.pk}/labels/reorder/", {"ids": ids}, format="json"
    )
    assert response.status_code == expected
    if expected == 200:
        assert [(label["name"], label["shortcut"]) for label in response.json()] == [
            ("Verifiable fact", "1"),
            ("Denial", "2"),
            ("Claim", "3"),
        ]


def test_reorder_action_names_ids(project, client_for, manager):
    url = f"/api/v1/projects/{project.pk}/labels/reorder/"
    api = client_for(manager)
    for body in ({"ids": [1]}, {"ids": []}, {"ids": "x"}, {"ids": [0]}, {}):
        response = api.post(url, body, format="json")
        assert response.status_code == 400, body
        assert "ids" in response.json()
    statuses = [s.pk for s in project.statuses.order_by("-order")]
    response = api.post(
        f"/api/v1/projects/{project.pk}/statuses/reorder/", {"ids": statuses}, format="json"
    )
    assert response.status_code == 200
    assert response.json()[0]["key"] == "unverifiable"


# --- pages: new project and settings --------------------------------------------------------------


def test_anyone_signed_in_creates_a_project_and_manages_it(page_client, outsider):
    client = page_client(outsider)
    assert client.get("/projects/new/").status_code == 200
    response = client.post(
        "/projects/new/",
        {
            "name": "Election claims",
            "description": "Claims made during the *campaign*.",
            "guidelines": "# Labels\n\nTag **claims**.",
            "annotators_per_document": "2",
            "blind": "on",
        },
    )
    project = Project.objects.get(name="Election claims")
    assert response.status_code == 302
    assert response["Location"] == f"/projects/{project.pk}/settings/"
    assert Membership.objects.get(project=project, user=outsider).role == Role.MANAGER
    assert (project.annotators_per_document, project.blind) == (2, True)
    assert project.labels.count() == 3
    page = client.get(response["Location"]).content.decode()
    assert "created; you are its manager" in page
    detail = client.get(f"/projects/{project.pk}/").content.decode()
    assert "<h3>Labels</h3>" in detail
    assert "<em>campaign</em>" in detail


def test_new_project_page_needs_a_login(page_client, db):
    response = page_client(None).get("/projects/new/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_new_project_errors_are_shown_next_to_the_fields(page_client, outsider, db_snapshot):
    client = page_client(outsider)
    before = db_snapshot()
    response = client.post(
        "/projects/new/", {"name": "  ", "annotators_per_document": "0", "guidelines": "Kept"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required" in field_error(html, "id_name")
    assert "greater than or equal to 1" in field_error(html, "id_annotators_per_document")
    assert "\nKept</textarea>" in html  # what was typed is kept
    assert db_snapshot() == before


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("manager", 200), ("reviewer", 404), ("annotator", 404), ("outsider", 404)],
)
def test_settings_page_is_for_managers(project, page_client, persona, expected, request):
    client = page_client(request.getfixturevalue(persona))
    assert client.get(f"/projects/{project.pk}/settings/").status_code == expected
    response = client.post(f"/projects/{project.pk}/settings/", {"name": "Taken over"})
    assert response.status_code == (400 if expected == 200 else 404)
    assert client.get(f"/projects/{project.pk}/settings/archive/").status_code == expected
    assert client.post(f"/projects/{project.pk}/settings/archive/").status_code in (
        302 if expected == 200 else 404,
    )


def test_settings_are_saved_and_guidelines_rendered_safely(project, page_client, manager):
    client = page_client(manager)
    guidelines = "## Claims\n\n<script>alert('x')</script>\n\n[bad](javascript:alert(1)) *ok*"
    response = client.post(
        f"/projects/{project.pk}/settings/",
        {
            "name": "Denials 2",
            "description": "",
            "guidelines": guidelines,
            "annotators_per_document": "3",
        },
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.name, project.guidelines, project.blind) == ("Denials 2", guidelines, False)
    for path in (f"/projects/{project.pk}/settings/", f"/projects/{project.pk}/"):
        html = client.get(path).content.decode()
        assert "<h4>Claims</h4>" in html
        assert "alert('x')" not in html.split("<textarea")[0] + html.split("</textarea>")[-1]
        assert 'href="javascript' not in html


def test_settings_of_an_archived_project_say_so_next_to_the_form(project, page_client, manager):
    client = page_client(manager)
    assert client.post(f"/projects/{project.pk}/settings/archive/").status_code == 302
    project.refresh_from_db()
    assert project.archived_at is not None
    html = client.get(f"/projects/{project.pk}/settings/").content.decode()
    assert 'id="archived-banner"' in html
    assert "<fieldset disabled>" in html
    response = client.post(
        f"/projects/{project.pk}/settings/",
        {"name": "Renamed", "annotators_per_document": "2"},
    )
    assert response.status_code == 409
    assert "is archived, so it is read only" in response.content.decode()
    assert client.post(f"/projects/{project.pk}/settings/unarchive/").status_code == 302
    project.refresh_from_db()
    assert project.archived_at is None


def test_projects_page_lists_archived_projects_apart(project, page_client, manager):
    open_project = project_services.project_create(creator=manager, name="Still open")
    project_archive(project=project)
    html = page_client(manager).get("/").content.decode()
    assert 'id="btn-new-project"' in html
    active, archived = html.split('id="archived-projects"')
    assert "Still open" in active
    assert project.name not in active
    assert project.name in archived
    assert "Archived (1)" in archived
    assert open_project.name not in archived


def test_next_document_of_an_archived_project_opens_read_only(
    project, document, page_client, annotator
):
    project_archive(project=project)
    response = page_client(annotator).post(f"/projects/{project.pk}/next/")
    assert response.status_code == 302
    assert response["Location"] == f"/projects/{project.pk}/documents/{document.pk}/"
    assert Assignment.objects.get(document=document, annotator=annotator).state == "assigned"
    page = page_client(annotator).get(response["Location"]).content.decode()
    assert '"archived": true' in page


# --- pages: labels and statuses --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("manager", 200), ("reviewer", 404), ("annotator", 404), ("outsider", 404)],
)
def test_labels_page_is_for_managers(project, page_client, persona, expected, request, db_snapshot):
    client = page_client(request.getfixturevalue(persona))
    claim = project.labels.get(key="claim")
    assert client.get(f"/projects/{project.pk}/labels/").status_code == expected
    if expected == 404:
        before = db_snapshot()
        for path, body in (
            ("labels/add/", {"label-name": "X", "label-color": "#000000"}),
            (f"labels/{claim.pk}/", {"label-name": "X", "label-color": "#000000"}),
            (f"labels/{claim.pk}/move/", {"direction": "down"}),
            (f"labels/{claim.pk}/retire/", {"retired": "1"}),
            (f"labels/{claim.pk}/delete/", {}),
            ("statuses/add/", {"status-name": "X", "status-color": "#000000"}),
        ):
            assert client.post(f"/projects/{project.pk}/{path}", body).status_code == 404
        assert db_snapshot() == before


def test_a_label_of_another_project_is_404(project, page_client, manager):
    other = project_services.project_create(creator=UserFactory(username="m2"), name="B")
    foreign = other.labels.get(key="claim")
    client = page_client(manager)
    response = client.post(f"/projects/{project.pk}/labels/{foreign.pk}/retire/", {"retired": "1"})
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert not foreign.retired


def _add_label(client, project, **fields):
    data = {"label-color": "#1f77b4", **{f"label-{k}": v for k, v in fields.items()}}
    return client.post(f"/projects/{project.pk}/labels/add/", data)


@pytest.mark.parametrize(
    ("fields", "field_id", "message"),
    [
        (
            {"name": "Rumour", "shortcut": "2"},
            "id_label-shortcut",
            "already used by the label 'Denial'",
        ),
        ({"name": "denial"}, "id_label-name", "already used by the label 'Denial'"),
        ({"name": "Rumour", "color": "blue"}, "id_label-color", "six hex digits"),
        ({"name": "Rumour", "shortcut": "?"}, "id_label-shortcut", "keyboard help"),
    ],
    ids=["duplicate-hotkey", "name-in-use", "bad-colour", "workspace-key"],
)
def test_label_errors_are_shown_next_to_the_field(
    project, page_client, manager, fields, field_id, message, db_snapshot
):
    client = page_client(manager)  # logging in changes the user's last_login
    before = db_snapshot()
    response = _add_label(client, project, **fields)
    assert response.status_code == 400
    assert message in field_error(response.content.decode(), field_id)
    assert db_snapshot() == before


def test_manager_adds_edits_moves_and_retires_labels(
    project, document, annotator, page_client, manager
):
    client = page_client(manager)
    response = _add_label(
        client, project, name="Attribution", shortcut="4", description="Who is speaking."
    )
    assert response.status_code == 302
    assert response["Location"] == f"/projects/{project.pk}/labels/#labels"
    attribution = project.labels.get(name="Attribution")
    assert (attribution.shortcut, attribution.description, attribution.key) == (
        "4",
        "Who is speaking.",
        "attribution",
    )
    html = client.get(response["Location"]).content.decode()
    assert "Label &#x27;Attribution&#x27; added with hotkey 4." in html
    order = re.findall(r'<tr data-label="([a-z_]+)"', html)
    assert order == ["claim", "denial", "verifiable_fact", "attribution"]

    # Edit: the form is filled in, and a change is saved.
    html = client.get(f"/projects/{project.pk}/labels/?label={attribution.pk}").content.decode()
    assert 'value="Who is speaking."' in html
    response = client.post(
        f"/projects/{project.pk}/labels/{attribution.pk}/",
        {
            "label-name": "Attribution",
            "label-shortcut": "4",
            "label-color": "#aa00aa",
            "label-description": "Who said it.",
            "label-key": "attribution",
        },
    )
    assert response.status_code == 302
    attribution.refresh_from_db()
    assert (attribution.color, attribution.description) == ("#aa00aa", "Who said it.")

    # Move Denial up: it takes Claim's place and its hotkey.
    denial = project.labels.get(key="denial")
    response = client.post(f"/projects/{project.pk}/labels/{denial.pk}/move/", {"direction": "up"})
    assert response.status_code == 302
    assert labels_in_order(project)[:2] == [("Denial", "1"), ("Claim", "2")]
    html = client.get(response["Location"]).content.decode()
    assert "Hotkeys follow the order" in html

    # Retire a label in use: its spans keep it.
    span = make_span(document, annotator, 4, 12, label_key="verifiable_fact")
    fact = project.labels.get(key="verifiable_fact")
    response = client.post(f"/projects/{project.pk}/labels/{fact.pk}/retire/", {"retired": "1"})
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert "1 span keeps this label, intact." in html
    fact.refresh_from_db()
    span.refresh_from_db()
    assert fact.retired
    assert span.label_id == fact.pk

    # A used label has no delete button; an unused one does, and it goes.
    assert f"labels/{fact.pk}/delete/" not in html
    assert f"labels/{attribution.pk}/delete/" in html
    client.post(f"/projects/{project.pk}/labels/{attribution.pk}/delete/")
    assert not Label.objects.filter(pk=attribution.pk).exists()


def test_a_label_without_hotkey_cannot_move_above_one_with(project, page_client, manager):
    client = page_client(manager)
    _add_label(client, project, name="Rumour")
    rumour = project.labels.get(name="Rumour")
    html = client.get(f"/projects/{project.pk}/labels/").content.decode()
    row = html.split(f'data-id="{rumour.pk}"')[1].split("</tr>")[0]
    assert 'aria-label="Move Rumour up" title="Labels with a hotkey come first' in row
    response = client.post(f"/projects/{project.pk}/labels/{rumour.pk}/move/", {"direction": "up"})
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert "Give &#x27;Rumour&#x27; a hotkey to move it up" in html
    assert labels_in_order(project)[-1] == ("Rumour", "")


def test_manager_adds_a_status_and_makes_it_initial(project, page_client, manager):
    client = page_client(manager)
    response = client.post(
        f"/projects/{project.pk}/statuses/add/",
        {
            "status-name": "Needs source",
            "status-color": "#607d8b",
            "status-description": "Nobody found the origin yet.",
            "status-is_initial": "on",
        },
    )
    assert response.status_code == 302
    created = VerificationStatus.objects.get(project=project, name="Needs source")
    assert created.is_initial
    assert project.statuses.filter(is_initial=True).count() == 1
    # The initial status's box cannot be unticked (another status must become initial).
    html = client.get(f"/projects/{project.pk}/labels/?status={created.pk}").content.decode()
    assert re.search(r'<input type="checkbox" name="status-is_initial"[^>]*disabled', html)
    response = client.post(
        f"/projects/{project.pk}/statuses/add/",
        {"status-name": "needs SOURCE", "status-color": "#607d8b"},
    )
    assert response.status_code == 400
    assert "already used by the status" in field_error(response.content.decode(), "id_status-name")


def test_retiring_the_initial_status_is_refused_with_a_message(project, page_client, manager):
    initial = project.statuses.get(is_initial=True)
    client = page_client(manager)
    response = client.post(
        f"/projects/{project.pk}/statuses/{initial.pk}/retire/", {"retired": "1"}, follow=True
    )
    assert "make another status initial first" in response.content.decode()
    initial.refresh_from_db()
    assert not initial.retired


def test_labels_page_of_an_archived_project_is_read_only(project, page_client, manager):
    project_archive(project=project)
    client = page_client(manager)
    html = client.get(f"/projects/{project.pk}/labels/").content.decode()
    assert 'id="archived-banner"' in html
    response = _add_label(client, project, name="Rumour")
    assert response.status_code == 409
    assert "is archived" in response.content.decode()
    assert not project.labels.filter(name="Rumour").exists()


def test_workspace_gets_labels_in_hotkey_order_with_descriptions(
    project, document, page_client, annotator
):
    label_create(
        project=project, fields={"name": "Attribution", "shortcut": "0", "description": "Who."}
    )
    html = page_client(annotator).get(f"/projects/{project.pk}/documents/{document.pk}/")
    names = re.findall(r'"name": "([^"]+)", "color"', html.content.decode())
    assert names[:4] == ["Attribution", "Claim", "Denial", "Verifiable fact"]
    assert '"description": "Who."' in html.content.decode()


def test_new_project_form_limits_match_the_service():
    from annotations.forms.projects import ProjectForm

    field = ProjectForm().fields["annotators_per_document"]
    assert (field.min_value, field.max_value) == (1, project_services.MAX_ANNOTATORS_PER_DOCUMENT)


def test_archiving_keeps_everything(project, document, annotator):
    make_span(document, annotator, 4, 12)
    counts = (Span.objects.count(), Document.objects.count(), Assignment.objects.count())
    archived = project_archive(project=project)
    assert (Span.objects.count(), Document.objects.count(), Assignment.objects.count()) == counts
    assert archived.archived_at <= timezone.now()
