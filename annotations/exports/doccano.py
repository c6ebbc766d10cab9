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
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import IO, Any, Literal

from annotations.exports.offsets import Utf16Index
from annotations.exports.records import ExportDocument, ExportSpan, ExportSummary
from annotations.exports.sinks import text_sink

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
