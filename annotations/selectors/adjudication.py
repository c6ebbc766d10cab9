"""Reads for adjudication: the annotators who submitted a document, its clusters, whether it is
adjudicated, the gold spans, and one annotator's comparison with the gold standard.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, QuerySet

from annotations.clusters import Cluster, ClusterSpan, cluster_spans
from annotations.models import (
    AdjudicationState,
    AgreementReport,
    Assignment,
    AssignmentState,
    Document,
    DocumentAdjudication,
    GoldSpan,
    Project,
    Span,
    VerdictChange,
)
from annotations.selectors.agreement import report_document_rows
from annotations.selectors.span_output import span_representations, span_rows


def submitted_annotators(document: Document) -> list[int]:
    return sorted(
        Assignment.objects.filter(document=document, state=AssignmentState.SUBMITTED).values_list(
            "annotator_id", flat=True
        )
    )


def document_clusters(document: Document) -> list[Cluster]:
    annotators = submitted_annotators(document)
    spans = Span.objects.filter(document=document, annotator_id__in=annotators).values_list(
        "id", "annotator_id", "label_id", "start", "end", "status_id"
    )
    return cluster_spans((ClusterSpan(*row) for row in spans), len(annotators))


def is_adjudicated(document: Document) -> bool:
    return DocumentAdjudication.objects.filter(
        document=document, state=AdjudicationState.ADJUDICATED
    ).exists()


def gold_comparison(*, document: Document, annotator_id: int) -> list[dict[str, Any]]:
    """Where one annotator's spans differ from the gold standard: each gold span with the
    annotator's best overlapping span, and each of the annotator's spans that no gold span covers.

    ``match``: ``exact`` (same label and boundaries), ``boundaries`` (same label, other
    boundaries), ``label`` (overlapping, other label), ``missed`` (no overlapping span),
    ``extra`` (the annotator's span overlaps no gold span)."""
    gold = list(GoldSpan.objects.filter(document=document).select_related("label", "status"))
    mine = list(
        Span.objects.filter(document=document, annotator_id=annotator_id).select_related("label")
    )
    rows: list[dict[str, Any]] = []
    used: set[int] = set()
    for g in gold:
        overlapping = [s for s in mine if s.start < g.end and g.start < s.end]
        best = min(
            overlapping,
            key=lambda s: (
                s.label_id != g.label_id,
                (s.start, s.end) != (g.start, g.end),
                abs(s.start - g.start) + abs(s.end - g.end),
            ),
            default=None,
        )
        if best is None:
            match = "missed"
        else:
            used.add(best.pk)
            if best.label_id != g.label_id:
                match = "label"
            elif (best.start, best.end) != (g.start, g.end):
                match = "boundaries"
            else:
                match = "exact"
        rows.append(
            {"match": match, "gold": _brief(g), "yours": None if best is None else _brief(best)}
        )
    for s in mine:
        if s.pk not in used and not any(s.start < g.end and g.start < s.end for g in gold):
            rows.append({"match": "extra", "gold": None, "yours": _brief(s)})
    return rows


def _brief(span: Span | GoldSpan) -> dict[str, Any]:
    body = {
        "id": span.pk,
        "label": span.label.key,
        "label_name": span.label.name,
        "start": span.start,
        "end": span.end,
        "quote": span.quote,
    }
    if isinstance(span, GoldSpan):
        body["status"] = span.status.key
        body["status_name"] = span.status.name
    return body


def gold_queryset(project_id: int) -> QuerySet[GoldSpan]:
    """A project's gold spans with everything their API form shows."""
    return (
        GoldSpan.objects.filter(project_id=project_id)
        .select_related("label", "status")
        .prefetch_related(
            "evidence",
            "source_spans",
            Prefetch(
                "verdict_history",
                queryset=VerdictChange.objects.select_related(
                    "changed_by", "from_status", "to_status"
                ),
            ),
        )
    )


def _ranked_rows(project: Project) -> list[dict[str, Any]]:
    report = AgreementReport.objects.filter(project=project).only("metrics").first()
    if report is None:
        return []
    return report_document_rows(report.metrics, "documents_ranked") + report_document_rows(
        report.metrics, "documents_undefined"
    )


def adjudication_queue_rows(project: Project, document_ids: list[int]) -> list[dict[str, Any]]:
    """One row of the queue per document: title, its own alpha and unitizing alpha (each null
    with the reason it is undefined, or null with a null reason when not computed yet), state."""
    alpha = {row["document_id"]: row for row in _ranked_rows(project)}
    states = dict(
        DocumentAdjudication.objects.filter(project=project).values_list("document_id", "state")
    )
    titles = dict(Document.objects.filter(pk__in=document_ids).values_list("id", "title"))
    return [
        {
            "document": d,
            "title": titles.get(d, ""),
            "alpha": alpha.get(d, {}).get("alpha"),
            "alpha_reason": alpha.get(d, {}).get("reason"),
            "unitizing_alpha": alpha.get(d, {}).get("unitizing_alpha"),
            "unitizing_alpha_reason": alpha.get(d, {}).get("unitizing_reason"),
            "state": states.get(d, AdjudicationState.OPEN),
        }
        for d in document_ids
    ]


def adjudication_document(document: Document) -> dict[str, Any]:
    """Every submitted annotator's spans on ``document``, grouped into clusters, with the state
    of its adjudication. (The gold spans are added by the caller, in their API form.)"""
    annotators = submitted_annotators(document)
    spans = Span.objects.filter(document=document, annotator_id__in=annotators)
    state = (
        DocumentAdjudication.objects.filter(document=document)
        .values_list("state", flat=True)
        .first()
    )
    names = dict(get_user_model().objects.filter(pk__in=annotators).values_list("id", "username"))
    return {
        "document": {"id": document.pk, "title": document.title, "text": document.text},
        "state": state or AdjudicationState.OPEN,
        "annotators": [{"id": a, "username": names.get(a, "")} for a in annotators],
        "spans": span_representations(span_rows(spans)),
        "clusters": [
            {
                "label": c.label,
                "start": c.start,
                "end": c.end,
                "kind": c.kind,
                "proposal": {"start": c.proposal[0], "end": c.proposal[1]},
                "spans": list(c.span_ids),
                "annotators": list(c.annotators),
            }
            for c in document_clusters(document)
        ],
    }
