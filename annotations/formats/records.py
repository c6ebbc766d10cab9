"""Plain records the export writers read and the interop parsers produce.

The Django side builds these from rows (one ``ExportDocument`` at a time, streamed); the tests and
the bench build them by hand. Offsets are half-open ``[start, end)`` in Unicode code points, exactly
as Python slices ``str`` (``annotations.spans``); writers whose consumers count UTF-16 code units
convert on the way out (``annotations.spans``).

Filtering (which annotators, which labels, submitted work only) happens upstream in the query: a
writer writes what it is given, and copes with documents that have no spans and no gold.

Reading it back
---------------

What the parsers return: documents as export records, and per-item errors.

Parsed documents are ``ExportDocument`` records (``annotations.formats.records``) with offsets in
code points, whatever unit the file used. ``document_id`` is the id the file gave the item (or its
1-based position when it gave none): it identifies the item in the file, not a workbench row.
Label and status values are the strings found in the file; mapping them to the target project's
labels and statuses is the caller's job (``ImportResult.labels`` / ``.statuses`` list them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple


# Spans and evidence are named tuples rather than frozen dataclasses: an export builds millions of
# them, and a named tuple is created about six times faster (same fields, same immutability).
class ExportEvidence(NamedTuple):
    url: str
    note: str
    stance: str  # "supports" | "refutes" | "context"


class ExportSpan(NamedTuple):
    span_id: int | None
    annotator: str | None  # username; None for gold spans
    label: str  # label key
    start: int  # code points, half-open
    end: int
    quote: str  # text[start:end]
    status: str | None  # verification status key
    note: str
    evidence: tuple[ExportEvidence, ...]
    verdict_rationale: str = ""  # gold spans: why the adjudicator chose this verdict


@dataclass(frozen=True, slots=True)
class ExportDocument:
    document_id: int
    title: str
    text: str
    source_url: str
    published_at: str | None  # ISO 8601
    metadata: dict[str, Any]
    annotators: tuple[str, ...]  # usernames who submitted/annotated the document, in order
    spans: tuple[ExportSpan, ...]  # every annotator's spans
    gold: tuple[ExportSpan, ...] | None  # None: no adjudication yet
    agreement: dict[str, Any] | None


class ExportLabel(NamedTuple):
    key: str
    name: str
    color: str


class ExportStatus(NamedTuple):
    key: str
    name: str
    is_final: bool


@dataclass(frozen=True, slots=True)
class ExportProject:
    """Project-level facts some formats need (label names and colours, which statuses are verdicts).

    ``labels`` and ``statuses`` may be plain ``(key, name, color)`` / ``(key, name, is_final)``
    tuples; their order is the project's order (it breaks ties in the CoNLL overlap rule).
    """

    name: str
    labels: tuple[ExportLabel | tuple[str, str, str], ...] = ()
    statuses: tuple[ExportStatus | tuple[str, str, bool], ...] = ()

    def label_order(self) -> dict[str, int]:
        return {label[0]: index for index, label in enumerate(self.labels)}

    def status_names(self) -> dict[str, str]:
        return {status[0]: status[1] for status in self.statuses}

    def final_statuses(self) -> frozenset[str]:
        return frozenset(status[0] for status in self.statuses if status[2])


@dataclass(frozen=True, slots=True)
class ExportSummary:
    """What a writer wrote: counts for the job's result, and why anything was left out.

    ``documents`` counts the documents the writer consumed; ``documents_written`` those that
    produced output (a CSV row, a CoNLL block, a ClaimReview...). ``skipped`` maps a reason
    (e.g. ``"no_gold"``) to how many documents or spans it excluded; ``message`` says in words why
    an export is empty or partial.
    """

    format: str
    documents: int
    documents_written: int
    spans: int
    skipped: dict[str, int] = field(default_factory=dict)
    message: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "documents": self.documents,
            "documents_written": self.documents_written,
            "spans": self.spans,
            "skipped": dict(self.skipped),
            "message": self.message,
        }


def gold_gap_messages(documents: int, without_gold: int) -> list[str]:
    """What an export of gold verdicts says about the documents that have none yet."""
    if documents and without_gold == documents:
        return [
            "No document has been adjudicated yet: this format exports adjudicated (gold) "
            "verdicts only."
        ]
    if without_gold:
        return [
            f"{without_gold} of {documents} documents have no adjudication yet and were left out."
        ]
    return []


# --- reading --------------------------------------------------------------------------------


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
    """Errors collected while items stream by (at most ``max_errors`` kept, all counted)."""

    items: int = 0
    error_count: int = 0
    errors: list[ImportIssue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    labels: set[str] = field(default_factory=set)
    statuses: set[str] = field(default_factory=set)
    annotators: dict[str, None] = field(default_factory=dict)  # insertion-ordered set
    max_errors: int = MAX_REPORTED_ERRORS

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def error(self, item: int, field_path: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < self.max_errors:
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
    # Where each document is in the file (``ImportIssue.item``'s numbering), in the same order.
    positions: tuple[int, ...] = ()
    item_count: int = 0  # items read, valid or not

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @classmethod
    def from_report(
        cls,
        documents: list[ExportDocument],
        report: ImportReport,
        positions: list[int] | None = None,
    ) -> ImportResult:
        return cls(
            documents=tuple(documents),
            errors=tuple(report.errors),
            error_count=report.error_count,
            labels=tuple(sorted(report.labels)),
            statuses=tuple(sorted(report.statuses)),
            annotators=tuple(report.annotators),
            notes=tuple(report.notes),
            positions=tuple(positions or ()),
            item_count=report.items,
        )
