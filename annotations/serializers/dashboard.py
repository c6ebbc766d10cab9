"""Output serializers of the reviewer dashboard (``GET dashboard/``), describing the JSON that
``annotations.dashboard.project_dashboard`` builds."""

from __future__ import annotations

from rest_framework import serializers

from annotations.serializers.agreement import (
    BootstrapIntervalSerializer,
    GoldAgreementRowSerializer,
    LabelAlphaSerializer,
    LeaveOneAnnotatorOutSerializer,
    ProjectNamesSerializer,
    RankedDocumentSerializer,
    StatisticSerializer,
    StatusAlphaSerializer,
    UnitizingAlphaSerializer,
)
from annotations.serializers.jobs import WorkerStatusSerializer


class DashboardProjectSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    annotators_per_document = serializers.IntegerField()


class DocumentProgressSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    unassigned = serializers.IntegerField()
    not_started = serializers.IntegerField(help_text="Assigned, nobody submitted yet.")
    partly_submitted = serializers.IntegerField()
    complete = serializers.IntegerField(help_text="`annotators_per_document` submissions.")
    adjudicated = serializers.IntegerField()


class AnnotatorProgressSerializer(serializers.Serializer):
    annotator = serializers.IntegerField()
    username = serializers.CharField(allow_null=True, help_text="Null if no longer an annotator.")
    assignments = serializers.IntegerField()
    assigned = serializers.IntegerField()
    in_progress = serializers.IntegerField()
    submitted = serializers.IntegerField()
    skipped = serializers.IntegerField()
    median_seconds_per_document = serializers.FloatField(allow_null=True)
    spans = serializers.IntegerField()
    spans_per_document = serializers.FloatField(allow_null=True)
    labels = serializers.DictField(
        child=serializers.IntegerField(), help_text="Label id → number of spans."
    )


class AnnotatorPairF1Serializer(serializers.Serializer):
    annotators = serializers.ListField(child=serializers.IntegerField())
    span_f1_exact = StatisticSerializer()
    span_f1_overlap = StatisticSerializer()


class AnnotatorPairKappaSerializer(StatisticSerializer):
    annotators = serializers.ListField(child=serializers.IntegerField())


class DashboardAgreementSerializer(serializers.Serializer):
    report_id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    documents_counted = serializers.IntegerField()
    alpha = StatisticSerializer()
    bootstrap = BootstrapIntervalSerializer()
    per_label_alpha = LabelAlphaSerializer(many=True)
    leave_one_annotator_out = LeaveOneAnnotatorOutSerializer(many=True)
    unitizing_alpha = UnitizingAlphaSerializer()
    pairs = AnnotatorPairF1Serializer(many=True)
    cohen_kappa = AnnotatorPairKappaSerializer(many=True)
    fleiss_kappa = StatisticSerializer()
    status_agreement = StatusAlphaSerializer()
    gold = GoldAgreementRowSerializer(many=True)
    queue = RankedDocumentSerializer(
        many=True,
        help_text="Lowest character alpha first, at most 20, each with its unitizing alpha too.",
    )


class TrendPointSerializer(serializers.Serializer):
    report_id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    documents_counted = serializers.IntegerField()
    alpha = serializers.FloatField(allow_null=True)


class DashboardSerializer(serializers.Serializer):
    project = DashboardProjectSerializer()
    workers = WorkerStatusSerializer()
    documents = DocumentProgressSerializer()
    annotators = AnnotatorProgressSerializer(many=True)
    agreement = DashboardAgreementSerializer(allow_null=True, help_text="Null before any report.")
    agreement_stale = serializers.BooleanField()
    trend = TrendPointSerializer(many=True, help_text="Oldest first, at most 50 reports.")
    names = ProjectNamesSerializer()
