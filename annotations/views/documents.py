"""Documents and assignments."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.models import Assignment, AssignmentState, Document
from annotations.pagination import DocumentTablePagination
from annotations.permissions import (
    can_annotate,
    can_manage,
    check_act_on_documents,
    check_change_assignment,
)
from annotations.selectors.document_table import (
    DocumentTableIds,
    document_table_all_ids,
    document_table_rows,
)
from annotations.selectors.documents import (
    assignment_list,
    document_list,
    next_assignment,
    visible_document,
)
from annotations.selectors.spans import span_list
from annotations.serializers.assignments import (
    AssignmentActionSerializer,
    AssignmentCreateSerializer,
    AssignmentSerializer,
    DistributeSerializer,
    DistributionResultSerializer,
    MoveOpenSerializer,
    MoveResultSerializer,
)
from annotations.serializers.document_table import (
    DocumentBulkActionSerializer,
    DocumentBulkResultSerializer,
    DocumentRowSerializer,
    DocumentTableQuerySerializer,
)
from annotations.serializers.documents import (
    BulkDocumentsErrorSerializer,
    BulkDocumentsResultSerializer,
    BulkDocumentsSerializer,
    DocumentDetailSerializer,
    DocumentSerializer,
)
from annotations.services.assignments import (
    assignment_create,
    assignment_delete,
    assignment_transition,
    assignments_distribute,
    assignments_move_open,
)
from annotations.services.document_bulk import documents_bulk_action
from annotations.services.document_imports import import_records
from annotations.services.documents import document_create, document_delete, document_update
from annotations.views.base import ProjectScopedViewSet
from annotations.views.filters import IdFilter


class DocumentViewSet(ProjectScopedViewSet, viewsets.ModelViewSet):
    """Documents of the project. Annotators see only the documents assigned to them. Retrieving a
    document returns its text and the spans the user may see. The text cannot change once spans
    point into it (409)."""

    model = Document
    queryset = Document.objects.none()
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    # Every member reaches the bulk action; check_act_on_documents answers per action.
    action_rules = {"bulk_action": can_annotate}
    pagination_class = DocumentTablePagination

    def get_serializer_class(self) -> type:
        if self.action == "list":
            return DocumentRowSerializer
        if self.action == "retrieve":
            return DocumentDetailSerializer
        return DocumentSerializer

    def scoped_queryset(self) -> QuerySet[Document]:
        return document_list(access=self.access, user=self.request.user)

    @extend_schema(parameters=[DocumentTableQuerySerializer], responses=DocumentRowSerializer)
    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        """The documents table: search, filters, order and pages (``selectors.document_table``),
        each row with its state and figures. Annotators see their own documents, and the state
        and figures of their own work."""
        params = DocumentTableQuerySerializer(
            data=request.query_params, context={"access": self.access}
        )
        params.is_valid(raise_exception=True)
        ids = DocumentTableIds(self.access, request.user, params.validated_data["query"])
        # The page's ids first (no per-row figure, however deep the page), then their rows.
        page = self.paginate_queryset(ids)
        rows = document_table_rows(self.access, request.user, list(page or []))
        return self.get_paginated_response(DocumentRowSerializer(rows, many=True).data)

    def retrieve(self, request: Request, *args: object, **kwargs: object) -> Response:
        document = visible_document(access=self.access, user=request.user, document_id=kwargs["pk"])
        if document is None:
            raise Http404("No such document.")
        spans = span_list(access=self.access, user=request.user).filter(document=document)
        context = {**self.get_serializer_context(), "visible_spans": spans}
        return Response(DocumentDetailSerializer(document, context=context).data)

    def perform_create(self, serializer: DocumentSerializer) -> None:
        serializer.instance = document_create(
            project=self.access.project, fields=serializer.validated_data
        )

    def perform_destroy(self, instance: Document) -> None:
        document_delete(document=instance)

    def perform_update(self, serializer: DocumentSerializer) -> None:
        serializer.instance = document_update(
            document=serializer.instance, changes=serializer.validated_data
        )

    @extend_schema(
        request=DocumentBulkActionSerializer, responses={200: DocumentBulkResultSerializer}
    )
    @action(detail=False, methods=["post"], url_path="bulk-action")
    def bulk_action(self, request: Request, project_pk: str) -> Response:
        """Assign, unassign (open work only), delete or export documents chosen by id or by the
        table's filters. Managers: every action; reviewers: export; annotators: 404."""
        data = DocumentBulkActionSerializer(data=request.data, context={"access": self.access})
        data.is_valid(raise_exception=True)
        values = data.validated_data
        check_act_on_documents(self.access, values["action"])
        if "documents" in values:
            ids = values["documents"]
        else:
            ids = document_table_all_ids(self.access, request.user, values["filter"]["query"])
        result = documents_bulk_action(
            project=self.access.project,
            user=request.user,
            action=values["action"],
            document_ids=ids,
            annotator_id=values.get("annotator"),
            export_params={
                "format": values.get("format"),
                "submitted_only": values["submitted_only"],
                "excel_safe": values["excel_safe"],
            },
        )
        return Response(DocumentBulkResultSerializer(result).data)

    @extend_schema(
        request=BulkDocumentsSerializer,
        responses={201: BulkDocumentsResultSerializer, 400: BulkDocumentsErrorSerializer},
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request: Request, project_pk: str) -> Response:
        """Insert up to 5,000 documents given as JSON objects, all or nothing."""
        data = BulkDocumentsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = import_records(
            project=self.access.project, records=data.validated_data["documents"]
        )
        if not result.ok:
            return Response(
                {
                    "documents": [f"line {e.line}, {e.field}: {e.message}" for e in result.errors],
                    "errors": [e.as_dict() for e in result.errors],
                    "error_count": result.error_count,
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response({"created": result.created}, status=status.HTTP_201_CREATED)


class AssignmentFilter(django_filters.FilterSet):
    # Plain numbers: see SpanFilter.
    annotator = IdFilter()
    document = IdFilter()

    class Meta:
        model = Assignment
        fields = ["state", "annotator", "document"]


class AssignmentViewSet(ProjectScopedViewSet, viewsets.ReadOnlyModelViewSet):
    """Who annotates which document. Managers assign (by hand or evenly with ``distribute``);
    annotators see their own assignments and move them through start → submit or skip."""

    model = Assignment
    queryset = Assignment.objects.none()
    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilter
    action_rules = {
        "create": can_manage,
        "destroy": can_manage,
        "distribute": can_manage,
        "move": can_manage,
        "next": can_annotate,
        "start": can_annotate,
        "submit": can_annotate,
        "skip": can_annotate,
        "reopen": can_annotate,
    }

    def scoped_queryset(self) -> QuerySet[Assignment]:
        return assignment_list(access=self.access, user=self.request.user)

    @extend_schema(request=AssignmentCreateSerializer, responses={201: AssignmentSerializer})
    def create(self, request: Request, project_pk: str) -> Response:
        data = AssignmentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assignment = assignment_create(
            project=self.access.project,
            document_id=data.validated_data["document"],
            annotator_id=data.validated_data["annotator"],
        )
        return Response(AssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, project_pk: str, pk: str) -> Response:
        assignment_delete(assignment=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=DistributeSerializer, responses={200: DistributionResultSerializer})
    @action(detail=False, methods=["post"])
    def distribute(self, request: Request, project_pk: str) -> Response:
        """Assign documents so each gets ``annotators_per_document`` annotators, least-loaded first."""
        data = DistributeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = assignments_distribute(
            project=self.access.project,
            annotator_ids=data.validated_data.get("annotators"),
            document_ids=data.validated_data.get("documents"),
        )
        return Response(
            {
                "created": result.created,
                "documents_fully_covered": result.documents_fully_covered,
                "documents_short_of_annotators": result.documents_short_of_annotators,
            }
        )

    @extend_schema(request=MoveOpenSerializer, responses={200: MoveResultSerializer})
    @action(detail=False, methods=["post"])
    def move(self, request: Request, project_pk: str) -> Response:
        """Give an annotator's open work (assigned or in progress) to other annotators,
        least-loaded first: never to someone who already has the document, never past
        ``annotators_per_document``. What no one can take stays (``kept``)."""
        data = MoveOpenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = assignments_move_open(
            project=self.access.project,
            from_user_id=data.validated_data["from_annotator"],
            to_user_ids=data.validated_data.get("to_annotators"),
        )
        return Response(
            {
                "moved": result.moved,
                "received": {str(k): v for k, v in result.received.items()},
                "kept": result.kept,
            }
        )

    @extend_schema(
        request=None,
        responses={200: AssignmentSerializer, 204: OpenApiResponse(description="Nothing left")},
    )
    @action(detail=False, methods=["post"])
    def next(self, request: Request, project_pk: str) -> Response:
        """The document to work on now (one in progress, else the oldest assigned), marked in progress.
        204 when nothing is left."""
        assignment = next_assignment(access=self.access, user=request.user)
        if assignment is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        if assignment.state == AssignmentState.ASSIGNED:
            assignment = assignment_transition(assignment=assignment, action="start")
        return Response(AssignmentSerializer(assignment).data)

    def _transition(self, request: Request, pk: str, action_name: str) -> Response:
        assignment = get_object_or_404(self.get_queryset(), pk=pk)
        check_change_assignment(self.access, request.user, assignment)
        data = AssignmentActionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assignment = assignment_transition(
            assignment=assignment,
            action=action_name,
            time_spent_seconds=data.validated_data["time_spent_seconds"],
            reason=data.validated_data["reason"],
        )
        return Response(AssignmentSerializer(assignment).data)

    @extend_schema(request=AssignmentActionSerializer, responses={200: AssignmentSerializer})
    @action(detail=True, methods=["post"])
    def start(self, request: Request, project_pk: str, pk: str) -> Response:
        return self._transition(request, pk, "start")

    @extend_schema(request=AssignmentActionSerializer, responses={200: AssignmentSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, project_pk: str, pk: str) -> Response:
        return self._transition(request, pk, "submit")

    @extend_schema(request=AssignmentActionSerializer, responses={200: AssignmentSerializer})
    @action(detail=True, methods=["post"])
    def skip(self, request: Request, project_pk: str, pk: str) -> Response:
        """Skip the document; ``reason`` is required."""
        return self._transition(request, pk, "skip")

    @extend_schema(request=AssignmentActionSerializer, responses={200: AssignmentSerializer})
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, project_pk: str, pk: str) -> Response:
        return self._transition(request, pk, "reopen")
