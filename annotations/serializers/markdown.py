"""The Markdown preview: text in, sanitised HTML out (``annotations.markdown``)."""

from __future__ import annotations

from rest_framework import serializers

from annotations.markdown import MAX_MARKDOWN_CHARS
from annotations.serializers.fields import CharField


class MarkdownInputSerializer(serializers.Serializer):
    text = CharField(
        allow_blank=True,
        trim_whitespace=False,
        max_length=MAX_MARKDOWN_CHARS,
        help_text=f"Markdown (CommonMark with tables), at most {MAX_MARKDOWN_CHARS:,} characters.",
    )


class MarkdownHtmlSerializer(serializers.Serializer):
    html = serializers.CharField(
        read_only=True,
        help_text="The text as HTML, sanitised: no script, style, frame, event handler or link "
        "other than http, https and mailto; an empty string for empty text.",
    )
