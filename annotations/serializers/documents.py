"""Documents: list, detail (with the visible spans) and bulk create."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotations.models import Document
from annotations.selectors.span_output import span_representations, span_rows
from annotations.serializers.fields import JSONObjectField, ModelSerializer
from annotations.serializers.spans import SpanSerializer
from annotations.services.document_imports import TITLE_MAX, URL_MAX, storage_problem


class BulkDocumentRecordSerializer(serializers.Serializer):
    """One document of a bulk insert, for the schema: the import checks each record itself and
    answers every problem with its line (``BulkDocumentsErrorSerializer``)."""

    text = serializers.CharField(trim_whitespace=False)
    title = serializers.CharField(required=False, allow_blank=True, max_length=TITLE_MAX)
    source_url = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=URL_MAX, help_text="http(s)"
    )
    published_at = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, help_text="ISO 8601 date or date-time."
    )
    metadata = serializers.DictField(required=False, allow_null=True)


@extend_schema_field(BulkDocumentRecordSerializer)
class BulkDocumentRecordField(serializers.JSONField):
    """A record as sent: checked by the import, line by line, not here."""


class BulkDocumentsSerializer(serializers.Serializer):
    documents = serializers.ListField(
        child=BulkDocumentRecordField(),
        min_length=1,
        max_length=5000,
        help_text="Objects with text (required), title, source_url, published_at, metadata.",
    )


class DocumentSerializer(ModelSerializer):
    metadata = JSONObjectField(required=False)

    class Meta:
        model = Document
        fields = ["id", "title", "text", "source_url", "published_at", "metadata", "created_at"]
        read_only_fields = ["created_at"]
        # Stored exactly as sent: trimming would shift every offset computed on the original.
        extra_kwargs = {"text": {"trim_whitespace": False}}

    def validate_text(self, value: str) -> str:
        if value == "":
            raise serializers.ValidationError("A document needs text.")
        return value

    def validate_metadata(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise serializers.ValidationError("Must be a JSON object.")
        problem = storage_problem(value)
        if problem:
            raise serializers.ValidationError(f"A string {problem}.")
        return value


class DocumentDetailSerializer(DocumentSerializer):
    spans = serializers.SerializerMethodField()

    class Meta(DocumentSerializer.Meta):
        fields = [*DocumentSerializer.Meta.fields, "spans"]

    @extend_schema_field(SpanSerializer(many=True))
    def get_spans(self, document: Document) -> list[dict[str, Any]]:
        return span_representations(span_rows(self.context["visible_spans"]))


class BulkDocumentsResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()


class LineErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="1-based position in `documents`.")
    field = serializers.CharField()
    message = serializers.CharField()


@extend_schema_field(
    {
        "oneOf": [
            {"type": "array", "items": {"type": "string"}},
            {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
        ],
        "description": "One message per bad line; or, for items that are not even objects, "
        'their messages by position (`{"0": ["This field may not be null."]}`).',
    }
)
class BulkDocumentsMessagesField(serializers.JSONField):
    pass


class BulkDocumentsErrorSerializer(serializers.Serializer):
    """Nothing was inserted. Also the shape of a malformed request's answer, with `documents`
    (or `non_field_errors`) alone."""

    documents = BulkDocumentsMessagesField(required=False)
    errors = LineErrorSerializer(many=True, required=False, help_text="At most the first 100.")
    error_count = serializers.IntegerField(required=False)
