"""The annotator's gold-comparison page (server-rendered)."""

from __future__ import annotations

import pytest
from django.test import Client

from annotations.models import Role
from annotations.services.adjudication import adjudication_set_state, gold_create
from annotations.services.assignments import assignment_transition
from annotations.services.spans import span_create
from tests.factories import DocumentFactory, UserFactory, add_member, assign, make_project

TEXT = "The ministry said no civilians were hurt. Local officials counted twelve casualties."


@pytest.fixture
def adjudicated_doc(db):
    manager = UserFactory(username="cmp-manager")
    reviewer = UserFactory(username="cmp-reviewer")
    coder = UserFactory(username="cmp-coder")
    project = make_project(manager, name="Compare")
    add_member(project, reviewer, Role.REVIEWER)
    add_member(project, coder, Role.ANNOTATOR)
    document = DocumentFactory(project=project, text=TEXT)
    assignment = assign(document, coder)
    claim = project.labels.get(key="claim")
    mine = span_create(annotator=coder, document=document, label=claim, start=0, end=30)
    assignment_transition(assignment=assignment, action="submit")
    gold_create(actor=reviewer, document=document, label=claim, start=0, end=40)
    return project, document, coder, reviewer, mine


def page(client, project, document):
    return client.get(f"/projects/{project.pk}/documents/{document.pk}/gold/")


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_before_adjudication_the_page_says_so(adjudicated_doc):
    project, document, coder, _, _ = adjudicated_doc
    response = page(logged_in(coder), project, document)
    assert response.status_code == 200
    assert b'id="not-adjudicated"' in response.content
    assert b"gold-link" not in logged_in(coder).get(f"/projects/{project.pk}/").content


def test_after_adjudication_rows_and_thread_show(adjudicated_doc, client_for):
    project, document, coder, reviewer, mine = adjudicated_doc
    adjudication_set_state(actor=reviewer, document=document, state="adjudicated")
    posted = client_for(coder).post(
        f"/api/v1/projects/{project.pk}/comments/",
        {
            "document": document.pk,
            "span": mine.pk,
            "body": "I stopped at the comma <b>on purpose</b>",
        },
        format="json",
    )
    assert posted.status_code == 201
    html = page(logged_in(coder), project, document).content.decode()
    assert 'data-match="boundaries"' in html
    assert TEXT[0:40] in html and TEXT[0:30] in html
    assert "I stopped at the comma &lt;b&gt;on purpose&lt;/b&gt;" in html  # escaped, never markup
    assert "gold-link" in logged_in(coder).get(f"/projects/{project.pk}/").content.decode()


def test_outsiders_get_404_and_anonymous_are_sent_to_login(adjudicated_doc):
    project, document, _, _, _ = adjudicated_doc
    stranger = UserFactory(username="cmp-stranger")
    other = make_project(UserFactory(username="cmp-other"), name="Other")
    add_member(other, stranger, Role.ANNOTATOR)
    assert page(logged_in(stranger), project, document).status_code == 404
    response = page(Client(), project, document)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
