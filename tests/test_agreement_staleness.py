"""Every input of an agreement report marks it stale, and the refresh that follows reports what a
full recomputation reports. What is no input (membership, roles, labels, statuses) leaves the
report current and its figures those of a full recomputation.

Each test: a current report; one change through the API; ``stale`` as the API answers it; the
refresh a worker runs (``refresh_incremental``); then ``stale: false`` and the same figures as
``refresh_full``, which recomputes every document from the rows.
"""

from __future__ import annotations

import io
import json

import pytest

from annotations.models import AgreementReport, Assignment, Role
from annotations.services.agreement import refresh_full, refresh_incremental
from annotations.services.annotation_imports import import_annotations, parse
from annotations.services.document_imports import import_path
from tests.factories import (
    DocumentFactory,
    UserFactory,
    add_member,
    assign,
    make_project,
    make_span,
)
from tests.figures import same_figures

TEXT = "The ministry said no civilians were hurt. Local officials counted twelve casualties."


@pytest.fixture
def setup(db, client_for):
    """Two annotators who submitted two documents: one with spans, one with none (both marked
    nothing, which is agreement too)."""
    manager = UserFactory(username="lead")
    project = make_project(manager, name="Staleness", annotators_per_document=2)
    a, b = UserFactory(username="coder-a"), UserFactory(username="coder-b")
    for user in (a, b):
        add_member(project, user, Role.ANNOTATOR)
    spanned = DocumentFactory(project=project, text=TEXT)
    blank = DocumentFactory(project=project, text=TEXT)
    for document in (spanned, blank):
        for user in (a, b):
            assign(document, user, state="submitted")
    make_span(spanned, a, 4, 40)
    make_span(spanned, a, 42, 83, label_key="denial")
    make_span(spanned, b, 4, 30)
    make_span(spanned, b, 50, 83, label_key="denial")
    refresh_full(project_id=project.pk)
    assert not api_stale(client_for(manager), project)
    return project, manager, (a, b), (spanned, blank)


def api_stale(client, project) -> bool:
    response = client.get(f"/api/v1/projects/{project.pk}/agreement/")
    assert response.status_code == 200, response.content
    return response.json()["stale"]


def refreshed_equals_full(client, project) -> AgreementReport:
    """The worker's refresh makes the report current, with a full recomputation's figures."""
    refresh_incremental(project_id=project.pk)
    assert not api_stale(client, project)
    refreshed = AgreementReport.objects.filter(project=project).first()
    full = refresh_full(project_id=project.pk)
    same_figures(refreshed.metrics, full.metrics)
    assert refreshed.fingerprint == full.fingerprint
    return refreshed


def test_editing_the_text_of_a_submitted_document_without_spans(setup, client_for):
    """The issue's case: the report kept saying current, with the figures of the old length."""
    project, manager, (a, _), (_, blank) = setup
    client = client_for(manager)
    before = AgreementReport.objects.filter(project=project).first()
    longer = TEXT + " The ministry later withdrew its statement."
    response = client.patch(
        f"/api/v1/projects/{project.pk}/documents/{blank.pk}/", {"text": longer}, format="json"
    )
    assert response.status_code == 200, response.content
    assert api_stale(client, project)
    refreshed = refreshed_equals_full(client, project)
    assert refreshed.metrics["character_alpha"]["value"] != pytest.approx(
        before.metrics["character_alpha"]["value"]
    )
    # And the refreshes after it go on from the new intermediate, not the old one.
    make_span(blank, a, 0, 3)
    refreshed_equals_full(client, project)


