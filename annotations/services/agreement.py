"""Agreement over the database: reads submitted annotations, keeps per-document intermediates and
the project's running sums up to date, and writes ``AgreementReport`` rows.

The maths is in ``annotations.agreement`` (pure). This module only moves data between rows and
those functions:

* A submission or a change of a document's text marks the document *dirty*, and so does adding
  it (``annotations.services.agreement_inputs``: a full run counts every document); a span write
  is marked by the database itself (trigger, migration 0010).
  After the commit, one debounced refresh per project is scheduled
  (``annotations.services.background.schedule_refresh``); when that cannot be done,
  ``refresh_sweep`` schedules it later.
* A refresh locks the agreement rows of the documents it recomputes *before* it reads their
  inputs (the lock order is in ``annotations.services.locking``): a span write that lands
  meanwhile waits for the refresh to commit, then marks its document dirty again, rather than
  being overwritten as computed.
* ``refresh_incremental`` recomputes the dirty documents only and updates the running sums
  (subtract the old intermediate, add the new one), so one edited document costs one document.
* ``compute_chunk`` + ``rollup`` do a full recomputation: chunks of documents (which several
  workers may run in parallel) store their intermediates; the roll-up streams them into sums.

Whether the latest report is still current, and the fingerprints that tell, are reads:
``annotations.selectors.agreement``.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.db.models.functions import Length
from django.utils import timezone

from annotations.agreement import (
    DocumentAnnotations,
    DocumentIntermediate,
    OutdatedLayout,
    ProjectAccumulator,
    SpanRecord,
    document_intermediate,
)
from annotations.models import (
    AdjudicationState,
    AgreementReport,
    Assignment,
    AssignmentState,
    Document,
    DocumentAdjudication,
    DocumentAgreement,
    GoldSpan,
    Job,
    JobKind,
    Project,
    ProjectAgreement,
    Span,
)
from annotations.selectors.agreement import EMPTY_FINGERPRINT, report_fingerprint, xor_fingerprints
from annotations.services import background
from annotations.services.jobs import JobOutcome, job_create, job_fail, job_finish

logger = logging.getLogger(__name__)


BOOTSTRAP_RESAMPLES = 1000


BOOTSTRAP_SEED = 20041


READ_CHUNK = 500


def _chunks(ids: Iterable[int], size: int) -> Iterator[list[int]]:
    chunk: list[int] = []
    for value in ids:
        chunk.append(value)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def document_annotations(document_ids: Sequence[int]) -> list[DocumentAnnotations]:
    """The submitted annotations of these documents: three queries whatever their number."""
    lengths = dict(
        Document.objects.filter(pk__in=document_ids)
        .annotate(length=Length("text"))
        .values_list("id", "length")
    )
    submitted: dict[int, set[int]] = defaultdict(set)
    for document_id, annotator_id in Assignment.objects.filter(
        document_id__in=document_ids, state=AssignmentState.SUBMITTED
    ).values_list("document_id", "annotator_id"):
        submitted[document_id].add(annotator_id)
    spans: dict[int, list[SpanRecord]] = defaultdict(list)
    for document_id, annotator_id, label_id, start, end, status_id in (
        Span.objects.filter(document_id__in=document_ids)
        .order_by()
        .values_list("document_id", "annotator_id", "label_id", "start", "end", "status_id")
    ):
        if annotator_id in submitted[document_id]:
            spans[document_id].append(SpanRecord(annotator_id, label_id, start, end, status_id))
    return [
        DocumentAnnotations(
            document_id=document_id,
            length=length,
            annotators=tuple(sorted(submitted[document_id])),
            spans=tuple(sorted(spans[document_id], key=_span_key)),
        )
        for document_id, length in sorted(lengths.items())
    ]


def _span_key(span: SpanRecord) -> tuple[int, int, int, int, int]:
    return (span.annotator, span.start, span.end, span.label, span.status or 0)


def fingerprint(doc: DocumentAnnotations) -> str:
    """A hash of every input of one document's agreement."""
    digest = hashlib.sha256()
    digest.update(f"{doc.document_id}|{doc.length}|{doc.annotators}|".encode())
    for span in doc.spans:
        digest.update(f"{_span_key(span)}".encode())
    return digest.hexdigest()


