"""Exports: stream a project's documents out of the database as ``ExportDocument`` records and
hand them to the pure writers in ``annotations.formats``.

Documents are read in chunks of ``READ_CHUNK`` (a few queries per chunk, never one per document),
so memory stays bounded whatever the project's size. A file is written under a temporary name
and renamed only when complete, so a killed or failed export never leaves a finished-looking
truncated file.
"""

from __future__ import annotations

import os
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef

from annotations.errors import InvalidInput
from annotations.formats import (
    FORMATS,
    ExportDocument,
    ExportEvidence,
    ExportProject,
    ExportSpan,
    label_studio_config,
    write_claimreview,
    write_conll,
    write_csv,
    write_doccano,
    write_fever,
    write_jsonl,
    write_label_studio,
    write_parquet,
)
from annotations.models import (
    AdjudicationState,
    Assignment,
    AssignmentState,
    Document,
    DocumentAdjudication,
    DocumentAgreement,
    Evidence,
    GoldEvidence,
    GoldSpan,
    Job,
    JobKind,
    Label,
    Membership,
    Project,
    Span,
    VerificationStatus,
)
from annotations.services.background import EXPORT_RUN, job_enqueue
from annotations.services.jobs import JobOutcome, ProgressReporter, job_create

READ_CHUNK = 500
EXPORT_FORMATS = tuple(FORMATS)
# Documents an export may name one by one (the documents table's selection; their ids are kept in
# the job's params). More is the whole project, or a narrower selection.
EXPORT_MAX_DOCUMENTS = 100_000


@dataclass(frozen=True, slots=True)
class ExportScope:
    """What to export. ``annotator_ids`` None = every annotator; ``gold_only`` leaves annotators'
    spans out; ``submitted_only`` keeps documents at least one (chosen) annotator submitted and,
    within them, only submitted annotators' spans; ``labels`` None = every label;
    ``document_ids`` None = every document, else only these (sorted; the documents table's
    selection), the other rules still applying within them."""

    annotator_ids: tuple[int, ...] | None = None
    gold_only: bool = False
    submitted_only: bool = True
    labels: tuple[str, ...] | None = None
    document_ids: tuple[int, ...] | None = None

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> ExportScope:
        annotators = params.get("annotators")
        labels = params.get("labels")
        documents = params.get("documents")
        return cls(
            annotator_ids=None if annotators is None else tuple(annotators),
            gold_only=bool(params.get("gold_only", False)),
            submitted_only=bool(params.get("submitted_only", True)),
            labels=None if labels is None else tuple(labels),
            document_ids=None if documents is None else tuple(documents),
        )


def export_project(project: Project) -> ExportProject:
    return ExportProject(
        name=project.name,
        labels=tuple(Label.objects.filter(project=project).values_list("key", "name", "color")),
        statuses=tuple(
            VerificationStatus.objects.filter(project=project).values_list(
                "key", "name", "is_final"
            )
        ),
    )


def document_ids(project: Project, scope: ExportScope) -> Iterator[int]:
    documents = Document.objects.filter(project=project)
    if scope.submitted_only:
        submitted = Assignment.objects.filter(
            document=OuterRef("pk"), state=AssignmentState.SUBMITTED
        )
        if scope.annotator_ids is not None:
            submitted = submitted.filter(annotator_id__in=scope.annotator_ids)
        documents = documents.filter(Exists(submitted))
    if scope.document_ids is not None:
        # A chosen selection, read a slice of ids at a time (never one IN list of 100,000).
        return (
            pk
            for chunk in _chunks(iter(scope.document_ids), 5000)
            for pk in documents.filter(pk__in=chunk).order_by("id").values_list("id", flat=True)
        )
    return documents.order_by("id").values_list("id", flat=True).iterator(chunk_size=5000)


def count_documents(project: Project, scope: ExportScope) -> int:
    return sum(1 for _ in document_ids(project, scope))


