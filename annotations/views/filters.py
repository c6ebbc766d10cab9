"""Query-string filters shared by several views."""

from __future__ import annotations

import django_filters
from django import forms


class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number, as the schema states (django-filter's ``NumberFilter`` reads a
    decimal, so ``?status=0.5`` found nothing instead of being refused)."""

    field_class = forms.IntegerField