def refresh_sweep() -> list[int]:
    """Schedule the refresh of every project whose figures lag their inputs: dirty documents, or
    running sums dropped by a deletion. Returns those projects' ids.

    Run periodically on a worker (``workbench.sweep``). It catches up refreshes that could not be
    scheduled (Redis down when the edit committed) or whose message was lost; a project with a
    refresh already scheduled is skipped by ``schedule_refresh`` itself."""
    # Per project, so that each test is a probe of the (project, dirty) index, not a table scan.
    project_ids = list(
        Project.objects.filter(
            Exists(DocumentAgreement.objects.filter(project_id=OuterRef("pk"), dirty=True))
            | Exists(
                ProjectAgreement.objects.filter(project_id=OuterRef("pk"), accumulator__isnull=True)
            )
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for project_id in project_ids:
        background.schedule_refresh(project_id)
    return project_ids


def _lock_agreement_rows(project_id: int, document_ids: Sequence[int]) -> None:
    """Lock the agreement rows of these documents, in document order, creating the missing ones
    (dirty), before their inputs are read (see the module docstring)."""
    ids = sorted(document_ids)
    DocumentAgreement.objects.bulk_create(
        [DocumentAgreement(document_id=pk, project_id=project_id, dirty=True) for pk in ids],
        ignore_conflicts=True,
        batch_size=READ_CHUNK,
    )
    list(
        DocumentAgreement.objects.select_for_update()
        .filter(document_id__in=ids)
        .order_by("document_id")
        .values_list("pk", flat=True)
    )


def _store_intermediates(project_id: int, items: list[tuple[DocumentIntermediate, str]]) -> None:
    now = timezone.now()
    DocumentAgreement.objects.bulk_create(
        [
            DocumentAgreement(
                document_id=item.document_id,
                project_id=project_id,
                dirty=False,
                fingerprint=fp,
                intermediate=item.to_json(),
                alpha=alpha.value,
                alpha_reason=alpha.reason or "",
                computed_at=now,
            )
            for item, fp, alpha in ((item, fp, item.character_alpha()) for item, fp in items)
        ],
        update_conflicts=True,
        unique_fields=["document"],
        update_fields=[
            "dirty",
            "fingerprint",
            "intermediate",
            "alpha",
            "alpha_reason",
            "computed_at",
        ],
    )


def compute_chunk(
    *, project_id: int, document_ids: Sequence[int], into: ProjectAccumulator | None = None
) -> str:
    """Compute and store the intermediates of these documents, adding them to ``into`` when
    given. Returns the XOR of their fingerprints."""
    combined = EMPTY_FINGERPRINT
    computed = []
    for part in _chunks(document_ids, READ_CHUNK):
        with transaction.atomic():  # the locks last until this part is stored
            _lock_agreement_rows(project_id, part)
            for doc in document_annotations(part):
                item, fp = document_intermediate(doc), fingerprint(doc)
                computed.append((item, fp))
                combined = xor_fingerprints(combined, fp)
                if into is not None:
                    into.add(item)
            _store_intermediates(project_id, computed)
        computed.clear()
    return combined


def refresh_full(
    *, project_id: int, job_id: str | None = None, bootstrap: bool = True
) -> AgreementReport:
    """Recompute every document in this process and report: the single-chunk path, which adds
    each intermediate to the running sums as it is computed instead of reading it back."""
    started = time.perf_counter()
    acc = ProjectAccumulator()
    with transaction.atomic():
        ProjectAgreement.objects.select_for_update().filter(project_id=project_id).first()
        combined = compute_chunk(
            project_id=project_id, document_ids=project_document_ids(project_id), into=acc
        )
        computed = time.perf_counter()
        report = _save_sums_and_report(
            project_id, job_id, acc, combined, bootstrap, {"compute_seconds": computed - started}
        )
    report.timings["total_seconds"] = time.perf_counter() - started
    report.save(update_fields=["timings"])
    return report


def project_document_ids(
    project_id: int, *, first: int | None = None, last: int | None = None
) -> list[int]:
    documents = Document.objects.filter(project_id=project_id)
    if first is not None:
        documents = documents.filter(pk__gte=first)
    if last is not None:
        documents = documents.filter(pk__lte=last)
    return list(documents.order_by("id").values_list("id", flat=True))


def split_into_chunks(document_ids: Sequence[int], chunks: int) -> list[list[int]]:
    size = max(1, -(-len(document_ids) // max(chunks, 1)))
    return [list(document_ids[i : i + size]) for i in range(0, len(document_ids), size)]


def rollup(
    *, project_id: int, job_id: str | None = None, bootstrap: bool = True
) -> AgreementReport:
    """Stream every stored intermediate of the project into fresh running sums and report."""
    started = time.perf_counter()
    acc, combined = _sum_stored_intermediates(project_id)
    summed = time.perf_counter()
    return _save_sums_and_report(
        project_id, job_id, acc, combined, bootstrap, {"rollup_seconds": summed - started}
    )


def _sum_stored_intermediates(project_id: int) -> tuple[ProjectAccumulator, str]:
    """Fresh running sums of every stored intermediate of the project, and their fingerprint."""
    acc = ProjectAccumulator()
    combined = EMPTY_FINGERPRINT
    rows = (
        DocumentAgreement.objects.filter(project_id=project_id, document__project_id=project_id)
        .order_by("document_id")
        .values_list("intermediate", "fingerprint")
    )
    for data, fp in rows.iterator(chunk_size=1000):
        if data is None:
            continue
        acc.add(DocumentIntermediate.from_json(data))
        combined = xor_fingerprints(combined, fp)
    return acc, combined


def _running_sums(state: ProjectAgreement) -> tuple[ProjectAccumulator, bool]:
    """The project's stored running sums, and whether they had to be rebuilt: sums stored by an
    earlier version lack what later ones added (the per-document unitizing alpha), so they are
    summed again from the stored intermediates, as ``rollup`` does, and stored."""
    try:
        return ProjectAccumulator.from_json(state.accumulator), False
    except OutdatedLayout:
        acc, state.fingerprint = _sum_stored_intermediates(state.project_id)
        state.accumulator = acc.to_json()
        state.updated_at = timezone.now()
        state.save()
        return acc, True


@transaction.atomic
def _save_sums_and_report(
    project_id: int,
    job_id: str | None,
    acc: ProjectAccumulator,
    combined: str,
    bootstrap: bool,
    timings: dict[str, Any],
) -> AgreementReport:
    ProjectAgreement.objects.update_or_create(
        project_id=project_id,
        defaults={
            "accumulator": acc.to_json(),
            "fingerprint": combined,
            "updated_at": timezone.now(),
        },
    )
    return _write_report(project_id, job_id, acc, combined, bootstrap, timings)


def refresh_incremental(
    *, project_id: int, job_id: str | None = None, bootstrap: bool = True
) -> AgreementReport | None:
    """Recompute the dirty documents and update the running sums. Falls back to a full
    recomputation when there are no running sums yet. Returns None when nothing changed."""
    started = time.perf_counter()
    with transaction.atomic():
        state = ProjectAgreement.objects.select_for_update().filter(project_id=project_id).first()
        if state is None or state.accumulator is None:
            return refresh_full(project_id=project_id, job_id=job_id, bootstrap=bootstrap)
        dirty = list(
            DocumentAgreement.objects.select_for_update()
            .filter(project_id=project_id, dirty=True)
            .order_by("document_id")
            .values_list("document_id", "fingerprint", "intermediate")
        )
        if not dirty:
            latest = (
                AgreementReport.objects.filter(project_id=project_id)
                .values_list("fingerprint", flat=True)
                .first()
            )
            if latest == report_fingerprint(project_id, state.fingerprint):
                return None
            # Only the gold standard changed: report again from the unchanged running sums.
            acc, _ = _running_sums(state)
            report = _write_report(
                project_id, job_id, acc, state.fingerprint, bootstrap, {"documents_recomputed": 0}
            )
            report.timings["total_seconds"] = time.perf_counter() - started
            report.save(update_fields=["timings"])
            return report
        acc, rebuilt = _running_sums(state)
        loaded = time.perf_counter()
        old = {document_id: (fp, data) for document_id, fp, data in dirty}
        combined = state.fingerprint
        computed = []
        for doc in document_annotations(list(old)):
            new_item = document_intermediate(doc)
            new_fp = fingerprint(doc)
            old_fp, old_data = old[doc.document_id]
            if old_data is not None:
                acc.remove(DocumentIntermediate.from_json(old_data))
            acc.add(new_item)
            combined = xor_fingerprints(combined, old_fp, new_fp)
            computed.append((new_item, new_fp))
        _store_intermediates(project_id, computed)
        computed_at = time.perf_counter()
        if (
            not rebuilt  # else report the figures the rebuilt sums added, whatever the edits
            and combined == state.fingerprint
            and AgreementReport.objects.filter(
                project_id=project_id, fingerprint=report_fingerprint(project_id, combined)
            ).exists()
        ):
            return None  # the edits did not touch any submitted annotation
        state.accumulator = acc.to_json()
        state.fingerprint = combined
        state.updated_at = timezone.now()
        state.save()
        timings = {
            "load_sums_seconds": loaded - started,
            "documents_recomputed": len(computed),
            "recompute_seconds": computed_at - loaded,
        }
        report = _write_report(project_id, job_id, acc, combined, bootstrap, timings)
        report.timings["total_seconds"] = time.perf_counter() - started
        report.save(update_fields=["timings"])
        return report


GOLD = 0  # the gold standard takes part as a pseudo-annotator with an id no user has


def gold_agreement(project_id: int) -> list[dict[str, Any]]:
    """Each annotator against the gold standard, over the adjudicated documents they submitted:
    character-level alpha (annotator and gold as two coders) and span F1 (exact and overlap)."""
    documents = list(
        DocumentAdjudication.objects.filter(
            project_id=project_id, state=AdjudicationState.ADJUDICATED
        )
        .order_by("document_id")
        .values_list("document_id", flat=True)
    )
    per_annotator: dict[int, ProjectAccumulator] = {}
    for part in _chunks(documents, READ_CHUNK):
        gold: dict[int, list[SpanRecord]] = defaultdict(list)
        for document_id, label_id, start, end, status_id in GoldSpan.objects.filter(
            document_id__in=part
        ).values_list("document_id", "label_id", "start", "end", "status_id"):
            gold[document_id].append(SpanRecord(GOLD, label_id, start, end, status_id))
        for doc in document_annotations(part):
            for annotator in doc.annotators:
                pair = DocumentAnnotations(
                    document_id=doc.document_id,
                    length=doc.length,
                    annotators=(GOLD, annotator),
                    spans=tuple(s for s in doc.spans if s.annotator == annotator)
                    + tuple(gold[doc.document_id]),
                )
                per_annotator.setdefault(annotator, ProjectAccumulator()).add(
                    document_intermediate(pair)
                )
    rows = []
    for annotator, acc in sorted(per_annotator.items()):
        report = acc.report(bootstrap_resamples=0, ranked_documents_limit=0)
        pooled = next(
            r for r in report["span_f1"] if r["annotators"] is not None and r["label"] is None
        )
        rows.append(
            {
                "annotator": annotator,
                "documents": report["documents"]["counted"],
                "character_alpha": {k: report["character_alpha"][k] for k in ("value", "reason")},
                "span_f1_exact": pooled["exact"],
                "span_f1_overlap": pooled["overlap"],
            }
        )
    return rows


def _write_report(
    project_id: int,
    job_id: str | None,
    acc: ProjectAccumulator,
    combined: str,
    bootstrap: bool,
    timings: dict[str, Any],
) -> AgreementReport:
    started = time.perf_counter()
    metrics = acc.report(
        bootstrap_resamples=BOOTSTRAP_RESAMPLES if bootstrap else 0, seed=BOOTSTRAP_SEED
    )
    metrics["gold"] = gold_agreement(project_id)
    timings = {**timings, "report_seconds": time.perf_counter() - started, "bootstrap": bootstrap}
    return AgreementReport.objects.create(
        project_id=project_id,
        job_id=job_id,
        fingerprint=report_fingerprint(project_id, combined),
        documents_counted=metrics["documents"]["counted"],
        metrics=metrics,
        timings=timings,
    )


# --- full runs as background jobs ------------------------------------------------------------------


def agreement_run_start(*, project: Project, user: Any) -> Job:
    """Start a full recomputation of the project's agreement as a job."""
    with transaction.atomic():
        job = job_create(project=project, kind=JobKind.AGREEMENT, created_by=user)
        background.job_enqueue(job=job, task_name=background.AGREEMENT_RUN)
    return job


def _report_outcome(report: AgreementReport) -> JobOutcome:
    return JobOutcome(
        result={"report_id": report.pk, "documents_counted": report.documents_counted}
    )


def agreement_run_plan(*, job: Job) -> JobOutcome | int:
    """A small project is computed at once (its outcome is returned); a larger one is split into
    chunks whose bounds are stored on the job: the number of chunks is returned, for the caller
    to hand each to a worker (``agreement_chunk_compute``). The chunks belong to this run of the
    job, numbered by its restarts: those of a run whose worker stopped are ignored."""
    document_ids = project_document_ids(job.project_id)
    chunks = split_into_chunks(
        document_ids, -(-len(document_ids) // settings.AGREEMENT_CHUNK_DOCUMENTS)
    )
    if len(chunks) <= 1:
        return _report_outcome(refresh_full(project_id=job.project_id, job_id=str(job.pk)))
    bounds = [[chunk[0], chunk[-1]] for chunk in chunks]
    Job.objects.filter(pk=job.pk).update(
        progress_done=0,
        progress_total=len(document_ids),
        params={**job.params, "chunks": bounds, "chunks_done": [], "run": job.restarts},
    )
    return len(chunks)


def agreement_chunk_compute(*, job_id: str, index: int, run: int = 0) -> bool:
    """Compute chunk ``index`` of run ``run`` of a running job. True when it was the last chunk
    to finish: the roll-up is due (fan-in without a result backend). A chunk delivered twice
    counts once; a chunk of an earlier run does nothing."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None or job.is_finished or job.params.get("run", 0) != run:
        return False
    first, last = job.params["chunks"][index]
    document_ids = project_document_ids(job.project_id, first=first, last=last)
    compute_chunk(project_id=job.project_id, document_ids=document_ids)
    with transaction.atomic():
        locked = Job.objects.select_for_update().get(pk=job_id)
        done = locked.params.get("chunks_done", [])
        if locked.is_finished or locked.params.get("run", 0) != run or index in done:
            return False
        done = [*done, index]
        locked.params = {**locked.params, "chunks_done": done}
        locked.progress_done = min(
            locked.progress_done + len(document_ids), locked.progress_total or 0
        )
        locked.save(update_fields=["params", "progress_done"])
    return len(done) == len(locked.params["chunks"])


def agreement_rollup_finish(*, job_id: str) -> None:
    """Roll the stored chunks up into the report and finish the job (failed with the reason if the
    roll-up fails)."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None or job.is_finished:
        return
    try:
        report = rollup(project_id=job.project_id, job_id=job_id)
    except Exception as exc:
        job_fail(job_id=job_id, error=f"Agreement roll-up failed: {exc}")
        raise
    job_finish(job_id=job_id, outcome=_report_outcome(report))
