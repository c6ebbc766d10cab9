"""List endpoints issue a fixed number of queries, whatever the number of rows on the page: no
N+1. Each case measures a small page and a large page over the same data, and a list with few rows
against one with many; the larger may not cost a single query more."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.models import (
    Assignment,
    Document,
    Evidence,
    Job,
    JobKind,
    Label,
    Membership,
    Role,
    Span,
    VerificationStatus,
)
from tests.factories import UserFactory, make_project

MANY = 30


@dataclass
class Setup:
    viewer: object
    url: str
    add_rows: Callable[[int], None]  # add n more rows to what the url lists


def _users(prefix: str, n: int) -> list:
    return [UserFactory(username=f"{prefix}{i}") for i in range(n)]


def _docs(project, n: int) -> list[Document]:
    start = Document.objects.count()
    return Document.objects.bulk_create(
        Document(project=project, title=f"D{start + i}", text=f"Article {start + i} text.")
        for i in range(n)
    )


def setup_projects(manager, annotator, project) -> Setup:
    def add(n: int) -> None:
        for i in range(n):
            other = make_project(manager, name=f"P{i}")
            Membership.objects.create(project=other, user=annotator, role=Role.ANNOTATOR)
            Assignment.objects.create(
                project=other, document=_docs(other, 1)[0], annotator=annotator
            )

    return Setup(annotator, "/api/v1/projects/", add)


def setup_members(manager, annotator, project) -> Setup:
    def add(n: int) -> None:
        for user in _users(f"m{Membership.objects.count()}-", n):
            Membership.objects.create(project=project, user=user, role=Role.ANNOTATOR)

    return Setup(manager, f"/api/v1/projects/{project.pk}/members/", add)


def setup_labels(manager, annotator, project) -> Setup:
    def add(n: int) -> None:
        base = Label.objects.count()
        Label.objects.bulk_create(
            Label(project=project, key=f"l{base + i}", name=f"L{base + i}") for i in range(n)
        )

    return Setup(annotator, f"/api/v1/projects/{project.pk}/labels/", add)


def setup_statuses(manager, annotator, project) -> Setup:
    def add(n: int) -> None:
        base = VerificationStatus.objects.count()
        VerificationStatus.objects.bulk_create(
            VerificationStatus(project=project, key=f"s{base + i}", name=f"S{base + i}")
            for i in range(n)
        )

    return Setup(annotator, f"/api/v1/projects/{project.pk}/statuses/", add)


def setup_documents(manager, annotator, project) -> Setup:
    def add(n: int) -> None:
        for doc in _docs(project, n):
            Assignment.objects.create(project=project, document=doc, annotator=annotator)

    return Setup(annotator, f"/api/v1/projects/{project.pk}/documents/", add)


def setup_assignments(manager, annotator, project) -> Setup:
    users = _users("a", 3)
    for user in users:
        Membership.objects.create(project=project, user=user, role=Role.ANNOTATOR)

    def add(n: int) -> None:
        for i, doc in enumerate(_docs(project, n)):
            Assignment.objects.create(project=project, document=doc, annotator=users[i % 3])

    return Setup(manager, f"/api/v1/projects/{project.pk}/assignments/", add)


def _add_spans(project, document, users, n: int) -> None:
    labels = list(project.labels.all())
    status = project.statuses.get(is_initial=True)
    base = Span.objects.filter(document=document).count()
    spans = Span.objects.bulk_create(
        Span(
            project=project,
            document=document,
            annotator=users[i % len(users)],
            label=labels[i % len(labels)],
            start=base + i,
            end=base + i + 1,
            quote=document.text[base + i],
            status=status,
        )
        for i in range(n)
    )
    Evidence.objects.bulk_create(
        Evidence(span=span, stance=stance, note=f"{stance} {span.pk}")
        for span in spans
        for stance in ("supports", "refutes")
    )


def setup_spans(manager, annotator, project) -> Setup:
    project.blind = False  # the annotator reads others' spans too: the costlier filter
    project.save()
    others = _users("s", 2)
    (document,) = _docs(project, 1)
    document.text = "x" * 200
    document.save()
    Assignment.objects.create(project=project, document=document, annotator=annotator)
    for user in others:
        Membership.objects.create(project=project, user=user, role=Role.ANNOTATOR)
        Assignment.objects.create(project=project, document=document, annotator=user)
    return Setup(
        annotator,
        f"/api/v1/projects/{project.pk}/spans/",
        lambda n: _add_spans(project, document, [annotator, *others], n),
    )


def setup_document_detail(manager, annotator, project) -> Setup:
    setup = setup_spans(manager, annotator, project)
    document = Document.objects.get(project=project)
    setup.url = f"/api/v1/projects/{project.pk}/documents/{document.pk}/"
    return setup


def setup_jobs(manager, annotator, project) -> Setup:
    def add(n: int) -> None:
        Job.objects.bulk_create(
            Job(project=project, kind=JobKind.EXPORT, created_by=manager) for _ in range(n)
        )

    return Setup(manager, f"/api/v1/projects/{project.pk}/jobs/", add)


SETUPS = {
    "projects": setup_projects,
    "members": setup_members,
    "labels": setup_labels,
    "statuses": setup_statuses,
    "documents": setup_documents,
    "assignments": setup_assignments,
    "spans": setup_spans,
    "document-detail": setup_document_detail,
    "jobs": setup_jobs,
}


def _measure(client, url: str, page_size: int) -> tuple[int, int]:
    """(queries, rows returned) of one GET."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, {"page_size": page_size})
    assert response.status_code == 200, response.content
    body = response.json()
    if isinstance(body, dict):
        rows = body["results"] if "results" in body else body["spans"]
    else:
        rows = body
    return len(ctx.captured_queries), len(rows)


@pytest.mark.parametrize("name", SETUPS)
def test_list_query_count_does_not_grow_with_rows(
    name, manager, annotator, project, client_for, django_assert_max_num_queries
):
    setup = SETUPS[name](manager, annotator, project)
    client = client_for(setup.viewer)
    setup.add_rows(2)
    few_queries, few_rows = _measure(client, setup.url, 200)
    setup.add_rows(MANY)
    small_page_queries, small_page_rows = _measure(client, setup.url, 5)

    with django_assert_max_num_queries(max(few_queries, small_page_queries)):
        _, rows = _measure(client, setup.url, 200)

    assert rows >= MANY > few_rows  # the large page really held more rows
    assert few_queries <= 6, f"{name}: {few_queries} queries for one list"


def test_job_list_asks_the_broker_once_not_once_per_job(
    manager, project, client_for, settings, monkeypatch
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    calls = []

    def no_workers() -> list[str]:
        calls.append(1)
        return []

    monkeypatch.setattr("workbench.heartbeat.alive_workers", no_workers)
    Job.objects.bulk_create(
        Job(project=project, kind=JobKind.EXPORT, created_by=manager) for _ in range(MANY)
    )
    rows = client_for(manager).get(f"/api/v1/projects/{project.pk}/jobs/").json()["results"]
    assert len(rows) == MANY
    assert all(row["waiting_for_worker"].startswith("Waiting for a worker") for row in rows)
    assert len(calls) == 1
