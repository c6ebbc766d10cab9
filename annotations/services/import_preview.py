"""What an import would do, before anything is stored: the preview of the import page and of
``POST /api/v1/projects/{id}/imports/preview/``.

Each file is parsed completely by the import's own parser and checked by the import's own rules
(``document_imports.checked_records`` for documents; ``annotation_imports.annotation_import_check``
for annotated files, which resolves annotators, labels and statuses against the project exactly as
the import does), and nothing is written. The file streams through: only the first
``SAMPLE_RECORDS`` documents and the first ``MAX_LISTED_ERRORS`` problems are kept, and every
problem is counted. (A Label Studio export is one JSON array, which its parser reads whole, as the
import does.)

Formats are those of the two imports: ``txt``, ``jsonl`` and ``csv`` documents
(``document_imports``) and the annotated ``native``, ``label_studio`` and ``doccano`` files
(``annotation_imports``). ``detect_format`` tells them apart by the file's first record and its
extension, and says what to do when it cannot.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from annotations.errors import InvalidInput
from annotations.formats import ExportDocument
from annotations.formats.jsonl import FORMAT_NAME as NATIVE_FORMAT_NAME
from annotations.json_depth import JsonTooDeep, loads
from annotations.models import Project
from annotations.permissions import check_project_open
from annotations.services.annotation_imports import (
    ANNOTATION_FORMATS,
    annotation_import_check,
    check_annotation_options,
    parse,
)
from annotations.services.document_imports import (
    FORMATS as DOCUMENT_FORMATS,
)
from annotations.services.document_imports import (
    FileImportResult,
    LineError,
    checked_records,
    parse_stream,
)

IMPORT_FORMATS = (*DOCUMENT_FORMATS, *ANNOTATION_FORMATS)
# What each format is, in words: the import page's format menu and the preview's headings.
FORMAT_NAMES = {
    "txt": "Plain text: one document per .txt file, its first line also the title",
    "jsonl": "Documents, JSON Lines: one object per line with text, title, source_url, ...",
    "csv": "Documents, CSV: a header row naming text, title, source_url, ...",
    "native": "Annotated documents: this workbench's JSONL export",
    "label_studio": "Annotated documents: a Label Studio JSON export",
    "doccano": "Annotated documents: a doccano JSONL export (one annotator per file)",
}
SAMPLE_RECORDS = 10  # documents shown per file
SAMPLE_TEXT_CHARS = 280  # of each shown document's text
MAX_LISTED_ERRORS = 300  # problems listed per file; every one is counted
# How far the format check reads for a file's first record. A longer first line is recognised by
# its start (our own export writes "format" first) or by the file's extension.
SNIFF_BYTES = 2 * 1024 * 1024
_NATIVE_START = re.compile(
    rb'\A\s*\{\s*"format"\s*:\s*"' + re.escape(NATIVE_FORMAT_NAME.encode()) + rb'"'
)
_DOCCANO_KEYS = ("label", "labels", "entities")
_LABEL_STUDIO_KEYS = ("data", "annotations", "completions", "predictions")


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """The options of an annotated file's import (``annotation_imports``): every span to one
    member (``attribute_to``, a user id), the annotator a doccano file belongs to (a username),
    and whether labels the project lacks are created. Document files have none."""

    attribute_to: int | None = None
    annotator: str | None = None
    create_labels: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "user": self.attribute_to,
            "annotator": self.annotator,
            "create_labels": self.create_labels,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportOptions:
        return cls(
            attribute_to=data.get("user"),
            annotator=data.get("annotator") or None,
            create_labels=bool(data.get("create_labels")),
        )


NO_OPTIONS = ImportOptions()


def is_annotation_format(fmt: str) -> bool:
    return fmt in ANNOTATION_FORMATS


class FormatUnknown(ValueError):
    """The format of a file cannot be told; the message says what to do."""


# --- detection --------------------------------------------------------------------------------


def detect_format(name: str, fp: BinaryIO) -> str:
    """The import format of a file, from its first record and its extension; ``fp`` is left at
    the start. ``FormatUnknown`` when neither tells."""
    suffix = Path(name).suffix.lower()
    if suffix == ".txt":
        return "txt"
    if suffix == ".csv":
        return "csv"
    head = _first_line(fp)
    fp.seek(0)
    sniffed = _sniff(head)
    if sniffed:
        return sniffed
    # The first record says nothing clear (it may be the broken line the preview will name):
    # the extension decides.
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".json":
        return "label_studio"
    raise FormatUnknown(
        f"Cannot tell the format of {Path(name).name!r} from its name or its first line: name it "
        ".txt, .csv, .jsonl or .json, or choose its format."
    )


def _first_line(fp: BinaryIO) -> bytes:
    """The first non-blank line (without a byte order mark), at most ``SNIFF_BYTES``."""
    fp.seek(0)
    read = 0
    while read < SNIFF_BYTES:
        line = fp.readline(SNIFF_BYTES - read)
        if not line:
            return b""
        if read == 0:
            line = line.removeprefix(b"\xef\xbb\xbf")
        read += len(line)
        if line.strip():
            return line
    return b""


def _sniff(head: bytes) -> str | None:
    start = head.lstrip()[:1]
    if start == b"[":
        return "label_studio"  # a JSON array: Label Studio's export
    if start != b"{":
        return None
    if _NATIVE_START.match(head):
        return "native"
    try:
        record = loads(head.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, JsonTooDeep):
        return None  # cut short, or the broken line itself
    if not isinstance(record, dict):
        return None
    if record.get("format") == NATIVE_FORMAT_NAME:
        return "native"
    if any(key in record for key in _DOCCANO_KEYS):
        return "doccano"
    if any(key in record for key in _LABEL_STUDIO_KEYS):
        return "label_studio"  # one task object
    if "text" in record:
        return "jsonl"
    return None


def import_formats(
    files: Sequence[tuple[str, BinaryIO]], fmt: str | None
) -> list[tuple[str, bool]]:
    """``(format, detected)`` of each ``(name, file)``: ``fmt`` for all when chosen, else each
    one's own. ``InvalidInput`` on ``file`` naming every file whose format cannot be told."""
    if fmt is not None:
        if fmt not in IMPORT_FORMATS:
            raise InvalidInput({"format": f"Unknown format {fmt!r}; use one of {IMPORT_FORMATS}."})
        return [(fmt, False) for _ in files]
    formats: list[tuple[str, bool]] = []
    problems: list[str] = []
    for name, fp in files:
        try:
            formats.append((detect_format(name, fp), True))
        except FormatUnknown as exc:
            problems.append(str(exc))
    if problems:
        raise InvalidInput({"file": problems})
    return formats


