"""Assignments: the output form, creation, annotator actions and distribution."""

from __future__ import annotations

from rest_framework import serializers

from annotations.models import Assignment
from annotations.serializers.fields import CharField, IntegerField
from annotations.services.assignments import MAX_TIME_SPENT_SECONDS


class AssignmentSerializer(serializers.ModelSerializer):
    annotator_username = serializers.CharField(source="annotator.username", read_only=True)
    document_title = serializers.CharField(source="document.title", read_only=True)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "document",
            "document_title",
            "annotator",
            "annotator_username",
            "state",
            "time_spent_seconds",
            "skip_reason",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class AssignmentCreateSerializer(serializers.Serializer):
    document = IntegerField(min_value=1)
    annotator = IntegerField(min_value=1)


class AssignmentActionSerializer(serializers.Serializer):
    time_spent_seconds = IntegerField(
        min_value=0, max_value=MAX_TIME_SPENT_SECONDS, required=False, default=0
    )
    reason = CharField(required=False, allow_blank=True, default="")


class DistributeSerializer(serializers.Serializer):
    annotators = serializers.ListField(
        child=IntegerField(min_value=1),
        required=False,
        help_text="User ids; default all annotators of the project.",
    )
    documents = serializers.ListField(
        child=IntegerField(min_value=1),
        required=False,
        help_text="Document ids; default all documents of the project.",
    )


class DistributionResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Assignments created.")
    documents_fully_covered = serializers.IntegerField()
    documents_short_of_annotators = serializers.IntegerField()


class MoveOpenSerializer(serializers.Serializer):
    from_annotator = IntegerField(min_value=1, help_text="User id whose open work moves.")
    to_annotators = serializers.ListField(
        child=IntegerField(min_value=1),
        required=False,
        help_text="User ids of annotators of the project to take the work, least-loaded first; "
        "default all its other annotators.",
    )


class MoveResultSerializer(serializers.Serializer):
    moved = serializers.IntegerField(help_text="Open assignments given to other annotators.")
    received = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="How many each annotator received, by user id.",
    )
    kept = serializers.IntegerField(
        help_text="Open assignments that stayed: every other annotator already had the document, "
        "or it has its annotators_per_document without this annotator."
    )
