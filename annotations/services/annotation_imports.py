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
    iter_doccano_items,
    iter_native_jsonl_items,
    read_label_studio,
)
from annotations.formats.records import MAX_REPORTED_ERRORS
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
from annotations.permissions import check_project_open
from annotations.read_ahead import read_ahead
from annotations.services.agreement_inputs import documents_added
from annotations.services.background import IMPORT_ANNOTATIONS, search_index_after_commit
from annotations.services.document_imports import DOCUMENT_COLUMNS, parse_published
from annotations.services.jobs import JobFailed, JobOutcome
from annotations.services.uploads import (
    StoredUpload,
    import_upload_dir,
    upload_dir_remove,
    upload_job_start,
)
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
    max_errors: int = MAX_REPORTED_ERRORS  # listed in ``errors``; the rest are only counted

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def error(self, item: int, field_name: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < self.max_errors:
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
    fp: IO[bytes], fmt: str, *, annotator: str | None, max_errors: int = MAX_REPORTED_ERRORS
) -> tuple[Iterator[tuple[int, ExportDocument]], ImportReport]:
    """``(item, document)`` pairs of the file (streamed where the format allows) and the parser's
    report. ``item`` numbers a document as the parser's errors do: its line in a JSONL file, its
    index in a Label Studio array, so that every problem of one document names the same place."""
    report = ImportReport(max_errors=max_errors)
    if fmt == "native":
        return iter_native_jsonl_items(fp, report), report
    if fmt == "doccano":
        return iter_doccano_items(fp, report, annotator=annotator or "doccano"), report
    if fmt == "label_studio":
        parsed = read_label_studio(fp, annotator=annotator, max_errors=max_errors)
        report.items = parsed.item_count
        report.error_count = parsed.error_count
        report.errors = list(parsed.errors)
        report.notes = list(parsed.notes)
        return zip(parsed.positions, parsed.documents, strict=True), report
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
        dry: bool = False,
    ):
        self.project = project
        self.attribute_to = attribute_to
        self.create_labels = create_labels
        self.result = result
        # A dry run (``annotation_import_check``) creates no label: it only says which it would.
        self.dry = dry
        user_model = get_user_model()
        self.users = {
            u.username: u
            for u in user_model.objects.filter(memberships__project=project).only("id", "username")
        }
        self.labels = {label.key: label for label in Label.objects.filter(project=project)}
        # Label names are unique per project ignoring case: a label the file adds may not take
        # the name of another (the database would refuse it in the middle of the import).
        self.label_names = {label.name.lower(): label for label in self.labels.values()}
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
                # A name already taken is reported by each span that uses it, not here.
                if key not in self.labels and self._name_taken(key) is None:
                    self.label(key, 0)

    def _name_taken(self, key: str) -> Label | None:
        return self.label_names.get(key[:100].lower())

    def label(self, key: str, item: int) -> Label | None:
        found = self.labels.get(key)
        if found is None and self.create_labels:
            taken = self._name_taken(key)
            if taken is not None:
                self.result.error(
                    item,
                    "label",
                    f"Label {key!r} is not a label key of this project, and it cannot be added: "
                    f"the label {taken.name!r} (key {taken.key!r}) has that name. Use the key "
                    f"{taken.key!r} in the file, or rename that label.",
                )
                return None
            fields = {
                "project": self.project,
                "key": key[:64],
                "name": key[:100],
                "color": _PALETTE[len(self.labels) % len(_PALETTE)],
                "order": len(self.labels),
            }
            if self.dry:
                found = Label(**fields)
                found.pk = -1 - len(self.labels)  # stands in for the row it would be; never saved
            else:
                found = Label.objects.create(**fields)
            self.labels[key] = found
            self.label_names[found.name.lower()] = found
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
    documents: Iterable[tuple[int, ExportDocument]],
    report: ImportReport,
    attribute_to: Any | None = None,
    create_labels: bool = False,
    import_job_id: Any = None,
) -> AnnotationImportResult:
    """Create the file's documents with their spans, submissions and gold, all or nothing.
    ``documents``: ``(item, document)`` pairs as ``parse`` gives them; ``import_job_id``: the job
    whose batch the documents are (``Document.import_job``), None outside a job."""
    check_project_open(project)
    result = AnnotationImportResult()
    try:
        with transaction.atomic():
            resolver = _Resolver(
                project, attribute_to=attribute_to, create_labels=create_labels, result=result
            )
            batch: list[tuple[int, ExportDocument]] = []
            # The file is parsed a batch ahead while this thread waits for the database.
            with read_ahead(documents, buffer=BATCH_DOCUMENTS) as parsed:
                for pair in parsed:
                    batch.append(pair)
                    if len(batch) >= BATCH_DOCUMENTS:
                        _write_batch(project, batch, resolver, result, import_job_id)
                        batch = []
            if batch:
                _write_batch(project, batch, resolver, result, import_job_id)
            _merge_report(result, report)
            if not result.ok:
                raise _Rollback
    except _Rollback:
        result.documents = result.spans = result.gold_spans = 0
        result.created_labels = []
    return result