# --- the preview of one file ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AnnotatorSpans:
    name: str
    spans: int
    labels: dict[str, int]  # label key -> spans, most used first

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "spans": self.spans, "labels": self.labels}


@dataclass(frozen=True, slots=True)
class RecordPreview:
    """One document as the import would create it."""

    line: int | None  # where it is: a line of the file, or (Label Studio) a task's index
    item: int | None
    title: str
    text: str  # its first SAMPLE_TEXT_CHARS characters
    characters: int
    annotators: tuple[AnnotatorSpans, ...] = ()
    gold_spans: int | None = None  # None: not adjudicated

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "item": self.item,
            "title": self.title,
            "text": self.text,
            "characters": self.characters,
            "annotators": [a.as_dict() for a in self.annotators],
            "gold_spans": self.gold_spans,
        }


@dataclass(frozen=True, slots=True)
class PreviewError:
    """A problem the import would refuse the file for: at a line of the file or (Label Studio) a
    task's 0-based index in the array, as the import job's result names it."""

    line: int | None
    item: int | None
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "item": self.item, "field": self.field, "message": self.message}


@dataclass(slots=True)
class FilePreview:
    name: str
    format: str
    detected: bool  # False: the format was chosen
    records: int = 0  # records read, valid or not
    documents: int = 0  # documents the import would create
    spans: int = 0
    gold_spans: int = 0
    labels_to_create: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sample: list[RecordPreview] = field(default_factory=list)
    errors: list[PreviewError] = field(default_factory=list)
    error_count: int = 0

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def annotated(self) -> bool:
        return is_annotation_format(self.format)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "format": self.format,
            "format_name": FORMAT_NAMES[self.format],
            "detected": self.detected,
            "annotated": self.annotated,
            "ok": self.ok,
            "records": self.records,
            "documents": self.documents,
            "spans": self.spans,
            "gold_spans": self.gold_spans,
            "labels_to_create": self.labels_to_create,
            "notes": self.notes,
            "sample": [r.as_dict() for r in self.sample],
            "error_count": self.error_count,
            "errors": [e.as_dict() for e in self.errors],
        }


def file_preview(
    *,
    project: Project,
    fp: BinaryIO,
    name: str,
    fmt: str,
    detected: bool = False,
    options: ImportOptions = NO_OPTIONS,
    attribute_to: Any | None = None,
) -> FilePreview:
    """Parse and check one file as its import would, writing nothing. ``attribute_to``: the user
    ``options.attribute_to`` names (``check_annotation_options`` found it)."""
    preview = FilePreview(name=name, format=fmt, detected=detected)
    if is_annotation_format(fmt):
        _annotations(preview, project, fp, options, attribute_to)
    else:
        _documents(preview, fp)
    return preview


