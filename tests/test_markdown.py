"""Markdown for guidelines and descriptions (annotations/markdown.py): what a manager writes is
rendered, and nothing that runs, loads or restyles the page survives it, however it is spelled.
Also the ``|markdown`` template filter and the preview endpoint ``POST /api/v1/markdown/``."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.template import Context, Template
from hypothesis import given, settings
from hypothesis import strategies as st

from annotations.markdown import MAX_MARKDOWN_CHARS, render_markdown

# Elements that run script, load something or change the page, whatever their attributes.
ACTIVE = {"script", "iframe", "object", "embed", "svg", "math", "img", "style", "link", "meta"}
ACTIVE |= {"base", "form", "input", "frame", "frameset", "audio", "video", "source", "template"}


class _Elements(HTMLParser):
    """Every start tag of an HTML text with its attributes, as a browser's tokenizer sees them
    (entities in attribute values decoded)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def assert_safe(html: str) -> None:
    """No active element, no event handler or style attribute, and no link but http(s), mailto
    and relative ones."""
    parser = _Elements()
    parser.feed(html)
    parser.close()
    for tag, attrs in parser.tags:
        assert tag not in ACTIVE, (tag, html)
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name, html)
            assert name != "style", (tag, html)
            if name in ("href", "src", "action", "formaction"):
                assert _scheme(value or "") in ("", "http", "https", "mailto"), (tag, value, html)


def _scheme(url: str) -> str:
    """A URL's scheme as a browser reads it (tabs and newlines removed, spaces trimmed)."""
    found = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", re.sub(r"[\t\n\r]", "", url).strip())
    return found.group(1).lower() if found else ""


ATTACKS = {
    "script tag": "<script>alert(1)</script>",
    "script in a paragraph": "Read this <script>alert(document.cookie)</script> first.",
    "script split by a tag": "<scr<script>ipt>alert(1)</script>",
    "event handler on an image": '<img src=x onerror="alert(1)">',
    "event handler on a div": "<div onmouseover=alert(1)>hover</div>",
    "event handler on a link": '<a href="https://example.org" onclick="alert(1)">x</a>',
    "javascript link, Markdown": "[click](javascript:alert(1))",
    "javascript link, mixed case": "[click](jAvAsCrIpT:alert(1))",
    "javascript link, HTML": '<a href="javascript:alert(1)">click</a>',
    "javascript link, entity": '<a href="&#106;avascript:alert(1)">click</a>',
    "javascript link, hex entity": '<a href="&#x6A;avascript:alert(1)">click</a>',
    "javascript link, tab inside": '<a href="java&#x09;script:alert(1)">click</a>',
    "javascript link, leading space": '<a href="  javascript:alert(1)">click</a>',
    "javascript link, reference": "[click][x]\n\n[x]: javascript:alert(1)",
    "vbscript link": '<a href="vbscript:msgbox(1)">click</a>',
    "data link, Markdown": "[d](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "data link, HTML": '<a href="data:text/html,<script>alert(1)</script>">d</a>',
    "data image": "![x](data:image/png;base64,iVBORw0KGgo=)",
    "javascript image": "![x](javascript:alert(1))",
    "iframe": '<iframe src="https://example.org"></iframe>',
    "object": '<object data="https://example.org/x.swf"></object>',
    "svg with script": "<svg><script>alert(1)</script></svg>",
    "svg onload": "<svg onload=alert(1)>",
    "math with a javascript link": '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "style attribute": '<p style="position:fixed;top:0">cover</p>',
    "style element": "<style>body{display:none}</style>",
    "form": '<form action="https://evil.example"><input name=x></form>',
    "meta refresh": '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    "base": '<base href="https://evil.example/">',
    "comment hiding a script": "<!--><script>alert(1)</script>-->",
    "unclosed attribute": '<a href="https://example.org" title="x onmouseover=alert(1)">t</a',
    "entity-encoded tag": "&lt;script&gt;alert(1)&lt;/script&gt;",
}


@pytest.mark.parametrize("text", ATTACKS.values(), ids=ATTACKS.keys())
def test_nothing_active_survives(text):
    assert_safe(render_markdown(text))


def test_script_content_is_dropped_not_shown():
    html = render_markdown("Before <script>alert('boom')</script> after")
    assert "alert" not in html
    assert "Before" in html
    assert "after" in html


