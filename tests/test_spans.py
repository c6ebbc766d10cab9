"""The span API: creation, updates with optimistic locking, deletion, and every bad input answered
with a 4xx JSON error that names the field while the database stays unchanged."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from annotations.models import Evidence, Span
from annotations.services.spans import span_create, span_update
from annotations.views import spans as span_views
from tests.factories import UserFactory, make_project, make_span

TEXT = "The ministry said no civilians were hurt. Local officials counted twelve casualties."
MINISTRY = (4, 12)  # "ministry"


@pytest.fixture
def client(client_for, annotator):
    return client_for(annotator)


@pytest.fixture
def url(project):
    return f"/api/v1/projects/{project.pk}/spans/"


@pytest.fixture
def span(document, annotator):
    return make_span(document, annotator, *MINISTRY)


def _body(doc, /, **fields: Any) -> dict[str, Any]:
    body = {"document": doc.pk, "label": "claim", "start": 4, "end": 12}
    body.update(fields)
    return {k: v for k, v in body.items() if v is not OMIT}


OMIT = object()


# --- creation ------------------------------------------------------------------------------------


def test_create_span_with_status_note_and_evidence(client, url, document, annotator, project):
    response = client.post(
        url,
        _body(
            document,
            label="denial",
            start=13,
            end=40,
            quote="said no civilians were hurt",
            status="false",
            note="Contradicted by local officials.",
            evidence=[
                {"stance": "refutes", "url": "https://example.org/officials"},
                {"stance": "context", "note": "Count from the regional hospital."},
            ],
        ),
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert response["ETag"] == '"1"'
    assert (body["label_key"], body["status_key"], body["quote"]) == (
        "denial",
        "false",
        "said no civilians were hurt",
    )
    span = Span.objects.get(pk=body["id"])
    assert (span.annotator, span.project, span.version) == (annotator, project, 1)
    assert [(e.stance, e.url, e.note) for e in span.evidence.all()] == [
        ("refutes", "https://example.org/officials", ""),
        ("context", "", "Count from the regional hospital."),
    ]


def test_new_span_gets_the_initial_status(client, url, document, project):
    project.statuses.filter(key="unverified").update(is_initial=False)
    project.statuses.filter(key="unverifiable").update(is_initial=True)
    response = client.post(url, _body(document), format="json")
    assert response.status_code == 201
    assert response.json()["status_key"] == "unverifiable"


def test_label_and_status_by_id_or_key(client, url, document, project):
    label = project.labels.get(key="verifiable_fact")
    status = project.statuses.get(key="true")
    response = client.post(
        url, _body(document, label=label.pk, status=str(status.pk)), format="json"
    )
    assert response.status_code == 201
    assert (response.json()["label"], response.json()["status"]) == (label.pk, status.pk)


def test_two_annotators_may_mark_the_same_offsets(client_for, url, document, annotator, annotator2):
    for user in (annotator, annotator2):
        assert client_for(user).post(url, _body(document), format="json").status_code == 201
    assert Span.objects.filter(document=document).count() == 2


# --- bad input -----------------------------------------------------------------------------------


@pytest.fixture
def other_project_ids(db):
    other = make_project(UserFactory(username="elsewhere"), name="Elsewhere")
    return {
        "label": other.labels.get(key="claim").pk,
        "status": other.statuses.get(key="true").pk,
    }


BAD_CREATES = [
    # (id, fields to change, status code, field named in the error)
    ("end-past-document", {"end": len(TEXT) + 1}, 400, "end"),
    ("start-past-document", {"start": 500, "end": 501}, 400, "start"),
    ("end-before-start", {"start": 12, "end": 4}, 400, "end"),
    ("empty-span", {"start": 4, "end": 4}, 400, "end"),
    ("negative-start", {"start": -1}, 400, "start"),
    ("huge-end", {"end": 10**20}, 400, "end"),
    ("quote-mismatch", {"quote": "Ministry"}, 400, "quote"),
    ("empty-quote", {"quote": ""}, 400, "quote"),
    ("unknown-label-key", {"label": "rumour"}, 400, "label"),
    ("unknown-label-id", {"label": 999999}, 400, "label"),
    ("huge-label-id", {"label": 10**30}, 400, "label"),
    ("label-unicode-digit", {"label": "\u00b2"}, 400, "label"),
    ("label-float", {"label": 1.5}, 400, "label"),
    ("label-bool", {"label": True}, 400, "label"),
    ("label-null", {"label": None}, 400, "label"),
    ("label-missing", {"label": OMIT}, 400, "label"),
    ("unknown-status", {"status": "debunked"}, 400, "status"),
    ("status-list", {"status": ["true"]}, 400, "status"),
    ("evidence-bad-stance", {"evidence": [{"stance": "agrees", "url": "https://x.org"}]}, 400, "evidence"),
    ("evidence-empty", {"evidence": [{"stance": "supports"}]}, 400, "evidence"),
    ("evidence-blank", {"evidence": [{"stance": "supports", "url": "", "note": ""}]}, 400, "evidence"),
    ("evidence-bad-url", {"evidence": [{"stance": "supports", "url": "not a url"}]}, 400, "evidence"),
    ("evidence-not-list", {"evidence": "https://x.org"}, 400, "evidence"),
    ("unknown-document", {"document": 999999}, 400, "document"),
    ("huge-document", {"document": 10**30}, 400, "document"),
    ("document-string", {"document": "first"}, 400, "document"),
    ("document-missing", {"document": OMIT}, 400, "document"),
    ("start-string", {"start": "four"}, 400, "start"),
    ("start-float", {"start": 4.5}, 400, "start"),
    ("end-null", {"end": None}, 400, "end"),
    ("note-object", {"note": {"text": "x"}}, 400, "note"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "code", "field"), [pytest.param(*c[1:], id=c[0]) for c in BAD_CREATES]
)
def test_bad_span_input_is_refused_and_changes_nothing(
    client, url, document, db_snapshot, changes, code, field
):
    before = db_snapshot()
    response = client.post(url, _body(document, **changes), format="json")
    assert response.status_code == code, response.content
    assert field in response.json(), response.json()
    assert db_snapshot() == before


def test_label_or_status_of_another_project_is_unknown(
    client, url, document, db_snapshot, other_project_ids
):
    before = db_snapshot()
    for field, pk in other_project_ids.items():
        response = client.post(url, _body(document, **{field: pk}), format="json")
        assert response.status_code == 400
        assert field in response.json()
    assert db_snapshot() == before


def test_retired_label_or_status_is_refused_for_a_new_span(
    client, url, document, project, db_snapshot
):
    project.labels.filter(key="denial").update(retired=True)
    project.statuses.filter(key="misleading").update(retired=True)
    before = db_snapshot()
    response = client.post(url, _body(document, label="denial"), format="json")
    assert response.status_code == 400
    assert "retired" in response.json()["label"][0]
    response = client.post(url, _body(document, status="misleading"), format="json")
    assert response.status_code == 400
    assert "status" in response.json()
    assert db_snapshot() == before


def test_duplicate_span_is_409(client, url, document, span, db_snapshot):
    before = db_snapshot()
    response = client.post(url, _body(document), format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_span"
    assert db_snapshot() == before


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"document": 1, "label": "claim", "start": 4,', "application/json"),
        ("[1, 2, 3]", "application/json"),
        ('"a string"', "application/json"),
        ("null", "application/json"),
        ('{"start": NaN}', "application/json"),
        ("document=1&label=claim", "text/plain"),
    ],
    ids=["truncated", "list", "string", "null", "nan", "unsupported-type"],
)
def test_malformed_bodies_get_a_json_4xx(client, url, document, db_snapshot, body, content_type):
    before = db_snapshot()
    response = client.generic("POST", url, body, content_type=content_type)
    assert 400 <= response.status_code < 500
    assert response["Content-Type"].startswith("application/json")
    assert response.json()
    assert db_snapshot() == before


# --- updates and optimistic locking --------------------------------------------------------------


def test_patch_with_version_bumps_it_and_replaces_evidence(client, url, span):
    Evidence.objects.create(span=span, stance="supports", note="old")
    response = client.patch(
        f"{url}{span.pk}/",
        {"version": 1, "note": "checked", "status": "true", "evidence": [{"stance": "refutes", "url": "https://example.org/a"}]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 200, response.json()
    assert response["ETag"] == '"2"'
    span.refresh_from_db()
    assert (span.version, span.note, span.status.key) == (2, "checked", "true")
    assert list(span.evidence.values_list("stance", "url")) == [
        ("refutes", "https://example.org/a")
    ]


def test_patch_with_if_match_header(client, url, span):
    response = client.patch(f"{url}{span.pk}/", {"note": "a"}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200
    response = client.patch(f"{url}{span.pk}/", {"note": "b"}, format="json", HTTP_IF_MATCH='W/"2"')
    assert response.status_code == 200
    span.refresh_from_db()
    assert (span.version, span.note) == (3, "b")


def test_put_moves_the_span_and_rederives_the_quote(client, url, span):
    response = client.put(
        f"{url}{span.pk}/", {"label": "denial", "start": 0, "end": 3, "version": 1}, format="json"
    )
    assert response.status_code == 200, response.json()
    span.refresh_from_db()
    assert (span.label.key, span.start, span.end, span.quote) == ("denial", 0, 3, "The")


def test_stale_version_field_is_409_and_first_writer_wins(client, url, span):
    first = client.patch(f"{url}{span.pk}/", {"note": "first", "version": 1}, format="json")
    second = client.patch(f"{url}{span.pk}/", {"note": "second", "version": 1}, format="json")
    assert first.status_code == 200
    assert second.status_code == 409
    assert "version" in second.json()
    assert second.json()["current_version"] == ["2"]
    span.refresh_from_db()
    assert (span.note, span.version) == ("first", 2)


def test_stale_if_match_is_412_and_first_writer_wins(client, url, span):
    first = client.patch(f"{url}{span.pk}/", {"note": "first"}, format="json", HTTP_IF_MATCH='"1"')
    second = client.patch(
        f"{url}{span.pk}/", {"note": "second"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert (first.status_code, second.status_code) == (200, 412)
    assert "version" in second.json()
    span.refresh_from_db()
    assert (span.note, span.version) == ("first", 2)


def test_stale_if_match_on_delete_is_412(client, url, span):
    client.patch(f"{url}{span.pk}/", {"note": "edit", "version": 1}, format="json")
    assert client.delete(f"{url}{span.pk}/", HTTP_IF_MATCH='"1"').status_code == 412
    assert Span.objects.filter(pk=span.pk).exists()
    assert client.delete(f"{url}{span.pk}/", HTTP_IF_MATCH='"2"').status_code == 204
    assert not Span.objects.filter(pk=span.pk).exists()


@pytest.fixture
def retired_claim(project, span):
    project.labels.filter(key="claim").update(retired=True)
    return span


BAD_UPDATES = [
    ("no-version", {"note": "x"}, {}, 400, "version"),
    ("version-zero", {"note": "x", "version": 0}, {}, 400, "version"),
    ("version-string", {"note": "x", "version": "one"}, {}, 400, "version"),
    ("if-match-garbage", {"note": "x"}, {"HTTP_IF_MATCH": "garbage"}, 400, "If-Match"),
    ("if-match-star", {"note": "x"}, {"HTTP_IF_MATCH": "*"}, 400, "If-Match"),
    ("end-past-document", {"end": len(TEXT) + 5, "version": 1}, {}, 400, "end"),
    ("end-before-start", {"end": 2, "version": 1}, {}, 400, "end"),
    ("negative-start", {"start": -3, "version": 1}, {}, 400, "start"),
    ("quote-mismatch", {"quote": "minister", "version": 1}, {}, 400, "quote"),
    ("unknown-label", {"label": "rumour", "version": 1}, {}, 400, "label"),
    ("unknown-status", {"status": "debunked", "version": 1}, {}, 400, "status"),
    ("bad-evidence", {"evidence": [{"stance": "maybe", "note": "x"}], "version": 1}, {}, 400, "evidence"),
    ("evidence-without-url-or-note", {"evidence": [{"stance": "supports"}], "version": 1}, {}, 400, "evidence"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("body", "headers", "code", "field"), [pytest.param(*c[1:], id=c[0]) for c in BAD_UPDATES]
)
def test_bad_update_is_refused_and_changes_nothing(
    client, url, span, db_snapshot, body, headers, code, field
):
    before = db_snapshot()
    response = client.patch(f"{url}{span.pk}/", body, format="json", **headers)
    assert response.status_code == code, response.content
    assert field in response.json(), response.json()
    assert db_snapshot() == before


def test_update_onto_an_existing_span_is_409(client, url, document, annotator, span, db_snapshot):
    other = make_span(document, annotator, 0, 3)
    before = db_snapshot()
    response = client.patch(
        f"{url}{other.pk}/", {"start": 4, "end": 12, "version": 1}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_span"
    assert db_snapshot() == before


def test_retired_label_keeps_its_spans_editable_but_not_reusable(
    client, url, retired_claim, document, db_snapshot
):
    response = client.patch(
        f"{url}{retired_claim.pk}/", {"note": "still fine", "version": 1}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["label_key"] == "claim"
    other = client.post(url, _body(document, label="denial", start=0, end=3), format="json").json()
    before = db_snapshot()
    response = client.patch(f"{url}{other['id']}/", {"label": "claim", "version": 1}, format="json")
    assert response.status_code == 400
    assert "label" in response.json()
    assert db_snapshot() == before


def test_unknown_span_is_404(client, url, span):
    assert client.get(f"{url}999999/").status_code == 404
    assert client.patch(f"{url}999999/", {"version": 1}, format="json").status_code == 404
    assert client.get(f"{url}abc/").status_code == 404


def test_list_filters_by_document_label_and_status(
    client_for, manager, url, document, annotator, annotator2
):
    make_span(document, annotator, 0, 3)
    make_span(document, annotator2, 4, 12, label_key="denial")
    client = client_for(manager)
    by_label = client.get(url, {"label": document.project.labels.get(key="denial").pk}).json()
    assert [s["annotator_username"] for s in by_label["results"]] == ["annotator2"]
    assert client.get(url, {"annotator": annotator.pk}).json()["count"] == 1
    assert client.get(url, {"document": document.pk}).json()["count"] == 2
    response = client.get(url, {"document": "not-a-number"})
    assert response.status_code == 400
    assert "document" in response.json()


# --- concurrency, on a real database -------------------------------------------------------------


def _run_in_threads(requests: list) -> list:
    """Run each callable in its own thread (own database connection); return their results."""
    results: list[Any] = [None] * len(requests)

    def run(i: int) -> None:
        try:
            results[i] = requests[i]()
        except Exception as exc:  # noqa: BLE001 - surfaced through the results
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL"
)


@needs_postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("via", ["version", "if-match"])
def test_concurrent_updates_with_the_same_version_one_wins(monkeypatch, via):
    manager = UserFactory(username="m")
    project = make_project(manager)
    document = project.documents.create(text=TEXT)
    span = make_span(document, manager, *MINISTRY)
    url = f"/api/v1/projects/{project.pk}/spans/{span.pk}/"

    barrier = threading.Barrier(2, timeout=10)
    original = span_update

    def both_at_once(**kwargs):
        barrier.wait()  # both requests have read version 1 before either writes
        return original(**kwargs)

    monkeypatch.setattr(span_views, "span_update", both_at_once)

    def patch(note: str):
        def request():
            client = APIClient()
            client.force_authenticate(manager)
            if via == "version":
                return client.patch(url, {"note": note, "version": 1}, format="json")
            return client.patch(url, {"note": note}, format="json", HTTP_IF_MATCH='"1"')

        return request

    responses = _run_in_threads([patch("A"), patch("B")])

    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 409 if via == "version" else 412]
    winner = next(r for r in responses if r.status_code == 200).json()
    span.refresh_from_db()
    assert (span.version, span.note) == (2, winner["note"])


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_of_the_same_span_give_201_and_409(monkeypatch):
    manager = UserFactory(username="m")
    project = make_project(manager)
    document = project.documents.create(text=TEXT)
    url = f"/api/v1/projects/{project.pk}/spans/"

    barrier = threading.Barrier(2, timeout=10)
    manager_class = type(Span.objects)
    original_create = manager_class.create

    def create_after_both_checked(self, **kwargs):
        if self.model is Span:
            barrier.wait()  # both requests passed the duplicate check: the database must decide
        return original_create(self, **kwargs)

    monkeypatch.setattr(manager_class, "create", create_after_both_checked)

    def post():
        client = APIClient()
        client.force_authenticate(manager)
        return client.post(
            url, {"document": document.pk, "label": "claim", "start": 4, "end": 12}, format="json"
        )

    responses = _run_in_threads([post, post])

    assert sorted(r.status_code for r in responses) == [201, 409]
    assert Span.objects.filter(document=document).count() == 1


def test_create_and_retrieve_answer_what_drf_gives_for_the_stored_span(
    client, url, project, document
):
    """Both are built without DRF's field machinery (annotations.span_output)."""
    import json

    from rest_framework import serializers as drf

    from annotations.serializers.spans import SpanSerializer

    created = client.post(
        url,
        _body(
            document,
            label="denial",
            note="n",
            evidence=[{"stance": "refutes", "url": "https://example.org/x", "note": "e"}],
        ),
        format="json",
    )
    assert created.status_code == 201, created.json()
    stored = Span.objects.get(pk=created.json()["id"])
    expected = json.loads(
        json.dumps(drf.ModelSerializer.to_representation(SpanSerializer(), stored))
    )
    assert created.json() == expected
    assert client.get(f"{url}{stored.pk}/").json() == expected


def test_a_constraint_other_than_the_duplicate_one_is_not_called_a_duplicate(
    project, document, annotator
):
    """The label row vanished between the check and the insert: the foreign key refuses the span,
    and the error says which constraint, not "you already have this span"."""
    from django.db import IntegrityError, transaction

    from annotations.errors import Conflict

    label = project.labels.create(key="temporary", name="Temporary", color="#123456")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("DELETE FROM annotations_label WHERE id = %s", [label.pk])
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        span_create(annotator=annotator, document=document, label=label, start=4, end=12)
    assert not isinstance(raised.value, Conflict)
    assert "span_label_same_project" in str(raised.value)
