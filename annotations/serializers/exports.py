"""What an export request names: a format and a scope."""

from __future__ import annotations

from rest_framework import serializers

from annotations.serializers.fields import BooleanField, CharField, ChoiceField, IntegerField
from annotations.services.exports import EXPORT_FORMATS


class ExportRequestSerializer(serializers.Serializer):
    format = ChoiceField(choices=EXPORT_FORMATS)
    annotators = serializers.ListField(
        child=IntegerField(min_value=1),
        required=False,
        allow_null=True,
        default=None,
        help_text="User ids; default every annotator.",
    )
    gold_only = BooleanField(default=False)
    submitted_only = BooleanField(default=True)
    labels = serializers.ListField(
        child=CharField(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Label keys; default every label.",
    )
    excel_safe = BooleanField(
        default=True,
        help_text="CSV: prefix ' to every text cell that starts with = + - @ (or a tab or carriage "
        "return), so that a spreadsheet shows it as text instead of running it as a formula. "
        "Turn off for programs that read the file.",
    )
