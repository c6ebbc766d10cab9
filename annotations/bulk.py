"""Fast inserts of many rows: PostgreSQL's COPY where available, ``bulk_create`` elsewhere.

COPY skips Django's per-object preparation and the SQL parameter list, which dominate
``bulk_create`` for hundreds of thousands of rows. It returns no ids, so it serves rows nobody
needs to refer to right away. Callers validate every row first: COPY checks the database
constraints like any insert, but a failure aborts the whole transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Model


def insert_rows(model: type[Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert ``rows`` (values in the order of ``fields``, which name model fields); returns how many."""
    count = 0
    if connection.vendor == "postgresql":
        meta = model._meta
        columns = ", ".join(connection.ops.quote_name(meta.get_field(f).column) for f in fields)
        table = connection.ops.quote_name(meta.db_table)
        connection.ensure_connection()
        with (
            connection.connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    attnames = [model._meta.get_field(f).attname for f in fields]  # "document" -> "document_id"
    objects = [model(**dict(zip(attnames, row, strict=True))) for row in rows]
    model.objects.bulk_create(objects, batch_size=2000)
    return len(objects)
