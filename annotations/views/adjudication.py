"""Adjudication API: the disagreement queue, clusters, gold spans with verdicts, comments, and
each annotator's comparison with the gold standard. Adjudication is for reviewers and managers;
annotators get 404 for it, as if it did not exist."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from annotations import adjudication, selectors
from annotations.adjudication import GoldEvidenceInput
from annotations.errors import Conflict
from annotations.models import (
    AdjudicationState,
    AgreementReport,
    Assignment,
    AssignmentState,
    Comment,
    Document,
    DocumentAdjudication,
    GoldSpan,
    Role,
    Span,
    VerdictChange,
)
from annotations.selectors import ProjectAccess
from annotations.serializers import (
    AcceptSerializer,
    AdjudicationStateSerializer,
    CommentSerializer,
    GoldCreateSerializer,
    GoldSpanSerializer,
    GoldUpdateSerializer,
    VerdictSerializer,
)
from annotations.span_output import span_representations, span_rows
from annotations.views.base import ProjectScopedViewSet
from annotations.views.spans import IF_MATCH, _if_match

REVIEW_ROLES = (Role.MANAGER, Role.REVIEWER)


class ReviewerOnlyMixin:
    """Annotators get 404 from every action, so the API does not reveal adjudication to them."""

    def check_access(self, access: ProjectAccess) -> None:
        if access.role not in REVIEW_ROLES:
            raise Http404("Not found.")


def gold_queryset(project_id: int) -> QuerySet[GoldSpan]:
    return (
        GoldSpan.objects.filter(project_id=project_id)
        .select_related("label", "status")
        .prefetch_related(
            "evidence",
            "source_spans",
            Prefetch(
                "verdict_history",
                queryset=VerdictChange.objects.select_related(
                    "changed_by", "from_status", "to_status"
                ),
            ),
        )
    )


class AdjudicationViewSet(ReviewerOnlyMixin, ProjectScopedViewSet):
    """``GET``: the disagreement queue, documents with submissions ranked from the lowest
    agreement (latest report) up. ``GET {document}/``: every submitted annotator's spans grouped
    into clusters (unanimous / majority / disputed) beside the gold spans."""

    model = Document
    queryset = Document.objects.none()
    write_roles = REVIEW_ROLES

    def scoped_queryset(self) -> QuerySet[Document]:
        return Document.objects.filter(project=self.access.project)

    # A list answered as one object: name the operation, or it collides with retrieve's.
    @extend_schema(operation_id="v1_projects_adjudication_list", responses={200: dict})
    def list(self, request: Request, project_pk: str) -> Response:
        project = self.access.project
        submitted = (
            Assignment.objects.filter(project=project, state=AssignmentState.SUBMITTED)
            .values_list("document_id", flat=True)
            .distinct()
        )
        states = dict(
            DocumentAdjudication.objects.filter(project=project).values_list("document_id", "state")
        )
        report = AgreementReport.objects.filter(project=project).only("metrics").first()
        ranked = (
            []
            if report is None
            else report.metrics.get("documents_ranked", [])
            + report.metrics.get("documents_undefined", [])
        )
        alpha = {row["document_id"]: row for row in ranked}
        order = {row["document_id"]: i for i, row in enumerate(ranked)}
        ids = sorted(set(submitted), key=lambda d: (order.get(d, len(order)), d))
        page = self.paginate_queryset(ids)
        titles = dict(Document.objects.filter(pk__in=page).values_list("id", "title"))
        rows = [
            {
                "document": d,
                "title": titles.get(d, ""),
                "alpha": alpha.get(d, {}).get("alpha"),
                "alpha_reason": alpha.get(d, {}).get("reason"),
                "state": states.get(d, AdjudicationState.OPEN),
            }
            for d in page
        ]
        return self.get_paginated_response(rows)

    @extend_schema(responses={200: dict})
    def retrieve(self, request: Request, project_pk: str, pk: str) -> Response:
        document = get_object_or_404(self.scoped_queryset(), pk=pk)
        annotators = adjudication.submitted_annotators(document)
        spans = Span.objects.filter(document=document, annotator_id__in=annotators)
        state = (
            DocumentAdjudication.objects.filter(document=document)
            .values_list("state", flat=True)
            .first()
        )
        names = dict(
            Span.annotator.field.related_model.objects.filter(pk__in=annotators).values_list(
                "id", "username"
            )
        )
        return Response(
            {
                "document": {"id": document.pk, "title": document.title, "text": document.text},
                "state": state or AdjudicationState.OPEN,
                "annotators": [{"id": a, "username": names.get(a, "")} for a in annotators],
                "spans": span_representations(span_rows(spans)),
                "clusters": [
                    {
                        "label": c.label,
                        "start": c.start,
                        "end": c.end,
                        "kind": c.kind,
                        "proposal": {"start": c.proposal[0], "end": c.proposal[1]},
                        "spans": list(c.span_ids),
                        "annotators": list(c.annotators),
                    }
                    for c in adjudication.document_clusters(document)
                ],
                "gold_spans": GoldSpanSerializer(
                    gold_queryset(self.access.project.pk).filter(document=document), many=True
                ).data,
            }
        )

    @extend_schema(request=AcceptSerializer, responses={201: GoldSpanSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, project_pk: str, pk: str) -> Response:
        """Accept a cluster (or one annotator's span) as a gold span, optionally with new
        boundaries or label."""
        document = get_object_or_404(self.scoped_queryset(), pk=pk)
        data = AcceptSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = data.validated_data
        gold = adjudication.gold_accept(
            actor=request.user,
            document=document,
            span_ids=values["spans"],
            start=values.get("start"),
            end=values.get("end"),
            label=values.get("label"),
        )
        return Response(_gold_body(gold), status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: dict})
    @action(detail=True, methods=["post"], url_path="accept-unanimous")
    def accept_unanimous(self, request: Request, project_pk: str, pk: str) -> Response:
        document = get_object_or_404(self.scoped_queryset(), pk=pk)
        created = adjudication.gold_accept_unanimous(actor=request.user, document=document)
        return Response({"created": [g.pk for g in created]})

    @extend_schema(request=AdjudicationStateSerializer, responses={200: dict})
    @action(detail=True, methods=["post"])
    def state(self, request: Request, project_pk: str, pk: str) -> Response:
        """Mark the document adjudicated (annotators may then compare with the gold) or open."""
        document = get_object_or_404(self.scoped_queryset(), pk=pk)
        data = AdjudicationStateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = adjudication.adjudication_set_state(
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
    write_roles = REVIEW_ROLES
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
        gold = adjudication.gold_create(
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
        gold = adjudication.gold_update(
            gold=gold,
            expected_version=values.get("version"),
            if_match=_if_match(request),
            label=values.get("label"),
            start=values.get("start"),
            end=values.get("end"),
        )
        return Response(_gold_body(gold))

    def destroy(self, request: Request, project_pk: str, pk: str) -> Response:
        adjudication.gold_reject(gold=self.get_object())
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
        gold = adjudication.verdict_set(
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
    write_roles = (Role.MANAGER, Role.REVIEWER, Role.ANNOTATOR)

    def scoped_queryset(self) -> QuerySet[Comment]:
        qs = Comment.objects.filter(project=self.access.project).select_related("author")
        if not self.access.sees_everything:
            qs = qs.filter(span__annotator=self.request.user)
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
        project = self.access.project
        document = (
            selectors.document_list(access=self.access, user=request.user)
            .filter(pk=values["document"])
            .first()
        )
        if document is None:
            raise ValidationError({"document": ["Unknown document in this project."]})
        span = gold = None
        if values["span"] is not None and values["gold_span"] is not None:
            raise ValidationError({"span": ["Comment on a span or on a gold span, not both."]})
        if values["span"] is not None:
            span = Span.objects.filter(pk=values["span"], document=document).first()
            if span is None:
                raise ValidationError({"span": ["Unknown span of this document."]})
        if values["gold_span"] is not None:
            gold = GoldSpan.objects.filter(pk=values["gold_span"], document=document).first()
            if gold is None:
                raise ValidationError({"gold_span": ["Unknown gold span of this document."]})
        if not self.access.sees_everything:
            if span is None or span.annotator_id != request.user.pk:
                raise PermissionDenied("Annotators comment only on their own spans.")
            if project.blind and not adjudication.is_adjudicated(document):
                raise Conflict(
                    "In a blind project, discussion opens once the document is adjudicated.",
                    code="not_adjudicated",
                )
        comment = Comment.objects.create(
            project=project,
            document=document,
            span=span,
            gold_span=gold,
            author=request.user,
            body=values["body"],
        )
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class GoldComparisonViewSet(ProjectScopedViewSet):
    """``GET documents/{id}/gold-comparison/``: after adjudication, where the gold standard
    differs from the requesting annotator's spans (reviewers may pass ``?annotator=``)."""

    model = Document
    queryset = Document.objects.none()

    def scoped_queryset(self) -> QuerySet[Document]:
        return selectors.document_list(access=self.access, user=self.request.user)

    @extend_schema(responses={200: dict})
    def retrieve(self, request: Request, project_pk: str, pk: str) -> Response:
        document = get_object_or_404(self.scoped_queryset(), pk=pk)
        annotator_id = request.user.pk
        if self.access.sees_everything and "annotator" in request.query_params:
            value = request.query_params["annotator"]
            if not value.isdigit():
                raise ValidationError({"annotator": ["Give a user id."]})
            annotator_id = int(value)
        if not adjudication.is_adjudicated(document):
            raise Conflict("This document has not been adjudicated yet.", code="not_adjudicated")
        return Response(
            {
                "document": document.pk,
                "annotator": annotator_id,
                "rows": adjudication.gold_comparison(document=document, annotator_id=annotator_id),
            }
        )
