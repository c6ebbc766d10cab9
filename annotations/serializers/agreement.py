"""Output serializers of the agreement report (``GET agreement/``).

They describe, for the schema, the JSON that ``annotations.agreement`` builds (``ProjectAccumulator
.report()``, ``report.py``, ``bootstrap.py``) and ``annotations.agreement_runs`` stores in
``AgreementReport.metrics`` and ``.timings``. The view returns that JSON as stored; the schema tests
validate real answers against these serializers, so a key added there must be added here."""

from __future__ import annotations

from rest_framework import serializers


class StatisticSerializer(serializers.Serializer):
    """A coefficient: ``value``, or ``null`` with the ``reason`` it is undefined."""

    value = serializers.FloatField(allow_null=True)
    reason = serializers.CharField(allow_null=True, help_text="Why `value` is null; else null.")


class BootstrapIntervalSerializer(serializers.Serializer):
    low = serializers.FloatField(allow_null=True)
    high = serializers.FloatField(allow_null=True)
    reason = serializers.CharField(allow_null=True, help_text="Why there is no interval.")
    level = serializers.FloatField(help_text="e.g. 0.95")
    resamples = serializers.IntegerField()
    undefined_resamples = serializers.IntegerField()
    seed = serializers.IntegerField()
    method = serializers.CharField()


class LabelAlphaSerializer(StatisticSerializer):
    label = serializers.IntegerField(help_text="Label id (see `names.labels`).")


class LeaveOneAnnotatorOutSerializer(StatisticSerializer):
    """The project alpha without this annotator."""

    annotator = serializers.IntegerField()
    documents = serializers.IntegerField()
    change = serializers.FloatField(allow_null=True, help_text="Alpha without minus alpha with.")


class CharacterAlphaSerializer(StatisticSerializer):
    pairable_values = serializers.FloatField()
    per_label = LabelAlphaSerializer(many=True)
    bootstrap = BootstrapIntervalSerializer()
    leave_one_annotator_out = LeaveOneAnnotatorOutSerializer(many=True)


class UnitizingLabelAlphaSerializer(StatisticSerializer):
    label = serializers.IntegerField()
    observed_disagreement = serializers.FloatField(allow_null=True)
    expected_disagreement = serializers.FloatField(allow_null=True)


class UnitizingAlphaSerializer(StatisticSerializer):
    per_label = UnitizingLabelAlphaSerializer(many=True)


class SpanF1Serializer(serializers.Serializer):
    tp = serializers.IntegerField()
    fp = serializers.IntegerField()
    fn = serializers.IntegerField()
    precision = StatisticSerializer()
    recall = StatisticSerializer()
    f1 = StatisticSerializer()


class SpanF1RowSerializer(serializers.Serializer):
    annotators = serializers.ListField(
        child=serializers.IntegerField(),
        allow_null=True,
        help_text="The pair [a, b]; null for the row pooled over all pairs.",
    )
    label = serializers.IntegerField(
        allow_null=True, help_text="Label id; null for the row pooled over all labels."
    )
    spans_a = serializers.IntegerField()
    spans_b = serializers.IntegerField()
    exact = SpanF1Serializer()
    overlap = SpanF1Serializer()


class CohenKappaRowSerializer(StatisticSerializer):
    annotators = serializers.ListField(child=serializers.IntegerField())
    documents = serializers.IntegerField()
    characters = serializers.FloatField()


class FleissKappaSerializer(StatisticSerializer):
    raters_per_character = serializers.IntegerField(allow_null=True)
    documents = serializers.IntegerField()
    characters = serializers.FloatField()


class StatusCoverageSerializer(StatisticSerializer):
    spans = serializers.IntegerField()
    matched_spans = serializers.IntegerField()


class StatusAlphaSerializer(StatisticSerializer):
    units = serializers.IntegerField()
    coverage = StatusCoverageSerializer()


