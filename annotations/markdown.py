"""Markdown to HTML that is safe to put in a page: project guidelines and descriptions.

Two steps, each by a maintained library. markdown-it-py (MIT) parses CommonMark with tables and
strikethrough; raw HTML in the text is kept, so that a guideline may use ``<kbd>`` or ``<sub>``.
Then nh3 (MIT; the Rust sanitiser ammonia, which parses HTML as a browser does, entities and
broken markup included) keeps only the tags, attributes and URL schemes listed below: scripts,
styles and frames are dropped with their content, event handlers and ``style`` attributes never
survive, and a link whose scheme is not http, https or mailto loses its ``href``. Every link gets
``rel="noopener noreferrer"``.

Three adjustments fit the output to the pages it lands in (the Content-Security-Policy allows no
inline style and loads images only from the app):

- headings start at ``<h3>``: the text always sits under a page's ``<h1>`` and a section's ``<h2>``;
- an image becomes a link to it (its alt text as the link's text), since the page may not load it;
- a table column's alignment is a class (``align-right``) instead of a ``style`` attribute.

Pure: no Django import (``.importlinter``, contract ``pure``), so the API, the template filter and
the tests call the same function.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

# Guidelines longer than this are refused (the project's service) and not previewed (the API):
# a long handbook is about 30,000 characters; rendering 100,000 takes ~50 ms.
MAX_MARKDOWN_CHARS = 100_000

# "#" renders as <h3>, "##" as <h4> ... (capped at <h6>).
HEADING_OFFSET = 2

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "code",
        "dd",
        "del",
        "details",
        "dl",
        "dt",
        "em",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "kbd",
        "li",
        "mark",
        "ol",
        "p",
        "pre",
        "q",
        "s",
        "samp",
        "small",
        "strong",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
    }
)
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "ol": {"start"},
}
ALIGN_CLASSES: frozenset[str] = frozenset({"align-left", "align-center", "align-right"})
ALLOWED_CLASSES: dict[str, set[str]] = {"th": set(ALIGN_CLASSES), "td": set(ALIGN_CLASSES)}
URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})
# Removed together with everything inside them (other tags lose only the tag, not their text).
DROPPED_WITH_CONTENT: frozenset[str] = frozenset(
    {"script", "style", "iframe", "noscript", "template", "textarea", "title", "object", "svg"}
)
LINK_REL = "noopener noreferrer"


def _demote_headings(state: StateCore) -> None:
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(int(token.tag[1]) + HEADING_OFFSET, 6)
            token.tag = f"h{level}"


def _alignment_as_class(state: StateCore) -> None:
    for token in state.tokens:
        if token.type in ("th_open", "td_open"):
            style = token.attrs.pop("style", None)
            if isinstance(style, str) and style.startswith("text-align:"):
                token.attrSet("class", f"align-{style.removeprefix('text-align:')}")


def _image_as_link(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    alt = renderer.renderInlineAsText(token.children or [], options, env) or "image"
    src = str(token.attrGet("src") or "")
    return f'<a href="{escapeHtml(src)}">{escapeHtml(alt)}</a>'


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    md.core.ruler.push("demote_headings", _demote_headings)
    md.core.ruler.push("alignment_as_class", _alignment_as_class)
    md.add_render_rule("image", _image_as_link)
    return md


_MD = _parser()


def sanitize_html(html: str) -> str:
    """``html`` with only the allowed tags, attributes, classes and URL schemes left."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render_markdown(text: str) -> str:
    """``text`` (Markdown) as sanitised HTML; an empty string for empty text."""
    if not text or not text.strip():
        return ""
    return sanitize_html(_MD.render(text)).strip()
