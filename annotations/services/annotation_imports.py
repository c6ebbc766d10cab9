"""Import of annotated documents from other tools (Label Studio, doccano) or from our own JSONL
export, through the pure parsers in ``annotations.formats``.

A file is all-or-nothing: documents, spans, submissions and gold are written in one transaction
that is rolled back if the file or any of its spans is invalid. Spans are attributed to the
project member whose username the file names, or all to one chosen user. Labels and statuses the
project lacks are reported (or created with ``create_labels``). Every invariant is checked here
first (quote equals ``text[start:end]``, labels and statuses of this project), so the database
constraints never have to catch bad data. Documents and spans go in by COPY
(``annotations.bulk``), in batches of documents; the file is parsed a batch ahead in a thread, and
span rows are checked and built while the COPY streams them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, transaction
from django.utils import timezone

from annotations.bulk import insert_rows, insert_rows_returning_ids
from annotations.errors import InvalidInput
from annotations.formats import (
    ExportDocument,
    ExportEvidence,
    ExportSpan,
    ImportReport,
    iter_doccano,
    iter_native_jsonl,
    read_label_studio,
)
from annotations.models import (
    AdjudicationState,
    Assignment,
    AssignmentState,
    Document,
    DocumentAdjudication,
    Evidence,
    GoldEvidence,
    GoldSpan,
    Job,
    Label,
    Membership,
    Project,
    Span,
    VerificationStatus,
)
from annotations.read_ahead import read_ahead
from annotations.services.agreement_inputs import documents_added
from annotations.services.background import IMPORT_ANNOTATIONS
from annotations.services.document_imports import parse_published
from annotations.services.jobs import JobFailed, JobOutcome
from annotations.services.uploads import import_upload_dir, upload_dir_remove, upload_job_start
from annotations.spans import check_offsets

ANNOTATION_FORMATS = ("native", "label_studio", "doccano")
BATCH_DOCUMENTS = 500
SPAN_FIELDS = (
    "project",
    "document",
    "annotator",
    "label",
    "start",
    "end",
    "quote",
    "status",
    "note",
)
SPAN_FIELDS_ID = tuple(
    f if f in ("start", "end", "quote", "note") else f"{f}_id" for f in SPAN_FIELDS
)
_PALETTE = ("#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#9467bd", "#ff7f0e")


@dataclass
class AnnotationImportResult:
    documents: int = 0
    spans: int = 0
    gold_spans: int = 0
    created_labels: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_count: int = 0

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def error(self, item: int, field_name: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < 100:
            self.errors.append({"item": item, "field": field_name, "message": message})

    def as_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "spans": self.spans,
            "gold_spans": self.gold_spans,
            "created_labels": self.created_labels,
            "error_count": self.error_count,
            "errors": self.errors,
        }


def parse(
    fp: IO[bytes], fmt: str, *, annotator: str | None
) -> tuple[Iterator[ExportDocument], ImportReport]:
    """Documents of the file (streamed where the format allows) and the parser's report."""
    report = ImportReport()
    if fmt == "native":
        return iter_native_jsonl(fp, report), report
    if fmt == "doccano":
        return iter_doccano(fp, report, annotator=annotator or "doccano"), report
    if fmt == "label_studio":
        parsed = read_label_studio(fp, annotator=annotator)
        report.error_count = parsed.error_count
        report.errors = list(parsed.errors)
        return iter(parsed.documents), report
    raise ValueError(f"Unknown format {fmt!r}; use one of {ANNOTATION_FORMATS}.")


class _Rollback(Exception):
    pass