def test_editing_only_the_title_leaves_the_report_current(setup, client_for):
    project, manager, _, (_, blank) = setup
    client = client_for(manager)
    response = client.patch(
        f"/api/v1/projects/{project.pk}/documents/{blank.pk}/", {"title": "New"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert not api_stale(client, project)


@pytest.mark.parametrize("change", ["create", "update", "delete"])
def test_span_writes(setup, client_for, change):
    project, manager, (a, _), (spanned, _) = setup
    client, mine = client_for(manager), client_for(a)
    url = f"/api/v1/projects/{project.pk}/spans/"
    span = spanned.spans.filter(annotator=a).first()
    if change == "create":
        response = mine.post(
            url,
            {"document": spanned.pk, "label": span.label_id, "start": 60, "end": 70},
            format="json",
        )
    elif change == "update":
        response = mine.patch(
            f"{url}{span.pk}/", {"version": span.version, "end": 20}, format="json"
        )
    else:
        response = mine.delete(f"{url}{span.pk}/")
    assert response.status_code in (200, 201, 204), response.content
    assert api_stale(client, project)
    refreshed_equals_full(client, project)


@pytest.mark.parametrize("change", ["reopen", "submit", "unassign"])
def test_submissions(setup, client_for, change):
    project, manager, (a, _), (spanned, _) = setup
    client = client_for(manager)
    assignment = Assignment.objects.get(document=spanned, annotator=a)
    url = f"/api/v1/projects/{project.pk}/assignments/{assignment.pk}/"
    if change == "unassign":
        response = client.delete(url)
    else:
        if change == "submit":  # a reopened document is submitted again
            response = client_for(a).post(f"{url}reopen/", {}, format="json")
            assert response.status_code == 200, response.content
            refresh_incremental(project_id=project.pk)
            assert not api_stale(client, project)
        response = client_for(a).post(f"{url}{change}/", {}, format="json")
    assert response.status_code in (200, 204), response.content
    assert api_stale(client, project)
    refreshed_equals_full(client, project)


@pytest.mark.parametrize("how", ["one", "bulk", "txt_folder", "annotations", "delete"])
def test_which_documents_there_are(setup, client_for, how, tmp_path):
    """A full run counts every document (a new one as skipped, with fewer than two coders), so
    adding or deleting one, by any of the ways the app adds them, changes the report."""
    project, manager, (a, _), (_, blank) = setup
    client = client_for(manager)
    url = f"/api/v1/projects/{project.pk}/documents/"
    if how == "one":
        response = client.post(url, {"title": "New", "text": TEXT}, format="json")
        assert response.status_code == 201, response.content
    elif how == "bulk":
        response = client.post(
            f"{url}bulk/", {"documents": [{"text": TEXT}, {"text": TEXT[:40]}]}, format="json"
        )
        assert response.status_code == 201, response.content
    elif how == "txt_folder":
        for name in ("one", "two"):
            (tmp_path / f"{name}.txt").write_text(f"Title {name}\n{TEXT}", encoding="utf-8")
        assert all(r.ok for r in import_path(project=project, path=tmp_path))
    elif how == "annotations":  # one annotator's doccano file: a span in one document, none in one
        lines = [{"text": TEXT, "label": [[0, 12, "claim"]]}, {"text": TEXT[:40], "label": []}]
        raw = io.BytesIO("\n".join(json.dumps(line) for line in lines).encode())
        documents, report = parse(raw, "doccano", annotator=a.username)
        assert import_annotations(project=project, documents=documents, report=report).ok
    else:
        assert client.delete(f"{url}{blank.pk}/").status_code == 204
    assert api_stale(client, project)
    refreshed = refreshed_equals_full(client, project)
    skipped = refreshed.metrics["documents"]["skipped"]
    assert skipped == (0 if how == "delete" else 1 if how == "one" else 2)


def test_gold_standard(setup, client_for):
    project, manager, _, (spanned, _) = setup
    client = client_for(manager)
    url = f"/api/v1/projects/{project.pk}/adjudication/{spanned.pk}/"
    span = spanned.spans.first()
    assert client.post(f"{url}accept/", {"spans": [span.pk]}, format="json").status_code == 201
    state = client.post(f"{url}state/", {"state": "adjudicated"}, format="json")
    assert state.status_code == 200, state.content
    assert api_stale(client, project)
    refreshed = refreshed_equals_full(client, project)
    assert refreshed.metrics["gold"]


def test_membership_roles_labels_and_statuses_are_no_inputs(setup, client_for):
    """Changing them leaves the figures what a full recomputation gives, so the report is current
    and says so; the names it shows are read at request time."""
    project, manager, (a, b), _ = setup
    client = client_for(manager)
    base = f"/api/v1/projects/{project.pk}"
    newcomer = UserFactory(username="newcomer")
    changes = [
        client.post(f"{base}/members/", {"user": newcomer.pk, "role": "annotator"}, format="json"),
        client.patch(
            f"{base}/members/{project.memberships.get(user=a).pk}/",
            {"role": "reviewer"},
            format="json",
        ),
        client.delete(f"{base}/members/{project.memberships.get(user=b).pk}/"),
        client.post(f"{base}/labels/", {"key": "rumour", "name": "Rumour"}, format="json"),
        client.patch(
            f"{base}/labels/{project.labels.get(key='denial').pk}/",
            {"retired": True},
            format="json",
        ),
        client.delete(f"{base}/labels/{project.labels.get(key='verifiable_fact').pk}/"),
        client.patch(
            f"{base}/statuses/{project.statuses.get(key='misleading').pk}/",
            {"retired": True},
            format="json",
        ),
    ]
    assert [r.status_code for r in changes] == [201, 200, 204, 201, 200, 204, 200], [
        r.content for r in changes
    ]
    assert not api_stale(client, project)
    latest = AgreementReport.objects.filter(project=project).first()
    full = refresh_full(project_id=project.pk)
    same_figures(latest.metrics, full.metrics)
    assert latest.fingerprint == full.fingerprint
    assert b.pk in full.metrics["annotators"]  # a former member's submitted work still counts
