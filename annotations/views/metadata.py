"""``OPTIONS`` answers (``REST_FRAMEWORK["DEFAULT_METADATA_CLASS"]``)."""

from __future__ import annotations

from typing import Any

from rest_framework.metadata import SimpleMetadata
from rest_framework.request import Request


class WorkbenchMetadata(SimpleMetadata):
    """DRF's answer: name, description, media types and, for a view with one serializer, the
    fields that ``POST``/``PUT`` take. Views that read each action's body with an input serializer
    of their own (agreement, adjudication) have no view-wide serializer to describe; they answer
    without ``actions`` where DRF's would fail (a 500) asking for one."""

    def determine_actions(self, request: Request, view: Any) -> dict[str, Any]:
        # Not at the top: rest_framework.generics imports the views that read this setting.
        from rest_framework.generics import GenericAPIView

        has_serializer = getattr(view, "serializer_class", None) is not None or (
            type(view).get_serializer_class is not GenericAPIView.get_serializer_class
        )
        if not has_serializer:
            return {}
        return super().determine_actions(request, view)