class _Resolver:
    """Maps the file's names (annotators, labels, statuses) to this project's rows."""

    def __init__(
        self,
        project: Project,
        *,
        attribute_to: Any | None,
        create_labels: bool,
        result: AnnotationImportResult,
    ):
        self.project = project
        self.attribute_to = attribute_to
        self.create_labels = create_labels
        self.result = result
        user_model = get_user_model()
        self.users = {
            u.username: u
            for u in user_model.objects.filter(memberships__project=project).only("id", "username")
        }
        self.labels = {label.key: label for label in Label.objects.filter(project=project)}
        self.statuses = {s.key: s for s in VerificationStatus.objects.filter(project=project)}
        self.initial = next((s for s in self.statuses.values() if s.is_initial), None)
        # Ids of the names resolved so far; a hit here is all a span of a large file costs.
        self.user_ids: dict[str | None, int] = {}  # by username
        self.label_ids: dict[str, int] = {}  # by key
        self.status_ids: dict[str | None, int] = {}  # by key, None for the initial status

    def user_id(self, name: str | None, item: int) -> int | None:
        return self._remembered_pk(self.user_ids, self.user, name, item)

    def label_id(self, key: str, item: int) -> int | None:
        return self._remembered_pk(self.label_ids, self.label, key, item)

    def status_id(self, key: str | None, item: int) -> int | None:
        return self._remembered_pk(self.status_ids, self.status, key, item)

    @staticmethod
    def _remembered_pk(
        known: dict[Any, int], resolve: Callable[[Any, int], Any | None], name: Any, item: int
    ) -> int | None:
        """``resolve(name, item).pk``, remembered per name (files repeat the same few names).
        Misses are not remembered: each one reports its error for its own item."""
        found = known.get(name)
        if found is None:
            row = resolve(name, item)
            if row is None:
                return None
            found = known[name] = row.pk
        return found

    def user(self, name: str | None, item: int) -> Any | None:
        if self.attribute_to is not None:
            return self.attribute_to
        found = self.users.get(name or "")
        if found is None:
            self.result.error(
                item,
                "annotator",
                f"{name!r} is not a member of this project (add them, or import "
                "with a chosen user).",
            )
        return found

    def create_missing_labels(self, keys: Iterable[str]) -> None:
        """Create, if this import may, the labels of ``keys`` (in their order) the project lacks."""
        if self.create_labels:
            for key in keys:
                if key not in self.labels:
                    self.label(key, 0)

    def label(self, key: str, item: int) -> Label | None:
        found = self.labels.get(key)
        if found is None and self.create_labels:
            found = Label.objects.create(
                project=self.project,
                key=key[:64],
                name=key[:100],
                color=_PALETTE[len(self.labels) % len(_PALETTE)],
                order=len(self.labels),
            )
            self.labels[key] = found
            self.result.created_labels.append(key)
        if found is None:
            self.result.error(
                item,
                "label",
                f"Unknown label {key!r} in this project; create it or allow creating labels.",
            )
        return found

    def status(self, key: str | None, item: int) -> VerificationStatus | None:
        if key is None:
            return self.initial
        found = self.statuses.get(key)
        if found is None:
            self.result.error(
                item, "status", f"Unknown verification status {key!r} in this project."
            )
        return found


def import_annotations(
    *,
    project: Project,
    documents: Iterable[ExportDocument],
    report: ImportReport,
    attribute_to: Any | None = None,
    create_labels: bool = False,
) -> AnnotationImportResult:
    """Create the file's documents with their spans, submissions and gold, all or nothing."""
    result = AnnotationImportResult()
    try:
        with transaction.atomic():
            resolver = _Resolver(
                project, attribute_to=attribute_to, create_labels=create_labels, result=result
            )
            batch: list[tuple[int, ExportDocument]] = []
            # The file is parsed a batch ahead while this thread waits for the database.
            with read_ahead(documents, buffer=BATCH_DOCUMENTS) as parsed:
                for item, document in enumerate(parsed, start=1):
                    batch.append((item, document))
                    if len(batch) >= BATCH_DOCUMENTS:
                        _write_batch(project, batch, resolver, result)
                        batch = []
            if batch:
                _write_batch(project, batch, resolver, result)
            for issue in report.errors:
                result.error(issue.item, issue.field, issue.message)
            result.error_count = max(
                result.error_count,
                len(result.errors) + max(0, report.error_count - len(report.errors)),
            )
            if not result.ok:
                raise _Rollback
    except _Rollback:
        result.documents = result.spans = result.gold_spans = 0
        result.created_labels = []
    return result


def _span_ok(text: str, span: ExportSpan, item: int, result: AnnotationImportResult) -> bool:
    """The API's offset and quote rule (``annotations.spans.check_offsets``), for every format."""
    errors = check_offsets(text, span.start, span.end, span.quote)
    for error in errors:
        result.error(item, "spans", f"[{span.start}, {span.end}): {error.message}")
    return not errors


