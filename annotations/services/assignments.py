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
    OPEN_ASSIGNMENT_STATES,
    Assignment,
    AssignmentState,
    Document,
    Membership,
    Project,
    Role,
)
from annotations.permissions import check_project_open
from annotations.services.agreement_inputs import document_inputs_changed

# An assignment's time adds up every session's seconds in an integer column (PostgreSQL's range).
MAX_TIME_SPENT_SECONDS = 2**31 - 1


@transaction.atomic
def assignment_create(*, project: Project, document_id: int, annotator_id: int) -> Assignment:
    """Assign a document of the project to one of its members."""
    check_project_open(project)
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
    check_project_open(project)
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

    heap = _least_loaded_first(project, pool)

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
    assignment = (  # the assignment alone is locked; its project is read for the archive check
        Assignment.objects.select_for_update(of=("self",))
        .select_related("project")
        .get(pk=assignment.pk)
    )
    check_project_open(assignment.project)
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
    check_project_open(assignment.project)
    assignment.delete()
    if assignment.state == AssignmentState.SUBMITTED:
        document_inputs_changed(
            project_id=assignment.project_id, document_ids=[assignment.document_id]
        )


# Work an annotator has not finished: what "open" means wherever assignments are moved or dropped.


@dataclass(frozen=True, slots=True)
class MoveResult:
    """``moved``: open assignments given to others; ``received``: how many each of them got (user
    id → count); ``kept``: open assignments no one else could take (every other annotator already
    has the document, or it has its ``annotators_per_document`` without this one)."""

    moved: int
    received: dict[int, int]
    kept: int


def _open_work_pool(
    project: Project, from_user_id: int, to_user_ids: Sequence[int] | None
) -> list[int]:
    annotators = Membership.objects.filter(project=project, role=Role.ANNOTATOR)
    if to_user_ids is None:
        return list(
            annotators.exclude(user_id=from_user_id)
            .order_by("user_id")
            .values_list("user_id", flat=True)
        )
    wanted = set(to_user_ids)
    if not wanted:
        raise InvalidInput({"to_annotators": "Choose at least one annotator to take the work."})
    if from_user_id in wanted:
        raise InvalidInput(
            {"to_annotators": "The work cannot move to the annotator it is taken from."}
        )
    found = set(annotators.filter(user_id__in=wanted).values_list("user_id", flat=True))
    if wanted - found:
        raise InvalidInput(
            {"to_annotators": f"Not annotators of this project: {sorted(wanted - found)}."}
        )
    return sorted(found)


@transaction.atomic
def assignments_move_open(
    *, project: Project, from_user_id: int, to_user_ids: Sequence[int] | None = None
) -> MoveResult:
    """Give an annotator's open work (assigned or in progress) to other annotators, least-loaded
    first, as ``assignments_distribute`` would: never to someone who already has the document (in
    any state, skipped included), and never past the project's ``annotators_per_document``.

    ``to_user_ids``: annotators of the project to choose from (default: all but the one whose work
    moves). A moved document is a new assignment, not started; the old one is deleted (it was not
    submitted, so agreement does not change). The spans the annotator already made stay. What no
    one can take stays with the annotator (``MoveResult.kept``).
    """
    Project.objects.select_for_update().filter(pk=project.pk).first()  # as distribute does
    check_project_open(project)
    if not (
        Membership.objects.filter(project=project, user_id=from_user_id).exists()
        or Assignment.objects.filter(project=project, annotator_id=from_user_id).exists()
    ):
        raise InvalidInput({"from_annotator": "Not a member of this project."})
    pool = _open_work_pool(project, from_user_id, to_user_ids)
    # Locked, so that a submission racing the move either lands first (and the row is no longer
    # open when the lock is granted) or waits and finds the assignment gone.
    open_rows = list(
        Assignment.objects.select_for_update()
        .filter(project=project, annotator_id=from_user_id, state__in=OPEN_ASSIGNMENT_STATES)
        .order_by("id")
        .values_list("id", "document_id")
    )
    if not open_rows or not pool:
        return MoveResult(moved=0, received={}, kept=len(open_rows))

    heap = _least_loaded_first(project, pool)

    document_ids = [doc_id for _, doc_id in open_rows]
    holders: dict[int, set[int]] = defaultdict(set)
    others_active: dict[int, int] = defaultdict(int)
    for doc_id, user_id, state in Assignment.objects.filter(
        document_id__in=document_ids
    ).values_list("document_id", "annotator_id", "state"):
        holders[doc_id].add(user_id)
        if user_id != from_user_id and state != AssignmentState.SKIPPED:
            others_active[doc_id] += 1

    wanted = project.annotators_per_document
    moved_ids: list[int] = []
    new_rows: list[Assignment] = []
    received: dict[int, int] = defaultdict(int)
    for assignment_id, doc_id in open_rows:
        if others_active[doc_id] >= wanted:
            continue
        passed_over: list[tuple[int, int]] = []
        taker = None
        while heap:
            n, user_id = heapq.heappop(heap)
            if user_id in holders[doc_id]:
                passed_over.append((n, user_id))
                continue
            taker = user_id
            passed_over.append((n + 1, user_id))
            break
        for item in passed_over:
            heapq.heappush(heap, item)
        if taker is None:
            continue
        moved_ids.append(assignment_id)
        new_rows.append(Assignment(project=project, document_id=doc_id, annotator_id=taker))
        holders[doc_id].add(taker)
        received[taker] += 1
    Assignment.objects.filter(pk__in=moved_ids).delete()
    Assignment.objects.bulk_create(new_rows, batch_size=2000)
    return MoveResult(
        moved=len(new_rows), received=dict(received), kept=len(open_rows) - len(new_rows)
    )


@transaction.atomic
def assignments_drop_open(*, project: Project, user_id: int) -> int:
    """Unassign every open assignment of one user in the project (their documents go back to the
    pool that ``assignments_distribute`` fills); submitted and skipped work stays. The number
    unassigned."""
    deleted, _ = Assignment.objects.filter(
        project=project, annotator_id=user_id, state__in=OPEN_ASSIGNMENT_STATES
    ).delete()
    return deleted


@transaction.atomic
def assignment_unassign_open(*, project: Project, document_id: int, annotator_id: int) -> None:
    """Take a document the annotator has not finished away from them. Finished work is refused:
    a submission feeds agreement and adjudication, and a skip keeps the document from coming back
    to the annotator who skipped it (``assignment_delete`` is the API's unconditional delete)."""
    check_project_open(project)
    assignment = (
        Assignment.objects.select_for_update()
        .select_related("annotator")
        .filter(project=project, document_id=document_id, annotator_id=annotator_id)
        .first()
    )
    if assignment is None:
        raise InvalidInput({"document": "This annotator has no assignment for this document."})
    who = assignment.annotator.get_username()
    if assignment.state == AssignmentState.SUBMITTED:
        raise Conflict(
            f"{who} already submitted this document, so their work stays: it counts towards "
            "agreement and adjudication. Only open work can be unassigned.",
            code="already_submitted",
        )
    if assignment.state == AssignmentState.SKIPPED:
        raise Conflict(
            f"{who} skipped this document ({assignment.skip_reason}); the skip stays so that the "
            "document is not given to them again.",
            code="already_skipped",
        )
    assignment.delete()


def _least_loaded_first(project: Project, pool: list[int]) -> list[tuple[int, int]]:
    """A heap of ``(assignments not skipped, user id)`` over the annotators of ``pool``: the
    least-loaded annotator first, then the lowest id."""
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
    return heap