def annotation_import_check(
    *,
    project: Project,
    documents: Iterable[tuple[int, ExportDocument]],
    report: ImportReport,
    attribute_to: Any | None = None,
    create_labels: bool = False,
) -> AnnotationImportResult:
    """Every check ``import_annotations`` makes, writing nothing: the counts it would import and
    the problems it would refuse the file for, by item. ``created_labels``: the labels it would
    add. The same functions check both, so a file this passes imports (unless the project changes
    in between: the import checks again)."""
    result = AnnotationImportResult(max_errors=report.max_errors)
    resolver = _Resolver(
        project, attribute_to=attribute_to, create_labels=create_labels, result=result, dry=True
    )
    now = timezone.now()

    def check(batch: list[tuple[int, ExportDocument]]) -> None:
        if _empty_texts(batch, result):
            return
        # Item numbers stand in for the ids the documents would get.
        rows = _batch_rows(project, [(item, item, d) for item, d in batch], resolver, result, now)
        result.spans += sum(1 for _ in rows.plain_spans) + len(rows.with_evidence)
        result.gold_spans += len(rows.gold_rows)
        result.documents += len(batch)

    batch: list[tuple[int, ExportDocument]] = []
    for pair in documents:
        batch.append(pair)
        if len(batch) >= BATCH_DOCUMENTS:
            check(batch)
            batch = []
    if batch:
        check(batch)
    _merge_report(result, report)
    return result


def _merge_report(result: AnnotationImportResult, report: ImportReport) -> None:
    """The parser's problems join the import's: either refuses the file."""
    for issue in report.errors:
        result.error(issue.item, issue.field, issue.message)
    result.error_count += report.error_count - len(report.errors)  # counted, not listed


def _empty_texts(batch: list[tuple[int, ExportDocument]], result: AnnotationImportResult) -> bool:
    """Whether a document of the batch has no text (reported); then none of the batch is written."""
    empty = [item for (item, d) in batch if not d.text]
    for item in empty:
        result.error(item, "text", "A document needs text.")
    return bool(empty)


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
    import_job_id: Any = None,
) -> None:
    if not batch or _empty_texts(batch, result):
        return
    now = timezone.now()
    project_id = project.pk
    document_ids = insert_rows_returning_ids(
        Document,
        DOCUMENT_COLUMNS,
        [
            (
                project_id,
                d.title[:500],
                d.text,
                d.source_url,
                parse_published(d.published_at) if d.published_at else None,
                d.metadata or {},
                now,
                import_job_id,
            )
            for _, d in batch
        ],
    )
    result.documents += len(document_ids)
    search_index_after_commit(project_id)  # vectors in the background, never inline
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
    rows = _batch_rows(project, documents, resolver, result, now)
    # The rows are built while COPY streams them, so PostgreSQL stores the first rows while this
    # thread checks the next ones. The timestamp as text: COPY parses it once per row either way,
    # and formatting a datetime 120,000 times on this side cost more than the text.
    stamp = now.isoformat()
    copied = insert_rows(
        Span,
        (*SPAN_FIELDS, "version", "created_at", "updated_at"),
        ((*values, 1, stamp, stamp) for values in rows.plain_spans),
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
            for document_id, user_id in rows.assigned
        ),
    )
    # Spans with evidence need their ids for the evidence rows: bulk_create returns them.
    created = Span.objects.bulk_create(
        [
            Span(**dict(zip(SPAN_FIELDS_ID, values, strict=True)))
            for values, _ in rows.with_evidence
        ],
        batch_size=2000,
    )
    Evidence.objects.bulk_create(
        Evidence(span=span, url=e.url, note=e.note, stance=e.stance, order=n)
        for span, (_, items) in zip(created, rows.with_evidence, strict=True)
        for n, e in enumerate(items)
    )
    DocumentAdjudication.objects.bulk_create(rows.adjudications)
    GoldSpan.objects.bulk_create(rows.gold_rows)
    GoldEvidence.objects.bulk_create(
        GoldEvidence(gold_span=rows.gold_rows[i], url=e.url, note=e.note, stance=e.stance, order=n)
        for i, n, e in rows.gold_evidence
    )
    result.spans += copied + len(created)
    result.gold_spans += len(rows.gold_rows)


