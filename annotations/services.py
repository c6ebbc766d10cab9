"""Writes: every change to the domain goes through a function here.

Each function is keyword-only, atomic, and raises ``InvalidInput`` (400), ``Conflict`` (409) or
``PreconditionFailed`` (412) instead of letting bad data reach the database. The database
constraints stay as the last line of defence for races.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.utils import timezone

from annotations.agreement_runs import document_inputs_changed, spans_changed
from annotations.errors import Conflict, InvalidInput, PreconditionFailed
from annotations.models import (
    Assignment,
    AssignmentState,
    Document,
    Evidence,
    EvidenceStance,
    GoldSpan,
    Label,
    Membership,
    Project,
    Role,
    Span,
    VerificationStatus,
)
from annotations.spans import check_offsets

DEFAULT_LABELS: tuple[tuple[str, str, str, str], ...] = (
    ("claim", "Claim", "#1f77b4", "1"),
    ("denial", "Denial", "#d62728", "2"),
    ("verifiable_fact", "Verifiable fact", "#2ca02c", "3"),
)
# key, name, colour, is_initial, is_final
DEFAULT_STATUSES: tuple[tuple[str, str, str, bool, bool], ...] = (
    ("unverified", "Unverified", "#9e9e9e", True, False),
    ("true", "True", "#2e7d32", False, True),
    ("false", "False", "#c62828", False, True),
    ("misleading", "Misleading", "#ef6c00", False, True),
    ("unverifiable", "Unverifiable", "#6a1b9a", False, True),
)


# --- projects and members ------------------------------------------------------------------------


@transaction.atomic
def project_create(
    *,
    creator: AbstractBaseUser,
    name: str,
    description: str = "",
    guidelines: str = "",
    annotators_per_document: int = 3,
    blind: bool = True,
) -> Project:
    """A project with its creator as manager and the default labels and statuses."""
    project = Project.objects.create(
        name=name,
        description=description,
        guidelines=guidelines,
        annotators_per_document=annotators_per_document,
        blind=blind,
        created_by=creator,
    )
    Membership.objects.create(project=project, user=creator, role=Role.MANAGER)
    Label.objects.bulk_create(
        Label(project=project, key=key, name=name_, color=color, shortcut=shortcut, order=i)
        for i, (key, name_, color, shortcut) in enumerate(DEFAULT_LABELS)
    )
    VerificationStatus.objects.bulk_create(
        VerificationStatus(
            project=project,
            key=key,
            name=name_,
            color=color,
            is_initial=initial,
            is_final=final,
            order=i,
        )
        for i, (key, name_, color, initial, final) in enumerate(DEFAULT_STATUSES)
    )
    return project


@transaction.atomic
def project_delete(*, project: Project) -> None:
    """Delete a project and everything in it. Spans and gold spans go first: their labels and
    statuses are PROTECTed foreign keys, which Django's cascade would otherwise refuse to delete."""
    GoldSpan.objects.filter(project=project).delete()  # with their evidence and verdict history
    Span.objects.filter(project=project).delete()
    project.delete()


