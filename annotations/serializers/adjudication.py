"""Adjudication: gold spans, verdicts, acceptance and comments."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from annotations.models import EvidenceStance, Label, VerificationStatus
from annotations.serializers.fields import (
    CharField,
    ChoiceField,
    IntegerField,
    ProjectRelatedField,
    URLField,
)
from annotations.serializers.spans import SpanSerializer


class GoldEvidenceSerializer(serializers.Serializer):
    url = URLField(required=False, allow_blank=True, default="", max_length=2000)
    document_ref = IntegerField(required=False, allow_null=True, default=None, min_value=1)
    note = CharField(required=False, allow_blank=True, default="")
    stance = ChoiceField(choices=EvidenceStance.choices)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("url") and attrs.get("document_ref") is None:
            raise serializers.ValidationError("Give a URL or a document reference (document_ref).")
        return attrs


class VerdictChangeSerializer(serializers.Serializer):
    changed_by = serializers.CharField(source="changed_by.username", default=None, allow_null=True)
    changed_at = serializers.DateTimeField()
    from_status = serializers.CharField(source="from_status.key", default=None, allow_null=True)
    to_status = serializers.CharField(source="to_status.key")
    rationale = serializers.CharField()


class GoldSpanEvidenceSerializer(serializers.Serializer):
    """An evidence item of a gold span's verdict (output form)."""

    url = serializers.CharField(allow_blank=True)
    document_ref = serializers.IntegerField(allow_null=True)
    note = serializers.CharField(allow_blank=True)
    stance = serializers.ChoiceField(choices=EvidenceStance.choices)


class GoldSpanSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    document = serializers.IntegerField(source="document_id")
    label = serializers.IntegerField(source="label_id")
    label_key = serializers.CharField(source="label.key")
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    quote = serializers.CharField()
    status = serializers.IntegerField(source="status_id")
    status_key = serializers.CharField(source="status.key")
    rationale = serializers.CharField()
    version = serializers.IntegerField()
    source_spans = serializers.SerializerMethodField()
    evidence = serializers.SerializerMethodField()
    verdict_history = VerdictChangeSerializer(many=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_source_spans(self, gold: Any) -> list[int]:
        return [s.pk for s in gold.source_spans.all()]

    @extend_schema_field(GoldSpanEvidenceSerializer(many=True))
    def get_evidence(self, gold: Any) -> list[dict[str, Any]]:
        return [
            {"url": e.url, "document_ref": e.document_ref_id, "note": e.note, "stance": e.stance}
            for e in gold.evidence.all()
        ]


class GoldCreateSerializer(serializers.Serializer):
    document = IntegerField(min_value=1)
    label = ProjectRelatedField(Label)
    start = IntegerField(min_value=0)
    end = IntegerField(min_value=1)


class GoldUpdateSerializer(serializers.Serializer):
    label = ProjectRelatedField(Label, required=False)
    start = IntegerField(min_value=0, required=False)
    end = IntegerField(min_value=1, required=False)
    version = IntegerField(min_value=1, required=False)


class AcceptSerializer(serializers.Serializer):
    spans = serializers.ListField(
        child=IntegerField(min_value=1),
        min_length=1,
        help_text="Span ids: a cluster, or one annotator's span.",
    )
    label = ProjectRelatedField(Label, required=False)
    start = IntegerField(min_value=0, required=False)
    end = IntegerField(min_value=1, required=False)


class VerdictSerializer(serializers.Serializer):
    status = ProjectRelatedField(VerificationStatus)
    rationale = CharField(allow_blank=True, default="", trim_whitespace=False)
    evidence = GoldEvidenceSerializer(many=True, required=False)


class AdjudicationStateSerializer(serializers.Serializer):
    state = ChoiceField(choices=["open", "adjudicated"])


class CommentSerializer(serializers.Serializer):
    id = IntegerField(read_only=True)
    document = IntegerField(min_value=1)
    span = IntegerField(min_value=1, required=False, allow_null=True, default=None)
    gold_span = IntegerField(min_value=1, required=False, allow_null=True, default=None)
    author = CharField(source="author.username", read_only=True)
    body = CharField(max_length=10000)
    created_at = serializers.DateTimeField(read_only=True)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return {
            "id": instance.pk,
            "document": instance.document_id,
            "span": instance.span_id,
            "gold_span": instance.gold_span_id,
            "author": instance.author.username,
            "body": instance.body,
            "created_at": instance.created_at,
        }


# --- adjudication answers (output only) ----------------------------------------------------------

ADJUDICATION_STATES = ["open", "adjudicated"]  # the choices of AdjudicationStateSerializer


class AdjudicationQueueRowSerializer(serializers.Serializer):
    document = serializers.IntegerField()
    title = serializers.CharField(allow_blank=True)
    alpha = serializers.FloatField(allow_null=True, help_text="From the latest agreement report.")
    alpha_reason = serializers.CharField(allow_null=True, help_text="Why `alpha` is null.")
    unitizing_alpha = serializers.FloatField(
        allow_null=True,
        help_text="The document's own unitizing alpha, from the latest agreement report. Null "
        "with `unitizing_alpha_reason` saying why, or with a null reason: not computed yet.",
    )
    unitizing_alpha_reason = serializers.CharField(
        allow_null=True, help_text="Why `unitizing_alpha` is null; null when not computed yet."
    )
    state = serializers.ChoiceField(choices=ADJUDICATION_STATES)


# The project's page-number pagination written out: declared as a list, the queue would also
# gain pagination parameters in the schema, which this change must not alter.
@extend_schema_serializer(component_name="PaginatedAdjudicationQueueRowList")
class AdjudicationQueuePageSerializer(serializers.Serializer):
    """One page of the disagreement queue, lowest agreement first."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = AdjudicationQueueRowSerializer(many=True)


class AdjudicationDocumentTextSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField(allow_blank=True)
    text = serializers.CharField(trim_whitespace=False)


class AnnotatorNameSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField(allow_blank=True)


class ClusterProposalSerializer(serializers.Serializer):
    start = serializers.IntegerField()
    end = serializers.IntegerField()


class ClusterSerializer(serializers.Serializer):
    """Overlapping spans of one label from the submitted annotators."""

    label = serializers.IntegerField()
    start = serializers.IntegerField(help_text="Union of the members' ranges.")
    end = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["unanimous", "majority", "disputed"])
    proposal = ClusterProposalSerializer(help_text="The boundaries most annotators chose.")
    spans = serializers.ListField(child=serializers.IntegerField(), help_text="Span ids.")
    annotators = serializers.ListField(child=serializers.IntegerField())


class AdjudicationDocumentSerializer(serializers.Serializer):
    document = AdjudicationDocumentTextSerializer()
    state = serializers.ChoiceField(choices=ADJUDICATION_STATES)
    annotators = AnnotatorNameSerializer(many=True, help_text="Those who submitted.")
    spans = SpanSerializer(many=True)
    clusters = ClusterSerializer(many=True)
    gold_spans = GoldSpanSerializer(many=True)


class AcceptUnanimousResultSerializer(serializers.Serializer):
    created = serializers.ListField(child=serializers.IntegerField(), help_text="Gold span ids.")


class AdjudicationStateResultSerializer(serializers.Serializer):
    document = serializers.IntegerField()
    state = serializers.ChoiceField(choices=ADJUDICATION_STATES)
    adjudicated_at = serializers.DateTimeField(allow_null=True)


class ComparedSpanSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField(help_text="Label key.")
    label_name = serializers.CharField(help_text="The label's display name.")
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    quote = serializers.CharField(trim_whitespace=False)


class ComparedGoldSpanSerializer(ComparedSpanSerializer):
    status = serializers.CharField(help_text="Verification status key.")
    status_name = serializers.CharField(help_text="The verification status's display name.")


class GoldComparisonRowSerializer(serializers.Serializer):
    match = serializers.ChoiceField(choices=["exact", "boundaries", "label", "missed", "extra"])
    gold = ComparedGoldSpanSerializer(allow_null=True, help_text="Null for `extra`.")
    yours = ComparedSpanSerializer(allow_null=True, help_text="Null for `missed`.")


class GoldComparisonSerializer(serializers.Serializer):
    document = serializers.IntegerField()
    annotator = serializers.IntegerField()
    rows = GoldComparisonRowSerializer(many=True)
