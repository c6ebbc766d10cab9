"""Dashboard API: figures checked against counts made independently of the code under test, a
fixed number of queries whatever the size, and who may see it."""

from __future__ import annotations

import pytest

from annotations.models import Role
from annotations.services.agreement import refresh_incremental
from annotations.services.assignments import assignment_transition
from annotations.services.spans import span_create
from tests.factories import DocumentFactory, UserFactory, add_member, assign, make_project

TEXT = "The ministry said no civilians were hurt. Local officials counted twelve casualties."


def build(project, coders, documents: int):
    claim, denial = project.labels.get(key="claim"), project.labels.get(key="denial")
    for i in range(documents):
        doc = DocumentFactory(project=project, text=TEXT)
        for j, coder in enumerate(coders):
            assignment = assign(doc, coder)
            if (i + j) % 3 == 2:
                continue  # stays assigned
            span_create(annotator=coder, document=doc, label=claim, start=0, end=40 - j)
            if j == 0:
                span_create(annotator=coder, document=doc, label=denial, start=42, end=84)
            assignment.time_spent_seconds = 10 * (j + 1) + i
            assignment.save()
            assignment_transition(assignment=assignment, action="submit")


@pytest.fixture
def team(db):
    manager = UserFactory(username="dash-manager")
    project = make_project(manager, name="Dash", annotators_per_document=3)
    coders = [UserFactory(username=f"d{i}") for i in range(3)]
    for coder in coders:
        add_member(project, coder, Role.ANNOTATOR)
    return project, manager, coders


def test_progress_figures(team, client_for):
    project, manager, coders = team
    build(project, coders, documents=6)
    DocumentFactory(project=project)  # unassigned
    body = client_for(manager).get(f"/api/v1/projects/{project.pk}/dashboard/").json()

    # document i: coder j skips submitting when (i + j) % 3 == 2, so exactly one coder of each
    # document has not submitted: 2 submissions each, none complete (3 wanted).
    assert body["documents"] == {
        "total": 7,
        "unassigned": 1,
        "not_started": 0,
        "partly_submitted": 6,
        "complete": 0,
        "adjudicated": 0,
    }
    rows = {r["username"]: r for r in body["annotators"]}
    for j, coder in enumerate(coders):
        submitted_docs = [i for i in range(6) if (i + j) % 3 != 2]
        row = rows[coder.username]
        assert row["assignments"] == 6
        assert (row["assigned"], row["submitted"]) == (2, len(submitted_docs)) == (2, 4)
        middle_two = sorted(10 * (j + 1) + i for i in submitted_docs)[1:3]
        assert row["median_seconds_per_document"] == pytest.approx(sum(middle_two) / 2)
        expected_spans = len(submitted_docs) * (2 if j == 0 else 1)
        assert row["spans"] == expected_spans
        assert row["spans_per_document"] == pytest.approx(expected_spans / 4)
    denial_id = str(project.labels.get(key="denial").pk)
    assert rows["d0"]["labels"][denial_id] == 4
    assert denial_id not in rows["d1"]["labels"]  # the annotator who never tags denials
    assert body["agreement"] is None and body["agreement_stale"] is True
    assert body["workers"]["alive"] is True


def test_agreement_section_mirrors_the_report(team, client_for):
    project, manager, coders = team
    build(project, coders, documents=6)
    report = refresh_incremental(project_id=project.pk)
    body = client_for(manager).get(f"/api/v1/projects/{project.pk}/dashboard/").json()
    section = body["agreement"]
    assert section["report_id"] == report.pk
    assert section["alpha"]["value"] == report.metrics["character_alpha"]["value"]
    assert section["bootstrap"] == report.metrics["character_alpha"]["bootstrap"]
    assert {tuple(p["annotators"]) for p in section["pairs"]} == {
        (coders[0].pk, coders[1].pk),
        (coders[0].pk, coders[2].pk),
        (coders[1].pk, coders[2].pk),
    }
    assert [t["report_id"] for t in body["trend"]] == [report.pk]
    assert body["agreement_stale"] is False


def test_documents_table_rows_carry_each_documents_unitizing_alpha(team, client_for):
    project, manager, coders = team
    build(project, coders, documents=4)
    report = refresh_incremental(project_id=project.pk)
    body = client_for(manager).get(f"/api/v1/projects/{project.pk}/dashboard/").json()
    queue = body["agreement"]["queue"]
    ranked = {row["document_id"]: row for row in report.metrics["documents_ranked"]}
    assert [row["document_id"] for row in queue] == list(ranked)
    for row in queue:
        # Two coders marked claims of different lengths on every document: defined everywhere.
        assert isinstance(row["unitizing_alpha"], float) and row["unitizing_reason"] is None
        assert row["unitizing_alpha"] == ranked[row["document_id"]]["unitizing_alpha"]


def test_query_count_does_not_grow_with_the_project(
    team, client_for, django_assert_max_num_queries
):
    project, manager, coders = team
    build(project, coders, documents=2)
    refresh_incremental(project_id=project.pk)
    client = client_for(manager)
    url = f"/api/v1/projects/{project.pk}/dashboard/"
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(url)
    build(project, coders, documents=12)
    refresh_incremental(project_id=project.pk)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)


def test_only_reviewers_and_managers(team, client_for, reviewer, outsider):
    project, manager, coders = team
    add_member(project, reviewer, Role.REVIEWER)
    url = f"/api/v1/projects/{project.pk}/dashboard/"
    assert client_for(reviewer).get(url).status_code == 200
    assert client_for(coders[0]).get(url).status_code == 404
    assert client_for(outsider).get(url).status_code == 404
    assert client_for().get(url).status_code == 401
