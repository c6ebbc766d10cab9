"""Label Studio export: a JSON array of tasks, and the labelling config that matches it.

Offsets. Label Studio's ``<Text>`` tag stores ``value.start`` / ``value.end`` as Unicode code point
offsets into ``data.text`` (the same unit as ours), not as JavaScript UTF-16 indices: its editor
converts the browser's UTF-16 selection with ``charsToCodePoints`` ("In python and other modern
tools complex unicode symbols handled as code points ... So for external usage js length should
be converted to code points count", label-studio-frontend ``src/utils/html.js``), and its
end-to-end test ``tests/integration/e2e/ner/emoji.cy.ts`` expects ``"test"`` in
``"🐱 Warning: This is a test text"`` at ``start 21, end 25`` (code points; UTF-16 would give 22).
Versions up to 1.3 (2021) stored UTF-16 indices (issues #539, #1008, #1347, fixed by
label-studio-frontend PR #308). So offsets are written as they are; ``offset_unit="utf16"``
converts them (``annotations.exports.offsets``) for those old versions.

Task layout::

    {"id": <document_id>,
     "data": {"text": ..., "title": ..., "source_url": ..., "published_at": ...,
              "document_id": ..., "metadata": {...}},
     "annotations": [
        {"completed_by": {"email": ...},          # only when an email is known, see below
         "workbench_annotator": "alice",          # our username (Label Studio ignores it)
         "ground_truth": false, "was_cancelled": false,
         "result": [
            {"id": "s17", "from_name": "label", "to_name": "text", "type": "labels",
             "origin": "manual",
             "value": {"start": 4, "end": 12, "text": "<quote>", "labels": ["claim"]},
             "meta": {"text": ["<note>"]}},                      # only when there is a note
            {"id": "s17", "from_name": "status", "to_name": "text", "type": "choices",
             "origin": "manual",
             "value": {"start": 4, "end": 12, "text": "<quote>", "choices": ["true"]}}
         ]},
        ...one annotation per annotator, in the document's annotator order...,
        {"workbench_annotator": null, "ground_truth": true, ...gold spans...}   # include_gold
     ]}

Label Studio resolves ``completed_by`` by the email of a member of the importing organisation and
rejects an unknown email (unless its ``ALLOW_IMPORT_TASKS_WITH_UNKNOWN_EMAILS`` is set); without
``completed_by`` it credits the importing user. So pass ``emails`` (username -> email) to keep
attribution inside Label Studio; ``workbench_annotator`` keeps it for our own importer either way.
Labels are label keys; statuses are per-region choices (``<Choices perRegion="true">``); a span's
note is the region's meta text. Evidence is not represented (use the native JSONL for it).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import IO, Any, Literal
from xml.sax.saxutils import quoteattr

from annotations.exports.offsets import Utf16Index
from annotations.exports.records import ExportDocument, ExportProject, ExportSpan, ExportSummary
from annotations.exports.sinks import JsonArrayWriter, text_sink

LABELS_NAME = "label"
STATUS_NAME = "status"
TEXT_NAME = "text"

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def label_studio_config(project: ExportProject, *, with_statuses: bool = True) -> str:
    """The labelling config (XML) whose names match the exported results.

    ``white-space: pre-wrap`` keeps every space and line break of the text on screen, which the
    Label Studio docs recommend when offsets must match the raw text.
    """
    lines = [
        "<View>",
        "  <Style>.htx-text { white-space: pre-wrap; }</Style>",
        f'  <Labels name="{LABELS_NAME}" toName="{TEXT_NAME}">',
    ]
    for label in project.labels:
        key, _name, color = label[0], label[1], label[2]
        lines.append(f"    <Label value={quoteattr(key)} background={quoteattr(color)}/>")
    lines.append("  </Labels>")
    lines.append(f'  <Text name="{TEXT_NAME}" value="$text"/>')
    if with_statuses and project.statuses:
        lines.append(
            f'  <Choices name="{STATUS_NAME}" toName="{TEXT_NAME}" perRegion="true" '
            'choice="single-radio">'
        )
        for status in project.statuses:
            lines.append(f"    <Choice value={quoteattr(status[0])}/>")
        lines.append("  </Choices>")
    lines.append("</View>")
    return "\n".join(lines) + "\n"


def _region_results(
    spans: Iterable[ExportSpan], prefix: str, index: Utf16Index | None
) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    for number, span in enumerate(spans):
        region_id = f"s{span.span_id}" if span.span_id is not None else f"{prefix}{number}"
        start, end = span.start, span.end
        if index is not None:
            start, end = index.to_utf16(start), index.to_utf16(end)
        label_result: dict[str, Any] = {
            "id": region_id,
            "from_name": LABELS_NAME,
            "to_name": TEXT_NAME,
            "type": "labels",
            "origin": "manual",
            "value": {"start": start, "end": end, "text": span.quote, "labels": [span.label]},
        }
        if span.note:
            label_result["meta"] = {"text": [span.note]}
        results.append(label_result)
        if span.status is not None:
            results.append(
                {
                    "id": region_id,
                    "from_name": STATUS_NAME,
                    "to_name": TEXT_NAME,
                    "type": "choices",
                    "origin": "manual",
                    "value": {
                        "start": start,
                        "end": end,
                        "text": span.quote,
                        "choices": [span.status],
                    },
                }
            )
    return results


def document_to_task(
    document: ExportDocument,
    *,
    emails: Mapping[str, str] | None = None,
    include_gold: bool = True,
    offset_unit: Literal["codepoint", "utf16"] = "codepoint",
) -> dict[str, Any]:
    index = Utf16Index(document.text) if offset_unit == "utf16" else None
    by_annotator: dict[str, list[ExportSpan]] = {name: [] for name in document.annotators}
    for span in document.spans:
        by_annotator.setdefault(span.annotator or "", []).append(span)
    annotations: list[dict[str, Any]] = []
    for number, (name, spans) in enumerate(by_annotator.items()):
        annotation: dict[str, Any] = {}
        email = (emails or {}).get(name)
        if email:
            annotation["completed_by"] = {"email": email}
        annotation["workbench_annotator"] = name
        annotation["ground_truth"] = False
        annotation["was_cancelled"] = False
        annotation["result"] = _region_results(spans, f"d{document.document_id}a{number}r", index)
        annotations.append(annotation)
    if include_gold and document.gold is not None:
        annotations.append(
            {
                "workbench_annotator": None,
                "ground_truth": True,
                "was_cancelled": False,
                "result": _region_results(document.gold, f"d{document.document_id}gr", index),
            }
        )
    return {
        "id": document.document_id,
        "data": {
            "text": document.text,
            "title": document.title,
            "source_url": document.source_url,
            "published_at": document.published_at,
            "document_id": document.document_id,
            "metadata": document.metadata,
        },
        "annotations": annotations,
    }


def write_label_studio(
    documents: Iterable[ExportDocument],
    fp: IO[Any],
    *,
    emails: Mapping[str, str] | None = None,
    include_gold: bool = True,
    offset_unit: Literal["codepoint", "utf16"] = "codepoint",
) -> ExportSummary:
    """Stream the task array to ``fp``: ``[``, one task per document separated by ``,``, ``]``."""
    if offset_unit not in ("codepoint", "utf16"):
        raise ValueError(f"offset_unit must be 'codepoint' or 'utf16', got {offset_unit!r}")
    count = spans = 0
    with text_sink(fp) as out:
        array = JsonArrayWriter(out, _dumps)
        for document in documents:
            task = document_to_task(
                document, emails=emails, include_gold=include_gold, offset_unit=offset_unit
            )
            array.write(task)
            count += 1
            spans += len(document.spans)
            if include_gold and document.gold:
                spans += len(document.gold)
        array.close()
    return ExportSummary(
        format="label_studio", documents=count, documents_written=count, spans=spans
    )
