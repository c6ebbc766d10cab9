"""The document API: create, read, edit (text frozen once spans exist), bulk insert, delete."""

from __future__ import annotations

import pytest

from annotations.models import Document, Span
from tests.factories import make_span


@pytest.fixture
def url(project):
    return f"/api/v1/projects/{project.pk}/documents/"


@pytest.fixture
def client(client_for, manager):
    return client_for(manager)


def test_create_and_retrieve_a_document(client, url, project):
    response = client.post(
        url,
        {
            "title": "Denial",
            "text": "  Text kept exactly as sent.\r\n",
            "source_url": "https://example.org/a",
            "published_at": "2022-02-24T10:00:00Z",
            "metadata": {"outlet": "Example"},
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    document = Document.objects.get(pk=response.json()["id"])
    assert document.project == project
    assert document.text == "  Text kept exactly as sent.\r\n"  # no trimming, no normalisation
    detail = client.get(f"{url}{document.pk}/").json()
    assert (detail["text"], detail["spans"], detail["metadata"]) == (
        document.text,
        [],
        {"outlet": "Example"},
    )


def test_list_leaves_the_text_out(client, url, document):
    row = client.get(url).json()["results"][0]
    assert row["id"] == document.pk
    assert "text" not in row


def test_retrieve_includes_visible_spans_with_evidence(client, url, document, annotator):
    span = make_span(document, annotator, 4, 12)
    span.evidence.create(stance="refutes", url="https://example.org/x")
    spans = client.get(f"{url}{document.pk}/").json()["spans"]
    assert [(s["id"], s["quote"], len(s["evidence"])) for s in spans] == [(span.pk, "ministry", 1)]


BAD_DOCUMENTS = [
    ("missing-text", {"title": "x"}, "text"),
    ("empty-text", {"text": ""}, "text"),
    ("null-text", {"text": None}, "text"),
    ("nul-character", {"text": "a\x00b"}, "text"),
    ("text-list", {"text": ["a"]}, "text"),
    ("bad-url", {"text": "a", "source_url": "not a url"}, "source_url"),
    ("bad-date", {"text": "a", "published_at": "yesterday"}, "published_at"),
    ("long-title", {"text": "a", "title": "x" * 501}, "title"),
    ("metadata-list", {"text": "a", "metadata": [1, 2]}, "metadata"),
]


@pytest.mark.parametrize(("body", "field"), [pytest.param(*c[1:], id=c[0]) for c in BAD_DOCUMENTS])
def test_bad_document_is_400_naming_the_field(client, url, db_snapshot, body, field):
    before = db_snapshot()
    response = client.post(url, body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert db_snapshot() == before


@pytest.mark.parametrize("field", ["text", "title", "metadata"])
def test_lone_surrogates_are_a_400(client, url, db_snapshot, field):
    value = '"a\\ud800b"' if field != "metadata" else '{"k": "a\\ud800b"}'
    body = f'{{"text": {value}}}' if field == "text" else f'{{"text": "fine", "{field}": {value}}}'
    before = db_snapshot()
    response = client.generic("POST", url, body, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()
    assert db_snapshot() == before


def test_text_can_change_while_no_span_points_into_it(client, url, document):
    response = client.patch(f"{url}{document.pk}/", {"text": "Rewritten."}, format="json")
    assert response.status_code == 200
    document.refresh_from_db()
    assert document.text == "Rewritten."


def test_text_edit_once_spans_exist_is_409(client, url, document, annotator, db_snapshot):
    make_span(document, annotator, 4, 12)
    before = db_snapshot()
    response = client.patch(
        f"{url}{document.pk}/", {"text": "Rewritten.", "title": "New title"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "text_immutable"
    assert db_snapshot() == before
    # Other fields, and the same text again, are still fine.
    response = client.patch(
        f"{url}{document.pk}/", {"text": document.text, "title": "New title"}, format="json"
    )
    assert response.status_code == 200
    document.refresh_from_db()
    assert document.title == "New title"


def test_put_is_not_offered(client, url, document):
    assert client.put(f"{url}{document.pk}/", {"text": "x"}, format="json").status_code == 405


def test_delete_removes_the_documents_spans(client, url, document, annotator):
    make_span(document, annotator, 4, 12)
    assert client.delete(f"{url}{document.pk}/").status_code == 204
    assert not Document.objects.filter(pk=document.pk).exists()
    assert not Span.objects.filter(document_id=document.pk).exists()


# --- bulk ----------------------------------------------------------------------------------------


def test_bulk_inserts_all(client, url, project):
    records = [{"text": f"Article {i}", "title": f"T{i}"} for i in range(3)]
    response = client.post(f"{url}bulk/", {"documents": records}, format="json")
    assert response.status_code == 201
    assert response.json() == {"created": 3}
    assert sorted(project.documents.values_list("title", flat=True)) == ["T0", "T1", "T2"]


def test_bulk_is_all_or_nothing_and_names_line_and_field(client, url, db_snapshot):
    before = db_snapshot()
    records = [{"text": "ok"}, {"title": "no text"}, {"text": "ok", "published_at": "soon"}]
    response = client.post(f"{url}bulk/", {"documents": records}, format="json")
    assert response.status_code == 400
    errors = {(e["line"], e["field"]) for e in response.json()["errors"]}
    assert errors == {(2, "text"), (3, "published_at")}
    assert db_snapshot() == before


@pytest.mark.parametrize(
    "body",
    [
        {"documents": []},
        {"documents": "x"},
        {"documents": ["x"]},
        {"documents": [{"text": "a\x00b"}]},
        {},
    ],
    ids=["empty", "string", "not-objects", "nul-character", "missing"],
)
def test_bad_bulk_is_400(client, url, db_snapshot, body):
    before = db_snapshot()
    response = client.post(f"{url}bulk/", body, format="json")
    assert response.status_code == 400
    assert "documents" in response.json()
    assert db_snapshot() == before


def test_bulk_refused_to_annotators(client_for, annotator, url, db_snapshot, document):
    before = db_snapshot()
    response = client_for(annotator).post(
        f"{url}bulk/", {"documents": [{"text": "x"}]}, format="json"
    )
    assert response.status_code == 403
    assert db_snapshot() == before


def test_bulk_with_unstorable_strings_is_400_naming_the_line(client, url, db_snapshot):
    body = (
        '{"documents": [{"text": "fine"}, {"text": "a\\ud800"}, '
        '{"text": "b", "metadata": {"k": "\\u0000"}}]}'
    )
    before = db_snapshot()
    response = client.generic("POST", f"{url}bulk/", body, content_type="application/json")
    assert response.status_code == 400
    messages = response.json()["documents"]
    assert [m.split(":")[0] for m in messages] == ["line 2, text", "line 3, metadata"]
    assert db_snapshot() == before