def _chunks(ids: Iterator[int], size: int) -> Iterator[list[int]]:
    chunk: list[int] = []
    for value in ids:
        chunk.append(value)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _evidence_by(
    model: type, key: str, document_ids: Sequence[int]
) -> dict[int, list[ExportEvidence]]:
    """Evidence of the spans (or gold spans) of these documents, by span id. Filtering by the
    documents keeps the query small, where a list of every span id would not be."""
    found: dict[int, list[ExportEvidence]] = defaultdict(list)
    fields = (
        ("url", "note", "stance")
        if model is Evidence
        else ("url", "document_ref_id", "note", "stance")
    )
    for row in (
        model.objects.filter(**{f"{key.removesuffix('_id')}__document_id__in": document_ids})
        .order_by(key, "order", "id")
        .values_list(key, *fields)
    ):
        if model is Evidence:
            owner, url, note, stance = row
        else:
            owner, url, ref, note, stance = row
            url = url or f"document:{ref}"
        found[owner].append(ExportEvidence(url=url, note=note, stance=stance))
    return found


def export_documents(
    project: Project, scope: ExportScope, on_document: Callable[[], None] | None = None
) -> Iterator[ExportDocument]:
    """The project's documents in scope, one record at a time, in id order."""
    for chunk in _chunks(document_ids(project, scope), READ_CHUNK):
        yield from _export_chunk(project, scope, chunk, on_document)


def _export_chunk(
    project: Project, scope: ExportScope, ids: list[int], on_document: Callable[[], None] | None
) -> Iterator[ExportDocument]:
    submitted: dict[int, list[str]] = defaultdict(list)
    submitted_ids: dict[int, set[int]] = defaultdict(set)
    assignments = Assignment.objects.filter(document_id__in=ids).order_by("finished_at", "id")
    if scope.submitted_only:
        assignments = assignments.filter(state=AssignmentState.SUBMITTED)
    if scope.annotator_ids is not None:
        assignments = assignments.filter(annotator_id__in=scope.annotator_ids)
    for document_id, annotator_id, username in assignments.values_list(
        "document_id", "annotator_id", "annotator__username"
    ):
        submitted[document_id].append(username)
        submitted_ids[document_id].add(annotator_id)

    spans: dict[int, list[ExportSpan]] = defaultdict(list)
    if not scope.gold_only:
        # Ids are mapped to keys and names in Python: joining three tables for every span row
        # costs more than the rest of the export.
        names = dict(
            Assignment.objects.filter(document_id__in=ids)
            .values_list("annotator_id", "annotator__username")
            .distinct()
        )
        labels = dict(Label.objects.filter(project=project).values_list("id", "key"))
        statuses = dict(VerificationStatus.objects.filter(project=project).values_list("id", "key"))
        rows = Span.objects.filter(document_id__in=ids).order_by(
            "document_id", "start", "end", "id"
        )
        if scope.labels is not None:
            rows = rows.filter(label__key__in=scope.labels)
        evidence = _evidence_by(Evidence, "span_id", ids)
        no_evidence: tuple[ExportEvidence, ...] = ()
        for (
            span_id,
            document_id,
            annotator_id,
            label_id,
            start,
            end,
            quote,
            status_id,
            note,
        ) in rows.values_list(
            "id",
            "document_id",
            "annotator_id",
            "label_id",
            "start",
            "end",
            "quote",
            "status_id",
            "note",
        ):
            if annotator_id not in submitted_ids[document_id]:
                continue
            found = evidence.get(span_id)
            spans[document_id].append(
                ExportSpan(
                    span_id,
                    names.get(annotator_id),
                    labels[label_id],
                    start,
                    end,
                    quote,
                    statuses[status_id],
                    note,
                    tuple(found) if found else no_evidence,
                )
            )

    adjudicated = set(
        DocumentAdjudication.objects.filter(
            document_id__in=ids, state=AdjudicationState.ADJUDICATED
        ).values_list("document_id", flat=True)
    )
    gold: dict[int, list[ExportSpan]] = defaultdict(list)
    gold_rows = GoldSpan.objects.filter(document_id__in=adjudicated).order_by(
        "document_id", "start", "end", "id"
    )
    if scope.labels is not None:
        gold_rows = gold_rows.filter(label__key__in=scope.labels)
    gold_values = list(
        gold_rows.values_list(
            "id", "document_id", "label__key", "start", "end", "quote", "status__key", "rationale"
        )
    )
    gold_evidence = _evidence_by(GoldEvidence, "gold_span_id", sorted(adjudicated))
    for gold_id, document_id, label, start, end, quote, status, rationale in gold_values:
        gold[document_id].append(
            ExportSpan(
                gold_id,
                None,
                label,
                start,
                end,
                quote,
                status,
                "",
                tuple(gold_evidence.get(gold_id, ())),
                rationale,
            )
        )

    agreement = {
        document_id: {"character_alpha": alpha, "reason": reason or None}
        for document_id, alpha, reason in DocumentAgreement.objects.filter(
            document_id__in=ids, intermediate__isnull=False
        ).values_list("document_id", "alpha", "alpha_reason")
    }
    for document in Document.objects.filter(pk__in=ids).order_by("id"):
        if on_document:
            on_document()
        yield ExportDocument(
            document_id=document.pk,
            title=document.title,
            text=document.text,
            source_url=document.source_url,
            published_at=document.published_at.isoformat() if document.published_at else None,
            metadata=document.metadata,
            annotators=() if scope.gold_only else tuple(submitted[document.pk]),
            spans=tuple(spans[document.pk]),
            gold=tuple(gold[document.pk]) if document.pk in adjudicated else None,
            agreement=agreement.get(document.pk),
        )


