"""Input and output serializers. Related fields are always resolved inside the request's project,
so an id from another project is "unknown" (400), never silently accepted."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.validators import slug_re
from django.db.models import Model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotations.importing import storage_problem
from annotations.models import (
    Assignment,
    Document,
    Evidence,
    EvidenceStance,
    Job,
    JobState,
    Label,
    Membership,
    Project,
    Span,
    VerificationStatus,
)
from annotations.span_output import span_representations, span_rows

User = get_user_model()


class ProjectSerializer(serializers.ModelSerializer):
    my_role = serializers.CharField(read_only=True, default=None)
    my_assigned = serializers.IntegerField(read_only=True, default=None)
    my_submitted = serializers.IntegerField(read_only=True, default=None)

    class Meta:
        model = Project
        fields = [
            "id",
            "name",
            "description",
            "guidelines",
            "annotators_per_document",
            "blind",
            "created_at",
            "updated_at",
            "my_role",
            "my_assigned",
            "my_submitted",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"annotators_per_document": {"min_value": 1, "max_value": 50}}


class MembershipSerializer(serializers.ModelSerializer):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False)
    username = serializers.CharField(
        required=False, help_text="Alternative to `user` when adding a member."
    )

    class Meta:
        model = Membership
        fields = ["id", "user", "username", "role", "created_at"]
        read_only_fields = ["created_at"]

    def to_representation(self, instance: Membership) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["username"] = instance.user.get_username()
        return data

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is None:
            username = attrs.pop("username", None)
            if "user" not in attrs:
                if not username:
                    raise serializers.ValidationError(
                        {"user": "Give the user's id (`user`) or `username`."}
                    )
                user = User.objects.filter(username=username).first()
                if user is None:
                    raise serializers.ValidationError({"username": f"No user named {username!r}."})
                attrs["user"] = user
        else:
            attrs.pop("username", None)
            if "user" in attrs and attrs["user"] != self.instance.user:
                raise serializers.ValidationError(
                    {"user": "A membership's user cannot change; remove and add instead."}
                )
        return attrs


class _ProjectKeyedSerializer(serializers.ModelSerializer):
    """Labels and statuses: ``key`` is unique per project, checked here for a clear 400."""

    def validate_key(self, value: str) -> str:
        project = self.context["project"]
        clash = type(self).Meta.model.objects.filter(project=project, key=value)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError(f"The key {value!r} is already used in this project.")
        return value


class LabelSerializer(_ProjectKeyedSerializer):
    color = serializers.RegexField(r"^#[0-9a-fA-F]{6}$", required=False, help_text="#rrggbb")

    class Meta:
        model = Label
        fields = ["id", "key", "name", "color", "shortcut", "order", "retired"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        shortcut = attrs.get("shortcut", getattr(self.instance, "shortcut", ""))
        retired = attrs.get("retired", getattr(self.instance, "retired", False))
        if shortcut and not retired:
            clash = Label.objects.filter(
                project=self.context["project"], shortcut=shortcut, retired=False
            )
            if self.instance is not None:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                raise serializers.ValidationError(
                    {
                        "shortcut": f"Shortcut {shortcut!r} is already used by label '{clash.first().key}'."
                    }
                )
        return attrs


class VerificationStatusSerializer(_ProjectKeyedSerializer):
    color = serializers.RegexField(r"^#[0-9a-fA-F]{6}$", required=False, help_text="#rrggbb")

    class Meta:
        model = VerificationStatus
        fields = ["id", "key", "name", "color", "order", "is_initial", "is_final", "retired"]


class DocumentListSerializer(serializers.ModelSerializer):
    class Meta:
        model = Document
        fields = ["id", "title", "source_url", "published_at", "metadata", "created_at"]


class BulkDocumentsSerializer(serializers.Serializer):
    documents = serializers.ListField(
        child=serializers.JSONField(),
        min_length=1,
        max_length=5000,
        help_text="Objects with text (required), title, source_url, published_at, metadata.",
    )


class EvidenceSerializer(serializers.ModelSerializer):
    stance = serializers.ChoiceField(choices=EvidenceStance.choices)

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


class DocumentSerializer(serializers.ModelSerializer):
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


@extend_schema_field(
    {
        "oneOf": [{"type": "integer"}, {"type": "string"}],
        "description": "The id (integer) or the key (string) of an object of this project.",
    }
)
class ProjectRelatedField(serializers.RelatedField):
    """A label or status of the request's project, given by id (integer) or key (string)."""

    default_error_messages = {
        "unknown": "Unknown {model} {value!r} in this project.",
        "type": "Give the {model}'s id (integer) or key (string).",
    }

    def __init__(self, model: type[Model], **kwargs: Any) -> None:
        self.model = model
        kwargs.setdefault("queryset", model.objects.all())
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Model:
        project = self.context["project"]
        name = self.model._meta.verbose_name
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("type", model=name)
        is_id = isinstance(data, int) or (data.isascii() and data.isdigit())
        if not is_id and not slug_re.match(data):
            self.fail("unknown", model=name, value=data)  # keys are slugs: no need to look
        ref = int(data) if is_id else data
        vocabulary = self.context.get("vocabulary")
        if vocabulary is not None and vocabulary.project_id == project.pk:
            obj = vocabulary.find(self.model, ref)
        else:
            lookup = {"pk": ref} if is_id else {"key": ref}
            obj = self.model.objects.filter(project=project, **lookup).first()
        if obj is None:
            self.fail("unknown", model=name, value=data)
        return obj

    def to_representation(self, value: Model) -> Any:
        return value.pk


