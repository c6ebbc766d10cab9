"""Writes to documents: create, edit, delete."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction

from annotations.errors import Conflict, InvalidInput
from annotations.models import Document, Project, Span
from annotations.permissions import check_project_open
from annotations.services.agreement_inputs import (
    document_inputs_changed,
    documents_added,
    documents_removed,
)
from annotations.services.background import search_index_after_commit
from annotations.services.changes import save_changes


@transaction.atomic
def document_create(*, project: Project, fields: dict[str, Any]) -> Document:
    check_project_open(project)
    document = Document.objects.create(project=project, **fields)
    documents_added(project_id=project.pk, document_ids=[document.pk])
    search_index_after_commit(project.pk)
    return document


@transaction.atomic
def document_update(*, document: Document, changes: dict[str, Any]) -> Document:
    """Edit a document. Its text may change only while no span points into it; a new text changes
    its length, an input of agreement, so the document is marked dirty."""
    document = (  # the document alone is locked; its project is read for the archive check
        Document.objects.select_for_update(no_key=True, of=("self",))
        .select_related("project")
        .get(pk=document.pk)
    )
    check_project_open(document.project)
    text_changed = "text" in changes and changes["text"] != document.text
    if text_changed and Span.objects.filter(document=document).exists():
        raise Conflict(
            "The text of a document cannot change once spans point into it: their offsets would "
            "no longer match.",
            code="text_immutable",
        )
    searched_changed = text_changed or changes.get("title", document.title) != document.title
    if searched_changed:  # the search vector is filled again in the background
        changes = {**changes, "search_vector": None}
    save_changes(document, changes)
    if searched_changed:
        search_index_after_commit(document.project_id)
    if text_changed:
        document_inputs_changed(project_id=document.project_id, document_ids=[document.pk])
    return document


@transaction.atomic
def document_delete(*, document: Document) -> None:
    """Delete a document with its spans, assignments and gold; the agreement figures are
    recomputed without it."""
    check_project_open(document.project)
    project_id = document.project_id
    document.delete()
    documents_removed(project_id=project_id)


# Documents one delete removes at a time: each chunk's spans, evidence, assignments, gold and
# comments are collected and deleted together, so memory stays bounded however many are chosen.
DELETE_CHUNK = 500


@transaction.atomic
def documents_delete(*, project: Project, document_ids: Sequence[int]) -> int:
    """Delete these documents of the project, as ``document_delete`` deletes one (their spans,
    assignments, gold and comments with them), in one transaction; the agreement figures are
    recomputed without them. Returns how many were deleted. Ids of other projects are refused."""
    check_project_open(project)
    wanted = sorted(set(document_ids))
    found = set()
    for start in range(0, len(wanted), DELETE_CHUNK):
        chunk = wanted[start : start + DELETE_CHUNK]
        found.update(
            Document.objects.filter(project=project, pk__in=chunk).values_list("pk", flat=True)
        )
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise InvalidInput({"documents": f"Not documents of this project: {missing[:20]}."})
    for start in range(0, len(wanted), DELETE_CHUNK):
        Document.objects.filter(
            project=project, pk__in=wanted[start : start + DELETE_CHUNK]
        ).delete()
    if wanted:
        documents_removed(project_id=project.pk)
    return len(wanted)
