"""Spans: create, read, update with optimistic locking, delete."""

from __future__ import annotations

import re
from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.models import Span
from annotations.permissions import can_annotate, check_add_spans, check_own_span
from annotations.selectors.access import as_id
from annotations.selectors.documents import visible_document
from annotations.selectors.span_output import (
    evidence_by_span,
    span_representations,
    span_row_of,
    span_rows,
)
from annotations.selectors.spans import span_list
from annotations.serializers.spans import SpanInputSerializer, SpanSerializer, SpanUpdateSerializer
from annotations.services.spans import EvidenceInput, span_create, span_delete, span_update
from annotations.views.base import ProjectScopedViewSet
from annotations.views.filters import IdFilter

_ETAG = re.compile(r'^\s*(?:W/)?"?(\d+)"?\s*$')
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description='The span\'s version as an ETag, e.g. "3". A stale version answers 412.',
)


def _if_match(request: Request) -> int | None:
    header = request.headers.get("If-Match")
    if header is None:
        return None
    match = _ETAG.match(header)
    if not match:
        raise ValidationError({"If-Match": ['Give the span\'s version as an ETag, e.g. "3".']})
    return int(match.group(1))


def _etag(version: int) -> str:
    return f'"{version}"'


def _evidence(items: list[dict[str, Any]] | None) -> list[EvidenceInput] | None:
    if items is None:
        return None
    return [
        EvidenceInput(stance=i["stance"], url=i.get("url", ""), note=i.get("note", ""))
        for i in items
    ]


class SpanFilter(django_filters.FilterSet):
    # Plain numbers, not model choices: "no such choice" for an id of another project would tell
    # an outsider that it exists elsewhere. The queryset is already scoped to the project.
    document = IdFilter()
    annotator = IdFilter()
    label = IdFilter()
    status = IdFilter()

    class Meta:
        model = Span
        fields = ["document", "annotator", "label", "status"]


class SpanViewSet(ProjectScopedViewSet, viewsets.ModelViewSet):
    """Spans, in Unicode code point offsets ``[start, end)``. Everyone writes only their own spans;
    annotators only on documents assigned to them. Managers and reviewers read all spans;
    annotators read their own, and, when the project is not blind, the others' on their documents.

    Updates must carry the version you edited (``version`` field → 409 when stale, or
    ``If-Match`` header → 412 when stale)."""

    model = Span
    queryset = Span.objects.none()
    filterset_class = SpanFilter
    serializer_class = SpanSerializer
    write_rule = can_annotate
    # services.spans retries a deadlock once, then answers 503 (errors.TryAgain).
    retries_deadlocks = frozenset({"update", "partial_update", "destroy"})
    http_method_names = ["get", "post", "patch", "put", "delete", "head", "options"]

    def scoped_queryset(self) -> QuerySet[Span]:
        return span_list(access=self.access, user=self.request.user)

    def _own_span(self) -> Span:
        span = self.get_object()
        check_own_span(self.request.user, span)
        return span

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(span_rows(self.filter_queryset(self.get_queryset())))
        return self.get_paginated_response(span_representations(page))

    def _respond_with_stored(self, span_id: object, code: int = status.HTTP_200_OK) -> Response:
        pk = as_id(span_id)
        if pk is None:
            raise Http404("No such span.")
        rows = span_rows(self.filter_queryset(self.get_queryset()).filter(pk=pk))
        representations = span_representations(rows)
        if not representations:
            raise Http404("No such span.")
        response = Response(representations[0], status=code)
        response["ETag"] = _etag(representations[0]["version"])
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._respond_with_stored(self.kwargs["pk"])

    @extend_schema(request=SpanInputSerializer, responses={201: SpanSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = SpanInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = data.validated_data
        document = visible_document(
            access=self.access, user=request.user, document_id=values["document"]
        )
        if document is None:
            raise ValidationError(
                {"document": ["Unknown document in this project (or not assigned to you)."]}
            )
        check_add_spans(self.access, document)
        span = span_create(
            annotator=request.user,
            document=document,
            label=values["label"],
            start=values["start"],
            end=values["end"],
            quote=values.get("quote"),
            status=values.get("status") or self.vocabulary.initial_status,
            note=values.get("note", ""),
            evidence=_evidence(values.get("evidence")) or (),
        )
        # The new span holds its annotator, label and status already: only evidence it was given
        # is read back (for the ids the database gave it).
        evidence = evidence_by_span([span.pk]) if values.get("evidence") else {span.pk: []}
        (representation,) = span_representations([span_row_of(span)], evidence=evidence)
        response = Response(representation, status=status.HTTP_201_CREATED)
        response["ETag"] = _etag(span.version)
        return response

    @extend_schema(
        request=SpanUpdateSerializer, responses={200: SpanSerializer}, parameters=[IF_MATCH]
    )
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        span = self._own_span()
        data = SpanUpdateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        changes: dict[str, Any] = {
            k: values[k]
            for k in ("label", "start", "end", "quote", "status", "note")
            if k in values
        }
        if "evidence" in values:
            changes["evidence"] = _evidence(values["evidence"])
        span = span_update(
            span=span,
            expected_version=values.get("version"),
            if_match=_if_match(request),
            **changes,
        )
        return self._respond_with_stored(span.pk)

    @extend_schema(
        request=SpanUpdateSerializer, responses={200: SpanSerializer}, parameters=[IF_MATCH]
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, **kwargs)

    @extend_schema(parameters=[IF_MATCH])
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        span_delete(span=self._own_span(), if_match=_if_match(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
