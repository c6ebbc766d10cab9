"""Spans and their evidence: the output form and the create/update input forms."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from annotations.models import Evidence, EvidenceStance, Label, Span, VerificationStatus
from annotations.serializers.fields import (
    CharField,
    ChoiceField,
    IntegerField,
    ModelSerializer,
    ProjectRelatedField,
)


class EvidenceSerializer(ModelSerializer):
    stance = ChoiceField(choices=EvidenceStance.choices)

    class Meta:
        model = Evidence
        fields = ["id", "url", "note", "stance"]
        read_only_fields = ["id"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("url") and not attrs.get("note"):
            raise serializers.ValidationError("Give a URL or a note for each evidence item.")
        return attrs


class SpanSerializer(serializers.ModelSerializer):
    """Output form of a span: the schema. The views build this JSON from rows with
    ``annotations.span_output``, which tests compare with this serializer's own output."""

    annotator_username = serializers.CharField(source="annotator.username", read_only=True)
    label_key = serializers.CharField(source="label.key", read_only=True)
    status_key = serializers.CharField(source="status.key", read_only=True)
    evidence = EvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = Span
        fields = [
            "id",
            "document",
            "annotator",
            "annotator_username",
            "label",
            "label_key",
            "start",
            "end",
            "quote",
            "status",
            "status_key",
            "note",
            "evidence",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class SpanInputSerializer(serializers.Serializer):
    document = IntegerField(min_value=1)
    label = ProjectRelatedField(Label)
    start = IntegerField(help_text="Unicode code points, inclusive.")
    end = IntegerField(help_text="Unicode code points, exclusive.")
    quote = CharField(
        required=False,
        trim_whitespace=False,
        allow_blank=False,
        help_text="If given, must equal document.text[start:end].",
    )
    status = ProjectRelatedField(VerificationStatus, required=False)
    note = CharField(required=False, allow_blank=True, trim_whitespace=False, default="")
    evidence = EvidenceSerializer(many=True, required=False)


class SpanUpdateSerializer(SpanInputSerializer):
    document = None  # type: ignore[assignment]  # a span cannot move to another document
    version = IntegerField(
        required=False, min_value=1, help_text="The version you edited; or send If-Match."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)
