"""What an export request names: a format and a scope."""

from __future__ import annotations

from rest_framework import serializers

from annotations.services.exports import EXPORT_FORMATS


class ExportRequestSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=EXPORT_FORMATS)
    annotators = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        allow_null=True,
        default=None,
        help_text="User ids; default every annotator.",
    )
    gold_only = serializers.BooleanField(default=False)
    submitted_only = serializers.BooleanField(default=True)
    labels = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Label keys; default every label.",
    )
