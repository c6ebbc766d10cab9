"""Database-level integrity that Django's field types cannot express.

1. A span's document, label and status belong to the span's project: composite foreign keys on
   PostgreSQL, triggers on SQLite (which cannot add constraints to an existing table).
2. A document's text cannot change once a span points into it (the offsets would go stale).
"""

from django.db import migrations

from annotations.migrations._vendor_sql import run

PG_FORWARD = """
ALTER TABLE annotations_span
  ADD CONSTRAINT span_document_same_project FOREIGN KEY (document_id, project_id)
    REFERENCES annotations_document (id, project_id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  ADD CONSTRAINT span_label_same_project FOREIGN KEY (label_id, project_id)
    REFERENCES annotations_label (id, project_id) DEFERRABLE INITIALLY DEFERRED,
  ADD CONSTRAINT span_status_same_project FOREIGN KEY (status_id, project_id)
    REFERENCES annotations_verificationstatus (id, project_id) DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE annotations_assignment
  ADD CONSTRAINT assignment_document_same_project FOREIGN KEY (document_id, project_id)
    REFERENCES annotations_document (id, project_id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED;

CREATE FUNCTION annotations_document_text_immutable() RETURNS trigger AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM annotations_span WHERE document_id = OLD.id) THEN
    RAISE EXCEPTION 'document % text is immutable once spans point into it', OLD.id
      USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = 'document_text_immutable';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER document_text_immutable
  BEFORE UPDATE OF text ON annotations_document
  FOR EACH ROW WHEN (OLD.text IS DISTINCT FROM NEW.text)
  EXECUTE FUNCTION annotations_document_text_immutable();
"""

PG_BACKWARD = """
DROP TRIGGER IF EXISTS document_text_immutable ON annotations_document;
DROP FUNCTION IF EXISTS annotations_document_text_immutable();
ALTER TABLE annotations_assignment DROP CONSTRAINT IF EXISTS assignment_document_same_project;
ALTER TABLE annotations_span
  DROP CONSTRAINT IF EXISTS span_document_same_project,
  DROP CONSTRAINT IF EXISTS span_label_same_project,
  DROP CONSTRAINT IF EXISTS span_status_same_project;
"""

_SQLITE_SAME_PROJECT = """
CREATE TRIGGER {name}_{event} BEFORE {event} ON annotations_span
FOR EACH ROW WHEN
  (SELECT project_id FROM annotations_document WHERE id = NEW.document_id) IS NOT NEW.project_id
  OR (SELECT project_id FROM annotations_label WHERE id = NEW.label_id) IS NOT NEW.project_id
  OR (SELECT project_id FROM annotations_verificationstatus WHERE id = NEW.status_id) IS NOT NEW.project_id
BEGIN
  SELECT RAISE(ABORT, 'span_same_project: document, label and status must belong to the span''s project');
END;
"""

SQLITE_FORWARD = [
    _SQLITE_SAME_PROJECT.format(name="span_same_project", event="INSERT"),
    _SQLITE_SAME_PROJECT.format(name="span_same_project", event="UPDATE"),
    """
    CREATE TRIGGER assignment_same_project_INSERT BEFORE INSERT ON annotations_assignment
    FOR EACH ROW WHEN
      (SELECT project_id FROM annotations_document WHERE id = NEW.document_id) IS NOT NEW.project_id
    BEGIN
      SELECT RAISE(ABORT, 'assignment_same_project: the document belongs to another project');
    END;
    """,
    """
    CREATE TRIGGER document_text_immutable BEFORE UPDATE OF text ON annotations_document
    FOR EACH ROW WHEN OLD.text IS NOT NEW.text
      AND EXISTS (SELECT 1 FROM annotations_span WHERE document_id = OLD.id)
    BEGIN
      SELECT RAISE(ABORT, 'document_text_immutable: the text cannot change once spans point into it');
    END;
    """,
]

SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS span_same_project_INSERT;",
    "DROP TRIGGER IF EXISTS span_same_project_UPDATE;",
    "DROP TRIGGER IF EXISTS assignment_same_project_INSERT;",
    "DROP TRIGGER IF EXISTS document_text_immutable;",
]


def forward(apps, schema_editor):
    run(schema_editor, PG_FORWARD, SQLITE_FORWARD)


def backward(apps, schema_editor):
    run(schema_editor, PG_BACKWARD, SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("annotations", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
