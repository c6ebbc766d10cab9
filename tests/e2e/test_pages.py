"""Server side of the browser pages (no browser): who may open what, and what the workspace page
embeds. Three personas as everywhere: member, outsider, anonymous."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from annotations.models import Assignment, AssignmentState
from annotations.selectors.access import project_access
from annotations.selectors.spans import span_list
from annotations.services.spans import span_update
from tests.factories import DocumentFactory, assign, make_span


def client_as(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def embedded(response) -> dict:
    match = re.search(
        r'<script id="workspace-data" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert match, "the workspace page embeds no #workspace-data"
    return json.loads(match.group(1))


def urls(project, document) -> list[str]:
    return [
        f"/projects/{project.pk}/",
        f"/projects/{project.pk}/documents/{document.pk}/",
        f"/projects/{project.pk}/documents/{document.pk}/review/",
    ]


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_the_login_page(project, document):
    for url in ["/", *urls(project, document)]:
        response = client_as().get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next="), url
    login = client_as().get("/accounts/login/")
    assert login.status_code == 200
    assert b'name="username"' in login.content


@pytest.mark.django_db
def test_outsiders_get_404_for_every_page(project, document, outsider):
    for url in urls(project, document):
        assert client_as(outsider).get(url).status_code == 404, url
    response = client_as(outsider).post(f"/projects/{project.pk}/next/")
    assert response.status_code == 404
    assert project.name not in client_as(outsider).get("/").content.decode()


@pytest.mark.django_db
def test_annotators_see_only_their_documents_and_never_the_review_view(project, annotator):
    mine = DocumentFactory(project=project)
    assign(mine, annotator)
    not_mine = DocumentFactory(project=project)
    client = client_as(annotator)
    assert client.get(f"/projects/{project.pk}/documents/{mine.pk}/").status_code == 200
    assert client.get(f"/projects/{project.pk}/documents/{not_mine.pk}/").status_code == 404
    assert client.get(f"/projects/{project.pk}/documents/{mine.pk}/review/").status_code == 404
    other_project_doc = f"/projects/{project.pk + 1000}/documents/{mine.pk}/"
    assert client.get(other_project_doc).status_code == 404


@pytest.mark.django_db
def test_reviewer_without_assignment_is_sent_to_the_review_view(project, document, reviewer):
    response = client_as(reviewer).get(f"/projects/{project.pk}/documents/{document.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/projects/{project.pk}/documents/{document.pk}/review/"
    review = client_as(reviewer).get(response["Location"])
    assert embedded(review)["mode"] == "review"


@pytest.mark.django_db
def test_blind_workspace_embeds_only_the_annotators_own_spans(
    project, document, annotator, annotator2, reviewer
):
    assert project.blind
    own = make_span(document, annotator, 0, 3)
    make_span(document, annotator2, 4, 12, "denial")
    data = embedded(client_as(annotator).get(f"/projects/{project.pk}/documents/{document.pk}/"))
    assert [s["id"] for s in data["document"]["spans"]] == [own.pk]
    assert data["mode"] == "annotate"
    assert data["document"]["text"] == document.text
    assert {label["key"] for label in data["labels"]} == {"claim", "denial", "verifiable_fact"}
    review = client_as(reviewer).get(f"/projects/{project.pk}/documents/{document.pk}/review/")
    assert {s["annotator_username"] for s in embedded(review)["document"]["spans"]} == {
        "annotator",
        "annotator2",
    }


@pytest.mark.django_db
def test_open_project_embeds_the_other_annotators_spans(project, document, annotator, annotator2):
    project.blind = False
    project.save()
    make_span(document, annotator2, 4, 12, "denial")
    data = embedded(client_as(annotator).get(f"/projects/{project.pk}/documents/{document.pk}/"))
    assert [s["annotator_username"] for s in data["document"]["spans"]] == ["annotator2"]


@pytest.mark.django_db
def test_document_text_is_escaped_in_the_page(project, annotator):
    doc = DocumentFactory(
        project=project, title="<b>t</b>", text="<script>alert(1)</script> & <img src=x>"
    )
    assign(doc, annotator)
    html = client_as(annotator).get(f"/projects/{project.pk}/documents/{doc.pk}/").content.decode()
    assert "<script>alert(1)" not in html
    assert "<img src=x>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img src=x&gt;" in html
    # json_script escapes < > & so the embedded text cannot close its <script> element.
    assert "\\u003Cscript\\u003Ealert(1)" in html


@pytest.mark.django_db
def test_next_starts_the_oldest_assigned_document_then_says_when_none_is_left(project, annotator):
    first = DocumentFactory(project=project)
    second = DocumentFactory(project=project)
    assign(first, annotator)
    assign(second, annotator)
    client = client_as(annotator)
    response = client.post(f"/projects/{project.pk}/next/")
    assert response["Location"] == f"/projects/{project.pk}/documents/{first.pk}/"
    assert Assignment.objects.get(document=first).state == AssignmentState.IN_PROGRESS
    # Work in progress comes first until it is finished.
    assert client.post(f"/projects/{project.pk}/next/")["Location"].endswith(f"/{first.pk}/")
    Assignment.objects.filter(document=first).update(state=AssignmentState.SUBMITTED)
    assert client.post(f"/projects/{project.pk}/next/")["Location"].endswith(f"/{second.pk}/")
    Assignment.objects.filter(document=second).update(state=AssignmentState.SKIPPED)
    response = client.post(f"/projects/{project.pk}/next/", follow=True)
    assert response.redirect_chain[-1][0] == f"/projects/{project.pk}/"
    assert "No documents left" in response.content.decode()
    assert client.get(f"/projects/{project.pk}/next/").status_code == 405


@pytest.mark.django_db
def test_project_list_shows_progress_per_project(project, document, annotator):
    second = DocumentFactory(project=project)
    assign(second, annotator, state=AssignmentState.SUBMITTED)
    third = DocumentFactory(project=project)
    assign(third, annotator, state=AssignmentState.SKIPPED)
    html = client_as(annotator).get("/").content.decode()
    row = re.search(rf'<tr data-project="{project.pk}">(.*?)</tr>', html, re.S).group(1)
    # Assigned: the fixture's document and `second` (skipped ones do not count); one submitted.
    assert re.search(r'class="done-count">\s*1 / 2\s*<', row)
    assert "1 skipped" in row


@pytest.mark.django_db
def test_page_spans_match_the_api_serializer(project, document, annotator, annotator2, reviewer):
    from rest_framework import serializers as drf

    from annotations.serializers.spans import SpanSerializer
    from annotations.services.spans import EvidenceInput
    from annotations.views.pages import page_spans

    first = make_span(document, annotator, 4, 12, "denial")
    span_update(
        span=first,
        expected_version=1,
        note="two sources",
        evidence=[
            EvidenceInput(stance="refutes", url="https://example.org/a"),
            EvidenceInput(stance="context", note="press release"),
        ],
    )
    make_span(document, annotator2, 0, 3)
    make_span(document, annotator, 0, 12, "claim")
    access = project_access(user=reviewer, project_id=project.pk)
    spans = span_list(access=access, user=reviewer).filter(document=document)
    # The reference is DRF's own field machinery, not SpanSerializer's fast path.
    serializer = SpanSerializer()
    expected = [
        {
            field: value
            for field, value in drf.ModelSerializer.to_representation(serializer, span).items()
            if field not in ("created_at", "updated_at")
        }
        for span in spans.order_by("start", "end", "id")
    ]
    expected = json.loads(json.dumps(expected))
    assert len(expected) == 3
    assert page_spans(spans) == expected
    assert [e["note"] for e in page_spans(spans)[2]["evidence"]] == ["", "press release"]
