"""The documents table: the selector (states, every filter, search with pending vectors, order,
scope), the documents API's parameters and 400s, the bulk action per persona, the page, and the
background search index (filled after commits, caught up by the sweep)."""

from __future__ import annotations

import re
from types import SimpleNamespace
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from annotations.models import (
    AdjudicationState,
    Assignment,
    Document,
    DocumentAdjudication,
    DocumentAgreement,
    GoldSpan,
    Job,
    JobKind,
    Project,
    ProjectAgreement,
)
from annotations.selectors import document_table as table
from annotations.selectors.access import ProjectAccess
from annotations.selectors.document_table import (
    DocumentCount,
    DocumentTableIds,
    DocumentTableQuery,
    document_table,
    document_table_all_ids,
    document_table_page,
    document_table_rows,
    plain_search_terms,
)
from annotations.services import background
from annotations.services.document_imports import import_records
from annotations.services.documents import document_create, document_update
from annotations.services.projects import project_archive
from annotations.services.search_index import (
    search_index_fill,
    search_index_pending_projects,
    search_index_sweep,
)
from tests.factories import DocumentFactory, UserFactory, assign, make_project, make_span

Query = DocumentTableQuery

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="full-text search vectors are PostgreSQL's"
)

TEXTS = {
    "strike": "The ministry denied any strike took place near the border.",
    "ministers": "Two ministers said unemployment fell to 4.2 percent in March.",
    "budget": "The central bank governor defended the budget deficit figures.",
    "rally": "Thousands attended a rally in the capital on Sunday.",
    "inflation": "Inflation rose sharply, the statistics office said.",
    "quiet": "Nothing happened in the port city this week.",
}


def ids(queryset) -> list[int]:
    return list(queryset.values_list("id", flat=True))


@pytest.fixture
def access_of():
    def make(project: Project, user) -> ProjectAccess:
        role = project.memberships.get(user=user).role
        return ProjectAccess(project=project, role=role)

    return make


@pytest.fixture
def board(project, manager, annotator, annotator2, reviewer):
    """Six documents, one per state of the work, with spans, gold, agreement and a batch:

    * ``none``: no assignment (unassigned);
    * ``skipped``: annotator skipped it (unassigned: skipped work does not count);
    * ``assigned``: annotator assigned, annotator2 submitted (open);
    * ``progress``: annotator in progress (open);
    * ``complete``: both submitted, spans by both, agreement 0.2 (complete);
    * ``adjudicated``: annotator submitted, annotator2 skipped, closed adjudication with a gold
      span of the denial label and the "false" status (complete, adjudicated), agreement 0.9.
    """
    labels = {label.key: label for label in project.labels.all()}
    statuses = {status.key: status for status in project.statuses.all()}
    batch = Job.objects.create(
        project=project, kind=JobKind.IMPORT, params={"files": [{"name": "wire.jsonl"}]}
    )
    docs = {}
    for key, text in zip(
        ("none", "skipped", "assigned", "progress", "complete", "adjudicated"),
        TEXTS.values(),
        strict=True,
    ):
        docs[key] = DocumentFactory(project=project, title=f"{key} story", text=text)
    Document.objects.filter(pk__in=[docs["none"].pk, docs["skipped"].pk]).update(import_job=batch)
    assign(docs["skipped"], annotator, "skipped")
    assign(docs["assigned"], annotator, "assigned")
    assign(docs["assigned"], annotator2, "submitted")
    assign(docs["progress"], annotator, "in_progress")
    assign(docs["complete"], annotator, "submitted")
    assign(docs["complete"], annotator2, "submitted")
    assign(docs["adjudicated"], annotator, "submitted")
    assign(docs["adjudicated"], annotator2, "skipped")
    make_span(docs["complete"], annotator, 0, 3, "claim")
    make_span(docs["complete"], annotator2, 4, 12, "claim")
    make_span(docs["complete"], annotator2, 13, 19, "verifiable_fact")
    make_span(docs["assigned"], annotator2, 0, 3, "denial")
    for key, alpha, reason in (
        ("complete", 0.2, ""),
        ("adjudicated", 0.9, ""),
        ("none", None, "fewer than two annotators"),
    ):
        DocumentAgreement.objects.update_or_create(
            document=docs[key],
            defaults={"project": project, "alpha": alpha, "alpha_reason": reason, "dirty": False},
        )
    DocumentAdjudication.objects.create(
        document=docs["adjudicated"],
        project=project,
        state=AdjudicationState.ADJUDICATED,
        adjudicated_by=manager,
        adjudicated_at=timezone.now(),
    )
    GoldSpan.objects.create(
        project=project,
        document=docs["adjudicated"],
        label=labels["denial"],
        start=0,
        end=4,
        quote=docs["adjudicated"].text[0:4],
        status=statuses["false"],
    )
    return SimpleNamespace(docs=docs, labels=labels, statuses=statuses, batch=batch)


