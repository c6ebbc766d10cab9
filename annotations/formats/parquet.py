"""Parquet export: one span per row, typed columns as described in ``annotations.formats.tabular``.

Written with ``pyarrow.parquet.ParquetWriter``, one row group per ``row_group_size`` spans (the
last one smaller), so memory holds at most one row group of spans whatever the project's size.
The file's key-value metadata holds ``factcheck_workbench.offset_unit`` (``code_point``) and, when
a project is given, ``factcheck_workbench.project`` (a JSON object with the project name, its
labels as ``[key, name, color]`` and statuses as ``[key, name, is_final]``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import IO

import pyarrow as pa
import pyarrow.parquet as pq

from annotations.formats.records import ExportDocument, ExportProject, ExportSummary
from annotations.formats.tabular import COLUMNS, document_spans

DEFAULT_ROW_GROUP_SIZE = 50_000

EVIDENCE_TYPE = pa.list_(
    pa.struct(
        [
            pa.field("url", pa.string(), nullable=False),
            pa.field("note", pa.string(), nullable=False),
            pa.field("stance", pa.string(), nullable=False),
        ]
    )
)

SCHEMA = pa.schema(
    [
        pa.field("document_id", pa.int64(), nullable=False),
        pa.field("document_title", pa.string(), nullable=False),
        pa.field("span_id", pa.int64()),
        pa.field("annotator", pa.string()),
        pa.field("is_gold", pa.bool_(), nullable=False),
        pa.field("label", pa.string(), nullable=False),
        pa.field("start", pa.int32(), nullable=False),
        pa.field("end", pa.int32(), nullable=False),
        pa.field("quote", pa.string(), nullable=False),
        pa.field("status", pa.string()),
        pa.field("note", pa.string(), nullable=False),
        pa.field("evidence", EVIDENCE_TYPE, nullable=False),
        pa.field("verdict_rationale", pa.string(), nullable=False),
    ]
)
assert tuple(SCHEMA.names) == COLUMNS


def _schema_with_metadata(project: ExportProject | None) -> pa.Schema:
    metadata = {"factcheck_workbench.offset_unit": "code_point"}
    if project is not None:
        metadata["factcheck_workbench.project"] = json.dumps(
            {
                "name": project.name,
                "labels": [list(label) for label in project.labels],
                "statuses": [list(status) for status in project.statuses],
            },
            ensure_ascii=False,
        )
    return SCHEMA.with_metadata(metadata)


class _Columns:
    """One row group's worth of column values."""

    def __init__(self) -> None:
        self.document_id: list[int] = []
        self.document_title: list[str] = []
        self.span_id: list[int | None] = []
        self.annotator: list[str | None] = []
        self.is_gold: list[bool] = []
        self.label: list[str] = []
        self.start: list[int] = []
        self.end: list[int] = []
        self.quote: list[str] = []
        self.status: list[str | None] = []
        self.note: list[str] = []
        self.evidence: list[list[dict[str, str]]] = []
        self.verdict_rationale: list[str] = []
        self.size = 0

    def table(self, schema: pa.Schema) -> pa.Table:
        arrays = [pa.array(getattr(self, name), type=schema.field(name).type) for name in COLUMNS]
        return pa.Table.from_arrays(arrays, schema=schema)


def write_parquet(
    documents: Iterable[ExportDocument],
    fp: IO[bytes] | str,
    *,
    project: ExportProject | None = None,
    row_group_size: int = DEFAULT_ROW_GROUP_SIZE,
    compression: str = "zstd",
) -> ExportSummary:
    """Write ``documents`` to ``fp`` (a binary file object or a path)."""
    if row_group_size < 1:
        raise ValueError("row_group_size must be at least 1")
    schema = _schema_with_metadata(project)
    count = written = rows = 0
    with pq.ParquetWriter(fp, schema, compression=compression) as writer:
        columns = _Columns()
        for document in documents:
            count += 1
            before = rows
            for span, is_gold in document_spans(document):
                columns.document_id.append(document.document_id)
                columns.document_title.append(document.title)
                columns.span_id.append(span.span_id)
                columns.annotator.append(span.annotator)
                columns.is_gold.append(is_gold)
                columns.label.append(span.label)
                columns.start.append(span.start)
                columns.end.append(span.end)
                columns.quote.append(span.quote)
                columns.status.append(span.status)
                columns.note.append(span.note)
                columns.evidence.append(
                    [{"url": e.url, "note": e.note, "stance": e.stance} for e in span.evidence]
                )
                columns.verdict_rationale.append(span.verdict_rationale)
                columns.size += 1
                rows += 1
                if columns.size >= row_group_size:
                    writer.write_table(columns.table(schema), row_group_size=row_group_size)
                    columns = _Columns()
            if rows > before:
                written += 1
        if columns.size:
            writer.write_table(columns.table(schema), row_group_size=row_group_size)
    return ExportSummary(format="parquet", documents=count, documents_written=written, spans=rows)
