"""Native JSONL export: lossless, one document per line.

UTF-8, one JSON object per line, lines separated by ``\\n``; nothing else on a line. Characters are
written as themselves (not ``\\uXXXX`` escapes) except U+0085, U+2028 and U+2029, which are escaped
so that tools that split lines on them (Python's ``str.splitlines``, JavaScript) still see one
document per line. ``annotations.formats.jsonl`` reads the file back into the same records.

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

Reading it back
---------------

Read our native JSONL (``annotations.formats.jsonl``) back into ``ExportDocument`` records.

Every field is checked: types, offsets inside the text, ``quote == text[start:end]``, spans
attributed to a listed annotator, gold spans without annotator, ``adjudicated`` agreeing with
``gold``. A line with any problem yields no document; each problem is reported with the line number
(1-based) and the field path. Blank lines are ignored. A valid file reads back into records equal
to those that were written.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from typing import IO, Any

from annotations.formats.reading import check_iso_datetime, describe, is_int, json_lines
from annotations.formats.records import (
    ExportDocument,
    ExportEvidence,
    ExportSpan,
    ExportSummary,
    ImportReport,
    ImportResult,
)
from annotations.formats.sinks import text_sink
from annotations.spans import check_offsets

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


# --- reading --------------------------------------------------------------------------------


STANCES = frozenset({"supports", "refutes", "context"})


class _Line:
    """Validation of one line; collects errors into the report under the line number."""

    def __init__(self, number: int, report: ImportReport) -> None:
        self.number = number
        self.report = report
        self.failed = False

    def error(self, path: str, message: str) -> None:
        self.failed = True
        self.report.error(self.number, path, message)

    def string(self, obj: dict[str, Any], key: str, path: str, *, nullable: bool = False) -> Any:
        if key not in obj:
            self.error(path, "is missing.")
            return None
        value = obj[key]
        if value is None and nullable:
            return None
        if not isinstance(value, str):
            expected = "a string or null" if nullable else "a string"
            self.error(path, f"must be {expected}, got {describe(value)}.")
            return None
        return value


def _plain_span(raw: Any, text: str, annotators: set[str], gold: bool) -> ExportSpan | None:
    """The span when it is valid and carries no evidence (nearly every span of a large file), in
    a few comparisons; ``None`` sends it through ``_parse_span``, which names each problem."""
    if type(raw) is not dict or raw.get("evidence") != []:
        return None
    try:
        annotator, label, quote = raw["annotator"], raw["label"], raw["quote"]
        status, note = raw["status"], raw["note"]
    except KeyError:
        return None
    span_id, start, end = raw.get("id"), raw.get("start"), raw.get("end")
    rationale = raw.get("verdict_rationale", "")
    if (
        type(start) is int
        and type(end) is int
        and 0 <= start < end <= len(text)
        and type(quote) is str
        and text[start:end] == quote
        and type(label) is str
        and label
        and type(note) is str
        and type(rationale) is str
        and (status is None or type(status) is str)
        and (span_id is None or type(span_id) is int)
        and ((annotator is None) if gold else (type(annotator) is str and annotator in annotators))
    ):
        return ExportSpan(span_id, annotator, label, start, end, quote, status, note, (), rationale)
    return None


def _parse_span(
    line: _Line, raw: Any, path: str, text: str, annotators: set[str], gold: bool
) -> ExportSpan | None:
    if not isinstance(raw, dict):
        line.error(path, f"must be an object, got {describe(raw)}.")
        return None
    errors_before = line.report.error_count
    span_id = raw.get("id")
    if span_id is not None and not is_int(span_id):
        line.error(f"{path}.id", f"must be an integer or null, got {describe(span_id)}.")
    annotator = line.string(raw, "annotator", f"{path}.annotator", nullable=True)
    if gold and annotator is not None:
        line.error(f"{path}.annotator", "must be null for a gold span.")
    if not gold:
        if annotator is None and "annotator" in raw and raw["annotator"] is None:
            line.error(f"{path}.annotator", "is null; only gold spans have no annotator.")
        elif annotator is not None and annotator not in annotators:
            line.error(
                f"{path}.annotator", f"{annotator!r} is not listed in this line's annotators."
            )
    label = line.string(raw, "label", f"{path}.label")
    if label == "":
        line.error(f"{path}.label", "must not be empty.")
    start_raw, end_raw = raw.get("start"), raw.get("end")
    start = end = 0
    offsets_ok = True
    if is_int(start_raw):
        start = start_raw
    else:
        line.error(f"{path}.start", f"must be an integer, got {describe(start_raw)}.")
        offsets_ok = False
    if is_int(end_raw):
        end = end_raw
    else:
        line.error(f"{path}.end", f"must be an integer, got {describe(end_raw)}.")
        offsets_ok = False
    quote = line.string(raw, "quote", f"{path}.quote")
    if offsets_ok:
        for problem in check_offsets(text, start, end, quote):
            line.error(f"{path}.{problem.field}", problem.message)
    status = line.string(raw, "status", f"{path}.status", nullable=True)
    note = line.string(raw, "note", f"{path}.note")
    rationale = raw.get("verdict_rationale", "")
    if not isinstance(rationale, str):
        line.error(f"{path}.verdict_rationale", f"must be a string, got {describe(rationale)}.")
    evidence_raw = raw.get("evidence")
    evidence: list[ExportEvidence] = []
    if not isinstance(evidence_raw, list):
        line.error(f"{path}.evidence", f"must be an array, got {describe(evidence_raw)}.")
    else:
        for k, item in enumerate(evidence_raw):
            item_path = f"{path}.evidence[{k}]"
            if not isinstance(item, dict):
                line.error(item_path, f"must be an object, got {describe(item)}.")
                continue
            url = line.string(item, "url", f"{item_path}.url")
            item_note = line.string(item, "note", f"{item_path}.note")
            stance = line.string(item, "stance", f"{item_path}.stance")
            if stance is not None and stance not in STANCES:
                line.error(
                    f"{item_path}.stance", f"must be one of {sorted(STANCES)}, got {stance!r}."
                )
            if url is not None and item_note is not None and stance is not None:
                evidence.append(ExportEvidence(url=url, note=item_note, stance=stance))
    if line.report.error_count != errors_before:
        return None
    return ExportSpan(
        span_id=span_id,
        annotator=annotator,
        label=label,
        start=start,
        end=end,
        quote=quote,
        status=status,
        note=note,
        evidence=tuple(evidence),
        verdict_rationale=rationale,
    )


def parse_line(obj: Any, number: int, report: ImportReport) -> ExportDocument | None:
    """One decoded line, or None (with errors in ``report``) when it is not valid."""
    line = _Line(number, report)
    if not isinstance(obj, dict):
        line.error("", f"each line must be a JSON object, got {describe(obj)}.")
        return None
    if obj.get("format") != FORMAT_NAME:
        line.error("format", f"must be {FORMAT_NAME!r}, got {obj.get('format')!r}.")
        return None
    if obj.get("offset_unit") != OFFSET_UNIT:
        line.error("offset_unit", f"must be {OFFSET_UNIT!r}, got {obj.get('offset_unit')!r}.")
        return None
    raw_id = obj.get("document_id")
    document_id = 0
    if is_int(raw_id):
        document_id = raw_id
    else:
        line.error("document_id", f"must be an integer, got {describe(raw_id)}.")
    text = line.string(obj, "text", "text")
    if text == "":
        line.error("text", "must not be empty.")
    title = line.string(obj, "title", "title")
    source_url = line.string(obj, "source_url", "source_url")
    published_at = line.string(obj, "published_at", "published_at", nullable=True)
    if published_at is not None:
        problem = check_iso_datetime(published_at)
        if problem:
            line.error("published_at", problem)
    raw_metadata = obj.get("metadata")
    metadata: dict[str, Any] = {}
    if isinstance(raw_metadata, dict):
        metadata = raw_metadata
    else:
        line.error("metadata", f"must be an object, got {describe(raw_metadata)}.")
    annotators_raw = obj.get("annotators")
    annotators: list[str] = []
    if not isinstance(annotators_raw, list) or not all(isinstance(a, str) for a in annotators_raw):
        line.error("annotators", "must be an array of usernames (strings).")
    else:
        annotators = annotators_raw
        if len(set(annotators)) != len(annotators):
            line.error("annotators", "lists the same annotator twice.")
    agreement = obj.get("agreement")
    if agreement is not None and not isinstance(agreement, dict):
        line.error("agreement", f"must be an object or null, got {describe(agreement)}.")
    adjudicated = obj.get("adjudicated")
    gold_raw = obj.get("gold")
    if not isinstance(adjudicated, bool):
        line.error("adjudicated", f"must be true or false, got {describe(adjudicated)}.")
    elif adjudicated != (gold_raw is not None):
        line.error("gold", "must be an array when adjudicated is true, and null when it is false.")
    if line.failed or text is None:
        return None
    known = set(annotators)
    spans_raw = obj.get("spans")
    spans: list[ExportSpan] = []
    if not isinstance(spans_raw, list):
        line.error("spans", f"must be an array, got {describe(spans_raw)}.")
    else:
        for k, raw in enumerate(spans_raw):
            span = _plain_span(raw, text, known, False) or _parse_span(
                line, raw, f"spans[{k}]", text, known, gold=False
            )
            if span is not None:
                spans.append(span)
    gold: list[ExportSpan] | None = None
    if gold_raw is not None:
        if not isinstance(gold_raw, list):
            line.error("gold", f"must be an array or null, got {describe(gold_raw)}.")
        else:
            gold = []
            for k, raw in enumerate(gold_raw):
                span = _plain_span(raw, text, known, True) or _parse_span(
                    line, raw, f"gold[{k}]", text, known, gold=True
                )
                if span is not None:
                    gold.append(span)
    if line.failed:
        return None
    return ExportDocument(
        document_id=document_id,
        title=title,
        text=text,
        source_url=source_url,
        published_at=published_at,
        metadata=metadata,
        annotators=tuple(annotators),
        spans=tuple(spans),
        gold=None if gold is None else tuple(gold),
        agreement=agreement,
    )


def iter_native_jsonl(fp: IO[Any], report: ImportReport) -> Iterator[ExportDocument]:
    """Stream the valid documents of ``fp``; problems go to ``report`` (check ``report.ok``)."""
    for _number, document in iter_native_jsonl_items(fp, report):
        yield document


def iter_native_jsonl_items(
    fp: IO[Any], report: ImportReport
) -> Iterator[tuple[int, ExportDocument]]:
    """``iter_native_jsonl`` with each document's line number."""
    for number, obj in json_lines(fp, report):
        document = parse_line(obj, number, report)
        if document is not None:
            report.see(document)
            yield number, document


def read_native_jsonl(fp: IO[Any]) -> ImportResult:
    report = ImportReport()
    documents = list(iter_native_jsonl(fp, report))
    return ImportResult.from_report(documents, report)
