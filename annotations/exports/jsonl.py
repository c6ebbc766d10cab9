"""Native JSONL export: lossless, one document per line.

UTF-8, one JSON object per line, lines separated by ``\\n``; nothing else on a line. Characters are
written as themselves (not ``\\uXXXX`` escapes) except U+0085, U+2028 and U+2029, which are escaped
so that tools that split lines on them (Python's ``str.splitlines``, JavaScript) still see one
document per line. ``annotations.interop.native_jsonl`` reads the file back into the same records.

Fields of a line (every field is always present):

``format``
    ``"factcheck-workbench/1"``: the name and version of this layout.
``offset_unit``
    ``"code_point"``: every ``start``/``end`` below counts Unicode code points, as Python indexes
    ``str`` (an emoji such as U+1F600 counts 1, not 2 as in JavaScript).
``document_id``
    Integer id of the document in the workbench.
``title``, ``text``, ``source_url``
    Strings, exactly as stored (``""`` when absent). ``text`` is the text every offset refers to.
``published_at``
    ISO 8601 date-time string, or ``null``.
``metadata``
    Object: the document's free-form metadata, as imported.
``annotators``
    Array of the usernames who submitted the document, in submission order. An annotator listed
    here with no span in ``spans`` submitted the document and marked nothing.
``spans``
    Array of every annotator's spans, each an object with:

    - ``id``: integer span id (``null`` if the span has none),
    - ``annotator``: username (one of ``annotators``),
    - ``label``: label key (e.g. ``"claim"``),
    - ``start``, ``end``: half-open ``[start, end)`` in code points,
    - ``quote``: ``text[start:end]``, for checking,
    - ``status``: verification status key (e.g. ``"true"``), or ``null``,
    - ``note``: the annotator's note (``""`` when none),
    - ``evidence``: array of ``{"url", "note", "stance"}`` objects in the annotator's order;
      ``stance`` is ``"supports"``, ``"refutes"`` or ``"context"``,
    - ``verdict_rationale``: ``""`` for annotators' spans.
``adjudicated``
    ``true`` when a reviewer has adjudicated the document, ``false`` when not yet.
``gold``
    ``null`` when ``adjudicated`` is ``false``; otherwise the array of gold spans, in the same
    shape as ``spans`` with ``annotator`` ``null`` and ``verdict_rationale`` the adjudicator's
    reason for the verdict (an adjudicated document may have an empty gold array: nothing to mark).
``agreement``
    Object with the document's agreement figures as computed by the workbench (the keys are those
    of the agreement report for one document), or ``null`` when not computed (for instance fewer
    than two annotators). Undefined figures (NaN) are written as ``null``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import IO, Any

from annotations.exports.records import ExportDocument, ExportSpan, ExportSummary
from annotations.exports.sinks import text_sink

FORMAT_NAME = "factcheck-workbench/1"
OFFSET_UNIT = "code_point"

_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def span_to_json(span: ExportSpan) -> dict[str, Any]:
    return {
        "id": span.span_id,
        "annotator": span.annotator,
        "label": span.label,
        "start": span.start,
        "end": span.end,
        "quote": span.quote,
        "status": span.status,
        "note": span.note,
        "evidence": [{"url": e.url, "note": e.note, "stance": e.stance} for e in span.evidence],
        "verdict_rationale": span.verdict_rationale,
    }


def _finite(value: Any) -> Any:
    """Agreement figures may hold NaN for undefined statistics: JSON has no NaN, write null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def document_to_json(document: ExportDocument) -> dict[str, Any]:
    gold = document.gold
    return {
        "format": FORMAT_NAME,
        "offset_unit": OFFSET_UNIT,
        "document_id": document.document_id,
        "title": document.title,
        "text": document.text,
        "source_url": document.source_url,
        "published_at": document.published_at,
        "metadata": document.metadata,
        "annotators": list(document.annotators),
        "spans": [span_to_json(span) for span in document.spans],
        "adjudicated": gold is not None,
        "gold": None if gold is None else [span_to_json(span) for span in gold],
        "agreement": None if document.agreement is None else _finite(document.agreement),
    }


def dumps_line(document: ExportDocument) -> str:
    line = _encoder.encode(document_to_json(document))
    # Valid JSON either way; escaped so that no line-splitting tool cuts a document in two.
    if "\u2028" in line or "\u2029" in line or "\x85" in line:
        line = line.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
        line = line.replace("\x85", "\\u0085")
    return line


def write_jsonl(documents: Iterable[ExportDocument], fp: IO[Any]) -> ExportSummary:
    """Write one line per document to ``fp`` (text, or binary written as UTF-8)."""
    count = spans = 0
    with text_sink(fp) as out:
        write = out.write
        for document in documents:
            write(dumps_line(document))
            write("\n")
            count += 1
            spans += len(document.spans) + (len(document.gold) if document.gold else 0)
    return ExportSummary(format="jsonl", documents=count, documents_written=count, spans=spans)
