"""Fields shared by the serializers of several areas."""

from __future__ import annotations

from typing import Any

from django.core.validators import slug_re
from django.db.models import Model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


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