def _documents(preview: FilePreview, fp: BinaryIO) -> None:
    result = FileImportResult(name=preview.name, max_errors=MAX_LISTED_ERRORS)
    records = _counted(parse_stream(fp, preview.format, preview.name), preview)
    for line, document in checked_records(records, result):
        preview.documents += 1
        if len(preview.sample) < SAMPLE_RECORDS:
            preview.sample.append(
                RecordPreview(
                    line=line,
                    item=None,
                    title=document.title,
                    text=document.text[:SAMPLE_TEXT_CHARS],
                    characters=len(document.text),
                )
            )
    preview.errors = [PreviewError(e.line, None, e.field, e.message) for e in result.errors]
    preview.error_count = result.error_count


def _counted(
    records: Iterator[tuple[int, dict[str, Any] | LineError]], preview: FilePreview
) -> Iterator[tuple[int, dict[str, Any] | LineError]]:
    """The records, counted as they pass; a problem of the file as a whole (its header, its
    encoding) is no record."""
    for pair in records:
        record = pair[1]
        if not (isinstance(record, LineError) and record.field in ("header", "file")):
            preview.records += 1
        yield pair


def _annotations(
    preview: FilePreview,
    project: Project,
    fp: BinaryIO,
    options: ImportOptions,
    attribute_to: Any | None,
) -> None:
    documents, report = parse(
        fp, preview.format, annotator=options.annotator, max_errors=MAX_LISTED_ERRORS
    )
    by_line = preview.format != "label_studio"
    chosen = attribute_to.get_username() if attribute_to is not None else None

    def sampled() -> Iterator[tuple[int, ExportDocument]]:
        for item, document in documents:
            if len(preview.sample) < SAMPLE_RECORDS:
                preview.sample.append(_annotated_record(item, document, by_line, chosen))
            yield item, document

    result = annotation_import_check(
        project=project,
        documents=sampled(),
        report=report,
        attribute_to=attribute_to,
        create_labels=options.create_labels,
    )
    preview.records = report.items
    preview.documents = result.documents
    preview.spans = result.spans
    preview.gold_spans = result.gold_spans
    preview.labels_to_create = list(result.created_labels)
    preview.notes = list(report.notes)
    # A Label Studio file that yields no task at all (not JSON, not an array) has problems of
    # the file as a whole, which its parser numbers 0 like the first task.
    whole_file = not by_line and report.items == 0
    errors = sorted(result.errors, key=lambda e: e["item"])
    preview.errors = [
        PreviewError(
            e["item"] if by_line else None,
            None if by_line or whole_file else e["item"],
            e["field"],
            e["message"],
        )
        for e in errors
    ]
    preview.error_count = result.error_count


def _annotated_record(
    item: int, document: ExportDocument, by_line: bool, chosen: str | None
) -> RecordPreview:
    """The document as the import creates it: each annotator's spans (all of them the chosen
    member's, when the import attributes every span to one), and its gold."""
    labels: dict[str, Counter[str]] = {}
    for name in document.annotators:
        labels.setdefault(chosen or name, Counter())
    for span in document.spans:
        labels.setdefault(chosen or span.annotator or "", Counter())[span.label] += 1
    return RecordPreview(
        line=item if by_line else None,
        item=None if by_line else item,
        title=document.title,
        text=document.text[:SAMPLE_TEXT_CHARS],
        characters=len(document.text),
        annotators=tuple(
            AnnotatorSpans(name, sum(counts.values()), dict(counts.most_common()))
            for name, counts in labels.items()
        ),
        gold_spans=None if document.gold is None else len(document.gold),
    )


# --- several files -------------------------------------------------------------------------------


def import_preview(
    *,
    project: Project,
    files: Sequence[tuple[str, BinaryIO]],
    fmt: str | None = None,
    options: ImportOptions = NO_OPTIONS,
) -> list[FilePreview]:
    """The preview of each ``(name, file)`` of an upload: ``fmt`` for every file, or each one's
    own (``detect_format``). ``InvalidInput`` names the field when a format cannot be told or an
    option names no member of the project; ``Conflict`` when the project is archived."""
    check_project_open(project)
    formats = import_formats(files, fmt)
    attribute_to = options_user(project, options, (f for f, _ in formats))
    return [
        file_preview(
            project=project,
            fp=fp,
            name=Path(name).name,
            fmt=file_format,
            detected=detected,
            options=options,
            attribute_to=attribute_to,
        )
        for (name, fp), (file_format, detected) in zip(files, formats, strict=True)
    ]


def options_user(project: Project, options: ImportOptions, formats: Iterable[str]) -> Any | None:
    """Check the options as the annotation import checks them, when a file is annotated; the user
    ``options.attribute_to`` names, or None."""
    if not any(is_annotation_format(f) for f in formats):
        return None
    return check_annotation_options(
        project=project, attribute_to=options.attribute_to, annotator=options.annotator
    )
