"""doccano sequence-labelling JSONL: one file per annotator, or one for the gold spans.

One JSON object per line::

    {"id": 42, "text": "...", "label": [[start, end, "claim"], ...],
     "title": "...", "source_url": "...", "published_at": "...", "metadata": {...}}

``label`` is doccano's import field for sequence labelling (``[start, end, label]`` triples, label
keys as label names); doccano keeps the other fields as the example's metadata.

Offsets are UTF-16 code units by default. doccano's annotation component (``v-annotator``) takes
positions from the browser selection and measures text with JavaScript ``String.length``
(``src/domain/models/Label/Text.ts``: ``codePointLength`` returns ``this.text.length``), so an
emoji counts 2; doccano issue #2290 reports the same (``"firetrucks"`` at 22-32 in doccano, 19-29
in Python). Projects created with "Count grapheme clusters as one character" count grapheme
clusters instead; that mode is not supported. ``offset_unit="codepoint"`` writes Python offsets for
tools other than doccano that read this layout.

Which documents: with ``annotator=`` the documents that annotator submitted (others are skipped
and counted as ``not_annotated``), with ``gold=True`` the adjudicated documents (others counted as
``no_gold``). Overlapping spans are written as they are: enable "Allow overlapping spans" in the
doccano project before importing a file that has them.

Reading it back
---------------

Parse a doccano sequence-labelling JSONL export into ``ExportDocument`` records.

One JSON object per line (``item`` in errors is the 1-based line number), with ``text`` and the
spans in any of doccano's layouts:

* ``"label": [[start, end, "LABEL"], ...]`` (the import format, and the JSONL export),
* ``"labels": [[start, end, "LABEL"], ...]`` (the same, as some versions name it),
* ``"entities": [{"start_offset": s, "end_offset": e, "label": "LABEL"}, ...]`` (exports of
  projects with relation labelling; ``relations`` are ignored).

The doccano 1.0 layout (``annotations`` holding label ids rather than names) is rejected with an
error rather than read as "no spans".

doccano writes one file per annotator (or one for everybody when annotations are shared) and the
lines do not say who annotated them, so the caller chooses: ``annotator="alice"`` attributes every
span of the file to that name, ``as_gold=True`` makes them gold spans. Without either, a line's
``username`` (or ``user``) string is used, and a line without one is an error.

Offsets are UTF-16 code units by default, as doccano's annotator counts them (see
``annotations.formats.doccano``), and are converted to code points; an offset that falls inside a
surrogate pair or outside the text is an error. ``offset_unit="codepoint"`` reads files written by
Python tools. doccano lines carry no quote, so the offsets can only be checked against the text's
length and surrogate pairs. Every other key (except doccano's ``Comments``) becomes metadata;
``title``, ``source_url``, ``published_at`` and ``metadata`` are read as our export writes them.
A line with no span counts as annotated by the chosen annotator unless
``empty_means_annotated=False``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import IO, Any, Literal

from annotations.formats.reading import check_iso_datetime, describe, is_int, json_lines
from annotations.formats.records import (
    ExportDocument,
    ExportSpan,
    ExportSummary,
    ImportReport,
    ImportResult,
)
from annotations.formats.sinks import text_sink
from annotations.spans import Utf16Index

OffsetUnit = Literal["utf16", "codepoint"]

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def document_to_doccano(
    document: ExportDocument, spans: Iterable[ExportSpan], *, offset_unit: OffsetUnit = "utf16"
) -> dict[str, Any]:
    index = Utf16Index(document.text) if offset_unit == "utf16" else None
    triples = []
    for span in spans:
        if index is not None and index.has_astral:
            triples.append([index.to_utf16(span.start), index.to_utf16(span.end), span.label])
        else:
            triples.append([span.start, span.end, span.label])
    return {
        "id": document.document_id,
        "text": document.text,
        "label": triples,
        "title": document.title,
        "source_url": document.source_url,
        "published_at": document.published_at,
        "metadata": document.metadata,
    }


def write_doccano(
    documents: Iterable[ExportDocument],
    fp: IO[Any],
    *,
    annotator: str | None = None,
    gold: bool = False,
    offset_unit: OffsetUnit = "utf16",
) -> ExportSummary:
    """Write one annotator's spans (``annotator="alice"``) or the gold spans (``gold=True``)."""
    if (annotator is None) == (not gold):
        raise ValueError("give exactly one of annotator=<username> or gold=True")
    if offset_unit not in ("utf16", "codepoint"):
        raise ValueError(f"offset_unit must be 'utf16' or 'codepoint', got {offset_unit!r}")
    count = written = spans_written = skipped = 0
    with text_sink(fp) as out:
        for document in documents:
            count += 1
            if gold:
                if document.gold is None:
                    skipped += 1
                    continue
                spans = list(document.gold)
            else:
                if annotator not in document.annotators:
                    skipped += 1
                    continue
                spans = [s for s in document.spans if s.annotator == annotator]
            out.write(_dumps(document_to_doccano(document, spans, offset_unit=offset_unit)))
            out.write("\n")
            written += 1
            spans_written += len(spans)
    reason = "no_gold" if gold else "not_annotated"
    message = ""
    if skipped:
        who = "have no adjudication yet" if gold else f"were not submitted by {annotator}"
        message = f"{skipped} of {count} documents {who} and were left out."
    return ExportSummary(
        format="doccano",
        documents=count,
        documents_written=written,
        spans=spans_written,
        skipped={reason: skipped} if skipped else {},
        message=message,
    )


