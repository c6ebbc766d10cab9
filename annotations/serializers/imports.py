"""What an import request sends: document files, or another tool's annotation file."""

from __future__ import annotations

from rest_framework import serializers

from annotations.serializers.fields import BooleanField
from annotations.services.annotation_imports import ANNOTATION_FORMATS
from annotations.services.document_imports import FORMATS


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.ListField(
        child=serializers.FileField(allow_empty_file=False),
        min_length=1,
        max_length=10000,
        help_text="One or more .jsonl, .csv or .txt files (a folder: send each .txt file).",
    )
    format = serializers.ChoiceField(
        choices=FORMATS, required=False, help_text="Default: from each file's extension."
    )


class AnnotationImportSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=False)
    format = serializers.ChoiceField(
        choices=ANNOTATION_FORMATS,
        help_text="native (our JSONL export), label_studio (JSON) or doccano (JSONL)",
    )
    user = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="Attribute every span to this member instead of the names in the file.",
    )
    annotator = serializers.CharField(
        required=False,
        # A form's empty field is an absent one: the schema says blank is allowed, and means none.
        allow_blank=True,
        help_text="doccano: the username the file's spans belong to.",
    )
    create_labels = BooleanField(default=False)
