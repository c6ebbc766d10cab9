"""The database itself refuses bad rows, even when the services are bypassed (a shell, a bulk
script, a future bug): rows written directly with the ORM or raw SQL must raise IntegrityError.

Composite foreign keys are DEFERRABLE INITIALLY DEFERRED, so they are checked at commit; the
tests force the check with ``SET CONSTRAINTS ALL IMMEDIATE``, which is what COMMIT does.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from annotations.models import (
    Assignment,
    Document,
    Evidence,
    Job,
    Label,
    Membership,
    Project,
    Span,
    VerificationStatus,
)
from tests.factories import DocumentFactory, UserFactory, make_project, make_span


def _check_deferred() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def assert_refused(write: Callable[[], object]) -> None:
    """``write`` raises IntegrityError (now or at commit) and leaves nothing behind."""
    with pytest.raises(IntegrityError), transaction.atomic():
        write()
        _check_deferred()


@pytest.fixture
def other_project(db):
    return make_project(UserFactory(username="elsewhere"), name="Elsewhere")


def _span_fields(document, user, **overrides) -> dict:
    project = document.project
    fields = {
        "project": project,
        "document": document,
        "annotator": user,
        "label": project.labels.get(key="claim"),
        "status": project.statuses.get(key="unverified"),
        "start": 4,
        "end": 12,
        "quote": "ministry",
    }
    fields.update(overrides)
    return fields


def test_a_valid_row_is_accepted(document, annotator):
    """The baseline the other tests vary: written the same way, a good span is stored."""
    with transaction.atomic():
        span = Span.objects.create(**_span_fields(document, annotator))
        _check_deferred()
    assert Span.objects.filter(pk=span.pk).exists()


# --- spans ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [{"start": 12, "end": 4}, {"start": 4, "end": 4}, {"version": 0}],
    ids=["start-after-end", "empty", "version-zero"],
)
def test_span_check_constraints(document, annotator, overrides):
    assert_refused(lambda: Span.objects.create(**_span_fields(document, annotator, **overrides)))
    assert not Span.objects.exists()


def test_negative_start_is_refused(document, annotator):
    with connection.cursor() as cursor:
        sql = "UPDATE annotations_span SET start = -1 WHERE id = %s"
        span = make_span(document, annotator, 4, 12)
        with pytest.raises(IntegrityError), transaction.atomic():
            cursor.execute(sql, [span.pk])
    span.refresh_from_db()
    assert span.start == 4


def test_raw_update_cannot_reorder_offsets(document, annotator):
    span = make_span(document, annotator, 4, 12)
    assert_refused(lambda: Span.objects.filter(pk=span.pk).update(start=F("end")))
    span.refresh_from_db()
    assert (span.start, span.end) == (4, 12)


def test_duplicate_span_is_refused_even_in_bulk(document, annotator):
    make_span(document, annotator, 4, 12)
    assert_refused(lambda: Span.objects.bulk_create([Span(**_span_fields(document, annotator))]))
    assert Span.objects.count() == 1


@pytest.mark.parametrize("field", ["label", "status"])
def test_span_label_or_status_of_another_project_is_refused(
    document, annotator, other_project, field
):
    foreign = {
        "label": other_project.labels.get(key="claim"),
        "status": other_project.statuses.get(key="unverified"),
    }[field]
    assert_refused(
        lambda: Span.objects.create(**_span_fields(document, annotator, **{field: foreign}))
    )
    assert not Span.objects.exists()


def test_span_cannot_be_moved_to_another_projects_label_by_update(
    document, annotator, other_project
):
    span = make_span(document, annotator, 4, 12)
    foreign = other_project.labels.get(key="claim")
    assert_refused(lambda: Span.objects.filter(pk=span.pk).update(label=foreign))
    span.refresh_from_db()
    assert span.label.project_id == document.project_id


def test_span_project_must_be_its_documents(document, annotator, other_project):
    assert_refused(
        lambda: Span.objects.create(**_span_fields(document, annotator, project=other_project))
    )


def test_used_label_cannot_be_deleted_with_raw_sql(document, annotator):
    span = make_span(document, annotator, 4, 12)
    with connection.cursor() as cursor, pytest.raises(IntegrityError), transaction.atomic():
        cursor.execute("DELETE FROM annotations_label WHERE id = %s", [span.label_id])
        _check_deferred()
    assert Label.objects.filter(pk=span.label_id).exists()


# --- documents -----------------------------------------------------------------------------------


def test_document_text_is_frozen_once_spans_exist(document, annotator):
    make_span(document, annotator, 4, 12)
    original = document.text
    assert_refused(lambda: Document.objects.filter(pk=document.pk).update(text="Rewritten."))
    document.text = "Rewritten via save()."
    assert_refused(document.save)
    document.refresh_from_db()
    assert document.text == original
    # Other columns stay editable.
    Document.objects.filter(pk=document.pk).update(title="Retitled")


def test_document_text_may_change_before_any_span(document):
    Document.objects.filter(pk=document.pk).update(text="Rewritten.")
    document.refresh_from_db()
    assert document.text == "Rewritten."


def test_document_text_cannot_be_empty(project):
    assert_refused(lambda: Document.objects.create(project=project, text=""))


def test_assignment_document_must_belong_to_the_assignment_project(
    project, annotator, other_project
):
    foreign_doc = DocumentFactory(project=other_project)
    assert_refused(
        lambda: Assignment.objects.create(
            project=project, document=foreign_doc, annotator=annotator
        )
    )


def test_assignment_unique_and_state_checked(document, annotator):
    assert_refused(
        lambda: Assignment.objects.create(
            project=document.project, document=document, annotator=annotator
        )
    )
    assert_refused(
        lambda: Assignment.objects.filter(document=document, annotator=annotator).update(
            state="lost"
        )
    )


# --- labels, statuses, members, projects, evidence, jobs -----------------------------------------


def test_two_initial_statuses_are_refused(project):
    assert_refused(
        lambda: VerificationStatus.objects.create(
            project=project, key="triage", name="Triage", is_initial=True
        )
    )
    assert_refused(lambda: project.statuses.filter(key="true").update(is_initial=True))
    assert list(project.statuses.filter(is_initial=True).values_list("key", flat=True)) == [
        "unverified"
    ]


def test_initial_status_cannot_be_retired(project):
    assert_refused(lambda: project.statuses.filter(is_initial=True).update(retired=True))


def test_other_projects_may_reuse_keys_and_have_their_own_initial(project, other_project):
    assert set(project.labels.values_list("key", flat=True)) == set(
        other_project.labels.values_list("key", flat=True)
    )
    assert VerificationStatus.objects.filter(is_initial=True).count() == 2


def test_label_key_and_active_shortcut_are_unique_per_project(project):
    assert_refused(lambda: Label.objects.create(project=project, key="claim", name="Again"))
    assert_refused(lambda: Label.objects.create(project=project, key="rumour", shortcut="1"))
    # A retired label does not hold its shortcut.
    Label.objects.create(project=project, key="rumour", shortcut="1", retired=True)


def test_colours_must_be_hex(project):
    assert_refused(lambda: Label.objects.create(project=project, key="x", color="red"))
    assert_refused(lambda: project.statuses.filter(key="true").update(color="#12345"))


def test_membership_unique_and_role_checked(project, annotator):
    assert_refused(
        lambda: Membership.objects.create(project=project, user=annotator, role="annotator")
    )
    outsider = UserFactory(username="someone")
    assert_refused(lambda: Membership.objects.create(project=project, user=outsider, role="owner"))


def test_project_needs_at_least_one_annotator_per_document(manager):
    assert_refused(lambda: Project.objects.create(name="x", annotators_per_document=0))


def test_evidence_needs_url_or_note_and_a_known_stance(document, annotator):
    span = make_span(document, annotator, 4, 12)
    assert_refused(lambda: Evidence.objects.create(span=span, stance="supports"))
    assert_refused(lambda: Evidence.objects.create(span=span, stance="agrees", note="x"))
    assert not Evidence.objects.exists()


def test_job_kind_and_state_checked(project):
    assert_refused(lambda: Job.objects.create(project=project, kind="magic"))
    assert_refused(lambda: Job.objects.create(project=project, kind="export", state="lost"))