def pks(board, *keys: str) -> list[int]:
    return [board.docs[key].pk for key in keys]


# --- states and filters --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("unassigned", ["none", "skipped"]),
        ("open", ["assigned", "progress"]),
        ("complete", ["complete", "adjudicated"]),
    ],
)
def test_each_document_is_in_exactly_one_state(board, project, manager, access_of, state, expected):
    found = ids(document_table(access_of(project, manager), manager, state=state))
    assert found == pks(board, *expected)


def test_rows_show_the_state_counts_and_agreement(board, project, manager, access_of):
    access = access_of(project, manager)
    rows = {row.id: row for row in document_table_rows(access, manager, pks(board, *board.docs))}
    assert [rows[pk].state for pk in pks(board, *board.docs)] == [
        "unassigned",
        "unassigned",
        "open",
        "open",
        "complete",
        "complete",
    ]
    complete = rows[board.docs["complete"].pk]
    assert (complete.assigned, complete.submitted, complete.spans) == (2, 2, 3)
    assert (complete.agreement, complete.agreement_stale, complete.adjudicated) == (
        0.2,
        False,
        False,
    )
    adjudicated = rows[board.docs["adjudicated"].pk]
    assert (adjudicated.assigned, adjudicated.submitted, adjudicated.adjudicated) == (1, 1, True)
    none = rows[board.docs["none"].pk]
    assert (none.agreement, none.agreement_reason) == (None, "fewer than two annotators")
    assert none.import_job_id == board.batch.pk
    assert rows[board.docs["assigned"].pk].agreement_stale  # a span was added: dirty
    assert complete.assignment_state is None  # the manager has no assignment of it


def test_filters(board, project, manager, annotator, annotator2, access_of):
    access = access_of(project, manager)

    def found(**filters) -> list[int]:
        return ids(document_table(access, manager, **filters))

    assert found(annotator=annotator2.pk) == pks(board, "assigned", "complete", "adjudicated")
    assert found(annotator=annotator.pk) == pks(
        board, "skipped", "assigned", "progress", "complete", "adjudicated"
    )
    assert found(label=board.labels["claim"].pk) == pks(board, "complete")
    # A gold span counts as much as an annotator's.
    assert found(label=board.labels["denial"].pk) == pks(board, "assigned", "adjudicated")
    assert found(status=board.statuses["false"].pk) == pks(board, "adjudicated")
    assert found(status=board.statuses["unverified"].pk) == pks(board, "assigned", "complete")
    assert found(adjudicated=True) == pks(board, "adjudicated")
    assert board.docs["adjudicated"].pk not in found(adjudicated=False)
    assert len(found(adjudicated=False)) == 5
    assert found(agreement_below=0.5) == pks(board, "complete")  # no figure: not below
    assert found(agreement_below=1.0) == pks(board, "complete", "adjudicated")
    assert found(batch=board.batch.pk) == pks(board, "none", "skipped")
    assert found(state="complete", adjudicated=False) == pks(board, "complete")  # to adjudicate
    assert found(submitted=True) == pks(board, "assigned", "complete", "adjudicated")
    assert found(submitted=False) == pks(board, "none", "skipped", "progress")
    # The adjudication queue: documents with a submission, lowest agreement first.
    assert found(submitted=True, ordering="agreement") == pks(
        board, "complete", "adjudicated", "assigned"
    )
    assert found(state="open", annotator=annotator2.pk) == pks(board, "assigned")


