"""``annotations.bulk.insert_rows``: a span COPY checks its foreign keys once per statement
(migration 0011) and refuses exactly what the per-row foreign keys refuse."""

from __future__ import annotations

import re

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from annotations import bulk
from annotations.bulk import STATEMENT_CHECKED_TABLES, insert_rows, may_switch_off_row_triggers
from annotations.models import Assignment, Span
from annotations.services.annotation_imports import SPAN_FIELDS
from tests.factories import DocumentFactory, UserFactory, make_project

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="COPY and replication roles are PostgreSQL's"
)

MISSING_ID = 2**31 - 1  # fits every id column; no row has it

FIELDS = (*SPAN_FIELDS, "version", "created_at", "updated_at")


def _row(doc, user, **overrides) -> tuple:
    project = doc.project
    values = {
        "project": project.pk,
        "document": doc.pk,
        "annotator": user.pk,
        "label": project.labels.get(key="claim").pk,
        "start": 4,
        "end": 12,
        "quote": doc.text[4:12],
        "status": project.statuses.get(is_initial=True).pk,
        "note": "",
        "version": 1,
        "created_at": timezone.now(),
        "updated_at": timezone.now(),
    }
    values.update(overrides)
    return tuple(values[f] for f in FIELDS)


def _replication_role() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('session_replication_role')")
        return cursor.fetchone()[0]


@pytest.fixture(params=["per statement", "per row"])
def check_mode(request, monkeypatch):
    """Both ways a span COPY is checked: the trigger of 0011 (this test database's superuser may
    switch row triggers off) and the foreign keys themselves (a role that may not)."""
    if request.param == "per row":
        monkeypatch.setattr(bulk, "may_switch_off_row_triggers", lambda cursor: False)
    return request.param


def test_valid_rows_are_stored_and_the_session_is_back_to_row_checks(project, annotator):
    documents = DocumentFactory.create_batch(3, project=project)
    with transaction.atomic():
        count = insert_rows(Span, FIELDS, [_row(d, annotator) for d in documents])
        assert _replication_role() == "origin"
    assert count == 3
    assert sorted(Span.objects.values_list("document_id", flat=True)) == sorted(
        d.pk for d in documents
    )


@pytest.mark.parametrize(
    "bad, constraint",
    [
        ("label of another project", "span_label_same_project"),
        ("status of another project", "span_status_same_project"),
        ("document of another project", "span_document_same_project"),
        ("no such document", "span_document_same_project"),
        ("no such annotator", "annotations_span_annotator_id_739e6aa1_fk_auth_user_id"),
    ],
)
def test_a_row_with_a_bad_reference_fails_the_whole_copy(
    project, annotator, check_mode, bad, constraint
):
    other = make_project(UserFactory(username="elsewhere"), name="Elsewhere")
    document = DocumentFactory(project=project)
    overrides = {
        "label of another project": {"label": other.labels.get(key="claim").pk},
        "status of another project": {"status": other.statuses.get(is_initial=True).pk},
        "document of another project": {"document": DocumentFactory(project=other).pk},
        "no such document": {"document": MISSING_ID},
        "no such annotator": {"annotator": MISSING_ID},
    }[bad]
    good = _row(document, annotator)
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        insert_rows(Span, FIELDS, [good, _row(document, annotator, start=0, **overrides)])
        if check_mode == "per statement":
            pytest.fail("the statement-level check let the COPY through")
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # what COMMIT does
    assert constraint in str(refused.value)
    assert not Span.objects.exists()


def test_the_statement_check_names_the_missing_key(project, annotator):
    document = DocumentFactory(project=project)
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        insert_rows(Span, FIELDS, [_row(document, annotator, label=MISSING_ID)])
    detail = refused.value.__cause__.diag.message_detail
    assert detail == (
        f"Key (label_id, project_id)=({MISSING_ID},{project.pk}) is not present in table "
        '"annotations_label".'
    )


def test_other_tables_keep_their_row_checks(project, annotator):
    """Only tables whose trigger re-checks the statement may skip row triggers."""
    other = make_project(UserFactory(username="elsewhere"), name="Elsewhere")
    foreign_document = DocumentFactory(project=other)
    now = timezone.now()
    fields = ("project", "document", "annotator", "state", "time_spent_seconds", "skip_reason")
    refused = pytest.raises(IntegrityError, match="assignment_document_same_project")
    with refused, transaction.atomic():
        insert_rows(
            Assignment,
            (*fields, "created_at"),
            [(project.pk, foreign_document.pk, annotator.pk, "assigned", 0, "", now)],
        )
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert not Assignment.objects.exists()


