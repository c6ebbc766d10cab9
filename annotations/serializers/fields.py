"""Fields shared by the serializers of several areas.

The input fields below are DRF's with JSON's types kept: from a JSON body, DRF's own fields take
``0`` for ``false``, ``5`` for ``"5"`` and ``"5"`` for ``5``, while the schema (and so every
client generated from it) says boolean, string or integer. Here a JSON value of another type is
refused (400), as the schema says. Form input (an HTML form, multipart) is all text, so it is
still read as DRF reads it. ``ModelSerializer`` maps model fields to these; serializers of input
use them instead of ``serializers.CharField`` and the like.
"""

from __future__ import annotations

from typing import Any

from django.core.validators import slug_re
from django.db import models
from django.db.models import Model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.utils import html

from annotations.json_depth import MAX_JSON_DEPTH, json_depth_exceeds


@extend_schema_field(
    {
        # Keys are slugs, ids positive: anything else can name nothing (checked without a query).
        "oneOf": [
            {"type": "integer", "minimum": 1},
            {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"},
        ],
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


class JSONField(serializers.JSONField):
    """DRF's ``JSONField``, refusing form input (a JSON string) that nests deeper than
    ``MAX_JSON_DEPTH`` before decoding it, as the JSON parser does for JSON bodies."""

    default_error_messages = {
        "too_deep": f"Nested more than {MAX_JSON_DEPTH} levels deep (arrays and objects inside "
        "each other)."
    }

    def to_internal_value(self, data: Any) -> Any:
        decodes = self.binary or getattr(data, "is_json_string", False)
        if decodes and isinstance(data, str | bytes) and json_depth_exceeds(data):
            self.fail("too_deep")
        return super().to_internal_value(data)


@extend_schema_field({"type": "object", "additionalProperties": {}})
class JSONObjectField(JSONField):
    """Free-form data that must be a JSON object (a document's metadata)."""

    default_error_messages = {"not_object": "Must be a JSON object."}

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        if not isinstance(value, dict):
            self.fail("not_object")
        return value


# --- input fields that keep JSON's types --------------------------------------------------------


def _from_json(field: serializers.Field) -> bool:
    """Whether the field reads a JSON body: form input (a ``QueryDict``) is all text."""
    return not html.is_html_input(getattr(field.root, "initial_data", None))


class _JSONTyped:
    """Refuses, as the field's ``invalid`` error, a JSON value that is not of ``json_types``
    (``bool`` is never an ``int`` here)."""

    json_types: tuple[type, ...] = ()

    def to_internal_value(self, data: Any) -> Any:
        if _from_json(self) and not self.is_json_type(data):  # type: ignore[arg-type]
            self.fail("invalid")  # type: ignore[attr-defined]
        return super().to_internal_value(data)  # type: ignore[misc]

    def is_json_type(self, data: Any) -> bool:
        if isinstance(data, bool):
            return bool in self.json_types
        return isinstance(data, self.json_types)


class CharField(_JSONTyped, serializers.CharField):
    json_types = (str,)


class URLField(_JSONTyped, serializers.URLField):
    json_types = (str,)


class RegexField(_JSONTyped, serializers.RegexField):
    json_types = (str,)


class SlugField(_JSONTyped, serializers.SlugField):
    json_types = (str,)


class IntegerField(_JSONTyped, serializers.IntegerField):
    json_types = (int,)

    def is_json_type(self, data: Any) -> bool:
        # JSON has one number type: 5.0 is the integer 5 to a JSON Schema validator as well.
        return super().is_json_type(data) or (isinstance(data, float) and data.is_integer())


class FloatField(_JSONTyped, serializers.FloatField):
    json_types = (int, float)


class BooleanField(_JSONTyped, serializers.BooleanField):
    """In form input (a multipart upload's fields) too, only ``true`` or ``false`` (any case):
    DRF's also reads 1, "yes" and "on", which a boolean of the schema is not."""

    json_types = (bool,)

    def to_internal_value(self, data: Any) -> Any:
        if not _from_json(self) and str(data).lower() not in ("true", "false"):
            self.fail("invalid")
        return super().to_internal_value(data)


class ChoiceField(_JSONTyped, serializers.ChoiceField):
    """Choices are strings here: ``1`` is not the choice ``"1"``."""

    json_types = (str,)

    def to_internal_value(self, data: Any) -> Any:
        if _from_json(self) and not self.is_json_type(data):
            self.fail("invalid_choice", input=data)
        return super(_JSONTyped, self).to_internal_value(data)


class ModelSerializer(serializers.ModelSerializer):
    """DRF's, building the fields above (and the depth-limited ``JSONField``) from the model."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: CharField,
        models.TextField: CharField,
        models.SlugField: SlugField,
        models.URLField: URLField,
        models.IntegerField: IntegerField,
        models.BigIntegerField: IntegerField,
        models.PositiveIntegerField: IntegerField,
        models.PositiveSmallIntegerField: IntegerField,
        models.SmallIntegerField: IntegerField,
        models.FloatField: FloatField,
        models.BooleanField: BooleanField,
        models.JSONField: JSONField,
    }
    serializer_choice_field = ChoiceField