# --- reading --------------------------------------------------------------------------------


_NOT_METADATA = frozenset(
    {
        "id",
        "text",
        "label",
        "labels",
        "entities",
        "relations",
        "Comments",
        "comments",
        "username",
        "user",
        "title",
        "source_url",
        "published_at",
        "metadata",
    }
)


def _raw_spans(
    obj: dict[str, Any], number: int, report: ImportReport
) -> list[tuple[str, Any, Any, Any]] | None:
    """``(path, start, end, label)`` for every span of a line, or None after reporting an error."""
    if "entities" in obj:
        entities = obj["entities"]
        if not isinstance(entities, list):
            report.error(number, "entities", f"must be an array, got {describe(entities)}.")
            return None
        spans = []
        for k, entity in enumerate(entities):
            if not isinstance(entity, dict):
                report.error(
                    number, f"entities[{k}]", f"must be an object, got {describe(entity)}."
                )
                return None
            spans.append(
                (
                    f"entities[{k}]",
                    entity.get("start_offset"),
                    entity.get("end_offset"),
                    entity.get("label"),
                )
            )
        return spans
    key = "label" if "label" in obj else "labels" if "labels" in obj else None
    if key is None:
        if isinstance(obj.get("annotations"), list) and obj["annotations"]:
            report.error(
                number,
                "annotations",
                "this is the doccano 1.0 layout (label ids, not names), which is not supported: "
                "export the project again as JSONL from a current doccano.",
            )
            return None
        return []
    triples = obj[key]
    if not isinstance(triples, list):
        report.error(
            number, key, f"must be an array of [start, end, label], got {describe(triples)}."
        )
        return None
    spans = []
    for k, triple in enumerate(triples):
        if not isinstance(triple, list) or len(triple) != 3:
            hint = (
                " (this looks like a text classification file)" if isinstance(triple, str) else ""
            )
            report.error(number, f"{key}[{k}]", f"must be [start, end, label]{hint}.")
            return None
        spans.append((f"{key}[{k}]", triple[0], triple[1], triple[2]))
    return spans


