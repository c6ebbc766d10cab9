"""Writes to documents: create, edit, delete."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from annotations.errors import Conflict
from annotations.models import Document, Project, Span
from annotations.services.agreement import documents_removed


@transaction.atomic
def document_create(*, project: Project, fields: dict[str, Any]) -> Document:
    return Document.objects.create(project=project, **fields)


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


@transaction.atomic
def document_delete(*, document: Document) -> None:
    """Delete a document with its spans, assignments and gold; the agreement figures are
    recomputed without it."""
    project_id = document.project_id
    document.delete()
    documents_removed(project_id=project_id)
