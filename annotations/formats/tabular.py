"""Shared by the CSV and Parquet writers: one span per row, annotators' spans then gold spans.

Columns, in order (CSV header names; Parquet column names and types):

=================  ==================  ==========================================================
column             Parquet type        meaning
=================  ==================  ==========================================================
document_id        int64               workbench document id
document_title     string              the document's title
span_id            int64, nullable     workbench span id (empty / null when the span has none)
annotator          string, nullable    username; empty (CSV) / null (Parquet) for gold spans
is_gold            bool                ``true`` for the adjudicated (gold) spans
label              string              label key
start              int32               half-open ``[start, end)`` in Unicode code points
end                int32
quote              string              ``text[start:end]``
status             string, nullable    verification status key
note               string              the annotator's note
evidence           see below           the span's evidence, in order
verdict_rationale  string              gold spans: the adjudicator's reason; ``""`` otherwise
=================  ==================  ==========================================================

``evidence`` is a JSON array of ``{"url", "note", "stance"}`` objects in CSV, and a
``list<struct<url: string, note: string, stance: string>>`` in Parquet. Documents without any span
produce no row. Row order: documents in the order given; within a document, annotators' spans in
the order given, then the gold spans.
"""

from __future__ import annotations

from collections.abc import Iterator

from annotations.formats.records import ExportDocument, ExportSpan

COLUMNS = (
    "document_id",
    "document_title",
    "span_id",
    "annotator",
    "is_gold",
    "label",
    "start",
    "end",
    "quote",
    "status",
    "note",
    "evidence",
    "verdict_rationale",
)


def document_spans(document: ExportDocument) -> Iterator[tuple[ExportSpan, bool]]:
    """``(span, is_gold)`` for every row of one document."""
    for span in document.spans:
        yield span, False
    if document.gold:
        for span in document.gold:
            yield span, True
