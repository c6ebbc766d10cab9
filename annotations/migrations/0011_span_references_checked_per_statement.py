"""PostgreSQL: a bulk insert of spans may check its foreign keys once per statement, not per row.

Each foreign key of a span (document, label and status of the span's project; the annotator) is
checked by PostgreSQL with one trigger call per row. For a COPY of 60,000 spans those 240,000
lookups took longer (about 1 s) than the COPY itself. ``annotations.bulk.insert_rows`` therefore
runs a span COPY with ``session_replication_role = replica``, which skips per-row triggers (the
foreign keys' too), when the database role may set it. The statement-level trigger added here
fires in that mode (``ENABLE ALWAYS``) and does the same checks over the whole statement in one
pass per reference: it locks each referenced row ``FOR KEY SHARE``, as a foreign key check does,
so a concurrent delete waits for the import, and it raises the foreign key's own error, naming the
constraint and one missing key, if any row refers to nothing. In the default mode it returns at
once and the foreign keys check every row as before.

The triggers that mark documents dirty (0010) fire in replica mode too. Their upsert into
documentagreement skips that table's foreign key check in that mode; its keys are the spans'
documents, which the check below has verified and locked.

``tests/test_constraints.py`` checks that the list of references below names every foreign key
of the span table, so a new one cannot be forgotten here.
"""

from django.db import migrations

from annotations.migrations._vendor_sql import run

PG_FORWARD = """
CREATE FUNCTION annotations_span_references_exist() RETURNS trigger AS $$
DECLARE
  ref record;
  wanted bigint;
  locked bigint;
  missing text;
BEGIN
  IF current_setting('session_replication_role') <> 'replica' THEN
    RETURN NULL;  -- the foreign keys' own row triggers check these rows
  END IF;
  FOR ref IN SELECT * FROM (VALUES
      ('span_document_same_project', 'document_id, project_id',
       'annotations_document', 'id, project_id'),
      ('span_label_same_project', 'label_id, project_id', 'annotations_label', 'id, project_id'),
      ('span_status_same_project', 'status_id, project_id',
       'annotations_verificationstatus', 'id, project_id'),
      ('annotations_span_annotator_id_739e6aa1_fk_auth_user_id', 'annotator_id',
       'auth_user', 'id')
    ) AS r(constraint_name, columns, target_table, target_columns)
  LOOP
    EXECUTE format(
      'SELECT (SELECT count(*) FROM (SELECT DISTINCT %1$s FROM new_spans) AS keys), '
      '(SELECT count(*) FROM (SELECT 1 FROM %2$I AS t WHERE (%3$s) IN '
      '(SELECT %1$s FROM new_spans) FOR KEY SHARE OF t) AS locked)',
      ref.columns, ref.target_table, ref.target_columns)
      INTO wanted, locked;
    IF locked <> wanted THEN
      EXECUTE format(
        'SELECT ROW(%1$s)::text FROM new_spans WHERE ROW(%1$s) NOT IN '
        '(SELECT %3$s FROM %2$I) LIMIT 1',
        ref.columns, ref.target_table, ref.target_columns)
        INTO missing;
      RAISE EXCEPTION 'insert or update on table "annotations_span" violates foreign key '
                      'constraint "%"', ref.constraint_name
        USING ERRCODE = 'foreign_key_violation', CONSTRAINT = ref.constraint_name,
              TABLE = 'annotations_span',
              DETAIL = format('Key (%s)=%s is not present in table "%s".',
                              ref.columns, missing, ref.target_table);
    END IF;
  END LOOP;
  RETURN NULL;
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