@transaction.atomic
def membership_add(*, project: Project, user: AbstractBaseUser, role: str) -> Membership:
    if Membership.objects.filter(project=project, user=user).exists():
        raise Conflict(
            f"{user.get_username()} is already a member of this project; change their role instead.",
            code="already_member",
        )
    return Membership.objects.create(project=project, user=user, role=role)


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str) -> Membership:
    _lock_project(membership.project_id)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Role.MANAGER and role != Role.MANAGER:
        _check_not_last_manager(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    _lock_project(membership.project_id)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Role.MANAGER:
        _check_not_last_manager(membership)
    membership.delete()


def _lock_project(project_id: int) -> None:
    """Serialise membership changes of one project. Locking only the memberships involved lets two
    managers who step down at once each hold their own row and wait for the other's: deadlock."""
    Project.objects.select_for_update().filter(pk=project_id).first()


def _check_not_last_manager(membership: Membership) -> None:
    managers = Membership.objects.select_for_update().filter(
        project_id=membership.project_id, role=Role.MANAGER
    )
    if not managers.exclude(pk=membership.pk).exists():
        raise Conflict(
            "A project needs at least one manager; add another manager first.", code="last_manager"
        )


# --- labels and statuses -------------------------------------------------------------------------


@transaction.atomic
def label_delete(*, label: Label) -> None:
    if Span.objects.filter(label=label).exists():
        raise Conflict(
            f"Label '{label.key}' is used by spans; retire it instead (PATCH retired=true) so the "
            "spans keep their label.",
            code="label_in_use",
        )
    label.delete()


@transaction.atomic
def status_save_initial(*, status: VerificationStatus) -> VerificationStatus:
    """Make ``status`` the project's initial status (there is exactly one)."""
    if status.retired:
        raise InvalidInput({"is_initial": "A retired status cannot be the initial status."})
    VerificationStatus.objects.filter(project_id=status.project_id, is_initial=True).exclude(
        pk=status.pk
    ).update(is_initial=False)
    status.is_initial = True
    status.save()
    return status


@transaction.atomic
def status_delete(*, status: VerificationStatus) -> None:
    if status.is_initial:
        raise Conflict(
            "The initial status cannot be deleted; make another status initial first.",
            code="status_initial",
        )
    if Span.objects.filter(status=status).exists():
        raise Conflict(
            f"Status '{status.key}' is used by spans; retire it instead (PATCH retired=true).",
            code="status_in_use",
        )
    status.delete()


def initial_status(project: Project) -> VerificationStatus:
    status = VerificationStatus.objects.filter(project=project, is_initial=True).first()
    if status is None:
        raise Conflict(
            "The project has no initial verification status; a manager must set one.",
            code="no_initial_status",
        )
    return status


# --- documents -----------------------------------------------------------------------------------


@transaction.atomic
def document_update(*, document: Document, changes: dict[str, Any]) -> Document:
    document = Document.objects.select_for_update().get(pk=document.pk)
    if (
        "text" in changes
        and changes["text"] != document.text
        and Span.objects.filter(document=document).exists()
    ):
        raise Conflict(
            "The text of a document cannot change once spans point into it: their offsets would "
            "no longer match.",
            code="text_immutable",
        )
    for field, value in changes.items():
        setattr(document, field, value)
    document.save()
    return document


# --- assignments ---------------------------------------------------------------------------------


@transaction.atomic
def assignment_create(
    *, project: Project, document: Document, annotator: AbstractBaseUser
) -> Assignment:
    if not Membership.objects.filter(project=project, user=annotator).exists():
        raise InvalidInput(
            {"annotator": f"{annotator.get_username()} is not a member of this project."}
        )
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


# --- spans ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EvidenceInput:
    stance: str
    url: str = ""
    note: str = ""


def check_label(label: Label, project: Project, *, is_new_use: bool) -> None:
    if label.project_id != project.pk:
        raise InvalidInput({"label": "The label belongs to another project."})
    if label.retired and is_new_use:
        raise InvalidInput(
            {"label": f"Label '{label.key}' is retired and cannot be used for new spans."}
        )


def check_status(status: VerificationStatus, project: Project, *, is_new_use: bool) -> None:
    if status.project_id != project.pk:
        raise InvalidInput({"status": "The status belongs to another project."})
    if status.retired and is_new_use:
        raise InvalidInput({"status": f"Status '{status.key}' is retired."})


def check_evidence(items: Iterable[EvidenceInput]) -> list[EvidenceInput]:
    items = list(items)
    for i, item in enumerate(items):
        if item.stance not in EvidenceStance.values:
            raise InvalidInput(
                {"evidence": f"Item {i}: stance must be one of {EvidenceStance.values}."}
            )
        if not item.url and not item.note:
            raise InvalidInput({"evidence": f"Item {i}: give a URL or a note."})
    return items


def check_span_offsets(document: Document, start: int, end: int, quote: str | None) -> str:
    errors = check_offsets(document.text, start, end, quote)
    if errors:
        merged: dict[str, list[str]] = defaultdict(list)
        for error in errors:
            merged[error.field].append(error.message)
        raise InvalidInput(dict(merged))
    return document.text[start:end]


def _raise_duplicate(exc: IntegrityError) -> None:
    """A duplicate span answers with its own message; any other constraint (a label deleted
    meanwhile, say) goes on as the IntegrityError it is (409 with the constraint's name)."""
    constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
    if constraint == "span_unique_per_annotator" or (
        constraint is None and "UNIQUE constraint failed: annotations_span." in str(exc)
    ):
        raise Conflict(
            "You already have a span with this label at these offsets.", code="duplicate_span"
        ) from exc
    raise exc


def span_create(
    *,
    annotator: AbstractBaseUser,
    document: Document,
    label: Label,
    start: int,
    end: int,
    quote: str | None = None,
    status: VerificationStatus | None = None,
    note: str = "",
    evidence: Iterable[EvidenceInput] = (),
) -> Span:
    project = document.project
    check_label(label, project, is_new_use=True)
    if status is None:
        status = initial_status(project)
    check_status(status, project, is_new_use=True)
    checked_quote = check_span_offsets(document, start, end, quote)
    evidence_items = check_evidence(evidence)
    # The insert marks the document's agreement dirty by itself (database trigger, migration
    # 0010), so a span without evidence is one statement and needs no transaction of its own: the
    # commonest write of the app saves BEGIN and COMMIT. With evidence, or inside a caller's
    # transaction (where a duplicate must not break it), it runs in an atomic block. No "exists?"
    # query first: the unique constraint span_unique_per_annotator is the duplicate check.
    needs_block = bool(evidence_items) or connection.in_atomic_block
    with transaction.atomic() if needs_block else nullcontext():
        try:
            span = Span.objects.create(
                project=project,
                document=document,
                annotator=annotator,
                label=label,
                start=start,
                end=end,
                quote=checked_quote,
                status=status,
                note=note,
            )
        except IntegrityError as exc:
            _raise_duplicate(exc)
        if evidence_items:  # a new span has no evidence to replace
            _replace_evidence(span, evidence_items)
    spans_changed(project_id=project.pk)
    return span


def _replace_evidence(span: Span, items: list[EvidenceInput]) -> None:
    Evidence.objects.filter(span=span).delete()
    Evidence.objects.bulk_create(
        Evidence(span=span, url=item.url, note=item.note, stance=item.stance, order=i)
        for i, item in enumerate(items)
    )


def check_version(span: Span, *, expected_version: int | None, if_match: int | None) -> None:
    if if_match is not None and if_match != span.version:
        raise PreconditionFailed(
            {
                "version": [
                    f"If-Match names version {if_match}, but the span is at version {span.version}. "
                    "Reload it and apply your change again."
                ],
                "current_version": [str(span.version)],
            }
        )
    if expected_version is not None and expected_version != span.version:
        raise Conflict(
            {
                "version": [
                    f"You edited version {expected_version}, but the span is at version {span.version}. "
                    "Reload it and apply your change again."
                ],
                "current_version": [str(span.version)],
            },
            code="stale_version",
        )
    if if_match is None and expected_version is None:
        raise InvalidInput(
            {
                "version": "Send the span's current version in the 'version' field or an If-Match header."
            }
        )


_UNSET: Any = object()


@transaction.atomic
def span_update(
    *,
    span: Span,
    expected_version: int | None = None,
    if_match: int | None = None,
    label: Label = _UNSET,
    start: int = _UNSET,
    end: int = _UNSET,
    quote: str | None = _UNSET,
    status: VerificationStatus = _UNSET,
    note: str = _UNSET,
    evidence: Iterable[EvidenceInput] = _UNSET,
) -> Span:
    """Apply a change to a span if the caller saw its current version (optimistic locking)."""
    span = Span.objects.select_for_update().select_related("document", "project").get(pk=span.pk)
    check_version(span, expected_version=expected_version, if_match=if_match)
    project = span.project
    if label is not _UNSET:
        check_label(label, project, is_new_use=label.pk != span.label_id)
        span.label = label
    if status is not _UNSET:
        check_status(status, project, is_new_use=status.pk != span.status_id)
        span.status = status
    if note is not _UNSET:
        span.note = note
    if start is not _UNSET or end is not _UNSET or (quote is not _UNSET and quote is not None):
        new_start = span.start if start is _UNSET else start
        new_end = span.end if end is _UNSET else end
        span.quote = check_span_offsets(
            span.document, new_start, new_end, None if quote is _UNSET else quote
        )
        span.start, span.end = new_start, new_end
    evidence_items = None if evidence is _UNSET else check_evidence(evidence)
    span.version += 1
    try:  # the unique constraint is the duplicate check, as in span_create
        span.save()
    except IntegrityError as exc:
        _raise_duplicate(exc)
    if evidence_items is not None:
        _replace_evidence(span, evidence_items)
    spans_changed(project_id=span.project_id)
    return span


@transaction.atomic
def span_delete(*, span: Span, if_match: int | None = None) -> None:
    span = Span.objects.select_for_update().get(pk=span.pk)
    if if_match is not None:
        check_version(span, expected_version=None, if_match=if_match)
    span.delete()
    spans_changed(project_id=span.project_id)


def may_add_spans(*, role: str, document: Document) -> bool:
    """Managers and reviewers annotate any document; annotators the documents assigned to them
    and not skipped (``document`` as ``selectors.visible_document`` returns it)."""
    if role in (Role.MANAGER, Role.REVIEWER):
        return True
    return getattr(document, "assignment_state", None) not in (None, AssignmentState.SKIPPED)