def test_every_foreign_key_of_a_checked_table_is_in_its_trigger(db):
    """A foreign key added to the span table later must be added to the trigger's list too."""
    with connection.cursor() as cursor:
        for table in STATEMENT_CHECKED_TABLES:
            cursor.execute(
                "SELECT t.tgname, t.tgenabled, p.prosrc FROM pg_trigger t "
                "JOIN pg_proc p ON p.oid = t.tgfoid "
                "WHERE t.tgrelid = %s::regclass AND NOT t.tgisinternal",
                [table],
            )
            triggers = {name: (enabled, source) for name, enabled, source in cursor.fetchall()}
            cursor.execute(
                "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
                [table],
            )
            foreign_keys = {name for (name,) in cursor.fetchall()}
            checks = {n: s for n, (e, s) in triggers.items() if "session_replication_role" in s}
            assert set(checks) == {
                "span_references_exist_insert",
                "span_references_exist_update",
            }
            for source in checks.values():
                named = set(re.findall(r"constraint_name := '([a-z0-9_]+)'", source))
                assert named == foreign_keys
            # Every trigger of the table fires with row triggers off ('A': ENABLE ALWAYS).
            assert {n: e for n, (e, s) in triggers.items()} == dict.fromkeys(triggers, "A")


def test_span_writes_still_mark_documents_dirty(project, annotator):
    from annotations.models import DocumentAgreement

    document = DocumentFactory(project=project)
    with transaction.atomic():
        insert_rows(Span, FIELDS, [_row(document, annotator)])
    assert DocumentAgreement.objects.get(document=document).dirty is True


def test_a_role_without_the_privilege_keeps_row_checks(db):
    with transaction.atomic(), connection.cursor() as cursor:
        assert may_switch_off_row_triggers(cursor.cursor) is True  # the test database's superuser
        cursor.execute("SET LOCAL ROLE pg_monitor")  # a built-in role that is not a superuser
        assert may_switch_off_row_triggers(cursor.cursor) is False
        cursor.execute("RESET ROLE")
        cursor.execute("SET LOCAL session_replication_role = replica")
        # Nor does it leave a mode it did not set.
        assert may_switch_off_row_triggers(cursor.cursor) is False


@pytest.mark.django_db(transaction=True)
def test_referenced_rows_are_locked_until_commit_as_a_foreign_key_check_locks_them():
    """A document, label, status or user a COPY refers to cannot be deleted under it: like the
    foreign key check, the statement-level check holds FOR KEY SHARE locks until the end."""
    manager = UserFactory(username="m")
    project = make_project(manager)
    document = DocumentFactory(project=project)
    row = _row(document, manager)
    referenced = {
        "annotations_document": row[FIELDS.index("document")],
        "annotations_label": row[FIELDS.index("label")],
        "annotations_verificationstatus": row[FIELDS.index("status")],
        "auth_user": row[FIELDS.index("annotator")],
    }
    dsn = connection.get_connection_params()

    def lockable_by_another_session() -> dict[str, bool]:
        lockable = {}
        with psycopg.connect(**dsn, autocommit=True) as other:
            for table, pk in referenced.items():
                try:
                    other.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR UPDATE NOWAIT", [pk])
                except psycopg.errors.LockNotAvailable:
                    lockable[table] = False
                else:
                    lockable[table] = True
        return lockable

    with transaction.atomic():
        insert_rows(Span, FIELDS, [row])
        assert lockable_by_another_session() == dict.fromkeys(referenced, False)
    assert lockable_by_another_session() == dict.fromkeys(referenced, True)
    assert Span.objects.filter(document=document).count() == 1


def test_rows_inserted_with_ids_come_back_in_order_with_their_values(project):
    from annotations.bulk import insert_rows_returning_ids
    from annotations.models import Document

    published = timezone.now().replace(microsecond=0)
    rows = [
        (
            project.pk,
            f"Title {n}",
            f"Text {n} 🚨",
            "",
            published,
            {"n": n, "tags": ["x"]},
            published,
        )
        for n in range(5)
    ]
    fields = ("project", "title", "text", "source_url", "published_at", "metadata", "created_at")
    with transaction.atomic():
        ids = insert_rows_returning_ids(Document, fields, rows)
    assert len(set(ids)) == 5
    stored = Document.objects.in_bulk(ids)
    assert [tuple(getattr(stored[pk], f) for f in fields[1:]) for pk in ids] == [
        row[1:] for row in rows
    ]
    # The sequence moved past them: the next ordinary insert gets a fresh id.
    assert Document.objects.create(project=project, text="After").pk not in ids
