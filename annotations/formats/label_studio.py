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
converts them (``annotations.spans``) for those old versions.

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

Reading it back
---------------

Parse a Label Studio JSON export (an array of tasks) into ``ExportDocument`` records.

What is read, per task (``item`` in errors is the task's 0-based index in the array):

* the text: ``data[text_field]`` (default ``"text"``); a task without ``"data"`` is its own data,
  as Label Studio's importer treats it. ``data.title``, ``data.source_url``, ``data.published_at``
  fill those fields when they are strings; ``data.metadata`` (an object) and every other data key
  become the document's metadata. ``document_id`` is the task ``id`` (or index + 1).
* annotations (``annotations``, or the pre-1.0 ``completions``): cancelled ones
  (``was_cancelled: true``) are skipped; the others give one annotator each, named, in order:
  ``annotator=`` when the caller chose a name (then a task may hold one such annotation); our own
  ``workbench_annotator`` key; ``completed_by.username``, then ``completed_by.email`` when it is an
  object; ``"label-studio-user-<id>"`` when it is an integer id. ``names`` maps any of those to
  the name to use. An annotation with ``ground_truth: true`` becomes the gold spans when
  ``ground_truth_as_gold`` (default) is set.
* results of type ``labels`` give spans, one per label in ``value.labels``; a ``choices`` result
  from ``status_from_name`` (default ``"status"``) with the same region ``id`` gives the span's
  status; the region's ``meta.text`` gives its note. Other result types are ignored.

Offsets: Label Studio's Text tag stores code points (see ``annotations.formats.label_studio``).
With ``offset_unit="auto"`` (default) offsets are read as code points and checked against
``value.text``; if they do not match but match as UTF-16 code units (exports of Label Studio 1.3
and earlier, before the emoji fix), they are converted and a note says how many. ``"codepoint"`` or
``"utf16"`` force a unit. ``value.text`` must equal ``text[start:end]`` (Label Studio may write
line breaks inside it as ``\\n`` escapes; both forms are accepted); a mismatch is an error naming
the task, annotation, result and what the text holds at those offsets.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import IO, Any, Literal
from xml.sax.saxutils import quoteattr

from annotations.formats.reading import (
    check_iso_datetime,
    describe,
    is_int,
    load_json,
    not_utf8,
)
from annotations.formats.records import (
    MAX_REPORTED_ERRORS,
    ExportDocument,
    ExportProject,
    ExportSpan,
    ExportSummary,
    ImportReport,
    ImportResult,
)
from annotations.formats.sinks import JsonArrayWriter, text_sink
from annotations.json_depth import JsonTooDeep
from annotations.spans import Utf16Index

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


# --- reading --------------------------------------------------------------------------------


OffsetUnit = Literal["auto", "codepoint", "utf16"]

_DATA_FIELDS = ("title", "source_url", "published_at", "document_id", "metadata")


def _quote_matches(value_text: Any, quote: str) -> bool:
    if not isinstance(value_text, str):
        return True  # nothing to check against
    return value_text == quote or value_text == quote.replace("\r", "\\r").replace("\n", "\\n")


class _TaskParser:
    def __init__(
        self,
        index: int,
        report: ImportReport,
        *,
        text_field: str,
        annotator: str | None,
        names: Mapping[str, str],
        ground_truth_as_gold: bool,
        status_from_name: str,
        offset_unit: OffsetUnit,
    ) -> None:
        self.index = index
        self.report = report
        self.text_field = text_field
        self.annotator = annotator
        self.names = names
        self.ground_truth_as_gold = ground_truth_as_gold
        self.status_from_name = status_from_name
        self.offset_unit = offset_unit
        self.failed = False
        self.converted = 0

    def error(self, path: str, message: str) -> None:
        self.failed = True
        self.report.error(self.index, path, message)

    def annotator_name(self, annotation: dict[str, Any], path: str) -> str | None:
        if self.annotator is not None:
            return self.annotator
        raw: str | None = None
        own = annotation.get("workbench_annotator")
        completed_by = annotation.get("completed_by")
        if isinstance(own, str) and own:
            raw = own
        elif isinstance(completed_by, dict):
            for key in ("username", "email"):
                if isinstance(completed_by.get(key), str) and completed_by[key]:
                    raw = completed_by[key]
                    break
            if raw is None and is_int(completed_by.get("id")):
                raw = f"label-studio-user-{completed_by['id']}"
        elif is_int(completed_by):
            raw = f"label-studio-user-{completed_by}"
        if raw is None:
            self.error(
                f"{path}.completed_by",
                "does not identify the annotator (expected an integer id or an object with an "
                "email); choose a name for this file's annotator instead.",
            )
            return None
        return self.names.get(raw, raw)

    def offsets(
        self, value: dict[str, Any], text: str, index: Utf16Index, path: str
    ) -> tuple[int, int] | None:
        start, end = value.get("start"), value.get("end")
        if not is_int(start):
            self.error(f"{path}.value.start", f"must be an integer, got {describe(start)}.")
            return None
        if not is_int(end):
            self.error(f"{path}.value.end", f"must be an integer, got {describe(end)}.")
            return None
        value_text = value.get("text")
        candidates: list[tuple[str, int, int]] = []
        if self.offset_unit in ("auto", "codepoint"):
            candidates.append(("codepoint", start, end))
        if self.offset_unit == "utf16" or (self.offset_unit == "auto" and index.has_astral):
            try:
                candidates.append(("utf16", index.to_codepoint(start), index.to_codepoint(end)))
            except ValueError as exc:
                if self.offset_unit == "utf16":
                    self.error(f"{path}.value.start", f"{exc}.")
                    return None
        for unit, cp_start, cp_end in candidates:
            if 0 <= cp_start < cp_end <= len(text) and _quote_matches(
                value_text, text[cp_start:cp_end]
            ):
                if unit == "utf16" and self.offset_unit == "auto":
                    self.converted += 1
                return cp_start, cp_end
        unit, cp_start, cp_end = candidates[0]
        if not 0 <= cp_start < cp_end <= len(text):
            self.error(
                f"{path}.value.end",
                f"[{start}, {end}) is not a non-empty range inside the text "
                f"({len(text)} code points).",
            )
        else:
            self.error(
                f"{path}.value.text",
                f"{value_text!r} does not match the text at [{start}, {end}), which is "
                f"{text[cp_start:cp_end]!r} counting code points"
                + (
                    f" and {text[candidates[1][1] : candidates[1][2]]!r} counting UTF-16 units."
                    if len(candidates) > 1
                    else "."
                ),
            )
        return None

    def spans(
        self,
        annotation: dict[str, Any],
        path: str,
        name: str | None,
        text: str,
        index: Utf16Index,
    ) -> list[ExportSpan]:
        results = annotation.get("result", [])
        if not isinstance(results, list):
            self.error(f"{path}.result", f"must be an array, got {describe(results)}.")
            return []
        statuses: dict[Any, str] = {}
        for r, result in enumerate(results):
            if (
                isinstance(result, dict)
                and result.get("type") == "choices"
                and result.get("from_name") == self.status_from_name
            ):
                choices = (result.get("value") or {}).get("choices")
                if isinstance(choices, list) and len(choices) == 1 and isinstance(choices[0], str):
                    statuses[result.get("id")] = choices[0]
                else:
                    self.error(
                        f"{path}.result[{r}].value.choices",
                        "a status must be exactly one choice (a string).",
                    )
        spans: list[ExportSpan] = []
        for r, result in enumerate(results):
            rpath = f"{path}.result[{r}]"
            if not isinstance(result, dict):
                self.error(rpath, f"must be an object, got {describe(result)}.")
                continue
            if result.get("type") != "labels":
                continue
            value = result.get("value")
            if not isinstance(value, dict):
                self.error(f"{rpath}.value", f"must be an object, got {describe(value)}.")
                continue
            labels = value.get("labels")
            if (
                not isinstance(labels, list)
                or not labels
                or not all(isinstance(x, str) and x for x in labels)
            ):
                self.error(f"{rpath}.value.labels", "must be a non-empty array of label names.")
                continue
            offsets = self.offsets(value, text, index, rpath)
            if offsets is None:
                continue
            meta = result.get("meta")
            note = ""
            if isinstance(meta, dict) and isinstance(meta.get("text"), list):
                note = "\n".join(x for x in meta["text"] if isinstance(x, str))
            start, end = offsets
            for label in labels:
                spans.append(
                    ExportSpan(
                        span_id=None,
                        annotator=name,
                        label=label,
                        start=start,
                        end=end,
                        quote=text[start:end],
                        status=statuses.get(result.get("id")),
                        note=note,
                        evidence=(),
                    )
                )
        return spans

    def parse(self, task: Any) -> ExportDocument | None:
        if not isinstance(task, dict):
            self.error("", f"each task must be an object, got {describe(task)}.")
            return None
        data = task.get("data", None)
        data_path = "data"
        if data is None:
            data = {
                k: v
                for k, v in task.items()
                if k not in ("annotations", "completions", "predictions", "id")
            }
            data_path = ""
        if not isinstance(data, dict):
            self.error("data", f"must be an object, got {describe(data)}.")
            return None
        prefix = f"{data_path}." if data_path else ""
        text = data.get(self.text_field)
        if not isinstance(text, str) or not text:
            self.error(
                f"{prefix}{self.text_field}",
                f"must be the document text (a non-empty string), got {describe(text)}.",
            )
            return None
        fields: dict[str, str] = {}
        for key in ("title", "source_url"):
            value = data.get(key)
            fields[key] = value if isinstance(value, str) else ""
        published_at = data.get("published_at")
        if not isinstance(published_at, str) or not published_at:
            published_at = None
        else:
            problem = check_iso_datetime(published_at)
            if problem:
                self.error(f"{prefix}published_at", problem)
        metadata: dict[str, Any] = {}
        if isinstance(data.get("metadata"), dict):
            metadata.update(data["metadata"])
        for key, value in data.items():
            if key != self.text_field and key not in _DATA_FIELDS:
                metadata[key] = value
        task_id = task.get("id")
        document_id = task_id if is_int(task_id) else self.index + 1

        annotations = task.get("annotations", task.get("completions", []))
        key = "annotations" if "annotations" in task else "completions"
        if annotations is None:
            annotations = []
        if not isinstance(annotations, list):
            self.error(key, f"must be an array, got {describe(annotations)}.")
            return None
        index = Utf16Index(text)
        annotators: list[str] = []
        spans: list[ExportSpan] = []
        gold: list[ExportSpan] | None = None
        for a, annotation in enumerate(annotations):
            path = f"{key}[{a}]"
            if not isinstance(annotation, dict):
                self.error(path, f"must be an object, got {describe(annotation)}.")
                continue
            if annotation.get("was_cancelled") is True:
                continue
            is_gold = self.ground_truth_as_gold and annotation.get("ground_truth") is True
            if is_gold:
                if gold is not None:
                    self.error(f"{path}.ground_truth", "a second ground-truth annotation.")
                    continue
                gold = self.spans(annotation, path, None, text, index)
                continue
            name = self.annotator_name(annotation, path)
            if name is None:
                continue
            if name in annotators:
                self.error(
                    path,
                    f"a second annotation by {name!r} in this task; keep one annotation per "
                    "annotator.",
                )
                continue
            annotators.append(name)
            spans.extend(self.spans(annotation, path, name, text, index))
        if self.failed:
            return None
        return ExportDocument(
            document_id=document_id,
            title=fields["title"],
            text=text,
            source_url=fields["source_url"],
            published_at=published_at,
            metadata=metadata,
            annotators=tuple(annotators),
            spans=tuple(spans),
            gold=None if gold is None else tuple(gold),
            agreement=None,
        )


def parse_label_studio(
    tasks: Any,
    *,
    text_field: str = "text",
    annotator: str | None = None,
    names: Mapping[str, str] | None = None,
    ground_truth_as_gold: bool = True,
    status_from_name: str = "status",
    offset_unit: OffsetUnit = "auto",
    max_errors: int = MAX_REPORTED_ERRORS,
) -> ImportResult:
    """Parse already-decoded JSON (a list of tasks, or one task object). ``max_errors``: how many
    problems the result lists (it counts them all)."""
    if offset_unit not in ("auto", "codepoint", "utf16"):
        raise ValueError(f"offset_unit must be 'auto', 'codepoint' or 'utf16', got {offset_unit!r}")
    report = ImportReport(max_errors=max_errors)
    if isinstance(tasks, dict):
        tasks = [tasks]
    if not isinstance(tasks, list):
        report.error(0, "", f"a Label Studio export is an array of tasks, got {describe(tasks)}.")
        return ImportResult.from_report([], report)
    documents: list[ExportDocument] = []
    positions: list[int] = []
    converted = 0
    for i, task in enumerate(tasks):
        report.items += 1
        parser = _TaskParser(
            i,
            report,
            text_field=text_field,
            annotator=annotator,
            names=names or {},
            ground_truth_as_gold=ground_truth_as_gold,
            status_from_name=status_from_name,
            offset_unit=offset_unit,
        )
        document = parser.parse(task)
        converted += parser.converted
        if document is not None:
            report.see(document)
            documents.append(document)
            positions.append(i)
    if converted:
        report.notes.append(
            f"{converted} regions had UTF-16 offsets (Label Studio 1.3 or earlier) and were "
            "converted to code points."
        )
    return ImportResult.from_report(documents, report, positions)


def read_label_studio(fp: IO[Any], **options: Any) -> ImportResult:
    """Parse a Label Studio JSON export file (text or binary); options as ``parse_label_studio``."""
    try:
        tasks = load_json(fp)
    except UnicodeDecodeError as exc:
        report = ImportReport()
        report.error(0, "", f"the file is {not_utf8(exc)}.")
        return ImportResult.from_report([], report)
    except JsonTooDeep as exc:
        report = ImportReport()
        report.error(0, "", f"the file is refused: {exc}")
        return ImportResult.from_report([], report)
    except ValueError as exc:
        report = ImportReport()
        report.error(0, "", f"the file is not valid UTF-8 JSON: {exc}.")
        return ImportResult.from_report([], report)
    return parse_label_studio(tasks, **options)
