"""The OpenAPI schema declares every answer an operation gives, errors included.

``WorkbenchSchema`` (``REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]``) adds to each operation the error
answers it can give, read off the operation and its view rather than written on every view:

=====  ========================================================================================
400    the operation reads a body, a query parameter or a header (a field or JSON is invalid)
401    the view authenticates (no credentials where they are needed, or a bad token anywhere)
403    writes (the role's rule, CSRF of a session) and reads that a rule guards (``action_rules``)
404    a path with an id (not found, or not visible to this user), and every page of a list
409    writes of an authenticated view (a domain conflict or a database constraint)
412    operations taking ``If-Match`` (a stale version)
413    operations that read multipart bodies (an upload past ``WORKBENCH_MAX_UPLOAD_MB``)
415    operations with a body (a media type no parser reads)
429    writes of throttled views; reads too where a throttle counts them (``counts_reads``)
503    actions a view lists in ``retries_deadlocks`` (a deadlock came back after one retry)
=====  ========================================================================================

A view declares anything else (a 409 on a read, a 400 with its own body) with ``extend_schema``;
what a view declares is kept. ``tests/test_api_fuzz.py`` holds the real answers to this schema.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework.permissions import SAFE_METHODS

from annotations.serializers.errors import (
    ConflictErrorSerializer,
    ErrorSerializer,
    ValidationErrorSerializer,
)

_ERRORS: dict[int, tuple[type, str]] = {
    400: (ValidationErrorSerializer, "The request is invalid; each field names its problem."),
    401: (ErrorSerializer, "No credentials, or an unknown or inactive user's token."),
    403: (ErrorSerializer, "The user's role does not allow this."),
    404: (ErrorSerializer, "No such object, or not visible to this user."),
    409: (ConflictErrorSerializer, "The request clashes with stored data."),
    412: (ConflictErrorSerializer, "If-Match names a version that is no longer current."),
    413: (ErrorSerializer, "The upload is larger than the server accepts."),
    415: (ErrorSerializer, "The body's media type is not one this operation reads."),
    429: (ErrorSerializer, "Too many requests; retry after the time the answer names."),
    503: (
        ErrorSerializer,
        "A concurrent edit deadlocked twice; nothing was saved: send the request again.",
    ),
}


class WorkbenchSchema(AutoSchema):
    """drf-spectacular's ``AutoSchema`` with the error answers of the module docstring."""

    def get_operation(
        self, path: str, path_regex: str, path_prefix: str, method: str, registry: Any
    ) -> dict[str, Any] | None:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        for code in self.error_codes(operation):
            serializer, description = _ERRORS[code]
            responses.setdefault(
                str(code),
                self._get_response_for_code(
                    OpenApiResponse(serializer, description=description),
                    str(code),
                    media_types=["application/json"],
                ),
            )
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def map_parsers(self) -> list[Any]:
        """The media types of request bodies: JSON where a view reads JSON, else what it reads
        (multipart uploads). The form parsers stay for the browsable API and the tests, but a
        form cannot say null, a number or an empty list apart from an absent one, so the contract
        (and what tests/test_api_fuzz.py holds the API to) is JSON."""
        media_types = super().map_parsers()
        return ["application/json"] if "application/json" in media_types else media_types

    def error_codes(self, operation: dict[str, Any]) -> list[int]:
        view = self.view
        parameters = operation.get("parameters", [])
        has_body = "requestBody" in operation
        writes = self.method not in SAFE_METHODS
        authenticates = bool(getattr(view, "authentication_classes", ()))
        guarded_read = getattr(view, "action", None) in getattr(view, "action_rules", {})
        codes = []
        if has_body or any(p["in"] in ("query", "header") for p in parameters):
            codes.append(400)
        if authenticates:
            codes.append(401)
            if writes or guarded_read:
                codes.append(403)
        if any(p["in"] == "path" for p in parameters) or (
            self._is_list_view() and self._get_paginator() is not None
        ):
            codes.append(404)
        if authenticates and writes:
            codes.append(409)
        if any(p["in"] == "header" and p["name"].lower() == "if-match" for p in parameters):
            codes.append(412)
        if "multipart/form-data" in operation.get("requestBody", {}).get("content", {}):
            codes.append(413)
        if has_body:
            codes.append(415)
        throttles = getattr(view, "throttle_classes", ())
        if (writes and throttles) or any(getattr(t, "counts_reads", True) for t in throttles):
            codes.append(429)
        if getattr(view, "action", None) in getattr(view, "retries_deadlocks", ()):
            codes.append(503)
        return codes


class ValidationErrorSchema(OpenApiSerializerExtension):
    """A 400's keys are the request's field names: any key, not only the declared ones."""

    target_class = ValidationErrorSerializer

    def map_serializer(self, auto_schema: AutoSchema, direction: str) -> dict[str, Any]:
        schema = auto_schema._map_serializer(self.target_class, direction, bypass_extensions=True)
        return {**schema, "additionalProperties": {}}
