"""CSV export: one span per row, columns as described in ``annotations.formats.tabular``.

RFC 4180 CSV in UTF-8 with a header row, ``,`` separators, ``"`` quoting where needed and
``\\r\\n`` line ends (a quoted value may contain line breaks: read it with a CSV parser, not line
by line). Nulls are empty cells: ``annotator`` for gold spans, ``span_id`` and ``status`` when
absent. ``is_gold`` is ``true`` / ``false``. ``evidence`` is a JSON array of
``{"url", "note", "stance"}`` objects (``[]`` when none).

``excel_safe`` (the default) prefixes ``'`` to every text cell that starts with ``=``, ``+``,
``-``, ``@``, tab or carriage return, so that a spreadsheet shows it as text instead of evaluating
it as a formula (CSV injection: a quoted ``=HYPERLINK(...)`` or ``=cmd|...`` would run when the
file is opened). Every text column is covered: titles, quotes, notes and rationales come from
articles and annotators, and usernames may start with ``+``, ``-`` or ``@``. It changes those
values (``-5%`` is written ``'-5%``), so a program reading the file should ask for
``excel_safe=False``.
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


def _as_is(value: str) -> str:
    return value


def write_csv(
    documents: Iterable[ExportDocument], fp: IO[Any], *, excel_safe: bool = True
) -> ExportSummary:
    count = written = rows = 0
    text = _safe if excel_safe else _as_is
    with text_sink(fp) as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for document in documents:
            count += 1
            title = text(document.title)
            batch = []
            for span, is_gold in document_spans(document):
                evidence = _dumps(
                    [{"url": e.url, "note": e.note, "stance": e.stance} for e in span.evidence]
                )
                batch.append(
                    (
                        document.document_id,
                        title,
                        "" if span.span_id is None else span.span_id,
                        text(span.annotator or ""),
                        "true" if is_gold else "false",
                        text(span.label),
                        span.start,
                        span.end,
                        text(span.quote),
                        text(span.status or ""),
                        text(span.note),
                        evidence,  # a JSON array: starts with "["
                        text(span.verdict_rationale),
                    )
                )
            if batch:
                writer.writerows(batch)
                written += 1
                rows += len(batch)
    return ExportSummary(format="csv", documents=count, documents_written=written, spans=rows)