class SpanInputSerializer(serializers.Serializer):
    document = serializers.IntegerField(min_value=1)
    label = ProjectRelatedField(Label)
    start = serializers.IntegerField(help_text="Unicode code points, inclusive.")
    end = serializers.IntegerField(help_text="Unicode code points, exclusive.")
    quote = serializers.CharField(
        required=False,
        trim_whitespace=False,
        allow_blank=False,
        help_text="If given, must equal document.text[start:end].",
    )
    status = ProjectRelatedField(VerificationStatus, required=False)
    note = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, default=""
    )
    evidence = EvidenceSerializer(many=True, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "start" in attrs and "end" in attrs and attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError(
                {"end": f"end ({attrs['end']}) must be greater than start ({attrs['start']})."}
            )
        if attrs.get("start", 0) < 0:
            raise serializers.ValidationError({"start": "start must be >= 0."})
        return attrs


class SpanUpdateSerializer(SpanInputSerializer):
    document = None  # type: ignore[assignment]  # a span cannot move to another document
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="The version you edited; or send If-Match."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)


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
    document = serializers.IntegerField(min_value=1)
    annotator = serializers.IntegerField(min_value=1)


class AssignmentActionSerializer(serializers.Serializer):
    time_spent_seconds = serializers.IntegerField(min_value=0, required=False, default=0)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class DistributeSerializer(serializers.Serializer):
    annotators = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        help_text="User ids; default all annotators of the project.",
    )
    documents = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        help_text="Document ids; default all documents of the project.",
    )


class JobSerializer(serializers.ModelSerializer):
    waiting_for_worker = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "id",
            "project",
            "kind",
            "state",
            "progress",
            "progress_done",
            "progress_total",
            "waiting_for_worker",
            "params",
            "result",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_waiting_for_worker(self, job: Job) -> str | None:
        from annotations.jobs import job_waiting_message

        if job.state != JobState.QUEUED:
            return None
        # The answer depends on the workers, not on the job: ask the broker once per response,
        # not once per listed job (each ask may wait for a connect timeout when it is down).
        memo = self.context.setdefault("_waiting_for_worker", {})
        if "message" not in memo:
            memo["message"] = job_waiting_message(job)
        return memo["message"]

    def get_progress(self, job: Job) -> float | None:
        if job.state == "succeeded":
            return 1.0
        if not job.progress_total:
            return None
        return round(min(job.progress_done / job.progress_total, 1.0), 4)


# --- adjudication --------------------------------------------------------------------------------


class GoldEvidenceSerializer(serializers.Serializer):
    url = serializers.URLField(required=False, allow_blank=True, default="", max_length=2000)
    document_ref = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")
    stance = serializers.ChoiceField(choices=EvidenceStance.choices)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("url") and attrs.get("document_ref") is None:
            raise serializers.ValidationError("Give a URL or a document reference (document_ref).")
        return attrs


class VerdictChangeSerializer(serializers.Serializer):
    changed_by = serializers.CharField(source="changed_by.username", default=None)
    changed_at = serializers.DateTimeField()
    from_status = serializers.CharField(source="from_status.key", default=None)
    to_status = serializers.CharField(source="to_status.key")
    rationale = serializers.CharField()


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

    def get_evidence(self, gold: Any) -> list[dict[str, Any]]:
        return [
            {"url": e.url, "document_ref": e.document_ref_id, "note": e.note, "stance": e.stance}
            for e in gold.evidence.all()
        ]


class GoldCreateSerializer(serializers.Serializer):
    document = serializers.IntegerField(min_value=1)
    label = ProjectRelatedField(Label)
    start = serializers.IntegerField(min_value=0)
    end = serializers.IntegerField(min_value=1)


class GoldUpdateSerializer(serializers.Serializer):
    label = ProjectRelatedField(Label, required=False)
    start = serializers.IntegerField(min_value=0, required=False)
    end = serializers.IntegerField(min_value=1, required=False)
    version = serializers.IntegerField(min_value=1, required=False)


class AcceptSerializer(serializers.Serializer):
    spans = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        min_length=1,
        help_text="Span ids: a cluster, or one annotator's span.",
    )
    label = ProjectRelatedField(Label, required=False)
    start = serializers.IntegerField(min_value=0, required=False)
    end = serializers.IntegerField(min_value=1, required=False)


class VerdictSerializer(serializers.Serializer):
    status = ProjectRelatedField(VerificationStatus)
    rationale = serializers.CharField(allow_blank=True, default="", trim_whitespace=False)
    evidence = GoldEvidenceSerializer(many=True, required=False)


class AdjudicationStateSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=["open", "adjudicated"])


class CommentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    document = serializers.IntegerField(min_value=1)
    span = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    gold_span = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    author = serializers.CharField(source="author.username", read_only=True)
    body = serializers.CharField(max_length=10000)
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