def test_ids_of_another_project_match_nothing_and_are_refused_by_name(
    board, project, manager, access_of
):
    other = make_project(UserFactory(username="elsewhere"), name="Elsewhere")
    other_label = other.labels.first()
    other_batch = Job.objects.create(project=other, kind=JobKind.IMPORT)
    access = access_of(project, manager)
    assert ids(document_table(access, manager, label=other_label.pk)) == []
    assert ids(document_table(access, manager, batch=other_batch.pk)) == []
    query = DocumentTableQuery(
        label=other_label.pk,
        status=other.statuses.first().pk,
        annotator=other.created_by.pk,
        batch=other_batch.pk,
    )
    problems = table.document_table_query_problems(access, query)
    assert sorted(problems) == ["annotator", "batch", "label", "status"]


# --- scope ---------------------------------------------------------------------------------------


def test_an_annotator_sees_their_documents_and_their_own_work(
    board, project, annotator, annotator2, access_of
):
    access = access_of(project, annotator2)
    assert ids(document_table(access, annotator2)) == pks(
        board, "assigned", "complete", "adjudicated"
    )
    # Their own assignment decides the state: the document annotator2 skipped is unassigned to
    # them, though annotator submitted it.
    assert ids(document_table(access, annotator2, state="unassigned")) == pks(board, "adjudicated")
    assert ids(document_table(access, annotator2, state="complete")) == pks(
        board, "assigned", "complete"
    )
    rows = {r.id: r for r in document_table_rows(access, annotator2, pks(board, *board.docs))}
    assert sorted(rows) == pks(board, "assigned", "complete", "adjudicated")
    complete = rows[board.docs["complete"].pk]
    # Blind project: their own spans only, their own assignment, and no agreement figure.
    assert (complete.assigned, complete.submitted, complete.spans) == (1, 1, 2)
    assert (complete.agreement, complete.assignment_state) == (None, "submitted")
    # Annotator's "claim" span on the complete document is not theirs: not found by label.
    assert ids(document_table(access, annotator2, label=board.labels["claim"].pk)) == pks(
        board, "complete"
    )
    access1 = access_of(project, annotator)
    assert ids(document_table(access1, annotator, label=board.labels["verifiable_fact"].pk)) == []


def test_an_annotator_of_an_open_project_reads_every_span_of_their_documents(
    board, project, annotator, access_of
):
    project.blind = False
    project.save()
    access = access_of(project, annotator)
    fact = board.labels["verifiable_fact"].pk
    assert ids(document_table(access, annotator, label=fact)) == pks(board, "complete")
    [row] = document_table_rows(access, annotator, pks(board, "complete"))
    assert row.spans == 3


def test_reviewers_filters_are_refused_to_annotators(board, project, annotator, access_of):
    access = access_of(project, annotator)
    with pytest.raises(ValueError, match="agreement_below"):
        document_table(access, annotator, agreement_below=0.5)
    problems = table.document_table_query_problems(
        access, DocumentTableQuery(annotator=annotator.pk, agreement_below=0.5)
    )
    assert sorted(problems) == ["agreement_below", "annotator"]


# --- search --------------------------------------------------------------------------------------


def test_plain_search_terms_read_a_web_search():
    assert plain_search_terms('budget "central bank" -rally inflation or deficit') == [
        [("budget", False)],
        [("central bank", False)],
        [("rally", True)],
        [("inflation", False), ("deficit", False)],
    ]
    assert plain_search_terms('  "unclosed phrase ') == [[("unclosed phrase", False)]]
    assert plain_search_terms("or - ") == [[("or", False)], [("-", False)]]


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("ministry", ["none"]),
        ("MINISTRY", ["none"]),
        ('"central bank governor"', ["assigned"]),
        ("rally or inflation", ["progress", "complete"]),
        ("said -unemployment", ["complete"]),
        ("story", ["none", "skipped", "assigned", "progress", "complete", "adjudicated"]),
    ],
)
def test_search_without_vectors_scans_plainly(board, project, manager, access_of, search, expected):
    # Nothing filled the vectors: every document is pending, found by the plain scan (as on
    # SQLite, where there are no vectors at all).
    assert Document.objects.filter(project=project, search_vector__isnull=False).count() == 0
    found = ids(document_table(access_of(project, manager), manager, search=search))
    assert found == pks(board, *expected)