def _write_batch(
    project: Project,
    batch: list[tuple[int, ExportDocument]],
    resolver: _Resolver,
    result: AnnotationImportResult,
) -> None:
    if not batch:
        return
    empty = [item for (item, d) in batch if not d.text]
    for item in empty:
        result.error(item, "text", "A document needs text.")
    if empty:
        return
    now = timezone.now()
    project_id = project.pk
    document_ids = insert_rows_returning_ids(
        Document,
        ("project", "title", "text", "source_url", "published_at", "metadata", "created_at"),
        [
            (
                project_id,
                d.title[:500],
                d.text,
                d.source_url,
                parse_published(d.published_at) if d.published_at else None,
                d.metadata or {},
                now,
            )
            for _, d in batch
        ],
    )
    result.documents += len(document_ids)
    documents = [
        (document_id, item, document)
        for document_id, (item, document) in zip(document_ids, batch, strict=True)
    ]
    # The span COPY below marks the documents with spans (trigger, migration 0010); the others are
    # marked here. Either way the agreement refresh is scheduled.
    documents_added(
        project_id=project_id,
        document_ids=[document_id for document_id, _, document in documents if not document.spans],
    )
    # Labels the file adds are created now: from here to the end of the span COPY, nothing may
    # query the database (the connection is busy with the COPY).
    resolver.create_missing_labels(
        dict.fromkeys(s.label for _, _, d in documents for s in (*d.spans, *(d.gold or ())))
    )
    assigned: dict[tuple[int, int], None] = {}  # (document id, user id), in file order
    for document_id, item, document in documents:
        names = list(document.annotators) or sorted(
            {s.annotator for s in document.spans if s.annotator}
        )
        for name in names:
            user_id = resolver.user_id(name, item)
            if user_id is not None:
                assigned[(document_id, user_id)] = None
    gold_rows, gold_evidence, adjudications = _gold(project, documents, resolver, result, now)

    with_evidence: list[tuple[tuple[Any, ...], tuple[ExportEvidence, ...]]] = []
    # The rows are built while COPY streams them, so PostgreSQL stores the first rows while this
    # thread checks the next ones. The timestamp as text: COPY parses it once per row either way,
    # and formatting a datetime 120,000 times on this side cost more than the text.
    stamp = now.isoformat()
    plain_spans = _span_values(project_id, documents, resolver, result, assigned, with_evidence)
    copied = insert_rows(
        Span,
        (*SPAN_FIELDS, "version", "created_at", "updated_at"),
        ((*values, 1, stamp, stamp) for values in plain_spans),
    )
    if not result.ok:
        return  # the whole file is rolled back; no point inserting the rest
    insert_rows(
        Assignment,
        (
            "project",
            "document",
            "annotator",
            "state",
            "time_spent_seconds",
            "skip_reason",
            "created_at",
            "finished_at",
        ),
        (
            (project_id, document_id, user_id, AssignmentState.SUBMITTED, 0, "", now, now)
            for document_id, user_id in assigned
        ),
    )
    # Spans with evidence need their ids for the evidence rows: bulk_create returns them.
    created = Span.objects.bulk_create(
        [Span(**dict(zip(SPAN_FIELDS_ID, values, strict=True))) for values, _ in with_evidence],
        batch_size=2000,
    )
    Evidence.objects.bulk_create(
        Evidence(span=span, url=e.url, note=e.note, stance=e.stance, order=n)
        for span, (_, items) in zip(created, with_evidence, strict=True)
        for n, e in enumerate(items)
    )
    DocumentAdjudication.objects.bulk_create(adjudications)
    GoldSpan.objects.bulk_create(gold_rows)
    GoldEvidence.objects.bulk_create(
        GoldEvidence(gold_span=gold_rows[i], url=e.url, note=e.note, stance=e.stance, order=n)
        for i, n, e in gold_evidence
    )
    result.spans += copied + len(created)
    result.gold_spans += len(gold_rows)


def _span_values(
    project_id: int,
    documents: list[tuple[int, int, ExportDocument]],
    resolver: _Resolver,
    result: AnnotationImportResult,
    assigned: dict[tuple[int, int], None],
    with_evidence: list[tuple[tuple[Any, ...], tuple[ExportEvidence, ...]]],
) -> Iterator[tuple[Any, ...]]:
    """SPAN_FIELDS values of each valid span without evidence; those with evidence go to
    ``with_evidence``, and each (document, annotator) to ``assigned``. Invalid spans are reported,
    not yielded. Uses no database: the caller created the file's new labels first."""
    user_ids, label_ids, status_ids = resolver.user_ids, resolver.label_ids, resolver.status_ids
    for document_id, item, document in documents:
        text = document.text
        seen: set[tuple[int, int, int, int]] = set()
        for span in document.spans:
            # The dictionaries first: a method call per span and name costs more than the rest.
            user_id = user_ids.get(span.annotator) or resolver.user_id(span.annotator, item)
            label_id = label_ids.get(span.label) or resolver.label_id(span.label, item)
            status_id = status_ids.get(span.status) or resolver.status_id(span.status, item)
            start, end = span.start, span.end
            if (
                user_id is None
                or label_id is None
                or status_id is None
                or not _span_ok(text, span, item, result)
            ):
                continue
            key = (user_id, label_id, start, end)
            if key in seen:
                continue  # Label Studio files may repeat a region; one span per (annotator, label, range)
            seen.add(key)
            assigned[(document_id, user_id)] = None
            values = (
                project_id,
                document_id,
                user_id,
                label_id,
                start,
                end,
                span.quote,
                status_id,
                span.note,
            )
            if span.evidence:
                with_evidence.append((values, span.evidence))
            else:
                yield values