# --- files ---------------------------------------------------------------------------------------


@dataclass
class ExportFile:
    path: Path
    filename: str
    content_type: str
    result: dict[str, Any] = field(default_factory=dict)


def export_dir(job_id: str) -> Path:
    return Path(settings.MEDIA_ROOT) / "exports" / str(job_id)


def _annotator_names(project: Project, scope: ExportScope) -> list[str]:
    names = Assignment.objects.filter(project=project)
    if scope.submitted_only:
        names = names.filter(state=AssignmentState.SUBMITTED)
    if scope.annotator_ids is not None:
        names = names.filter(annotator_id__in=scope.annotator_ids)
    return sorted(set(names.values_list("annotator__username", flat=True)))


def write_export(
    *,
    project: Project,
    fmt: str,
    scope: ExportScope,
    job_id: str,
    progress: Callable[[], None] | None = None,
    excel_safe: bool = True,
) -> ExportFile:
    """Write the export file of ``job_id``; the final name appears only once it is complete.
    ``excel_safe``: CSV cells that a spreadsheet would run as formulas are written as text
    (``annotations.formats.csv_rows``)."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown format {fmt!r}; use one of {sorted(FORMATS)}.")
    extension, content_type, _binary = FORMATS[fmt]
    folder = export_dir(job_id)
    folder.mkdir(parents=True, exist_ok=True)
    meta = export_project(project)
    stem = f"project-{project.pk}-{fmt}"
    if fmt == "doccano":  # one file per annotator and one for the gold standard, zipped
        extension, content_type = "zip", "application/zip"
    final = folder / f"{stem}.{extension}"
    partial = folder / f".{stem}.{extension}.part"
    result: dict[str, Any] = {}

    def documents() -> Iterator[ExportDocument]:
        return export_documents(project, scope, progress)

    with partial.open("wb") as out:
        if fmt == "jsonl":
            summary = write_jsonl(documents(), out)
        elif fmt == "csv":
            summary = write_csv(documents(), out, excel_safe=excel_safe)
        elif fmt == "parquet":
            summary = write_parquet(documents(), out, project=meta)
        elif fmt == "conll":
            summary = write_conll(
                documents(), out, project=meta, columns="gold" if scope.gold_only else "all"
            )
        elif fmt == "label_studio":
            summary = write_label_studio(documents(), out)
            result["label_studio_config"] = label_studio_config(meta)
        elif fmt == "claimreview":
            summary = write_claimreview(documents(), out, project=meta, publisher=project.name)
        elif fmt == "fever":
            summary = write_fever(documents(), out)
        else:
            summary = _write_doccano_zip(
                out, documents, [] if scope.gold_only else _annotator_names(project, scope)
            )
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, final)
    result.update(summary.as_dict() if hasattr(summary, "as_dict") else summary)
    return ExportFile(path=final, filename=final.name, content_type=content_type, result=result)


def _write_doccano_zip(
    out: IO[bytes], documents: Callable[[], Iterator[ExportDocument]], names: list[str]
) -> dict[str, Any]:
    files = {}
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in [*names, None]:
            member = f"{name}.jsonl" if name else "gold.jsonl"
            with archive.open(member, "w") as fp:
                summary = (
                    write_doccano(documents(), fp, annotator=name)
                    if name
                    else write_doccano(documents(), fp, gold=True)
                )
            files[member] = summary.as_dict()
    return {"format": "doccano", "files": files}


# --- as a background job ---------------------------------------------------------------------------


def _known_members(project: Project, user_ids: list[int] | None) -> list[int] | None:
    if user_ids is None:
        return None
    known = set(
        Membership.objects.filter(project=project, user_id__in=user_ids).values_list(
            "user_id", flat=True
        )
    )
    unknown = sorted(set(user_ids) - known)
    if unknown:
        raise InvalidInput({"annotators": f"Not members of this project: {unknown}."})
    return sorted(set(user_ids))


def _known_labels(project: Project, keys: list[str] | None) -> list[str] | None:
    if keys is None:
        return None
    known = set(Label.objects.filter(project=project).values_list("key", flat=True))
    unknown = sorted(set(keys) - known)
    if unknown:
        raise InvalidInput({"labels": f"Unknown labels in this project: {unknown}."})
    return sorted(set(keys))


def _known_documents(project: Project, ids: list[int] | None) -> list[int] | None:
    if ids is None:
        return None
    wanted = sorted(set(ids))
    if not wanted:
        raise InvalidInput({"documents": "Choose at least one document to export."})
    if len(wanted) > EXPORT_MAX_DOCUMENTS:
        raise InvalidInput(
            {
                "documents": f"At most {EXPORT_MAX_DOCUMENTS:,} documents by id; export the whole "
                "project, or a narrower selection."
            }
        )
    known: set[int] = set()
    for chunk in _chunks(iter(wanted), 5000):
        known.update(
            Document.objects.filter(project=project, pk__in=chunk).values_list("id", flat=True)
        )
    unknown = [pk for pk in wanted if pk not in known]
    if unknown:
        raise InvalidInput({"documents": f"Not documents of this project: {unknown[:20]}."})
    return wanted


def export_start(*, project: Project, user: Any, params: dict[str, Any]) -> Job:
    """Start an export (``params``: ``format``, the scope ``ExportScope.from_params`` reads and
    ``excel_safe``, default true; annotators, labels and documents must be the project's)."""
    params = {
        **params,
        "annotators": _known_members(project, params.get("annotators")),
        "labels": _known_labels(project, params.get("labels")),
        "documents": _known_documents(project, params.get("documents")),
    }
    with transaction.atomic():
        job = job_create(project=project, kind=JobKind.EXPORT, created_by=user, params=params)
        job_enqueue(job=job, task_name=EXPORT_RUN)
    return job


def export_run(*, job: Job) -> JobOutcome:
    """Write the export file of ``job``. A redelivered job (worker killed midway) starts the file
    afresh; only a complete file ever gets its final name."""
    job_id = str(job.pk)
    scope = ExportScope.from_params(job.params)
    reporter = ProgressReporter(job_id, total=count_documents(job.project, scope))
    done = 0

    def one_more() -> None:
        nonlocal done
        done += 1
        reporter(done)

    exported = write_export(
        project=job.project,
        fmt=job.params["format"],
        scope=scope,
        job_id=job_id,
        progress=one_more,
        excel_safe=bool(job.params.get("excel_safe", True)),
    )
    return JobOutcome(
        result={
            **exported.result,
            "filename": exported.filename,
            "content_type": exported.content_type,
            "size": exported.path.stat().st_size,
        }
    )