def parse_doccano_line(
    obj: Any,
    number: int,
    report: ImportReport,
    *,
    annotator: str | None = None,
    as_gold: bool = False,
    offset_unit: OffsetUnit = "utf16",
    empty_means_annotated: bool = True,
) -> ExportDocument | None:
    errors_before = report.error_count
    if not isinstance(obj, dict):
        report.error(number, "", f"each line must be a JSON object, got {describe(obj)}.")
        return None
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        report.error(number, "text", f"must be a non-empty string, got {describe(text)}.")
        return None
    name = annotator
    if name is None and not as_gold:
        for key in ("username", "user"):
            if isinstance(obj.get(key), str) and obj[key]:
                name = obj[key]
                break
        if name is None:
            report.error(
                number,
                "username",
                "the line does not say who annotated it; choose the annotator's name for this "
                "file (or import it as gold).",
            )
            return None
    raw_spans = _raw_spans(obj, number, report)
    if raw_spans is None:
        return None
    index = Utf16Index(text) if offset_unit == "utf16" else None
    length = len(text) if index is None else index.utf16_length
    unit = "UTF-16 code units" if index is not None else "code points"
    spans: list[ExportSpan] = []
    for path, start, end, label in raw_spans:
        start_key = "start_offset" if path.startswith("entities") else "[0]"
        end_key = "end_offset" if path.startswith("entities") else "[1]"
        sep = "." if path.startswith("entities") else ""
        if not is_int(start) or not is_int(end):
            report.error(number, f"{path}{sep}{start_key}", "start and end must be integers.")
            continue
        if not isinstance(label, str) or not label:
            report.error(
                number, f"{path}{sep}label" if sep else f"{path}[2]", "must be a label name."
            )
            continue
        if not 0 <= start < end <= length:
            report.error(
                number,
                f"{path}{sep}{end_key}",
                f"[{start}, {end}) is not a non-empty range inside the text ({length} {unit}).",
            )
            continue
        if index is not None:
            try:
                start, end = index.to_codepoint(start), index.to_codepoint(end)
            except ValueError as exc:
                report.error(number, f"{path}{sep}{start_key}", f"{exc}.")
                continue
        spans.append(
            ExportSpan(
                span_id=None,
                annotator=None if as_gold else name,
                label=label,
                start=start,
                end=end,
                quote=text[start:end],
                status=None,
                note="",
                evidence=(),
            )
        )
    published_at = obj.get("published_at")
    if not isinstance(published_at, str) or not published_at:
        published_at = None
    else:
        problem = check_iso_datetime(published_at)
        if problem:
            report.error(number, "published_at", problem)
    if report.error_count != errors_before:
        return None
    metadata: dict[str, Any] = {}
    if isinstance(obj.get("metadata"), dict):
        metadata.update(obj["metadata"])
    for key, value in obj.items():
        if key not in _NOT_METADATA:
            metadata[key] = value
    title = obj.get("title")
    source_url = obj.get("source_url")
    raw_id = obj.get("id")
    document_id = raw_id if is_int(raw_id) else number
    annotated = not as_gold and (bool(spans) or empty_means_annotated)
    return ExportDocument(
        document_id=document_id,
        title=title if isinstance(title, str) else "",
        text=text,
        source_url=source_url if isinstance(source_url, str) else "",
        published_at=published_at,
        metadata=metadata,
        annotators=(name,) if annotated and name is not None else (),
        spans=() if as_gold else tuple(spans),
        gold=tuple(spans) if as_gold else None,
        agreement=None,
    )


def iter_doccano(
    fp: IO[Any],
    report: ImportReport,
    *,
    annotator: str | None = None,
    as_gold: bool = False,
    offset_unit: OffsetUnit = "utf16",
    empty_means_annotated: bool = True,
) -> Iterator[ExportDocument]:
    """Stream the valid documents of a doccano JSONL file; problems go to ``report``."""
    for _number, document in iter_doccano_items(
        fp,
        report,
        annotator=annotator,
        as_gold=as_gold,
        offset_unit=offset_unit,
        empty_means_annotated=empty_means_annotated,
    ):
        yield document


def iter_doccano_items(
    fp: IO[Any],
    report: ImportReport,
    *,
    annotator: str | None = None,
    as_gold: bool = False,
    offset_unit: OffsetUnit = "utf16",
    empty_means_annotated: bool = True,
) -> Iterator[tuple[int, ExportDocument]]:
    """``iter_doccano`` with each document's line number."""
    if offset_unit not in ("utf16", "codepoint"):
        raise ValueError(f"offset_unit must be 'utf16' or 'codepoint', got {offset_unit!r}")
    for number, obj in json_lines(fp, report):
        document = parse_doccano_line(
            obj,
            number,
            report,
            annotator=annotator,
            as_gold=as_gold,
            offset_unit=offset_unit,
            empty_means_annotated=empty_means_annotated,
        )
        if document is not None:
            report.see(document)
            yield number, document


def read_doccano(fp: IO[Any], **options: Any) -> ImportResult:
    report = ImportReport()
    documents = list(iter_doccano(fp, report, **options))
    return ImportResult.from_report(documents, report)