@dataclass
class _BatchRows:
    """A checked batch as the rows the import writes (see ``_batch_rows``)."""

    assigned: dict[tuple[int, int], None]  # (document id, user id), in file order
    gold_rows: list[GoldSpan]
    gold_evidence: list[tuple[int, int, Any]]
    adjudications: list[DocumentAdjudication]
    with_evidence: list[tuple[tuple[Any, ...], tuple[ExportEvidence, ...]]]
    plain_spans: Iterator[tuple[Any, ...]]  # lazy: see _span_values


def _batch_rows(
    project: Project,
    documents: list[tuple[int, int, ExportDocument]],
    resolver: _Resolver,
    result: AnnotationImportResult,
    now: Any,
) -> _BatchRows:
    """Check the names and spans of a batch of ``(document id, item, document)`` and build its
    rows; every problem goes to ``result``. The spans without evidence are checked and built as
    ``plain_spans`` is consumed, and only then is ``assigned`` complete. The import writes these
    rows; ``annotation_import_check`` only counts them."""
    # Labels the file adds are created now: from here to the end of the span COPY, nothing may
    # query the database (the connection is busy with the COPY).
    resolver.create_missing_labels(
        dict.fromkeys(s.label for _, _, d in documents for s in (*d.spans, *(d.gold or ())))
    )
    assigned: dict[tuple[int, int], None] = {}
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
    plain_spans = _span_values(project.pk, documents, resolver, result, assigned, with_evidence)
    return _BatchRows(assigned, gold_rows, gold_evidence, adjudications, with_evidence, plain_spans)


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


def check_annotation_options(
    *, project: Project, attribute_to: int | None, annotator: str | None
) -> Any | None:
    """Check that the options of an annotation import name members of the project; returns the
    user every span goes to (``attribute_to``), or None for the names in the file."""
    members = Membership.objects.filter(project=project)
    chosen = None
    if attribute_to is not None:
        membership = members.filter(user_id=attribute_to).select_related("user").first()
        if membership is None:
            raise InvalidInput({"user": "Not a member of this project."})
        chosen = membership.user
    if annotator and not members.filter(user__username=annotator).exists():
        raise InvalidInput({"annotator": "Not a member of this project."})
    return chosen


def annotation_import_start(
    *,
    project: Project,
    user: Any,
    upload: UploadedFile | StoredUpload,
    fmt: str,
    attribute_to: int | None = None,
    annotator: str | None = None,
    create_labels: bool = False,
) -> Job:
    """Store the uploaded file and import it in the background, all or nothing. ``attribute_to``
    (a member's user id) takes every span; ``annotator`` names a doccano file's owner."""
    check_project_open(project)
    check_annotation_options(project=project, attribute_to=attribute_to, annotator=annotator)
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
                import_job_id=job.pk,
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