def test_text_that_looks_like_a_tag_stays_text():
    html = render_markdown("&lt;script&gt;alert(1)&lt;/script&gt; and `<script>` in code")
    assert "&lt;script&gt;" in html
    assert "<code>&lt;script&gt;</code>" in html


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("**bold** and *em* and ~~gone~~", "<strong>bold</strong> and <em>em</em> and <s>gone</s>"),
        ("`code`", "<code>code</code>"),
        ("```\nx = 1 < 2\n```", "<pre><code>x = 1 &lt; 2\n</code></pre>"),
        ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"),
        ("3. three\n4. four", '<ol start="3">\n<li>three</li>\n<li>four</li>\n</ol>'),
        ("> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>"),
        ("Press <kbd>1</kbd>", "<p>Press <kbd>1</kbd></p>"),
        ("# Labels", "<h3>Labels</h3>"),
        ("### Deep", "<h5>Deep</h5>"),
        ("##### Deepest", "<h6>Deepest</h6>"),
    ],
)
def test_markdown_is_rendered(text, expected):
    assert expected in render_markdown(text)


def test_links_keep_web_and_mail_schemes_with_a_safe_rel():
    html = render_markdown(
        '[site](https://example.org/a?b=1 "Title") [mail](mailto:desk@example.org) '
        "[section](#labels) <https://example.org/auto>"
    )
    assert (
        '<a href="https://example.org/a?b=1" title="Title" rel="noopener noreferrer">site</a>'
        in html
    )
    assert '<a href="mailto:desk@example.org" rel="noopener noreferrer">mail</a>' in html
    assert '<a href="#labels" rel="noopener noreferrer">section</a>' in html
    assert '<a href="https://example.org/auto" rel="noopener noreferrer">' in html


def test_a_link_with_another_scheme_loses_its_target_but_keeps_its_text():
    html = render_markdown('<a href="javascript:alert(1)">Click me</a>')
    assert html == '<p><a rel="noopener noreferrer">Click me</a></p>'


def test_tables_with_alignment_as_classes():
    html = render_markdown("| Label | Key |\n|:--|--:|\n| Claim | 1 |")
    assert '<th class="align-left">Label</th>' in html
    assert '<td class="align-right">1</td>' in html
    assert "<table>" in html
    assert "<thead>" in html
    assert "<tbody>" in html


def test_an_image_becomes_a_link_to_it():
    # The Content-Security-Policy loads images only from the app: a link works everywhere.
    html = render_markdown("![A *chart*](https://example.org/chart.png)")
    assert html == (
        '<p><a href="https://example.org/chart.png" rel="noopener noreferrer">A chart</a></p>'
    )


def test_empty_text_renders_nothing():
    assert render_markdown("") == ""
    assert render_markdown("  \n\t") == ""


FRAGMENTS = [*ATTACKS.values(), "plain words", "\n\n", "**", "[", "](", ")", "<", ">", '"', "'"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=8))
def test_attacks_mixed_with_markdown_never_survive(parts):
    assert_safe(render_markdown("".join(parts)))


# --- the template filter ---------------------------------------------------------------------------


def test_the_filter_renders_sanitised_html():
    template = Template("{% load markdown %}<div>{{ text|markdown }}</div>")
    html = template.render(Context({"text": "# Hello\n\n<script>alert(1)</script>\n\n**there**"}))
    assert html == "<div><h3>Hello</h3>\n\n<p><strong>there</strong></p></div>"


def test_the_filter_takes_empty_values():
    template = Template("{% load markdown %}[{{ text|markdown }}]")
    assert template.render(Context({"text": None})) == "[]"
    assert template.render(Context({})) == "[]"


# --- the preview endpoint ----------------------------------------------------------------------------

URL = "/api/v1/markdown/"


def test_preview_renders_for_any_signed_in_user(client_for, outsider):
    response = client_for(outsider).post(
        URL, {"text": "## Title\n\n<img src=x onerror=alert(1)>[x](javascript:1)"}, format="json"
    )
    assert response.status_code == 200
    html = response.json()["html"]
    assert html.startswith("<h4>Title</h4>")
    assert_safe(html)


def test_preview_needs_a_signed_in_user(client_for, db):
    assert client_for().post(URL, {"text": "hi"}, format="json").status_code == 401


@pytest.mark.parametrize(
    "body",
    [{}, {"text": 5}, {"text": None}, {"text": "x" * (MAX_MARKDOWN_CHARS + 1)}],
    ids=["missing", "number", "null", "too-long"],
)
def test_bad_preview_input_is_400_naming_text(client_for, annotator, body):
    response = client_for(annotator).post(URL, body, format="json")
    assert response.status_code == 400
    assert "text" in response.json()


def test_preview_of_the_longest_allowed_text(client_for, annotator):
    text = ("word " * (MAX_MARKDOWN_CHARS // 5))[:MAX_MARKDOWN_CHARS]
    response = client_for(annotator).post(URL, {"text": text}, format="json")
    assert response.status_code == 200
    assert response.json()["html"].startswith("<p>word word")
