"""``{{ text|markdown }}``: Markdown rendered to sanitised HTML (``annotations.markdown``).

The filter is the only place a template marks rendered Markdown safe: the HTML it marks is what
nh3 left of it, so the page never shows a script, an event handler or a ``javascript:`` link
whatever a manager typed.
"""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from annotations.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: object) -> SafeString:
    return mark_safe(render_markdown("" if text is None else str(text)))  # noqa: S308 - sanitised
