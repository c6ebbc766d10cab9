"""Who annotates which document: assign by hand or evenly, and move an assignment through
start, submit, skip and reopen.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from annotations.errors import Conflict, InvalidInput
from annotations.models import (
    Assignment,
    AssignmentState,
    Document,
    Membership,
    Project,
    Role,
)
from annotations.services.agreement_inputs import document_inputs_changed

# An assignment's time adds up every session's seconds in an integer column (PostgreSQL's range).
MAX_TIME_SPENT_SECONDS = 2**31 - 1


@transaction.atomic
def assignment_create(*, project: Project, document_id: int, annotator_id: int) -> Assignment:
    """Assign a document of the project to one of its members."""
    document = Document.objects.filter(project=project, pk=document_id).first()
    if document is None:
        raise InvalidInput({"document": "Unknown document in this project."})
    membership = (
        Membership.objects.filter(project=project, user_id=annotator_id)
        .select_related("user")
        .first()
    )
    if membership is None:
        raise InvalidInput({"annotator": "Not a member of this project."})
    annotator = membership.user
    if Assignment.objects.filter(document=document, annotator=annotator).exists():
        raise Conflict(
            f"{annotator.get_username()} already has this document.", code="already_assigned"
        )
    return Assignment.objects.create(project=project, document=document, annotator=annotator)


@dataclass(frozen=True, slots=True)
class DistributionResult:
    created: int
    documents_fully_covered: int
    documents_short_of_annotators: int


@transaction.atomic
def assignments_distribute(
    *,
    project: Project,
    annotator_ids: Sequence[int] | None = None,
    document_ids: Sequence[int] | None = None,
) -> DistributionResult:
    """Give every document up to ``annotators_per_document`` annotators, least-loaded first.

    Skipped assignments do not count towards a document's overlap (someone else may take it), but
    the annotator who skipped is not given the same document again. Load is an annotator's number
    of assignments that are not skipped; ties go to the lower user id so the result is repeatable.
    """
    Project.objects.select_for_update().filter(pk=project.pk).first()  # serialise concurrent runs
    annotators = Membership.objects.filter(project=project, role=Role.ANNOTATOR)
    if annotator_ids is not None:
        annotators = annotators.filter(user_id__in=annotator_ids)
        missing = set(annotator_ids) - set(annotators.values_list("user_id", flat=True))
        if missing:
            raise InvalidInput(
                {"annotators": f"Not annotators of this project: {sorted(missing)}."}
            )
    pool = list(annotators.values_list("user_id", flat=True))
    if not pool:
        raise InvalidInput({"annotators": "The project has no annotators to assign documents to."})

    load = dict.fromkeys(pool, 0)
    for user_id, count in (
        Assignment.objects.filter(project=project, annotator_id__in=pool)
        .exclude(state=AssignmentState.SKIPPED)
        .values_list("annotator_id")
        .annotate(n=Count("id"))
    ):
        load[user_id] = count
    heap = [(n, user_id) for user_id, n in load.items()]
    heapq.heapify(heap)

    documents = Document.objects.filter(project=project)
    if document_ids is not None:
        documents = documents.filter(pk__in=document_ids)
        if documents.count() != len(set(document_ids)):
            raise InvalidInput({"documents": "Some documents do not exist in this project."})
    holders: dict[int, set[int]] = defaultdict(set)
    active: dict[int, int] = defaultdict(int)
    for doc_id, user_id, state in Assignment.objects.filter(
        project=project, document__in=documents
    ).values_list("document_id", "annotator_id", "state"):
        holders[doc_id].add(user_id)
        if state != AssignmentState.SKIPPED:
            active[doc_id] += 1

    wanted = project.annotators_per_document
    new_rows: list[Assignment] = []
    covered = short = 0
    for doc_id in documents.order_by("id").values_list("id", flat=True).iterator(chunk_size=2000):
        need = wanted - active[doc_id]
        taken: list[tuple[int, int]] = []
        while need > 0 and heap:
            n, user_id = heapq.heappop(heap)
            if user_id in holders[doc_id]:
                taken.append((n, user_id))
                continue
            new_rows.append(Assignment(project=project, document_id=doc_id, annotator_id=user_id))
            taken.append((n + 1, user_id))
            need -= 1
        for item in taken:
            heapq.heappush(heap, item)
        if need > 0:
            short += 1
        else:
            covered += 1
    Assignment.objects.bulk_create(new_rows, batch_size=2000)
    return DistributionResult(
        created=len(new_rows), documents_fully_covered=covered, documents_short_of_annotators=short
    )


_TRANSITIONS: dict[str, set[str]] = {
    "start": {AssignmentState.ASSIGNED, AssignmentState.IN_PROGRESS},
    "submit": {AssignmentState.ASSIGNED, AssignmentState.IN_PROGRESS},
    "skip": {AssignmentState.ASSIGNED, AssignmentState.IN_PROGRESS},
    "reopen": {AssignmentState.SUBMITTED, AssignmentState.SKIPPED},
}


@transaction.atomic
def assignment_transition(
    *, assignment: Assignment, action: str, time_spent_seconds: int = 0, reason: str = ""
) -> Assignment:
    """Move an assignment through assigned → in_progress → submitted/skipped (and back by reopen)."""
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if action not in _TRANSITIONS:
        raise InvalidInput(
            {"action": f"Unknown action {action!r}; use one of {sorted(_TRANSITIONS)}."}
        )
    previous_state = assignment.state
    if assignment.state not in _TRANSITIONS[action]:
        raise Conflict(
            f"Cannot {action} an assignment that is {assignment.state}.", code="invalid_transition"
        )
    if time_spent_seconds < 0:
        raise InvalidInput({"time_spent_seconds": "Must be >= 0."})
    if assignment.time_spent_seconds + time_spent_seconds > MAX_TIME_SPENT_SECONDS:
        raise InvalidInput(
            {
                "time_spent_seconds": f"The assignment's total time would pass "
                f"{MAX_TIME_SPENT_SECONDS} seconds; send the seconds of this session only."
            }
        )
    now = timezone.now()
    if action == "start":
        assignment.state = AssignmentState.IN_PROGRESS
        assignment.started_at = assignment.started_at or now
    elif action == "submit":
        assignment.state = AssignmentState.SUBMITTED
        assignment.finished_at = now
    elif action == "skip":
        if not reason.strip():
            raise InvalidInput({"reason": "Say why you skip this document."})
        assignment.state = AssignmentState.SKIPPED
        assignment.skip_reason = reason.strip()
        assignment.finished_at = now
    else:
        assignment.state = AssignmentState.IN_PROGRESS
        assignment.finished_at = None
    assignment.time_spent_seconds += time_spent_seconds
    assignment.save()
    if action == "submit" or previous_state == AssignmentState.SUBMITTED:
        document_inputs_changed(
            project_id=assignment.project_id, document_ids=[assignment.document_id]
        )
    return assignment


@transaction.atomic
def assignment_delete(*, assignment: Assignment) -> None:
    """Unassign. A submitted assignment took part in agreement: its document is recomputed."""
    assignment.delete()
    if assignment.state == AssignmentState.SUBMITTED:
        document_inputs_changed(
            project_id=assignment.project_id, document_ids=[assignment.document_id]
        )
