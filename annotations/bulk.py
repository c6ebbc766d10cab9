"""Fast inserts of many rows: PostgreSQL's COPY where available, ``bulk_create`` elsewhere.

COPY skips Django's per-object preparation and the SQL parameter list, which dominate
``bulk_create`` for hundreds of thousands of rows. It returns no ids, so it serves rows nobody
needs to refer to right away. Callers validate every row first: COPY checks the database
constraints like any insert, but a failure aborts the whole transaction.

Into the tables of ``STATEMENT_CHECKED_TABLES``, a COPY inside a transaction checks its foreign
keys once for the whole statement instead of once per row, when the database role may switch
per-row triggers off (``session_replication_role``: a superuser, or a role granted
``SET ON PARAMETER session_replication_role``). Those tables carry a trigger that then does the
same checks over the statement's rows (migration 0011); other tables keep their per-row checks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Model

# Tables with a statement-level trigger that re-checks every foreign key when per-row triggers
# are off (migration 0011). tests/test_bulk.py holds this list to the database's triggers.
STATEMENT_CHECKED_TABLES = frozenset({"annotations_span"})


def insert_rows(model: type[Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert ``rows`` (values in the order of ``fields``, which name model fields); returns how many.

    ``rows`` may be a generator, but one that queries the database would wait forever: the
    connection is busy with the COPY until the last row is written."""
    if connection.vendor == "postgresql":
        with connection.wrap_database_errors:
            return _copy_rows(model, fields, rows)
    return len(_bulk_create(model, fields, rows))


def insert_rows_returning_ids(
    model: type[Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[int]:
    """``insert_rows``, returning the new primary keys in the order of ``rows``. On PostgreSQL the
    keys are drawn from the table's sequence first, so the rows can still go in by COPY."""
    if connection.vendor != "postgresql":
        return [obj.pk for obj in _bulk_create(model, fields, rows)]
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(rows)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
    insert_rows(
        model, (meta.pk.name, *fields), ((pk, *row) for pk, row in zip(ids, rows, strict=True))
    )
    return ids


def _bulk_create(
    model: type[Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]
) -> list[Model]:
    """The other databases' path: model instances through ``bulk_create``, with their keys."""
    attnames = [model._meta.get_field(f).attname for f in fields]  # "document" -> "document_id"
    objects = [model(**dict(zip(attnames, row, strict=True))) for row in rows]
    return model.objects.bulk_create(objects, batch_size=2000)


def _copy_rows(model: type[Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    meta = model._meta
    columns = ", ".join(connection.ops.quote_name(meta.get_field(f).column) for f in fields)
    table = connection.ops.quote_name(meta.db_table)
    # JSON values need the driver's JSON wrapper; other values COPY adapts as they are.
    json_columns = [
        (i, field)
        for i, field in enumerate(meta.get_field(f) for f in fields)
        if field.get_internal_type() == "JSONField"
    ]
    count = 0
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        checked_per_statement = (
            meta.db_table in STATEMENT_CHECKED_TABLES
            and connection.in_atomic_block  # SET LOCAL lasts until the end of the transaction
            and may_switch_off_row_triggers(cursor)
        )
        if checked_per_statement:
            cursor.execute("SET LOCAL session_replication_role = replica")
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                if json_columns:
                    row = list(row)
                    for i, field in json_columns:
                        row[i] = connection.ops.adapt_json_value(row[i], field.encoder)
                copy.write_row(row)
                count += 1
        if checked_per_statement:
            cursor.execute("SET LOCAL session_replication_role = origin")
    return count


def may_switch_off_row_triggers(cursor: Any) -> bool:
    """Whether this session runs in the default replication role and may leave it."""
    if connection.pg_version >= 150000:
        allowed = "has_parameter_privilege('session_replication_role', 'SET')"
    else:
        allowed = "current_setting('is_superuser') = 'on'"
    cursor.execute(f"SELECT current_setting('session_replication_role') = 'origin' AND {allowed}")
    return bool(cursor.fetchone()[0])
