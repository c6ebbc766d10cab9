"""Writes to documents: create, edit, delete."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from annotations.errors import Conflict
from annotations.models import Document, Project, Span
from annotations.services.agreement_inputs import (
    document_inputs_changed,
    documents_added,
    documents_removed,
)
from annotations.services.changes import save_changes


@transaction.atomic
def document_create(*, project: Project, fields: dict[str, Any]) -> Document:
    document = Document.objects.create(project=project, **fields)
    documents_added(project_id=project.pk, document_ids=[document.pk])
    return document


@transaction.atomic
def document_update(*, document: Document, changes: dict[str, Any]) -> Document:
    """Edit a document. Its text may change only while no span points into it; a new text changes
    its length, an input of agreement, so the document is marked dirty."""
    document = Document.objects.select_for_update(no_key=True).get(pk=document.pk)
    text_changed = "text" in changes and changes["text"] != document.text
    if text_changed and Span.objects.filter(document=document).exists():
        raise Conflict(
            "The text of a document cannot change once spans point into it: their offsets would "
            "no longer match.",
            code="text_immutable",
        )
    save_changes(document, changes)
    if text_changed:
        document_inputs_changed(project_id=document.project_id, document_ids=[document.pk])
    return document


@transaction.atomic
def document_delete(*, document: Document) -> None:
    """Delete a document with its spans, assignments and gold; the agreement figures are
    recomputed without it."""
    project_id = document.project_id
    document.delete()
    documents_removed(project_id=project_id)
