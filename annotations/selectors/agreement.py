"""Reads about agreement: the latest report with its trend, whether it is still current, and the
fingerprints that tell.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model

from annotations.models import (
    AdjudicationState,
    AgreementReport,
    DocumentAdjudication,
    DocumentAgreement,
    GoldSpan,
    Label,
    Project,
    ProjectAgreement,
    VerificationStatus,
)

EMPTY_FINGERPRINT = "0" * 64


def xor_fingerprints(*hexes: str) -> str:
    """Project fingerprint = XOR of its documents' fingerprints: order-free and updatable."""
    value = 0
    for item in hexes:
        value ^= int(item or EMPTY_FINGERPRINT, 16)
    return f"{value:064x}"


def is_stale(project_id: int, report: AgreementReport | None) -> bool:
    """Whether an input of the report changed after it. The inputs, and what tells:

    * a document's text (its length), its spans and its submissions: its agreement row is dirty
      (span writes by trigger, migration 0010; submissions, reopenings, unassignments and text
      edits by ``services.agreement.document_inputs_changed``);
    * which documents there are: a new one gets a dirty row (``documents_added``); a deletion
      drops the running sums (``ProjectAgreement.accumulator`` is null);
    * the gold standard of the adjudicated documents: ``gold_fingerprint``, in the report's.

    Membership, roles, labels and statuses are no inputs of the figures. Which annotations count
    is decided by submissions alone (a former member's submitted work still counts, whatever
    their role now), a retired label keeps its spans, a label or status in use cannot be deleted,
    and the names a report shows are read when it is shown (``agreement_overview``)."""
    if report is None:
        return True
    if DocumentAgreement.objects.filter(project_id=project_id, dirty=True).exists():
        return True
    current = (
        ProjectAgreement.objects.filter(project_id=project_id, accumulator__isnull=False)
        .values_list("fingerprint", flat=True)
        .first()
    )
    return current is None or report_fingerprint(project_id, current) != report.fingerprint


def gold_fingerprint(project_id: int) -> str:
    """A hash of the gold standard of the adjudicated documents (what ``gold_agreement`` reads)."""
    digest = hashlib.sha256()
    adjudicated = (
        DocumentAdjudication.objects.filter(
            project_id=project_id, state=AdjudicationState.ADJUDICATED
        )
        .order_by("document_id")
        .values_list("document_id", flat=True)
    )
    digest.update(repr(list(adjudicated)).encode())
    rows = (
        GoldSpan.objects.filter(
            project_id=project_id, document__adjudication__state=AdjudicationState.ADJUDICATED
        )
        .order_by("document_id", "id")
        .values_list("document_id", "label_id", "start", "end", "status_id")
    )
    for row in rows.iterator(chunk_size=2000):
        digest.update(repr(row).encode())
    return digest.hexdigest()


def report_fingerprint(project_id: int, annotations_fingerprint: str) -> str:
    """The fingerprint of every input of a report: the annotations and the gold standard."""
    return xor_fingerprints(annotations_fingerprint, gold_fingerprint(project_id))


HISTORY_LIMIT = 100


def agreement_overview(project: Project) -> dict[str, Any]:
    """The latest report (``stale`` when inputs changed after it), names for the ids its metrics
    mention, and the trend of past reports, newest first."""
    reports = AgreementReport.objects.filter(project=project)
    latest = reports.first()
    history = reports.values(
        "id",
        "created_at",
        "documents_counted",
        "metrics__character_alpha__value",
        "metrics__character_alpha__bootstrap",
    )[:HISTORY_LIMIT]
    return {
        "report": None if latest is None else _report_body(latest),
        "stale": is_stale(project.pk, latest),
        "detail": None if latest is not None else "No agreement report yet: POST to compute one.",
        "names": _names(project.pk),
        "history": [
            {
                "id": row["id"],
                "created_at": row["created_at"],
                "documents_counted": row["documents_counted"],
                "alpha": row["metrics__character_alpha__value"],
                "bootstrap": row["metrics__character_alpha__bootstrap"],
            }
            for row in history
        ],
    }


def report_document_rows(metrics: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    """A report's per-document rows (``key``: ``documents_ranked`` or ``documents_undefined``)
    with every key they have now. Reports stored before the per-document unitizing alpha existed
    lack it: it reads as null with a null reason, "not computed yet" (the next refresh reports
    it)."""
    return [
        {
            **row,
            "unitizing_alpha": row.get("unitizing_alpha"),
            "unitizing_reason": row.get("unitizing_reason"),
        }
        for row in metrics.get(key, [])
    ]


def _report_body(report: AgreementReport) -> dict[str, Any]:
    metrics = report.metrics
    return {
        "id": report.pk,
        "created_at": report.created_at,
        "fingerprint": report.fingerprint,
        "documents_counted": report.documents_counted,
        "timings": report.timings,
        "job": str(report.job_id) if report.job_id else None,
        "metrics": {
            **metrics,
            "documents_ranked": report_document_rows(metrics, "documents_ranked"),
            "documents_undefined": report_document_rows(metrics, "documents_undefined"),
        },
    }


def _names(project_id: int) -> dict[str, dict[int, str]]:
    """Keys for the label, status and annotator ids that the metrics mention."""
    user_model = get_user_model()
    return {
        "labels": dict(Label.objects.filter(project_id=project_id).values_list("id", "key")),
        "statuses": dict(
            VerificationStatus.objects.filter(project_id=project_id).values_list("id", "key")
        ),
        "annotators": dict(
            user_model.objects.filter(memberships__project_id=project_id).values_list(
                "id", "username"
            )
        ),
    }
