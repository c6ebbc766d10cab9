"""Actions on a selection of documents (the documents table's bulk bar and
``POST /projects/{id}/documents/bulk-action/``): assign to a member, unassign, delete, export.

The caller has resolved the selection to ids (the rows a user ticked, or every document matching
the table's filters: ``selectors.document_table``) and checked the user's role
(``permissions.check_document_bulk_action``). Each action is one transaction and follows the rules
of the one-document services: assignments go to members of the project only, nobody gets a
document twice, an archived project is read only, deleting does what ``document_delete`` does
(agreement recomputed without the documents), an export is an ordinary export job scoped to the
documents.

Unassigning removes open work only (assigned or in progress): submitted work took part in
agreement and may be adjudicated, and a skip records why; both stay, and are counted as kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from annotations.errors import InvalidInput
from annotations.models import (
    OPEN_ASSIGNMENT_STATES,
    Assignment,
    Document,
    Job,
    Membership,
    Project,
)
from annotations.permissions import check_project_open
from annotations.services.documents import documents_delete
from annotations.services.exports import export_start

BULK_ACTIONS = ("assign", "unassign", "delete", "export")
# Documents one assign, unassign or delete may change: a request of a few seconds at most.
BULK_MAX_DOCUMENTS = 10_000
_CHUNK = 2000


@dataclass(frozen=True, slots=True)
class BulkActionResult:
    """What an action did. ``documents``: how many were selected; ``changed``: assignments
    created (assign), removed (unassign), or documents deleted; ``unchanged``: documents the
    annotator already had (assign) or assignments kept because they are submitted or skipped
    (unassign); ``job``: the export's job."""

    action: str
    documents: int
    changed: int = 0
    unchanged: int = 0
    job: Job | None = None


def _chunks(ids: Sequence[int]) -> list[Sequence[int]]:
    return [ids[i : i + _CHUNK] for i in range(0, len(ids), _CHUNK)]


def _check_selection(project: Project, ids: list[int], limit: int) -> None:
    if not ids:
        raise InvalidInput({"documents": "Choose at least one document."})
    if len(ids) > limit:
        raise InvalidInput(
            {
                "documents": f"{len(ids):,} documents chosen; one action takes at most "
                f"{limit:,}. Narrow the filter, or act on the documents in parts."
            }
        )
    found = 0
    for chunk in _chunks(ids):
        found += Document.objects.filter(project=project, pk__in=chunk).count()
    if found != len(ids):
        raise InvalidInput({"documents": "Some of the documents are not in this project."})


def _member(project: Project, annotator_id: int | None) -> int:
    """The member that documents are assigned to (any role, as ``assignment_create`` allows)."""
    if annotator_id is None:
        raise InvalidInput({"annotator": "Choose whom to assign the documents to."})
    if not Membership.objects.filter(project=project, user_id=annotator_id).exists():
        raise InvalidInput({"annotator": "Not a member of this project."})
    return annotator_id


@transaction.atomic
def documents_assign(
    *, project: Project, document_ids: Sequence[int], annotator_id: int | None
) -> BulkActionResult:
    """Give each document to the member, not started; documents they already have (in any
    state) are left as they are."""
    check_project_open(project)
    ids = sorted(set(document_ids))
    user_id = _member(project, annotator_id)
    _check_selection(project, ids, BULK_MAX_DOCUMENTS)
    # Serialise with distribute, move and other bulk assigns of the project.
    Project.objects.select_for_update().filter(pk=project.pk).first()
    holding: set[int] = set()
    for chunk in _chunks(ids):
        holding.update(
            Assignment.objects.filter(document_id__in=chunk, annotator_id=user_id).values_list(
                "document_id", flat=True
            )
        )
    new = [pk for pk in ids if pk not in holding]
    Assignment.objects.bulk_create(
        [Assignment(project=project, document_id=pk, annotator_id=user_id) for pk in new],
        batch_size=_CHUNK,
    )
    return BulkActionResult(
        action="assign", documents=len(ids), changed=len(new), unchanged=len(holding)
    )


@transaction.atomic
def documents_unassign(
    *, project: Project, document_ids: Sequence[int], annotator_id: int | None = None
) -> BulkActionResult:
    """Remove the open assignments (assigned or in progress) of the documents: the member's
    (``annotator_id``), or everyone's. Submitted and skipped ones are kept and counted."""
    check_project_open(project)
    ids = sorted(set(document_ids))
    # A former member's open work can still be removed, as long as there is some.
    if annotator_id is not None and not (
        Membership.objects.filter(project=project, user_id=annotator_id).exists()
        or Assignment.objects.filter(project=project, annotator_id=annotator_id).exists()
    ):
        raise InvalidInput({"annotator": "Not a member of this project."})
    _check_selection(project, ids, BULK_MAX_DOCUMENTS)
    removed = kept = 0
    for chunk in _chunks(ids):
        assignments = Assignment.objects.filter(project=project, document_id__in=chunk)
        if annotator_id is not None:
            assignments = assignments.filter(annotator_id=annotator_id)
        # Not open: nothing to recompute for agreement (``assignment_delete`` marks a document
        # dirty only when the removed assignment was submitted).
        removed += assignments.filter(state__in=OPEN_ASSIGNMENT_STATES).delete()[0]
        kept += assignments.exclude(state__in=OPEN_ASSIGNMENT_STATES).count()
    return BulkActionResult(action="unassign", documents=len(ids), changed=removed, unchanged=kept)


def documents_bulk_delete(*, project: Project, document_ids: Sequence[int]) -> BulkActionResult:
    ids = sorted(set(document_ids))
    _check_selection(project, ids, BULK_MAX_DOCUMENTS)
    deleted = documents_delete(project=project, document_ids=ids)
    return BulkActionResult(action="delete", documents=len(ids), changed=deleted)


def documents_export(
    *, project: Project, user: Any, document_ids: Sequence[int], params: dict[str, Any]
) -> BulkActionResult:
    """Start an export job of these documents (``params``: the export's format and scope, as
    ``exports.export_start`` reads them)."""
    ids = sorted(set(document_ids))  # checked by export_start (the project's, at most 100,000)
    job = export_start(project=project, user=user, params={**params, "documents": ids})
    return BulkActionResult(action="export", documents=len(ids), job=job)


def documents_bulk_action(
    *,
    project: Project,
    user: Any,
    action: str,
    document_ids: Sequence[int],
    annotator_id: int | None = None,
    export_params: dict[str, Any] | None = None,
) -> BulkActionResult:
    """Run ``action`` on the documents (one of ``BULK_ACTIONS``)."""
    if action == "assign":
        return documents_assign(
            project=project, document_ids=document_ids, annotator_id=annotator_id
        )
    if action == "unassign":
        return documents_unassign(
            project=project, document_ids=document_ids, annotator_id=annotator_id
        )
    if action == "delete":
        return documents_bulk_delete(project=project, document_ids=document_ids)
    if action == "export":
        return documents_export(
            project=project, user=user, document_ids=document_ids, params=export_params or {}
        )
    raise InvalidInput({"action": f"Use one of {', '.join(BULK_ACTIONS)}."})
