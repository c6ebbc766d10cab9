"""What an import request sends: document files, or another tool's annotation file."""

from __future__ import annotations

from rest_framework import serializers

from annotations.serializers.fields import BooleanField
from annotations.services.annotation_imports import ANNOTATION_FORMATS
from annotations.services.document_imports import FORMATS
from annotations.services.import_preview import IMPORT_FORMATS, MAX_LISTED_ERRORS, SAMPLE_RECORDS


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


class ImportPreviewSerializer(serializers.Serializer):
    """The fields of both import endpoints: documents and annotated files alike."""

    file = serializers.ListField(
        child=serializers.FileField(allow_empty_file=False),
        min_length=1,
        max_length=10000,
        help_text="One or more files in any format of the two imports.",
    )
    format = serializers.ChoiceField(
        choices=IMPORT_FORMATS,
        required=False,
        help_text="For every file. Default: each file's own, told from its first record and its "
        "extension (a file whose format cannot be told is a 400 naming it).",
    )
    user = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="Annotated files: attribute every span to this member.",
    )
    annotator = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="doccano files: the username the file's spans belong to.",
    )
    create_labels = BooleanField(
        default=False, help_text="Annotated files: create the labels the project lacks."
    )


class PreviewAnnotatorSerializer(serializers.Serializer):
    name = serializers.CharField()
    spans = serializers.IntegerField()
    labels = serializers.DictField(
        child=serializers.IntegerField(), help_text="Spans per label key, most used first."
    )


class PreviewRecordSerializer(serializers.Serializer):
    line = serializers.IntegerField(allow_null=True, help_text="The record's line in the file.")
    item = serializers.IntegerField(
        allow_null=True, help_text="Label Studio: the task's 0-based index in the array."
    )
    title = serializers.CharField(allow_blank=True)
    text = serializers.CharField(help_text="The first characters of the text.")
    characters = serializers.IntegerField(help_text="The whole text's length.")
    annotators = PreviewAnnotatorSerializer(many=True)
    gold_spans = serializers.IntegerField(
        allow_null=True, help_text="Adjudicated documents: their gold spans; else null."
    )


class PreviewErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(allow_null=True)
    item = serializers.IntegerField(allow_null=True)
    field = serializers.CharField(allow_blank=True)
    message = serializers.CharField()


class FilePreviewSerializer(serializers.Serializer):
    name = serializers.CharField()
    format = serializers.ChoiceField(choices=IMPORT_FORMATS)
    format_name = serializers.CharField()
    detected = serializers.BooleanField(help_text="False when the request chose the format.")
    annotated = serializers.BooleanField(
        help_text="An annotated file (native, Label Studio, doccano)."
    )
    ok = serializers.BooleanField(help_text="The import would take the file: no problem found.")
    records = serializers.IntegerField(help_text="Records read, valid or not.")
    documents = serializers.IntegerField(help_text="Documents the import would create.")
    spans = serializers.IntegerField()
    gold_spans = serializers.IntegerField()
    labels_to_create = serializers.ListField(child=serializers.CharField())
    notes = serializers.ListField(child=serializers.CharField())
    sample = PreviewRecordSerializer(
        many=True, help_text=f"The first {SAMPLE_RECORDS} documents as the import creates them."
    )
    error_count = serializers.IntegerField()
    errors = PreviewErrorSerializer(
        many=True, help_text=f"The first {MAX_LISTED_ERRORS} problems, by line or item."
    )


class ImportPreviewResultSerializer(serializers.Serializer):
    ok = serializers.BooleanField(help_text="Every file would import.")
    files = FilePreviewSerializer(many=True)
