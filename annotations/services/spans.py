"""Annotators' spans: create, update with optimistic locking, delete.

Validation (``check_*``) comes before any change; the offset and quote rule itself lives once in
``annotations.spans.check_offsets`` and is used here, by the importers and by gold spans.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction

from annotations.errors import Conflict, InvalidInput, PreconditionFailed
from annotations.models import (
    Document,
    Evidence,
    EvidenceStance,
    Label,
    Project,
    Span,
    VerificationStatus,
)
from annotations.permissions import check_project_open
from annotations.services.agreement_inputs import spans_changed
from annotations.services.locking import retry_on_deadlock
from annotations.services.projects import initial_status
from annotations.spans import check_offsets


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
    check_project_open(project)
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
    """Apply a change to a span if the caller saw its current version (optimistic locking). A
    deadlock is retried once, then answered ``TryAgain`` (``services.locking``)."""
    return retry_on_deadlock(
        functools.partial(
            _span_update,
            span_id=span.pk,
            expected_version=expected_version,
            if_match=if_match,
            label=label,
            start=start,
            end=end,
            quote=quote,
            status=status,
            note=note,
            # Read once, here: a retry must apply the same items.
            evidence=evidence if evidence is _UNSET else list(evidence),
        )
    )


def _span_update(
    *,
    span_id: int,
    expected_version: int | None,
    if_match: int | None,
    label: Label,
    start: int,
    end: int,
    quote: str | None,
    status: VerificationStatus,
    note: str,
    evidence: Iterable[EvidenceInput],
) -> Span:
    # Only the span is locked; the document and project are joined to be read (lock order:
    # annotations.services.locking).
    span = (
        Span.objects.select_for_update(of=("self",))
        .select_related("document", "project")
        .get(pk=span_id)
    )
    check_version(span, expected_version=expected_version, if_match=if_match)
    project = span.project
    check_project_open(project)
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


def span_delete(*, span: Span, if_match: int | None = None) -> None:
    """Delete a span (if ``if_match`` names its version); a deadlock is retried once."""
    retry_on_deadlock(functools.partial(_span_delete, span_id=span.pk, if_match=if_match))


def _span_delete(*, span_id: int, if_match: int | None) -> None:
    span = (  # the span alone is locked; its project is read for the archive check
        Span.objects.select_for_update(of=("self",)).select_related("project").get(pk=span_id)
    )
    check_project_open(span.project)
    if if_match is not None:
        check_version(span, expected_version=None, if_match=if_match)
    span.delete()
    spans_changed(project_id=span.project_id)
