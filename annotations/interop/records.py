"""What the parsers return: documents as export records, and per-item errors.

Parsed documents are ``ExportDocument`` records (``annotations.exports.records``) with offsets in
code points, whatever unit the file used. ``document_id`` is the id the file gave the item (or its
1-based position when it gave none): it identifies the item in the file, not a workbench row.
Label and status values are the strings found in the file; mapping them to the target project's
labels and statuses is the caller's job (``ImportResult.labels`` / ``.statuses`` list them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from annotations.exports.records import ExportDocument

MAX_REPORTED_ERRORS = 100


@dataclass(frozen=True, slots=True)
class ImportIssue:
    item: int  # 0-based index of the task in a JSON array; 1-based line number in a JSONL file
    field: str  # path inside the item, e.g. "annotations[0].result[2].value.start"
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"item": self.item, "field": self.field, "message": self.message}


@dataclass(slots=True)
class ImportReport:
    """Errors collected while items stream by (at most ``MAX_REPORTED_ERRORS`` kept)."""

    items: int = 0
    error_count: int = 0
    errors: list[ImportIssue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    labels: set[str] = field(default_factory=set)
    statuses: set[str] = field(default_factory=set)
    annotators: dict[str, None] = field(default_factory=dict)  # insertion-ordered set

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def error(self, item: int, field_path: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(ImportIssue(item, field_path, message))

    def see(self, document: ExportDocument) -> None:
        for span in document.spans:
            self.labels.add(span.label)
            if span.status is not None:
                self.statuses.add(span.status)
        for span in document.gold or ():
            self.labels.add(span.label)
            if span.status is not None:
                self.statuses.add(span.status)
        for name in document.annotators:
            self.annotators.setdefault(name, None)


@dataclass(frozen=True, slots=True)
class ImportResult:
    documents: tuple[ExportDocument, ...]
    errors: tuple[ImportIssue, ...]
    error_count: int
    labels: tuple[str, ...]  # sorted
    statuses: tuple[str, ...]  # sorted
    annotators: tuple[str, ...]  # in order of first appearance
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @classmethod
    def from_report(cls, documents: list[ExportDocument], report: ImportReport) -> ImportResult:
        return cls(
            documents=tuple(documents),
            errors=tuple(report.errors),
            error_count=report.error_count,
            labels=tuple(sorted(report.labels)),
            statuses=tuple(sorted(report.statuses)),
            annotators=tuple(report.annotators),
            notes=tuple(report.notes),
        )
