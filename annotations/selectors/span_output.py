"""The API form of spans, read straight from the database rows.

``SpanSerializer`` documents the schema; building its output through model instances costs four
instances per span (span, annotator, label, status) plus a related manager for the evidence, which
made serialising a document's spans the largest part of retrieving it. These functions produce the
same JSON from ``values_list`` rows, without instances: on PostgreSQL in one query (each span's
evidence aggregated into a JSON array by a subquery), elsewhere in two (spans, then their evidence).
Tests check that both give identical output.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from django.contrib.postgres.aggregates import JSONBAgg
from django.db import connection
from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import JSONObject
from django.utils import timezone

from annotations.models import Evidence, Span

# Lookups read for each span, in the order of the row tuples below.
SPAN_COLUMNS = (
    "id",
    "document_id",
    "annotator_id",
    "annotator__username",
    "label_id",
    "label__key",
    "start",
    "end",
    "quote",
    "status_id",
    "status__key",
    "note",
    "version",
    "created_at",
    "updated_at",
)
SpanRow = Sequence[Any]


# Each span's evidence as a JSON array, in stored order (NULL when it has none). jsonb orders an
# object's keys by length, which happens to be the API's order: id, url, note, stance.
_EVIDENCE_ARRAY = Subquery(
    Evidence.objects.filter(span=OuterRef("pk"))
    .values("span")
    .annotate(
        items=JSONBAgg(
            JSONObject(id="id", url="url", note="note", stance="stance"), order_by=("order", "id")
        )
    )
    .values("items")
)


def span_rows(spans: QuerySet[Span]) -> QuerySet[Any]:
    """``spans`` as row tuples (``SPAN_COLUMNS``, then the evidence on PostgreSQL), keeping its
    filters and ordering; paginate it like any queryset and pass the page to
    ``span_representations``."""
    spans = spans.select_related(None).prefetch_related(None)
    if connection.vendor == "postgresql":
        return spans.annotate(evidence_array=_EVIDENCE_ARRAY).values_list(
            *SPAN_COLUMNS, "evidence_array"
        )
    return spans.values_list(*SPAN_COLUMNS)


def span_row_of(span: Span) -> tuple[Any, ...]:
    """The row of a span instance whose annotator, label and status are loaded."""
    return (
        span.pk,
        span.document_id,
        span.annotator_id,
        span.annotator.get_username(),
        span.label_id,
        span.label.key,
        span.start,
        span.end,
        span.quote,
        span.status_id,
        span.status.key,
        span.note,
        span.version,
        span.created_at,
        span.updated_at,
    )


def evidence_by_span(span_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """The evidence items of each span, in their stored order, in one query."""
    items: dict[int, list[dict[str, Any]]] = {span_id: [] for span_id in span_ids}
    if not items:
        return items
    rows = (
        Evidence.objects.filter(span_id__in=list(items))
        .order_by("span_id", "order", "id")
        .values_list("span_id", "id", "url", "note", "stance")
    )
    for span_id, evidence_id, url, note, stance in rows:
        items[span_id].append({"id": evidence_id, "url": url, "note": note, "stance": stance})
    return items


def span_representations(
    rows: Iterable[SpanRow],
    *,
    evidence: dict[int, list[dict[str, Any]]] | None = None,
    timestamps: bool = True,
) -> list[dict[str, Any]]:
    """The API form of each row; reads the evidence (one query) unless given or in the rows."""
    rows = list(rows)
    if evidence is None:
        if rows and len(rows[0]) > len(SPAN_COLUMNS):  # aggregated by span_rows
            evidence = {row[0]: row[len(SPAN_COLUMNS)] or [] for row in rows}
        else:
            evidence = evidence_by_span(row[0] for row in rows)
    as_text = iso_datetime_formatter()
    out = []
    for row in rows:
        (span_id, document, annotator, username, label, label_key, start, end, quote) = row[:9]
        status, status_key, note, version, created_at, updated_at = row[9:15]
        item = {
            "id": span_id,
            "document": document,
            "annotator": annotator,
            "annotator_username": username,
            "label": label,
            "label_key": label_key,
            "start": start,
            "end": end,
            "quote": quote,
            "status": status,
            "status_key": status_key,
            "note": note,
            "evidence": evidence[span_id],
            "version": version,
        }
        if timestamps:
            item["created_at"] = as_text(created_at)
            item["updated_at"] = as_text(updated_at)
        out.append(item)
    return out


def iso_datetime_formatter() -> Callable[[datetime | None], str | None]:
    """A function giving DRF's ISO 8601 text of an aware datetime in the current time zone (``Z``
    for UTC), resolving the time zone once instead of once per value."""
    zone = timezone.get_current_timezone()

    def as_text(value: datetime | None) -> str | None:
        if value is None:
            return None
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return as_text
