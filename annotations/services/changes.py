"""Applying an update's validated fields to a row."""

from __future__ import annotations

from typing import Any

from django.db.models import Model


def save_changes(instance: Model, changes: dict[str, Any]) -> None:
    """Set each changed field on ``instance`` and save it (callers validate ``changes`` first)."""
    for field, value in changes.items():
        setattr(instance, field, value)
    instance.save()