def _gold(
    project: Project,
    documents: list[tuple[int, int, ExportDocument]],
    resolver: _Resolver,
    result: AnnotationImportResult,
    now: Any,
) -> tuple[list[GoldSpan], list[tuple[int, int, Any]], list[DocumentAdjudication]]:
    """The gold spans, their evidence (index into the gold spans, order, item) and the
    adjudications of the documents that carry gold."""
    gold_rows: list[GoldSpan] = []
    gold_evidence: list[tuple[int, int, Any]] = []
    adjudications: list[DocumentAdjudication] = []
    for document_id, item, document in documents:
        if document.gold is None:
            continue
        adjudications.append(
            DocumentAdjudication(
                document_id=document_id,
                project=project,
                state=AdjudicationState.ADJUDICATED,
                adjudicated_at=now,
            )
        )
        for span in document.gold:
            label, status = resolver.label(span.label, item), resolver.status(span.status, item)
            if None in (label, status) or not _span_ok(document.text, span, item, result):
                continue
            gold_rows.append(
                GoldSpan(
                    project=project,
                    document_id=document_id,
                    label=label,
                    start=span.start,
                    end=span.end,
                    quote=span.quote,
                    status=status,
                    rationale=span.verdict_rationale,
                )
            )
            # Evidence citing a document of the source project has no counterpart here.
            web = [e for e in span.evidence if e.url.startswith(("http://", "https://"))]
            gold_evidence.extend((len(gold_rows) - 1, n, e) for n, e in enumerate(web))
    return gold_rows, gold_evidence, adjudications


# --- as a background job ---------------------------------------------------------------------------


def annotation_import_start(
    *,
    project: Project,
    user: Any,
    upload: UploadedFile,
    fmt: str,
    attribute_to: int | None = None,
    annotator: str | None = None,
    create_labels: bool = False,
) -> Job:
    """Store the uploaded file and import it in the background, all or nothing. ``attribute_to``
    (a member's user id) takes every span; ``annotator`` names a doccano file's owner."""
    members = Membership.objects.filter(project=project)
    if attribute_to is not None and not members.filter(user_id=attribute_to).exists():
        raise InvalidInput({"user": "Not a member of this project."})
    if annotator and not members.filter(user__username=annotator).exists():
        raise InvalidInput({"annotator": "Not a member of this project."})
    stored_as = f"{uuid.uuid4().hex}{Path(upload.name).suffix}"
    params = {
        "kind": "annotations",
        "name": Path(upload.name).name,
        "stored_as": stored_as,
        "format": fmt,
        "user": attribute_to,
        "annotator": annotator,
        "create_labels": create_labels,
    }
    return upload_job_start(
        project=project,
        user=user,
        uploads=[(upload, stored_as)],
        params=params,
        task_name=IMPORT_ANNOTATIONS,
    )


def annotation_import_run(*, job: Job) -> JobOutcome:
    params = job.params
    path = import_upload_dir(str(job.pk)) / params["stored_as"]
    attribute_to = (
        get_user_model().objects.filter(pk=params["user"]).first() if params.get("user") else None
    )
    try:
        with path.open("rb") as fp:
            documents, report = parse(fp, params["format"], annotator=params.get("annotator"))
            result = import_annotations(
                project=job.project,
                documents=documents,
                report=report,
                attribute_to=attribute_to,
                create_labels=params.get("create_labels", False),
            )
    except DatabaseError as exc:
        raise JobFailed(f"Database error during import: {exc}") from exc
    upload_dir_remove(str(job.pk))
    if result.ok:
        return JobOutcome(result=result.as_dict())
    # The first problem is named in the reason itself: often it is the only one (a file that is
    # not UTF-8, not JSON), and a person reads the reason before the result.
    first = result.errors[0] if result.errors else None
    named = ""
    if first:
        where = f" (item {first['item']})" if first["item"] else ""
        named = f" The first{where}: {first['message']}"
    return JobOutcome(
        result=result.as_dict(),
        error=f"{result.error_count} problem(s) in {params['name']}; nothing was imported."
        f"{named} See result.errors.",
    )
