"""A gold span's document, label and status belong to its project (as for annotator spans in 0002)."""

from django.db import migrations

from annotations.migrations._vendor_sql import run

PG_FORWARD = """
ALTER TABLE annotations_goldspan
  ADD CONSTRAINT gold_document_same_project FOREIGN KEY (document_id, project_id)
    REFERENCES annotations_document (id, project_id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  ADD CONSTRAINT gold_label_same_project FOREIGN KEY (label_id, project_id)
    REFERENCES annotations_label (id, project_id) DEFERRABLE INITIALLY DEFERRED,
  ADD CONSTRAINT gold_status_same_project FOREIGN KEY (status_id, project_id)
    REFERENCES annotations_verificationstatus (id, project_id) DEFERRABLE INITIALLY DEFERRED;
"""

PG_BACKWARD = """
ALTER TABLE annotations_goldspan
  DROP CONSTRAINT IF EXISTS gold_document_same_project,
  DROP CONSTRAINT IF EXISTS gold_label_same_project,
  DROP CONSTRAINT IF EXISTS gold_status_same_project;
"""

_SQLITE = """
CREATE TRIGGER gold_same_project_{event} BEFORE {event} ON annotations_goldspan
FOR EACH ROW WHEN
  (SELECT project_id FROM annotations_document WHERE id = NEW.document_id) IS NOT NEW.project_id
  OR (SELECT project_id FROM annotations_label WHERE id = NEW.label_id) IS NOT NEW.project_id
  OR (SELECT project_id FROM annotations_verificationstatus WHERE id = NEW.status_id) IS NOT NEW.project_id
BEGIN
  SELECT RAISE(ABORT, 'gold_same_project: document, label and status must belong to the gold span''s project');
END;
"""
SQLITE_FORWARD = [_SQLITE.format(event="INSERT"), _SQLITE.format(event="UPDATE")]
SQLITE_BACKWARD = ["DROP TRIGGER IF EXISTS gold_same_project_INSERT;", "DROP TRIGGER IF EXISTS gold_same_project_UPDATE;"]


def forward(apps, schema_editor):
    run(schema_editor, PG_FORWARD, SQLITE_FORWARD)


def backward(apps, schema_editor):
    run(schema_editor, PG_BACKWARD, SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("annotations", "0004_adjudication")]

    operations = [migrations.RunPython(forward, backward)]
