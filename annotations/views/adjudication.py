"""Adjudication API: the disagreement queue, clusters, gold spans with verdicts, comments, and
each annotator's comparison with the gold standard. Adjudication is for reviewers and managers;
annotators get 404 for it, as if it did not exist."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.errors import Conflict
from annotations.models import (
    Comment,
    Document,
    GoldSpan,
)
from annotations.permissions import can_annotate, can_review
from annotations.selectors.adjudication import (
    adjudication_document,
    adjudication_queue_rows,
    gold_comparison,
    gold_queryset,
    is_adjudicated,
)
from annotations.selectors.comments import comment_list
from annotations.selectors.document_table import DocumentTableIds
from annotations.selectors.documents import document_list
from annotations.serializers.adjudication import (
    AcceptSerializer,
    AcceptUnanimousResultSerializer,
    AdjudicationDocumentSerializer,
    AdjudicationQueuePageSerializer,
    AdjudicationStateResultSerializer,
    AdjudicationStateSerializer,
    CommentSerializer,
    GoldComparisonSerializer,
    GoldCreateSerializer,
    GoldSpanSerializer,
    GoldUpdateSerializer,
    VerdictSerializer,
)
from annotations.serializers.document_table import DocumentTableQuerySerializer
from annotations.serializers.errors import ConflictErrorSerializer
from annotations.services.adjudication import (
    GoldEvidenceInput,
    adjudication_set_state,
    gold_accept,
    gold_accept_unanimous,
    gold_create,
    gold_reject,
    gold_update,
    verdict_set,
)
from annotations.services.comments import comment_create
from annotations.views.base import ProjectScopedViewSet, ReviewerOnlyMixin, SingleObjectSchema
from annotations.views.spans import IF_MATCH, _if_match


class AdjudicationViewSet(ReviewerOnlyMixin, ProjectScopedViewSet):
    """``GET``: the disagreement queue, documents with submissions ranked from the lowest
    agreement (latest report) up. ``GET {document}/``: every submitted annotator's spans grouped
    into clusters (unanimous / majority / disputed) beside the gold spans."""

    model = Document
    queryset = Document.objects.none()
    write_rule = can_review
    schema = SingleObjectSchema()  # the queue is a page built by hand

    def scoped_queryset(self) -> QuerySet[Document]:
        return Document.objects.filter(project=self.access.project)

    # A list answered as one object: name the operation, or it collides with retrieve's.
    @extend_schema(
        operation_id="v1_projects_adjudication_list",
        parameters=[DocumentTableQuerySerializer],
        responses={200: AdjudicationQueuePageSerializer},
    )
    def list(self, request: Request, project_pk: str) -> Response:
        """The documents with a submission, searched and filtered as the documents table is (the
        same parameters), lowest agreement first unless ``ordering`` says otherwise."""
        params = DocumentTableQuerySerializer(
            data=request.query_params, context={"access": self.access}
        )
        params.is_valid(raise_exception=True)
        query = params.validated_data["query"]
        if "ordering" not in request.query_params:
            query = replace(query, ordering="agreement")
        ids = DocumentTableIds(self.access, request.user, replace(query, submitted=True))
        page = self.paginate_queryset(ids)
        return self.get_paginated_response(
            adjudication_queue_rows(self.access.project, list(page or []))
        )

    @extend_schema(responses={200: AdjudicationDocumentSerializer})
    def retrieve(self, request: Request, project_pk: str, pk: str) -> Response:
        document = get_object_or_404(self.scoped_queryset(), pk=pk)
        body = adjudication_document(document)
        body["gold_spans"] = GoldSpanSerializer(
            gold_queryset(self.access.project.pk).filter(document=document), many=True
        ).data
        return Response(body)

    @extend_schema(request=AcceptSerializer, responses={201: GoldSpanSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, project_pk: str, pk: str) -> Response:
        """Accept a cluster (or one annotator's span) as a gold span, optionally with new
        boundaries or label."""
        document = get_object_or_404(self.scoped_queryset(), pk=pk)
        data = AcceptSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = data.validated_data
        gold = gold_accept(
            actor=request.user,
            document=document,
            span_ids=values["spans"],
            start=values.get("start"),
            end=values.get("end"),
            label=values.get("label"),
        )
        return Response(_gold_body(gold), status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: AcceptUnanimousResultSerializer})
    @action(detail=True, methods=["post"], url_path="accept-unanimous")
    def accept_unanimous(self, request: Request, project_pk: str, pk: str) -> Response:
        document = get_object_or_404(self.scoped_queryset(), pk=pk)
        created = gold_accept_unanimous(actor=request.user, document=document)
        return Response({"created": [g.pk for g in created]})

    @extend_schema(
        request=AdjudicationStateSerializer, responses={200: AdjudicationStateResultSerializer}
    )
    @action(detail=True, methods=["post"])
    def state(self, request: Request, project_pk: str, pk: str) -> Response:
        """Mark the document adjudicated (annotators may then compare with the gold) or open."""
        document = get_object_or_404(self.scoped_queryset(), pk=pk)
        data = AdjudicationStateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = adjudication_set_state(
            actor=request.user, document=document, state=data.validated_data["state"]
        )
        return Response(
            {"document": document.pk, "state": row.state, "adjudicated_at": row.adjudicated_at}
        )


def _gold_body(gold: GoldSpan) -> dict[str, Any]:
    return GoldSpanSerializer(gold_queryset(gold.project_id).get(pk=gold.pk)).data


class GoldSpanViewSet(ReviewerOnlyMixin, ProjectScopedViewSet):
    """Gold spans: list (filter ``?document=``), add one none of the annotators made, edit label or
    boundaries (with ``version`` or ``If-Match``), reject (delete), and set the verdict."""

    model = GoldSpan
    queryset = GoldSpan.objects.none()
    write_rule = can_review
    serializer_class = GoldSpanSerializer

    def scoped_queryset(self) -> QuerySet[GoldSpan]:
        qs = gold_queryset(self.access.project.pk)
        document = self.request.query_params.get("document")
        if document is not None:
            if not document.isdigit():
                raise ValidationError({"document": ["Give a document id."]})
            qs = qs.filter(document_id=int(document))
        return qs

    def list(self, request: Request, project_pk: str) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(GoldSpanSerializer(page, many=True).data)

    def retrieve(self, request: Request, project_pk: str, pk: str) -> Response:
        return Response(GoldSpanSerializer(self.get_object()).data)

    @extend_schema(request=GoldCreateSerializer, responses={201: GoldSpanSerializer})
    def create(self, request: Request, project_pk: str) -> Response:
        data = GoldCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = data.validated_data
        document = Document.objects.filter(
            project=self.access.project, pk=values["document"]
        ).first()
        if document is None:
            raise ValidationError({"document": ["Unknown document in this project."]})
        gold = gold_create(
            actor=request.user,
            document=document,
            label=values["label"],
            start=values["start"],
            end=values["end"],
        )
        return Response(_gold_body(gold), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=GoldUpdateSerializer, responses={200: GoldSpanSerializer}, parameters=[IF_MATCH]
    )
    def partial_update(self, request: Request, project_pk: str, pk: str) -> Response:
        gold = self.get_object()
        data = GoldUpdateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = data.validated_data
        gold = gold_update(
            gold=gold,
            expected_version=values.get("version"),
            if_match=_if_match(request),
            label=values.get("label"),
            start=values.get("start"),
            end=values.get("end"),
        )
        return Response(_gold_body(gold))

    def destroy(self, request: Request, project_pk: str, pk: str) -> Response:
        gold_reject(gold=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=VerdictSerializer, responses={200: GoldSpanSerializer})
    @action(detail=True, methods=["post"])
    def verdict(self, request: Request, project_pk: str, pk: str) -> Response:
        """Set the verification verdict. A final status (true, false, misleading, unverifiable)
        needs at least one evidence item (URL or document reference, with a stance) and a
        rationale. Every change is kept in ``verdict_history``."""
        gold = self.get_object()
        data = VerdictSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = data.validated_data
        evidence = None
        if "evidence" in values:
            evidence = [GoldEvidenceInput(**item) for item in values["evidence"]]
        gold = verdict_set(
            actor=request.user,
            gold=gold,
            status=values["status"],
            rationale=values["rationale"],
            evidence=evidence,
        )
        return Response(_gold_body(gold))


class CommentViewSet(ProjectScopedViewSet):
    """Discussion threads on a document, an annotator's span or a gold span (filter with
    ``?document=``, ``?span=``, ``?gold_span=``). Reviewers and managers comment anywhere.
    Annotators comment only on their own spans and, in a blind project, only once the document
    is adjudicated; they read only the threads of their own spans."""

    model = Comment
    queryset = Comment.objects.none()
    serializer_class = CommentSerializer
    write_rule = can_annotate

    def scoped_queryset(self) -> QuerySet[Comment]:
        qs = comment_list(access=self.access, user=self.request.user)
        for name in ("document", "span", "gold_span"):
            value = self.request.query_params.get(name)
            if value is not None:
                if not value.isdigit():
                    raise ValidationError({name: [f"Give a {name} id."]})
                qs = qs.filter(**{f"{name}_id": int(value)})
        return qs

    def list(self, request: Request, project_pk: str) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(CommentSerializer(page, many=True).data)

    @extend_schema(request=CommentSerializer, responses={201: CommentSerializer})
    def create(self, request: Request, project_pk: str) -> Response:
        data = CommentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        document = (
            document_list(access=self.access, user=request.user)
            .filter(pk=values["document"])
            .first()
        )
        if document is None:
            raise ValidationError({"document": ["Unknown document in this project."]})
        comment = comment_create(
            access=self.access,
            author=request.user,
            document=document,
            body=values["body"],
            span_id=values["span"],
            gold_span_id=values["gold_span"],
        )
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class GoldComparisonViewSet(ProjectScopedViewSet):
    """``GET documents/{id}/gold-comparison/``: after adjudication, where the gold standard
    differs from the requesting annotator's spans (reviewers may pass ``?annotator=``)."""

    model = Document
    queryset = Document.objects.none()

    def scoped_queryset(self) -> QuerySet[Document]:
        return document_list(access=self.access, user=self.request.user)

    @extend_schema(
        responses={
            200: GoldComparisonSerializer,
            409: OpenApiResponse(
                ConflictErrorSerializer, description="The document is not adjudicated yet."
            ),
        }
    )
    def retrieve(self, request: Request, project_pk: str, pk: str) -> Response:
        document = get_object_or_404(self.scoped_queryset(), pk=pk)
        annotator_id = request.user.pk
        if can_review(self.access) and "annotator" in request.query_params:
            value = request.query_params["annotator"]
            if not value.isdigit():
                raise ValidationError({"annotator": ["Give a user id."]})
            annotator_id = int(value)
        if not is_adjudicated(document):
            raise Conflict("This document has not been adjudicated yet.", code="not_adjudicated")
        return Response(
            {
                "document": document.pk,
                "annotator": annotator_id,
                "rows": gold_comparison(document=document, annotator_id=annotator_id),
            }
        )
