"""PostgreSQL: a bulk insert of spans may check its foreign keys once per statement, not per row.

Each foreign key of a span (document, label and status of the span's project; the annotator) is
checked by PostgreSQL with one trigger call per row. For a COPY of 60,000 spans those 240,000
lookups took longer (about 1 s) than the COPY itself. ``annotations.bulk.insert_rows`` therefore
runs a span COPY with ``session_replication_role = replica``, which skips per-row triggers (the
foreign keys' too), when the database role may set it. The statement-level trigger added here
fires in that mode (``ENABLE ALWAYS``) and does the same checks over the whole statement, from
one pass over its rows: it locks each referenced row ``FOR KEY SHARE``, as a foreign key check does,
so a concurrent delete waits for the import, and it raises the foreign key's own error, naming the
constraint and one missing key, if any row refers to nothing. In the default mode it returns at
once and the foreign keys check every row as before.

The triggers that mark documents dirty (0010) fire in replica mode too. Their upsert into
documentagreement skips that table's foreign key check in that mode; its keys are the spans'
documents, which the check below has verified and locked.

``tests/test_bulk.py`` checks that the function below names every foreign key of the span table,
so a new one cannot be forgotten here.
"""

from django.db import migrations

from annotations.migrations._vendor_sql import run

PG_FORWARD = """
CREATE FUNCTION annotations_span_references_exist() RETURNS trigger AS $$
DECLARE
  missing_documents bigint;
  missing_labels bigint;
  missing_statuses bigint;
  missing_users bigint;
  constraint_name text;
  key_columns text;
  key_values text;
  target_table text;
BEGIN
  IF current_setting('session_replication_role') <> 'replica' THEN
    RETURN NULL;  -- the foreign keys' own row triggers check these rows
  END IF;
  -- One pass over the statement's rows gives their distinct references (a few thousand at most
  -- for 60,000 spans); each referenced row is then locked as a foreign key check locks it. The
  -- counts read every locking CTE to its end, so every lock is taken.
  WITH refs AS MATERIALIZED (
         SELECT DISTINCT document_id, label_id, status_id, annotator_id, project_id
           FROM new_spans),
       document_keys AS MATERIALIZED (SELECT DISTINCT document_id, project_id FROM refs),
       label_keys AS MATERIALIZED (SELECT DISTINCT label_id, project_id FROM refs),
       status_keys AS MATERIALIZED (SELECT DISTINCT status_id, project_id FROM refs),
       user_keys AS MATERIALIZED (SELECT DISTINCT annotator_id FROM refs),
       documents AS (
         SELECT 1 FROM annotations_document AS t
          WHERE (t.id, t.project_id) IN (SELECT document_id, project_id FROM document_keys)
            FOR KEY SHARE OF t),
       labels AS (
         SELECT 1 FROM annotations_label AS t
          WHERE (t.id, t.project_id) IN (SELECT label_id, project_id FROM label_keys)
            FOR KEY SHARE OF t),
       statuses AS (
         SELECT 1 FROM annotations_verificationstatus AS t
          WHERE (t.id, t.project_id) IN (SELECT status_id, project_id FROM status_keys)
            FOR KEY SHARE OF t),
       users AS (
         SELECT 1 FROM auth_user AS t WHERE t.id IN (SELECT annotator_id FROM user_keys)
            FOR KEY SHARE OF t)
  SELECT (SELECT count(*) FROM document_keys) - (SELECT count(*) FROM documents),
         (SELECT count(*) FROM label_keys) - (SELECT count(*) FROM labels),
         (SELECT count(*) FROM status_keys) - (SELECT count(*) FROM statuses),
         (SELECT count(*) FROM user_keys) - (SELECT count(*) FROM users)
    INTO missing_documents, missing_labels, missing_statuses, missing_users;

  IF missing_documents > 0 THEN
    constraint_name := 'span_document_same_project';
    key_columns := 'document_id, project_id';
    target_table := 'annotations_document';
    SELECT ROW(document_id, project_id)::text INTO key_values FROM new_spans AS n
     WHERE NOT EXISTS (SELECT 1 FROM annotations_document AS t
                        WHERE t.id = n.document_id AND t.project_id = n.project_id) LIMIT 1;
  ELSIF missing_labels > 0 THEN
    constraint_name := 'span_label_same_project';
    key_columns := 'label_id, project_id';
    target_table := 'annotations_label';
    SELECT ROW(label_id, project_id)::text INTO key_values FROM new_spans AS n
     WHERE NOT EXISTS (SELECT 1 FROM annotations_label AS t
                        WHERE t.id = n.label_id AND t.project_id = n.project_id) LIMIT 1;
  ELSIF missing_statuses > 0 THEN
    constraint_name := 'span_status_same_project';
    key_columns := 'status_id, project_id';
    target_table := 'annotations_verificationstatus';
    SELECT ROW(status_id, project_id)::text INTO key_values FROM new_spans AS n
     WHERE NOT EXISTS (SELECT 1 FROM annotations_verificationstatus AS t
                        WHERE t.id = n.status_id AND t.project_id = n.project_id) LIMIT 1;
  ELSIF missing_users > 0 THEN
    constraint_name := 'annotations_span_annotator_id_739e6aa1_fk_auth_user_id';
    key_columns := 'annotator_id';
    target_table := 'auth_user';
    SELECT ROW(annotator_id)::text INTO key_values FROM new_spans AS n
     WHERE NOT EXISTS (SELECT 1 FROM auth_user AS t WHERE t.id = n.annotator_id) LIMIT 1;
  ELSE
    RETURN NULL;
  END IF;
  RAISE EXCEPTION 'insert or update on table "annotations_span" violates foreign key '
                  'constraint "%"', constraint_name
    USING ERRCODE = 'foreign_key_violation', CONSTRAINT = constraint_name,
          TABLE = 'annotations_span',
          DETAIL = format('Key (%s)=%s is not present in table "%s".',
                          key_columns, key_values, target_table);
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER span_references_exist_insert AFTER INSERT ON annotations_span
  REFERENCING NEW TABLE AS new_spans
  FOR EACH STATEMENT EXECUTE FUNCTION annotations_span_references_exist();
CREATE TRIGGER span_references_exist_update AFTER UPDATE ON annotations_span
  REFERENCING NEW TABLE AS new_spans
  FOR EACH STATEMENT EXECUTE FUNCTION annotations_span_references_exist();

ALTER TABLE annotations_span ENABLE ALWAYS TRIGGER span_references_exist_insert;
ALTER TABLE annotations_span ENABLE ALWAYS TRIGGER span_references_exist_update;
ALTER TABLE annotations_span ENABLE ALWAYS TRIGGER span_marks_document_dirty_insert;
ALTER TABLE annotations_span ENABLE ALWAYS TRIGGER span_marks_document_dirty_update;
ALTER TABLE annotations_span ENABLE ALWAYS TRIGGER span_marks_document_dirty_delete;
"""

PG_BACKWARD = """
ALTER TABLE annotations_span ENABLE TRIGGER span_marks_document_dirty_insert;
ALTER TABLE annotations_span ENABLE TRIGGER span_marks_document_dirty_update;
ALTER TABLE annotations_span ENABLE TRIGGER span_marks_document_dirty_delete;
DROP TRIGGER IF EXISTS span_references_exist_insert ON annotations_span;
DROP TRIGGER IF EXISTS span_references_exist_update ON annotations_span;
DROP FUNCTION IF EXISTS annotations_span_references_exist();
"""


def forward(apps, schema_editor):
    run(schema_editor, PG_FORWARD, [])


def backward(apps, schema_editor):
    run(schema_editor, PG_BACKWARD, [])


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0010_span_marks_document_dirty"),
    ]

    operations = [migrations.RunPython(forward, backward)]
