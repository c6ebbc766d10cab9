"""A service's domain error shown on the form that sent the input, next to the field it names."""

from __future__ import annotations

from django import forms

from annotations.errors import DomainError


def add_domain_error(
    form: forms.Form,
    error: DomainError,
    *,
    fields: dict[str, str] | None = None,
    default: str | None = None,
) -> None:
    """Add ``error`` to ``form``: each message of an ``InvalidInput`` goes to the field it names
    (``fields`` maps the service's names to the form's), messages for fields the form does not
    have and errors without fields (``Conflict``, ``Forbidden``...) to ``default`` (``None``: the
    form's own errors, shown above its fields)."""
    fields = fields or {}
    if isinstance(error.detail, dict):
        for name, messages in error.detail.items():
            target = fields.get(name, name)
            form.add_error(target if target in form.fields else default, list(messages))
    else:
        form.add_error(default, str(error.detail))