@postgres_only
def test_full_text_search_and_documents_still_pending(board, project, manager, access_of):
    access = access_of(project, manager)
    assert search_index_fill(project_id=project.pk) == 6
    assert Document.objects.filter(project=project, search_vector__isnull=True).count() == 0
    # Stemming (English configuration): "minister" finds "ministers", "ministries" "ministry".
    assert ids(document_table(access, manager, search="minister")) == pks(board, "skipped")
    assert ids(document_table(access, manager, search="ministries")) == pks(board, "none")
    assert ids(document_table(access, manager, search='"bank governor"')) == pks(board, "assigned")
    assert ids(document_table(access, manager, search="governor bank")) == pks(board, "assigned")
    assert ids(document_table(access, manager, search='"governor bank"')) == []  # word order
    # A document added a moment ago has no vector yet: the search still finds it, plainly.
    fresh = DocumentFactory(project=project, title="fresh", text="A minister resigned today.")
    assert fresh.search_vector is None
    assert ids(document_table(access, manager, search="minister")) == [
        *pks(board, "skipped"),
        fresh.pk,
    ]
    assert ids(document_table(access, manager, search="resigned")) == [fresh.pk]
    # A search combines with the filters.
    assert ids(document_table(access, manager, search="minister", state="unassigned")) == [
        *pks(board, "skipped"),
        fresh.pk,
    ]
    assert ids(document_table(access, manager, search="minister", state="open")) == []
    assert ids(document_table(access, manager, search="said", batch=board.batch.pk)) == pks(
        board, "skipped"
    )


@postgres_only
def test_a_search_is_counted_up_to_a_limit(board, project, manager, access_of, monkeypatch):
    access = access_of(project, manager)
    search_index_fill(project_id=project.pk)
    monkeypatch.setattr(table, "SEARCH_ID_LIMIT", 3)
    monkeypatch.setattr(table, "SEARCH_COUNT_LIMIT", 2)
    # A stop word matches nothing.
    assert DocumentTableIds(access, manager, Query(search="the")).total == DocumentCount(0, False)
    ids_ = DocumentTableIds(access, manager, Query(search="story"))
    assert ids_.total == DocumentCount(value=2, capped=True)
    page = document_table_page(access, manager, Query(search="story"), page=1, size=25)
    assert (page.count, page.count_capped, page.num_pages, len(page.rows)) == (2, True, 1, 2)
    # Under the limit, a search is read by id from the text index: counted exactly.
    monkeypatch.setattr(table, "SEARCH_ID_LIMIT", 100)
    ids_ = DocumentTableIds(access, manager, Query(search="story"))
    assert ids_.total == DocumentCount(value=6, capped=False)
    page = document_table_page(
        access, manager, Query(search="said", ordering="-id"), page=1, size=5
    )
    assert [r.id for r in page.rows] == pks(board, "complete", "skipped")
    # The planner settings of the count are put back inside the caller's transaction.
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_seqscan")
        assert cursor.fetchone() == ("on",)
    # Filters are counted exactly.
    monkeypatch.setattr(table, "SEARCH_COUNT_LIMIT", 1)
    assert DocumentTableIds(access, manager, Query(state="open")).total == DocumentCount(2, False)


@postgres_only
@pytest.mark.parametrize("limit", [100, 2])
def test_every_way_of_reading_a_search_finds_the_same_documents(
    board, project, manager, access_of, monkeypatch, limit
):
    """Read by id from the text index, or left to the planner past the limit: both agree with the
    plain queryset."""
    access = access_of(project, manager)
    search_index_fill(project_id=project.pk)
    monkeypatch.setattr(table, "SEARCH_ID_LIMIT", limit)
    for search in ("story", "said", '"bank governor"', "-ministry story"):
        query = Query(search=search, ordering="-title")
        expected = ids(document_table(access, manager, search=search, ordering="-title"))
        reader = DocumentTableIds(access, manager, query)
        assert reader[0:2] + reader[2:4] + reader[4:10] == expected, search
        assert document_table_all_ids(access, manager, query) == sorted(expected), search


# --- order and pages -----------------------------------------------------------------------------


