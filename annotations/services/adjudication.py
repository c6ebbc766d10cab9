"""Adjudication: turning several annotators' spans into one gold standard with verdicts.

Validation (``check_*``) is separate from the changes (``gold_*``/``verdict_set``); every change
runs in one transaction. Rules:

* gold spans obey the same offset rules as annotator spans (code points, quote checked);
* a gold span moves to a *final* status (``is_final``: true, false, misleading, unverifiable)
  only with at least one evidence item (a URL or a document of the project, with a stance) and a
  written rationale;
* every verdict change, including the first, is kept in ``VerdictChange`` (who, when, from, to,
  why).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from annotations.errors import Conflict, InvalidInput
from annotations.models import (
    AdjudicationState,
    Document,
    DocumentAdjudication,
    EvidenceStance,
    GoldEvidence,
    GoldSpan,
    Label,
    Span,
    VerdictChange,
    VerificationStatus,
)
from annotations.permissions import check_project_open
from annotations.selectors.adjudication import document_clusters, submitted_annotators
from annotations.services import background
from annotations.services.projects import initial_status
from annotations.services.spans import check_label, check_span_offsets, check_status, check_version


@dataclass(frozen=True, slots=True)
class GoldEvidenceInput:
    stance: str
    url: str = ""
    document_ref: int | None = None
    note: str = ""


def check_gold_evidence(
    document: Document, items: Iterable[GoldEvidenceInput]
) -> list[GoldEvidenceInput]:
    items = list(items)
    for i, item in enumerate(items):
        if item.stance not in EvidenceStance.values:
            raise InvalidInput(
                {"evidence": f"Item {i}: stance must be one of {EvidenceStance.values}."}
            )
        if not item.url and item.document_ref is None:
            raise InvalidInput({"evidence": f"Item {i}: give a URL or a document reference."})
        if (
            item.document_ref is not None
            and not Document.objects.filter(
                pk=item.document_ref, project_id=document.project_id
            ).exists()
        ):
            raise InvalidInput(
                {"evidence": f"Item {i}: document {item.document_ref} is not in this project."}
            )
    return items


def check_verdict(status: VerificationStatus, rationale: str, evidence_count: int) -> None:
    if not status.is_final:
        return
    errors: dict[str, list[str] | str] = {}
    if evidence_count < 1:
        errors["evidence"] = f"A final verdict ('{status.key}') needs at least one evidence item."
    if not rationale.strip():
        errors["rationale"] = f"A final verdict ('{status.key}') needs a written rationale."
    if errors:
        raise InvalidInput(errors)


def _gold_changed(project_id: int) -> None:
    """Agreement with the gold standard is part of the report: refresh it after the commit."""
    background.refresh_after_commit(project_id)


def _create_gold(
    *,
    actor: AbstractBaseUser,
    document: Document,
    label: Label,
    start: int,
    end: int,
    source_span_ids: Sequence[int],
) -> GoldSpan:
    project = document.project
    check_project_open(project)
    check_label(label, project, is_new_use=True)
    quote = check_span_offsets(document, start, end, None)
    status = initial_status(project)
    # The unique constraint gold_unique_per_document is the duplicate check (race-free, as for
    # annotator spans); the savepoint keeps the transaction usable after it fires.
    try:
        with transaction.atomic():
            gold = GoldSpan.objects.create(
                project=project,
                document=document,
                label=label,
                start=start,
                end=end,
                quote=quote,
                status=status,
                created_by=actor,
            )
    except IntegrityError:
        raise Conflict(
            "The gold standard already has this span.", code="duplicate_gold_span"
        ) from None
    if source_span_ids:
        gold.source_spans.set(source_span_ids)
    _gold_changed(project.pk)
    VerdictChange.objects.create(
        gold_span=gold, changed_by=actor, from_status=None, to_status=status, rationale="Created"
    )
    return gold


@transaction.atomic
def gold_accept(
    *,
    actor: AbstractBaseUser,
    document: Document,
    span_ids: Sequence[int],
    start: int | None = None,
    end: int | None = None,
    label: Label | None = None,
) -> GoldSpan:
    """Accept annotators' spans (a cluster, or one annotator's version) as one gold span.

    Boundaries and label default to the most common version among ``span_ids``; the reviewer may
    override them (editing while accepting)."""
    if not span_ids:
        raise InvalidInput({"spans": "Name the span(s) to accept."})
    spans = list(Span.objects.filter(pk__in=span_ids, document=document).select_related("label"))
    if len(spans) != len(set(span_ids)):
        raise InvalidInput({"spans": "Some spans do not belong to this document."})
    submitted = set(submitted_annotators(document))
    if any(s.annotator_id not in submitted for s in spans):
        raise InvalidInput(
            {"spans": "Only spans of annotators who submitted the document can be accepted."}
        )
    versions = sorted(
        {(s.start, s.end, s.label_id) for s in spans},
        key=lambda v: (-sum(1 for s in spans if (s.start, s.end, s.label_id) == v), v),
    )
    default_start, default_end, default_label = versions[0]
    chosen_label = label or next(s.label for s in spans if s.label_id == default_label)
    return _create_gold(
        actor=actor,
        document=document,
        label=chosen_label,
        start=default_start if start is None else start,
        end=default_end if end is None else end,
        source_span_ids=[s.pk for s in spans],
    )


@transaction.atomic
def gold_accept_unanimous(*, actor: AbstractBaseUser, document: Document) -> list[GoldSpan]:
    """Accept every unanimous cluster not yet in the gold standard."""
    existing = set(
        GoldSpan.objects.filter(document=document).values_list("label_id", "start", "end")
    )
    created = []
    for cluster in document_clusters(document):
        if cluster.kind != "unanimous" or (cluster.label, *cluster.proposal) in existing:
            continue
        created.append(gold_accept(actor=actor, document=document, span_ids=cluster.span_ids))
    return created


@transaction.atomic
def gold_create(
    *, actor: AbstractBaseUser, document: Document, label: Label, start: int, end: int
) -> GoldSpan:
    """A gold span none of the annotators made."""
    return _create_gold(
        actor=actor, document=document, label=label, start=start, end=end, source_span_ids=()
    )


@transaction.atomic
def gold_update(
    *,
    gold: GoldSpan,
    expected_version: int | None,
    if_match: int | None,
    label: Label | None = None,
    start: int | None = None,
    end: int | None = None,
) -> GoldSpan:
    gold = (  # the gold span alone is locked (lock order: annotations.services.locking)
        GoldSpan.objects.select_for_update(of=("self",))
        .select_related("document", "project")
        .get(pk=gold.pk)
    )
    check_project_open(gold.project)
    check_version(gold, expected_version=expected_version, if_match=if_match)  # type: ignore[arg-type]
    if label is not None:
        check_label(label, gold.project, is_new_use=label.pk != gold.label_id)
        gold.label = label
    new_start = gold.start if start is None else start
    new_end = gold.end if end is None else end
    gold.quote = check_span_offsets(gold.document, new_start, new_end, None)
    gold.start, gold.end = new_start, new_end
    if (
        GoldSpan.objects.filter(
            document_id=gold.document_id, label_id=gold.label_id, start=gold.start, end=gold.end
        )
        .exclude(pk=gold.pk)
        .exists()
    ):
        raise Conflict("The gold standard already has this span.", code="duplicate_gold_span")
    gold.version += 1
    gold.save()
    _gold_changed(gold.project_id)
    return gold


@transaction.atomic
def gold_reject(*, gold: GoldSpan) -> None:
    check_project_open(gold.project)
    GoldSpan.objects.filter(pk=gold.pk).delete()
    _gold_changed(gold.project_id)


@transaction.atomic
def verdict_set(
    *,
    actor: AbstractBaseUser,
    gold: GoldSpan,
    status: VerificationStatus,
    rationale: str,
    evidence: Iterable[GoldEvidenceInput] | None = None,
) -> GoldSpan:
    """Set the gold span's verdict; a final verdict needs evidence and a rationale. ``evidence``
    replaces the span's evidence when given; otherwise the stored evidence counts."""
    gold = (  # the gold span alone is locked (lock order: annotations.services.locking)
        GoldSpan.objects.select_for_update(no_key=True, of=("self",))
        .select_related("document", "project")
        .get(pk=gold.pk)
    )
    check_project_open(gold.project)
    check_status(status, gold.project, is_new_use=status.pk != gold.status_id)
    items = None if evidence is None else check_gold_evidence(gold.document, evidence)
    evidence_count = len(items) if items is not None else gold.evidence.count()
    check_verdict(status, rationale, evidence_count)
    if items is not None:
        GoldEvidence.objects.filter(gold_span=gold).delete()
        GoldEvidence.objects.bulk_create(
            GoldEvidence(
                gold_span=gold,
                url=i.url,
                document_ref_id=i.document_ref,
                note=i.note,
                stance=i.stance,
                order=n,
            )
            for n, i in enumerate(items)
        )
    if status.pk != gold.status_id or rationale.strip() != gold.rationale:
        VerdictChange.objects.create(
            gold_span=gold,
            changed_by=actor,
            from_status_id=gold.status_id,
            to_status=status,
            rationale=rationale.strip(),
        )
    gold.status = status
    gold.rationale = rationale.strip()
    gold.version += 1
    gold.save()
    _gold_changed(gold.project_id)
    return gold


@transaction.atomic
def adjudication_set_state(
    *, actor: AbstractBaseUser, document: Document, state: str
) -> DocumentAdjudication:
    check_project_open(document.project)
    if state not in AdjudicationState.values:
        raise InvalidInput({"state": f"Use one of {AdjudicationState.values}."})
    if state == AdjudicationState.ADJUDICATED and not submitted_annotators(document):
        raise Conflict("Nobody has submitted this document yet.", code="nothing_to_adjudicate")
    row, _ = DocumentAdjudication.objects.select_for_update().get_or_create(
        document=document, defaults={"project_id": document.project_id}
    )
    row.state = state
    row.adjudicated_by = actor if state == AdjudicationState.ADJUDICATED else None
    row.adjudicated_at = timezone.now() if state == AdjudicationState.ADJUDICATED else None
    row.save()
    _gold_changed(document.project_id)
    return row
