"""CSV export: one span per row, columns as described in ``annotations.formats.tabular``.

RFC 4180 CSV in UTF-8 with a header row, ``,`` separators, ``"`` quoting where needed and
``\\r\\n`` line ends (a quoted value may contain line breaks: read it with a CSV parser, not line
by line). Nulls are empty cells: ``annotator`` for gold spans, ``span_id`` and ``status`` when
absent. ``is_gold`` is ``true`` / ``false``. ``evidence`` is a JSON array of
``{"url", "note", "stance"}`` objects (``[]`` when none).

``excel_safe=True`` prefixes ``'`` to text cells that start with ``=``, ``+``, ``-``, ``@``, tab
or carriage return, so that a spreadsheet does not evaluate a quote as a formula (CSV injection).
It changes the data, so it is off by default: the file is meant for data tools.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import IO, Any

from annotations.formats.records import ExportDocument, ExportSummary
from annotations.formats.sinks import text_sink
from annotations.formats.tabular import COLUMNS, document_spans

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _safe(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def write_csv(
    documents: Iterable[ExportDocument], fp: IO[Any], *, excel_safe: bool = False
) -> ExportSummary:
    count = written = rows = 0
    with text_sink(fp) as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for document in documents:
            count += 1
            title = _safe(document.title) if excel_safe else document.title
            batch = []
            for span, is_gold in document_spans(document):
                evidence = _dumps(
                    [{"url": e.url, "note": e.note, "stance": e.stance} for e in span.evidence]
                )
                quote, note, rationale = span.quote, span.note, span.verdict_rationale
                if excel_safe:
                    quote, note, rationale = _safe(quote), _safe(note), _safe(rationale)
                batch.append(
                    (
                        document.document_id,
                        title,
                        "" if span.span_id is None else span.span_id,
                        span.annotator or "",
                        "true" if is_gold else "false",
                        span.label,
                        span.start,
                        span.end,
                        quote,
                        span.status or "",
                        note,
                        evidence,
                        rationale,
                    )
                )
            if batch:
                writer.writerows(batch)
                written += 1
                rows += len(batch)
    return ExportSummary(format="csv", documents=count, documents_written=written, spans=rows)
