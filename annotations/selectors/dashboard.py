"""The reviewer dashboard: progress from aggregate queries and agreement from the stored report.

A fixed number of queries whatever the project's size: nothing here loops over documents with a
query each, and the agreement figures are read from the latest ``AgreementReport`` rather than
computed.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count

from annotations.models import (
    AdjudicationState,
    AgreementReport,
    Assignment,
    AssignmentState,
    DocumentAdjudication,
    Label,
    Membership,
    Project,
    Role,
    Span,
    VerificationStatus,
)
from annotations.selectors.agreement import is_stale, report_document_rows
from annotations.selectors.jobs import worker_status

TREND_LIMIT = 50
QUEUE_LIMIT = 20


_DOCUMENT_STATES_SQL = """
SELECT count(*),
       count(*) FILTER (WHERE a.assigned IS NULL),
       count(*) FILTER (WHERE a.assigned > 0 AND a.submitted = 0),
       count(*) FILTER (WHERE a.submitted > 0 AND a.submitted < %(wanted)s),
       count(*) FILTER (WHERE a.submitted >= %(wanted)s)
FROM annotations_document d
LEFT JOIN (
    SELECT document_id, count(*) AS assigned, count(*) FILTER (WHERE state = 'submitted') AS submitted
    FROM annotations_assignment WHERE project_id = %(project)s GROUP BY document_id
) a ON a.document_id = d.id
WHERE d.project_id = %(project)s
"""


def document_progress(project: Project) -> dict[str, int]:
    """Documents by state: unassigned; assigned (nobody submitted yet); partly submitted;
    complete (``annotators_per_document`` submissions); adjudicated. One pass over the
    assignments grouped by document (raw SQL: the ORM would correlate a subquery per document)."""
    with connection.cursor() as cursor:
        cursor.execute(
            _DOCUMENT_STATES_SQL, {"project": project.pk, "wanted": project.annotators_per_document}
        )
        total, unassigned, not_started, partly, complete = cursor.fetchone()
    adjudicated = DocumentAdjudication.objects.filter(
        project=project, state=AdjudicationState.ADJUDICATED
    ).count()
    return {
        "total": total,
        "unassigned": unassigned,
        "not_started": not_started,
        "partly_submitted": partly,
        "complete": complete,
        "adjudicated": adjudicated,
    }


def annotator_progress(project: Project) -> list[dict[str, Any]]:
    """Per annotator: assignments by state, median seconds per submitted document, spans per
    submitted document, and how their spans spread over the labels."""
    members = dict(
        Membership.objects.filter(project=project, role=Role.ANNOTATOR).values_list(
            "user_id", "user__username"
        )
    )
    by_state = defaultdict(lambda: dict.fromkeys(AssignmentState.values, 0))
    for annotator_id, state, n in (
        Assignment.objects.filter(project=project)
        .values_list("annotator_id", "state")
        .annotate(n=Count("id"))
        .order_by()
    ):
        by_state[annotator_id][state] = n
    times: dict[int, list[int]] = defaultdict(list)
    for annotator_id, seconds in Assignment.objects.filter(
        project=project, state=AssignmentState.SUBMITTED
    ).values_list("annotator_id", "time_spent_seconds"):
        times[annotator_id].append(seconds)
    labels: dict[int, dict[int, int]] = defaultdict(dict)
    for annotator_id, label_id, n in (
        Span.objects.filter(project=project)
        .values_list("annotator_id", "label_id")
        .annotate(n=Count("*"))  # COUNT(*), not COUNT(id): answered from the covering index
        .order_by()
    ):
        labels[annotator_id][label_id] = n
    rows = []
    for user_id in sorted(set(members) | set(by_state)):
        states = by_state[user_id]
        submitted = states[AssignmentState.SUBMITTED]
        spans = sum(labels[user_id].values())
        rows.append(
            {
                "annotator": user_id,
                "username": members.get(user_id),
                "assignments": sum(states.values()),
                **states,  # counts per state: assigned, in_progress, submitted, skipped
                "median_seconds_per_document": statistics.median(times[user_id])
                if times[user_id]
                else None,
                "spans": spans,
                "spans_per_document": spans / submitted if submitted else None,
                "labels": {str(k): v for k, v in sorted(labels[user_id].items())},
            }
        )
    return rows


def _agreement_section(report: AgreementReport | None) -> dict[str, Any] | None:
    if report is None:
        return None
    m = report.metrics
    pairs = [
        row
        for row in m.get("span_f1", [])
        if row["annotators"] is not None and row["label"] is None
    ]
    return {
        "report_id": report.pk,
        "created_at": report.created_at,
        "documents_counted": report.documents_counted,
        "alpha": {k: m["character_alpha"][k] for k in ("value", "reason")},
        "bootstrap": m["character_alpha"]["bootstrap"],
        "per_label_alpha": m["character_alpha"]["per_label"],
        "leave_one_annotator_out": m["character_alpha"]["leave_one_annotator_out"],
        "unitizing_alpha": m["unitizing_alpha"],
        "pairs": [
            {
                "annotators": row["annotators"],
                "span_f1_exact": row["exact"]["f1"],
                "span_f1_overlap": row["overlap"]["f1"],
            }
            for row in pairs
        ],
        "cohen_kappa": [
            {"annotators": row["annotators"], "value": row["value"], "reason": row["reason"]}
            for row in m["cohen_kappa"]
        ],
        "fleiss_kappa": {k: m["fleiss_kappa"][k] for k in ("value", "reason")},
        "status_agreement": m["status_alpha"],
        "gold": m.get("gold", []),
        "queue": report_document_rows(m, "documents_ranked")[:QUEUE_LIMIT],
    }


def project_dashboard(project: Project) -> dict[str, Any]:
    latest = AgreementReport.objects.filter(project=project).first()
    trend = list(
        AgreementReport.objects.filter(project=project)
        .order_by("-created_at")
        .values("id", "created_at", "documents_counted", "metrics__character_alpha__value")[
            :TREND_LIMIT
        ]
    )
    user_model = get_user_model()
    return {
        "project": {
            "id": project.pk,
            "name": project.name,
            "annotators_per_document": project.annotators_per_document,
        },
        "workers": worker_status(),
        "documents": document_progress(project),
        "annotators": annotator_progress(project),
        "agreement": _agreement_section(latest),
        "agreement_stale": is_stale(project.pk, latest),
        "trend": [
            {
                "report_id": row["id"],
                "created_at": row["created_at"],
                "documents_counted": row["documents_counted"],
                "alpha": row["metrics__character_alpha__value"],
            }
            for row in reversed(trend)
        ],
        "names": {
            "labels": {
                str(k): v for k, v in Label.objects.filter(project=project).values_list("id", "key")
            },
            "statuses": {
                str(k): v
                for k, v in VerificationStatus.objects.filter(project=project).values_list(
                    "id", "key"
                )
            },
            "annotators": {
                str(k): v
                for k, v in user_model.objects.filter(memberships__project=project).values_list(
                    "id", "username"
                )
            },
        },
    }
