"""A project's labels and statuses read in one hand-written query (annotations.vocabulary): the
same values as the ORM loads, nothing kept between requests, and one query for a whole span
create whatever the number of lookups."""

from __future__ import annotations

import pytest
from django.forms.models import model_to_dict

from annotations.models import DocumentAgreement, Label, VerificationStatus
from annotations.selectors.vocabulary import ProjectVocabulary
from annotations.services import background
from tests.factories import make_project

pytestmark = pytest.mark.django_db


def _fields(instance) -> dict:
    return {**model_to_dict(instance), "id": instance.pk}


def test_every_label_and_status_as_the_orm_loads_it(project, manager):
    Label.objects.create(project=project, key="quote", name="Quote", shortcut="q", retired=True)
    other = make_project(manager, name="Elsewhere")
    vocabulary = ProjectVocabulary(project.pk)

    for label in Label.objects.filter(project=project):
        assert _fields(vocabulary.label(label.pk)) == _fields(label)
        assert vocabulary.label(label.key) is vocabulary.label(label.pk)
        assert vocabulary.label(label.pk)._state.adding is False
    for status in VerificationStatus.objects.filter(project=project):
        assert _fields(vocabulary.status(status.pk)) == _fields(status)
        assert vocabulary.status(status.key) is vocabulary.status(status.pk)
    assert vocabulary.label("quote").retired is True and vocabulary.label("claim").retired is False
    assert vocabulary.initial_status.key == "unverified"
    # Nothing of another project, and no confusion between the two tables' ids.
    assert vocabulary.label(other.labels.get(key="claim").pk) is None
    assert vocabulary.status(other.statuses.get(key="true").pk) is None
    assert vocabulary.label("true") is None and vocabulary.status("claim") is None


def test_loaded_once_per_instance(project, django_assert_num_queries):
    vocabulary = ProjectVocabulary(project.pk)
    with django_assert_num_queries(1):
        vocabulary.label("claim")
        vocabulary.status("false")
        assert vocabulary.initial_status is not None


def test_no_initial_status_gives_none(project):
    project.statuses.update(is_initial=False)
    assert ProjectVocabulary(project.pk).initial_status is None


def test_each_request_sees_the_vocabulary_as_stored_now(project, document, annotator, client_for):
    client = client_for(annotator)
    url = f"/api/v1/projects/{project.pk}/spans/"
    body = {"document": document.pk, "label": "denial", "start": 4, "end": 12}
    assert client.post(url, body, format="json").status_code == 201
    project.labels.filter(key="denial").update(retired=True)
    refused = client.post(url, {**body, "start": 13, "end": 17}, format="json")
    assert refused.status_code == 400 and "retired" in refused.json()["label"][0]


@pytest.mark.django_db(transaction=True)
def test_span_create_reads_labels_and_statuses_once(
    project, document, annotator, client_for, django_assert_num_queries, monkeypatch
):
    """As in production (no enclosing transaction): the span is one INSERT, which marks the
    document's agreement dirty by trigger, so no BEGIN, COMMIT or upsert of its own."""

    scheduled = []  # the refresh it schedules (eager in tests) is not the request's own work
    monkeypatch.setattr(background, "schedule_refresh", scheduled.append)
    client = client_for(annotator)
    body = {"document": document.pk, "label": "claim", "status": "false", "start": 4, "end": 12}
    # force_authenticate skips the token query: membership, vocabulary, document with its
    # assignment, the span.
    with django_assert_num_queries(4):
        response = client.post(f"/api/v1/projects/{project.pk}/spans/", body, format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["label_key"], response.json()["status_key"]) == ("claim", "false")
    assert DocumentAgreement.objects.get(document=document).dirty
    assert scheduled == [project.pk]