def test_orderings_are_total_and_reverse(board, project, manager, access_of):
    access = access_of(project, manager)
    docs = board.docs
    Document.objects.filter(pk=docs["progress"].pk).update(title="same")
    Document.objects.filter(pk=docs["none"].pk).update(title="same")
    Document.objects.filter(pk=docs["complete"].pk).update(
        published_at=timezone.now() - timezone.timedelta(days=3)
    )
    Document.objects.filter(pk=docs["adjudicated"].pk).update(
        published_at=timezone.now() - timezone.timedelta(days=5)
    )

    def order(key: str) -> list[int]:
        return ids(document_table(access, manager, ordering=key))

    every = pks(board, *docs)
    assert order("id") == every
    assert order("-id") == every[::-1]
    for key in ("title", "created", "published", "agreement", "spans"):
        ascending, descending = order(key), order(f"-{key}")
        assert sorted(ascending) == every and sorted(descending) == every, key
    # Ties broken by id in the sort's direction.
    titles = order("title")
    assert titles.index(docs["none"].pk) < titles.index(docs["progress"].pk)
    assert order("-title").index(docs["progress"].pk) < order("-title").index(docs["none"].pk)
    # Documents without a figure last, in both directions.
    assert order("agreement")[:2] == pks(board, "complete", "adjudicated")
    assert order("-agreement")[:2] == pks(board, "adjudicated", "complete")
    assert order("published")[:2] == pks(board, "adjudicated", "complete")
    assert order("-published")[:2] == pks(board, "complete", "adjudicated")
    assert order("-spans")[:2] == pks(board, "complete", "assigned")


def test_a_page_reads_a_fixed_number_of_queries(
    board, project, manager, access_of, django_assert_max_num_queries
):
    access = access_of(project, manager)
    for _ in range(30):
        DocumentFactory(project=project)
    query = Query(ordering="-spans")
    with django_assert_max_num_queries(3):  # count, the page's ids, the page's rows
        page = document_table_page(access, manager, query, page=2, size=25)
    assert (page.number, page.num_pages, page.count, len(page.rows)) == (2, 2, 36, 11)
    assert document_table_page(access, manager, query, page=99, size=25).number == 2


# --- the API -------------------------------------------------------------------------------------


@pytest.fixture
def url(project):
    return f"/api/v1/projects/{project.pk}/documents/"


def test_the_list_takes_the_table_parameters(board, url, client_for, manager):
    response = client_for(manager).get(
        url, {"state": "complete", "adjudicated": "false", "ordering": "-id", "page_size": 5}
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["count"], body["count_capped"]) == (1, False)
    [row] = body["results"]
    assert row["id"] == board.docs["complete"].pk
    assert row["state"] == "complete" and row["spans"] == 3 and row["agreement"] == 0.2
    assert {"title", "source_url", "published_at", "metadata", "created_at", "batch"} <= set(row)
    assert "text" not in row


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"state": "done"}, "state"),
        ({"state": ""}, "state"),  # empty is not "any": the parameter is left out for that
        ({"annotator": ""}, "annotator"),
        ({"ordering": "text"}, "ordering"),
        ({"label": "999999"}, "label"),
        ({"label": "claim"}, "label"),
        ({"status": "0"}, "status"),
        ({"annotator": "999999"}, "annotator"),
        ({"adjudicated": "maybe"}, "adjudicated"),
        ({"submitted": "1"}, "submitted"),
        ({"agreement_below": "low"}, "agreement_below"),
        ({"agreement_below": "nan"}, "agreement_below"),
        ({"batch": "12"}, "batch"),
        ({"batch": "7a1b3d0e-1c55-4d3c-9b4c-2a4c0e9f0a11"}, "batch"),
        ({"search": "x" * 201}, "search"),
    ],
)
def test_bad_parameters_are_a_400_naming_them(board, url, client_for, manager, params, field):
    response = client_for(manager).get(url, params)
    assert response.status_code == 400
    assert field in response.json(), response.json()


def test_an_annotator_may_not_filter_by_others_work(board, url, client_for, annotator):
    client = client_for(annotator)
    response = client.get(url, {"agreement_below": "0.5"})
    assert response.status_code == 400 and "agreement_below" in response.json()
    assert client.get(url, {"annotator": annotator.pk}).status_code == 400
    body = client.get(url, {"state": "open"}).json()
    assert [r["id"] for r in body["results"]] == pks(board, "assigned", "progress")


def test_an_outsider_gets_404(board, url, client_for, outsider):
    assert client_for(outsider).get(url).status_code == 404


@postgres_only
def test_a_search_says_when_it_counted_up_to_the_limit(
    board, url, client_for, manager, monkeypatch
):
    search_index_fill(project_id=board.docs["none"].project_id)
    monkeypatch.setattr(table, "SEARCH_ID_LIMIT", 3)
    monkeypatch.setattr(table, "SEARCH_COUNT_LIMIT", 3)
    body = client_for(manager).get(url, {"search": "story", "page_size": 2}).json()
    assert (body["count"], body["count_capped"], len(body["results"])) == (3, True, 2)


