"""Every write to a span marks its document's agreement dirty, in the database.

Before, each service did it with an upsert of its own after the write. A trigger makes it part of
the write itself: no path (API, import by COPY, a script) can forget it, and a span created
without evidence is a single statement, which needs no transaction of its own.

PostgreSQL: statement-level triggers over the transition table, so a COPY of 60,000 spans costs one
upsert. SQLite: row-level triggers. Deleting spans only updates existing rows: inserting one for a
document being deleted would outlive it. (A later migration that makes SQLite rebuild the span
table drops these triggers with the old table and must create them again, as 0008 does for its.)
"""

from django.db import migrations

from annotations.migrations._vendor_sql import run

_COLUMNS = (
    "(document_id, project_id, dirty, fingerprint, intermediate, alpha, alpha_reason, computed_at)"
)

PG_FORWARD = f"""
CREATE FUNCTION annotations_span_marks_document_dirty() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    UPDATE annotations_documentagreement SET dirty = TRUE
     WHERE NOT dirty AND document_id IN (SELECT document_id FROM changed_spans);
  ELSE
    INSERT INTO annotations_documentagreement {_COLUMNS}
    SELECT document_id, project_id, TRUE, '', NULL, NULL, '', NULL
      FROM (SELECT DISTINCT document_id, project_id FROM changed_spans) AS changed_documents
    ON CONFLICT (document_id) DO UPDATE SET dirty = TRUE
      WHERE NOT annotations_documentagreement.dirty;
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER span_marks_document_dirty_insert AFTER INSERT ON annotations_span
  REFERENCING NEW TABLE AS changed_spans
  FOR EACH STATEMENT EXECUTE FUNCTION annotations_span_marks_document_dirty();
CREATE TRIGGER span_marks_document_dirty_update AFTER UPDATE ON annotations_span
  REFERENCING NEW TABLE AS changed_spans
  FOR EACH STATEMENT EXECUTE FUNCTION annotations_span_marks_document_dirty();
CREATE TRIGGER span_marks_document_dirty_delete AFTER DELETE ON annotations_span
  REFERENCING OLD TABLE AS changed_spans
  FOR EACH STATEMENT EXECUTE FUNCTION annotations_span_marks_document_dirty();
"""

PG_BACKWARD = """
DROP TRIGGER IF EXISTS span_marks_document_dirty_insert ON annotations_span;
DROP TRIGGER IF EXISTS span_marks_document_dirty_update ON annotations_span;
DROP TRIGGER IF EXISTS span_marks_document_dirty_delete ON annotations_span;
DROP FUNCTION IF EXISTS annotations_span_marks_document_dirty();
"""

_SQLITE_UPSERT = f"""
CREATE TRIGGER span_marks_document_dirty_{{event}} AFTER {{event}} ON annotations_span
BEGIN
  INSERT OR IGNORE INTO annotations_documentagreement {_COLUMNS}
    VALUES (NEW.document_id, NEW.project_id, 1, '', NULL, NULL, '', NULL);
  UPDATE annotations_documentagreement SET dirty = 1
   WHERE document_id = NEW.document_id AND NOT dirty;
END;
"""

SQLITE_FORWARD = [
    _SQLITE_UPSERT.format(event="insert"),
    _SQLITE_UPSERT.format(event="update"),
    """
CREATE TRIGGER span_marks_document_dirty_delete AFTER DELETE ON annotations_span
BEGIN
  UPDATE annotations_documentagreement SET dirty = 1
   WHERE document_id = OLD.document_id AND NOT dirty;
END;
""",
]

SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS span_marks_document_dirty_{event};"
    for event in ("insert", "update", "delete")
]


def forward(apps, schema_editor):
    run(schema_editor, PG_FORWARD, SQLITE_FORWARD)


def backward(apps, schema_editor):
    run(schema_editor, PG_BACKWARD, SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0009_span_drop_redundant_index"),
    ]

    operations = [migrations.RunPython(forward, backward)]
