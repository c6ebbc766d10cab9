"""Error answers (output only), as ``annotations.views.exception_handler`` and DRF write them.

``annotations.views.schema.WorkbenchSchema`` declares them on every operation that can give them;
nothing instantiates these serializers."""

from __future__ import annotations

from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """401, 403, 404, 413, 415, 429: what went wrong, in a sentence."""

    detail = serializers.CharField()
    code = serializers.CharField(
        required=False, help_text="Set for the app's own errors, e.g. `permission_denied`."
    )


class ConflictErrorSerializer(serializers.Serializer):
    """409 (the request clashes with stored data) and 412 (an ``If-Match`` names a stale
    version). A stale version names the current one."""

    detail = serializers.CharField(required=False)
    code = serializers.CharField(
        help_text="e.g. `conflict` (a database constraint), `stale_version`, `already_member`."
    )
    constraint = serializers.CharField(
        required=False, allow_null=True, help_text="The database constraint that refused it."
    )
    version = serializers.ListField(child=serializers.CharField(), required=False)
    current_version = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="The span's version now."
    )


class ValidationErrorSerializer(serializers.Serializer):
    """400: each key names a field of the request (``non_field_errors`` for the request as a
    whole, ``If-Match`` for that header) with its messages; a nested field's messages nest the
    same way. A body that is not valid JSON answers ``detail`` alone."""

    detail = serializers.CharField(required=False, help_text="A malformed body.")
    non_field_errors = serializers.ListField(child=serializers.CharField(), required=False)
    code = serializers.CharField(required=False)
