"""The project page (annotations/views/pages.project_detail): the user's own documents searched,
filtered and paged with the documents table's selector, and a manager without work of their own
sees the project's set-up links instead of an empty "Your documents"."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from annotations.models import AssignmentState
from tests.factories import DocumentFactory, assign


def _page(user, project, **params):
    client = Client()
    client.force_login(user)
    response = client.get(f"/projects/{project.pk}/", params)
    assert response.status_code == 200
    return response.content.decode()


def _listed(html: str) -> list[int]:
    if 'id="my-assignments"' not in html:
        return []
    table = html.split('id="my-assignments"', 1)[1].split("</table>", 1)[0]
    return [int(pk) for pk in re.findall(r'data-document="(\d+)"', table)]


@pytest.fixture
def work(project, annotator, annotator2):
    """30 documents for ``annotator``: 10 submitted; two mention the harbour; one skipped."""
    documents = []
    for i in range(30):
        text = "The harbour authority denied a leak." if i in (3, 17) else f"Council item {i}."
        document = DocumentFactory(project=project, title=f"Item {i}", text=text)
        state = AssignmentState.SUBMITTED if i < 10 else AssignmentState.ASSIGNED
        assign(document, annotator, state=state)
        assign(document, annotator2)  # another annotator's work is never in this list
        documents.append(document)
    skipped = DocumentFactory(project=project, title="Off topic")
    skip = assign(skipped, annotator, state=AssignmentState.SKIPPED)
    skip.skip_reason = "Not about a denial"
    skip.save(update_fields=["skip_reason"])
    return documents, skipped


def test_an_annotators_documents_are_paged_searched_and_filtered(project, annotator, work):
    documents, skipped = work
    first = _page(annotator, project)
    assert _listed(first) == [d.pk for d in documents[:25]]
    assert "Page 1 of 2" in first
    assert _listed(_page(annotator, project, page=2)) == [d.pk for d in documents[25:]] + [
        skipped.pk
    ]

    # Words in the text (a document's vector may still be pending: then it is scanned plainly).
    assert _listed(_page(annotator, project, search="harbour")) == [
        documents[3].pk,
        documents[17].pk,
    ]
    assert _listed(_page(annotator, project, state="complete")) == [d.pk for d in documents[:10]]
    todo = _page(annotator, project, state="open", page=1)
    assert _listed(todo) == [d.pk for d in documents[10:30]]
    only_skipped = _page(annotator, project, state="unassigned")
    assert _listed(only_skipped) == [skipped.pk]
    assert "Not about a denial" in only_skipped

    # A search and a state together, and a value outside the choices shown on its field.
    assert _listed(_page(annotator, project, search="harbour", state="complete")) == [
        documents[3].pk
    ]
    bad = _page(annotator, project, state="finished")
    assert 'role="alert"' in bad and len(_listed(bad)) == 25


def test_a_manager_without_work_gets_the_set_up_links_not_an_empty_list(project, manager, work):
    html = _page(manager, project)
    assert 'id="project-setup"' in html
    assert 'id="my-progress"' not in html
    for name in ("import", "members", "assign", "documents", "labels", "settings"):
        assert f"/projects/{project.pk}/{name}/" in html
    assert "31 documents, 4 members, 10 of 61 assignments submitted" in html


def test_a_reviewer_with_work_sees_only_their_own_documents(project, reviewer, work):
    documents, _ = work
    assign(documents[5], reviewer)
    html = _page(reviewer, project)
    assert 'id="project-setup"' not in html
    assert _listed(html) == [documents[5].pk]