# --- bulk actions --------------------------------------------------------------------------------


@pytest.fixture
def bulk_url(url):
    return f"{url}bulk-action/"


def test_bulk_assign_skips_what_the_member_already_has(
    board, bulk_url, client_for, manager, annotator2
):
    chosen = pks(board, "none", "skipped", "complete")
    response = client_for(manager).post(
        bulk_url,
        {"action": "assign", "documents": chosen, "annotator": annotator2.pk},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "action": "assign",
        "documents": 3,
        "changed": 2,
        "unchanged": 1,
        "job": None,
    }
    assert set(
        Assignment.objects.filter(annotator=annotator2, document_id__in=chosen).values_list(
            "document_id", "state"
        )
    ) == {
        (board.docs["none"].pk, "assigned"),
        (board.docs["skipped"].pk, "assigned"),
        (board.docs["complete"].pk, "submitted"),
    }


def test_bulk_unassign_removes_open_work_only(board, bulk_url, client_for, manager, annotator):
    response = client_for(manager).post(
        bulk_url,
        {"action": "unassign", "filter": {"annotator": annotator.pk}},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    # Everyone's open work on annotator's five documents: annotator's assigned and in-progress
    # documents; the six skipped or submitted assignments on them stay.
    assert (body["documents"], body["changed"], body["unchanged"]) == (5, 2, 6)
    assert sorted(
        Assignment.objects.filter(annotator=annotator).values_list("state", flat=True)
    ) == ["skipped", "submitted", "submitted"]


def test_bulk_delete_by_filter_recomputes_agreement(board, bulk_url, client_for, manager, project):
    ProjectAgreement.objects.update_or_create(project=project, defaults={"accumulator": {"x": 1}})
    response = client_for(manager).post(
        bulk_url, {"action": "delete", "filter": {"state": "unassigned"}}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["changed"] == 2
    assert not Document.objects.filter(pk__in=pks(board, "none", "skipped")).exists()
    assert Document.objects.filter(project=project).count() == 4
    assert ProjectAgreement.objects.get(project=project).accumulator is None


def test_bulk_export_of_chosen_documents(
    board, bulk_url, client_for, reviewer, django_capture_on_commit_callbacks
):
    chosen = pks(board, "none", "complete")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(reviewer).post(
            bulk_url, {"action": "export", "documents": chosen, "format": "jsonl"}, format="json"
        )
    assert response.status_code == 200, response.json()
    job = Job.objects.get(pk=response.json()["job"]["id"])
    assert job.params["documents"] == chosen and job.params["submitted_only"] is False
    job.refresh_from_db()
    assert job.state == "succeeded", job.error  # eager: written in the request
    assert job.result["documents"] == 2


@pytest.mark.parametrize(
    ("persona", "action", "status"),
    [
        ("manager", "assign", 200),
        ("manager", "export", 200),
        ("reviewer", "export", 200),
        ("reviewer", "assign", 403),
        ("reviewer", "unassign", 403),
        ("reviewer", "delete", 403),
        ("annotator", "export", 404),
        ("annotator", "delete", 404),
        ("outsider", "export", 404),
        ("outsider", "delete", 404),
    ],
)
def test_bulk_actions_per_persona(
    board, bulk_url, client_for, request, annotator2, persona, action, status, db_snapshot
):
    client = client_for(request.getfixturevalue(persona))
    before = db_snapshot()
    body = {"action": action, "documents": pks(board, "none"), "format": "csv"}
    if action == "assign":
        body["annotator"] = annotator2.pk
    response = client.post(bulk_url, body, format="json")
    assert response.status_code == status, response.json()
    if status != 200:
        assert db_snapshot() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"action": "assign", "documents": [1]}, "annotator"),
        ({"action": "export", "documents": [1]}, "format"),
        ({"action": "delete"}, "documents"),
        ({"action": "delete", "documents": [1], "filter": {}}, "documents"),
        ({"action": "delete", "documents": []}, "documents"),
        ({"action": "delete", "documents": ["1"]}, "documents"),
        ({"action": "archive", "documents": [1]}, "action"),
        ({"action": "delete", "filter": {"state": "done"}}, "filter"),
        ({"action": "delete", "filter": {"state": ""}}, "filter"),
        ({"action": "assign", "documents": [], "filter": False, "annotator": 1}, "filter"),
    ],
)
def test_bad_bulk_requests_name_the_field(board, bulk_url, client_for, manager, body, field):
    response = client_for(manager).post(bulk_url, body, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()


def test_documents_of_another_project_are_refused(board, bulk_url, client_for, manager, annotator):
    other = make_project(manager, name="Other")
    stranger = DocumentFactory(project=other)
    for action in ("assign", "delete", "export"):
        response = client_for(manager).post(
            bulk_url,
            {
                "action": action,
                "documents": [board.docs["none"].pk, stranger.pk],
                "annotator": annotator.pk,
                "format": "csv",
            },
            format="json",
        )
        assert response.status_code == 400 and "documents" in response.json(), action
    assert Document.objects.filter(pk=stranger.pk).exists()


def test_assigning_to_a_non_member_is_refused(board, bulk_url, client_for, manager, outsider):
    response = client_for(manager).post(
        bulk_url,
        {"action": "assign", "documents": pks(board, "none"), "annotator": outsider.pk},
        format="json",
    )
    assert response.status_code == 400 and "annotator" in response.json()


def test_an_archived_project_refuses_changes_but_exports(
    board, bulk_url, client_for, manager, project
):
    project_archive(project=project)
    for action in ("delete", "unassign"):
        response = client_for(manager).post(
            bulk_url, {"action": action, "documents": pks(board, "assigned")}, format="json"
        )
        assert response.status_code == 409, action
    response = client_for(manager).post(
        bulk_url,
        {"action": "export", "documents": pks(board, "assigned"), "format": "csv"},
        format="json",
    )
    assert response.status_code == 200


def test_one_action_takes_a_bounded_number_of_documents(board, bulk_url, client_for, manager):
    with mock.patch("annotations.services.document_bulk.BULK_MAX_DOCUMENTS", 2):
        response = client_for(manager).post(
            bulk_url, {"action": "delete", "filter": {}}, format="json"
        )
    assert response.status_code == 400
    assert "at most 2" in response.json()["documents"][0]


# --- the page ------------------------------------------------------------------------------------


@pytest.fixture
def page_url(project):
    return f"/projects/{project.pk}/documents/"


def logged_in(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("persona", "status"),
    [("manager", 200), ("reviewer", 200), ("annotator", 404), ("outsider", 404)],
)
def test_the_page_is_for_reviewers_and_managers(board, client, request, page_url, persona, status):
    response = logged_in(client, request.getfixturevalue(persona)).get(page_url)
    assert response.status_code == status


def test_the_page_filters_sorts_and_pages_from_the_query_string(board, client, manager, page_url):
    client = logged_in(client, manager)
    html = client.get(page_url, {"state": "open", "ordering": "-id"}).content.decode()
    rows = re.findall(r'<tr data-document="(\d+)"', html)
    assert rows == [str(pk) for pk in pks(board, "progress", "assigned")]
    assert "2 documents match" in html
    # Column headers keep the filters and toggle the direction; the page number is dropped.
    assert 'href="?state=open&amp;ordering=id"' in html
    for _ in range(60):
        DocumentFactory(project=board.docs["none"].project)
    html = client.get(page_url, {"page_size": "25", "page": "2"}).content.decode()
    assert "Page 2 of 3" in html
    assert len(re.findall(r'<tr data-document="', html)) == 25


def test_a_bad_filter_is_shown_on_its_field(board, client, manager, page_url):
    response = logged_in(client, manager).get(page_url, {"label": "999999", "state": "open"})
    html = response.content.decode()
    assert "No such label in this project." in html
    # The other filters still apply.
    assert re.findall(r'<tr data-document="(\d+)"', html) == [
        str(pk) for pk in pks(board, "assigned", "progress")
    ]


def test_the_page_assigns_and_redirects_to_the_same_table(
    board, client, manager, annotator2, page_url, project
):
    client = logged_in(client, manager)
    response = client.post(
        f"/projects/{project.pk}/documents/bulk/?state=unassigned",
        {
            "action": "assign",
            "scope": "matching",
            "annotator": str(annotator2.pk),
            "format": "jsonl",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"{page_url}?state=unassigned"
    assert (
        Assignment.objects.filter(
            annotator=annotator2, document_id__in=pks(board, "none", "skipped")
        ).count()
        == 2
    )
    html = client.get(response["Location"]).content.decode()
    assert "Assigned 2 document(s) to annotator2." in html


def test_the_page_shows_a_refused_action_on_its_field(board, client, reviewer, manager, project):
    bulk = f"/projects/{project.pk}/documents/bulk/"
    response = logged_in(client, reviewer).post(
        bulk, {"action": "delete", "scope": "ticked", "documents": [board.docs["none"].pk]}
    )
    assert response.status_code == 403
    assert "Only the project" in response.content.decode()
    response = logged_in(client, manager).post(bulk, {"action": "assign", "scope": "ticked"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Tick at least one document" in html and "Choose whom to assign" in html


def test_the_page_deletes_after_a_confirmation(board, client, manager, project):
    client = logged_in(client, manager)
    bulk = f"/projects/{project.pk}/documents/bulk/?state=unassigned"
    response = client.post(bulk, {"action": "delete", "scope": "matching"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Delete 2 documents?" in html and "none story" in html
    assert Document.objects.filter(pk__in=pks(board, "none", "skipped")).count() == 2
    chosen = re.search(r'name="documents" value="([\d,]+)"', html).group(1)
    response = client.post(
        bulk, {"action": "delete", "scope": "ticked", "documents": chosen, "confirm": "True"}
    )
    assert response.status_code == 302
    assert not Document.objects.filter(pk__in=pks(board, "none", "skipped")).exists()


# --- the search index in the background ----------------------------------------------------------


@postgres_only
def test_added_and_edited_documents_get_their_vector_after_the_commit(
    project, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        document = document_create(project=project, fields={"title": "A", "text": "Strike denied."})
    document.refresh_from_db()
    assert document.search_vector is not None and "strike" in document.search_vector
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        document_update(document=document, changes={"title": "Border"})
    assert callbacks
    document.refresh_from_db()
    assert "border" in document.search_vector
    # A change that leaves the title and text alone keeps the vector and schedules nothing.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        document_update(document=document, changes={"source_url": "https://example.org/x"})
    assert callbacks == []


@postgres_only
def test_imports_leave_vectors_to_the_background(project, django_capture_on_commit_callbacks):
    records = [{"text": f"Document number {i} about rallies."} for i in range(3)]
    with (
        mock.patch.object(background, "schedule_search_index") as schedule,
        django_capture_on_commit_callbacks(execute=True),
    ):
        result = import_records(project=project, records=records)
        # Nothing inline: the documents wait for their vectors until after the commit.
        assert Document.objects.filter(project=project, search_vector__isnull=True).count() == 3
    assert result.created == 3
    schedule.assert_called_with(project.pk)


@postgres_only
def test_the_fill_works_in_batches_and_the_sweep_catches_up(project, manager):
    other = make_project(manager, name="Other")
    for i in range(5):
        DocumentFactory(project=project, text=f"Text {i} of the project.")
    DocumentFactory(project=other)
    assert search_index_pending_projects() == sorted([project.pk, other.pk])
    assert search_index_fill(project_id=project.pk, batch_size=2) == 5
    assert search_index_fill(project_id=project.pk) == 0  # idempotent
    assert search_index_pending_projects() == [other.pk]
    # The sweep schedules a fill for each project still pending; eager here, it fills at once.
    assert search_index_sweep() == [other.pk]
    assert search_index_pending_projects() == []


@postgres_only
def test_the_sweep_task_is_sent_by_the_worker_timer(project):
    from workbench import sweep

    with mock.patch("workbench.celery.app.send_task") as send:
        sweep.send_sweep()
    assert [c.args[0] for c in send.call_args_list] == list(sweep.SWEEP_TASKS)
    assert "annotations.tasks.search_index_sweep" in sweep.SWEEP_TASKS


@postgres_only
def test_a_broker_schedule_is_debounced_per_project(project, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with mock.patch.object(background, "task_named") as task_named:
        background.clear_search_index_schedule(project.pk)
        background.schedule_search_index(project.pk)
        background.schedule_search_index(project.pk)
    task_named.return_value.apply_async.assert_called_once()
    background.clear_search_index_schedule(project.pk)
