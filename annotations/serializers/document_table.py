"""The documents table in the API: its query parameters, its rows, and the bulk action."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

from annotations.selectors.document_table import (
    ORDERING_CHOICES,
    SEARCH_MAX_LENGTH,
    DocumentState,
    DocumentTableQuery,
    document_table_query_problems,
)
from annotations.serializers.fields import (
    BooleanField,
    CharField,
    ChoiceField,
    FloatField,
    IntegerField,
)
from annotations.serializers.jobs import JobSerializer
from annotations.services.document_bulk import BULK_ACTIONS, BULK_MAX_DOCUMENTS
from annotations.services.exports import EXPORT_FORMATS, EXPORT_MAX_DOCUMENTS


class DocumentTableQuerySerializer(serializers.Serializer):
    """Search, filters and order of the documents table (``selectors.document_table``). Ids that
    name nothing in the project, and the reviewers' filters asked by an annotator, are a 400
    naming the parameter."""

    search = CharField(
        required=False,
        allow_blank=True,
        max_length=SEARCH_MAX_LENGTH,
        trim_whitespace=True,
        help_text='Words in the title or text, web-search style: `"a phrase"`, `or`, `-word`. '
        "Full-text (English stemming) on PostgreSQL.",
    )
    state = ChoiceField(
        choices=DocumentState.choices,
        required=False,
        help_text="From the assignments (skipped ones ignored): `unassigned` none, `open` some "
        "assigned or in progress, `complete` some submitted and none open. An annotator's state "
        "is that of their own assignment.",
    )
    annotator = IntegerField(
        min_value=1, required=False, help_text="Documents this member has an assignment of."
    )
    label = IntegerField(
        min_value=1, required=False, help_text="Documents with a span (or gold span) of this label."
    )
    status = IntegerField(
        min_value=1,
        required=False,
        help_text="Documents with a span (or gold span) of this verification status.",
    )
    adjudicated = BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Documents whose adjudication is (or is not) closed.",
    )
    submitted = BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Documents with (or without) a submission, whatever else is open.",
    )
    agreement_below = FloatField(
        required=False,
        help_text="Documents whose own character-level alpha is known and below this number.",
    )
    batch = serializers.UUIDField(
        required=False, help_text="The import job that created the documents."
    )
    ordering = ChoiceField(
        choices=ORDERING_CHOICES,
        required=False,
        default="id",
        help_text="`-` sorts descending; ties by id. `agreement`: documents without a figure last.",
    )

    def to_internal_value(self, data: Any) -> Any:
        # DRF reads an empty query value as "not given"; the schema allows none but the search's,
        # so `state=` is refused like any other value outside it rather than ignored.
        if not isinstance(data, Mapping):
            return super().to_internal_value(data)  # "expected a dictionary", as DRF says it
        empty = [
            name
            for name, field in self.fields.items()
            if data.get(name) == "" and not getattr(field, "allow_blank", False)
        ]
        if empty:
            raise serializers.ValidationError(
                {
                    name: ["May not be empty: leave the parameter out for no filter."]
                    for name in empty
                }
            )
        return super().to_internal_value(data)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        query = DocumentTableQuery.from_kwargs(attrs)
        problems = document_table_query_problems(self.context["access"], query)
        if problems:
            raise serializers.ValidationError({k: [v] for k, v in problems.items()})
        attrs["query"] = query
        return attrs


class DocumentRowSerializer(serializers.Serializer):
    """One document of the table, with the figures it shows."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    source_url = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)
    metadata = serializers.DictField()
    created_at = serializers.DateTimeField()
    batch = serializers.UUIDField(
        source="import_job_id", allow_null=True, help_text="The import job that created it."
    )
    state = serializers.ChoiceField(choices=DocumentState.choices)
    assigned = serializers.IntegerField(help_text="Assignments that are not skipped.")
    submitted = serializers.IntegerField()
    spans = serializers.IntegerField(help_text="Spans the user may read.")
    agreement = serializers.FloatField(
        allow_null=True,
        help_text="The document's character-level alpha; null when undefined, not computed yet, "
        "or for annotators.",
    )
    agreement_reason = serializers.CharField(help_text="Why `agreement` is null, when known.")
    agreement_stale = serializers.BooleanField(
        help_text="An input changed since `agreement` was computed (a refresh is due)."
    )
    adjudicated = serializers.BooleanField()
    assignment_state = serializers.CharField(
        allow_null=True, help_text="The requesting user's own assignment of it, if any."
    )


class DocumentBulkActionSerializer(serializers.Serializer):
    """An action on documents chosen by id, or on every document matching a filter."""

    action = ChoiceField(
        choices=BULK_ACTIONS,
        help_text="`assign` and `unassign` (open work only) and `delete`: managers; `export`: "
        "reviewers and managers.",
    )
    documents = serializers.ListField(
        child=IntegerField(min_value=1),
        required=False,
        max_length=EXPORT_MAX_DOCUMENTS,
        help_text=f"Document ids (at most {BULK_MAX_DOCUMENTS:,} for assign, unassign and delete, "
        f"{EXPORT_MAX_DOCUMENTS:,} for export). Give this or `filter`.",
    )
    filter = DocumentTableQuerySerializer(
        required=False,
        help_text="Every document the table's search and filters match (its `ordering` is "
        "ignored). Give this or `documents`.",
    )
    annotator = IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        help_text="`assign`: the member to give the documents to (required). `unassign`: whose "
        "open work to remove (default: everyone's).",
    )
    format = ChoiceField(choices=EXPORT_FORMATS, required=False, help_text="`export` (required).")
    submitted_only = BooleanField(
        default=False,
        help_text="`export`: keep only documents and spans of annotators who submitted (default: "
        "every chosen document, with every annotator's spans).",
    )
    excel_safe = BooleanField(default=True, help_text="`export`, CSV: as for exports.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("documents" in attrs) == ("filter" in attrs):
            raise serializers.ValidationError(
                {"documents": ["Give either `documents` (ids) or `filter`, not both."]}
            )
        if attrs["action"] == "export" and not attrs.get("format"):
            raise serializers.ValidationError({"format": ["Choose the export's format."]})
        if attrs["action"] == "assign" and attrs.get("annotator") is None:
            raise serializers.ValidationError(
                {"annotator": ["Choose whom to assign the documents to."]}
            )
        return attrs


class DocumentBulkResultSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=BULK_ACTIONS)
    documents = serializers.IntegerField(help_text="Documents chosen.")
    changed = serializers.IntegerField(
        help_text="`assign`: assignments created; `unassign`: open assignments removed; "
        "`delete`: documents deleted; `export`: 0."
    )
    unchanged = serializers.IntegerField(
        help_text="`assign`: documents the member already had; `unassign`: assignments kept "
        "(submitted or skipped)."
    )
    job = JobSerializer(allow_null=True, help_text="`export`: the export job (follow it).")