class RankedDocumentSerializer(serializers.Serializer):
    """One document's own figures: character alpha (what the ranking orders by) and unitizing
    alpha, each null with the reason it is undefined."""

    document_id = serializers.IntegerField()
    alpha = serializers.FloatField(allow_null=True)
    reason = serializers.CharField(allow_null=True)
    unitizing_alpha = serializers.FloatField(
        allow_null=True,
        help_text="The document's own unitizing alpha over its labels. Null with "
        "`unitizing_reason` saying why, or with a null reason: not computed yet (a report "
        "stored before this figure existed).",
    )
    unitizing_reason = serializers.CharField(
        allow_null=True, help_text="Why `unitizing_alpha` is null; null when not computed yet."
    )


class GoldAgreementRowSerializer(serializers.Serializer):
    """One annotator against the gold standard, over the adjudicated documents they submitted."""

    annotator = serializers.IntegerField()
    documents = serializers.IntegerField()
    character_alpha = StatisticSerializer()
    span_f1_exact = SpanF1Serializer()
    span_f1_overlap = SpanF1Serializer()


class AgreementDocumentCountsSerializer(serializers.Serializer):
    counted = serializers.IntegerField()
    skipped = serializers.IntegerField()
    skipped_reason = serializers.CharField()


class AgreementMetricsSerializer(serializers.Serializer):
    schema = serializers.IntegerField(help_text="Version of this layout.")
    documents = AgreementDocumentCountsSerializer()
    annotators = serializers.ListField(child=serializers.IntegerField())
    character_alpha = CharacterAlphaSerializer()
    unitizing_alpha = UnitizingAlphaSerializer()
    span_f1 = SpanF1RowSerializer(many=True)
    cohen_kappa = CohenKappaRowSerializer(many=True)
    fleiss_kappa = FleissKappaSerializer()
    status_alpha = StatusAlphaSerializer()
    documents_ranked = RankedDocumentSerializer(many=True)
    documents_undefined = RankedDocumentSerializer(many=True)
    gold = GoldAgreementRowSerializer(many=True)


class AgreementTimingsSerializer(serializers.Serializer):
    """How long the run took; which keys appear depends on the path (full, roll-up, incremental)."""

    compute_seconds = serializers.FloatField(required=False)
    rollup_seconds = serializers.FloatField(required=False)
    load_sums_seconds = serializers.FloatField(required=False)
    recompute_seconds = serializers.FloatField(required=False)
    documents_recomputed = serializers.IntegerField(required=False)
    report_seconds = serializers.FloatField(required=False)
    total_seconds = serializers.FloatField(required=False)
    bootstrap = serializers.BooleanField(required=False)


class AgreementReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    fingerprint = serializers.CharField()
    documents_counted = serializers.IntegerField()
    timings = AgreementTimingsSerializer()
    job = serializers.UUIDField(allow_null=True, help_text="The job that computed it, if any.")
    metrics = AgreementMetricsSerializer()


class ProjectNamesSerializer(serializers.Serializer):
    """Keys for the ids the figures mention, as maps from id (a string in JSON) to key."""

    labels = serializers.DictField(child=serializers.CharField(), help_text="Label id → key.")
    statuses = serializers.DictField(child=serializers.CharField(), help_text="Status id → key.")
    annotators = serializers.DictField(
        child=serializers.CharField(), help_text="User id → username."
    )


class AgreementHistoryRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    documents_counted = serializers.IntegerField()
    alpha = serializers.FloatField(allow_null=True)
    bootstrap = BootstrapIntervalSerializer(allow_null=True)


class AgreementOverviewSerializer(serializers.Serializer):
    report = AgreementReportSerializer(
        allow_null=True, help_text="The latest report; null if none."
    )
    stale = serializers.BooleanField(help_text="Inputs changed after the latest report.")
    detail = serializers.CharField(allow_null=True, help_text="Set when there is no report yet.")
    names = ProjectNamesSerializer()
    history = AgreementHistoryRowSerializer(many=True, help_text="Newest first, at most 100.")
