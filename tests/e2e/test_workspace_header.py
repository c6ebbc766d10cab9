"""The workspace's header: title, source link, publication date and metadata above the text, and a
headline that can be annotated because the txt import keeps it in the text. Desktop and phone."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from annotations.models import Document, Role
from annotations.services.document_imports import import_path
from tests.e2e.axe import assert_accessible
from tests.e2e.helpers import api_spans, drag_select, wait_saved
from tests.factories import UserFactory, add_member, assign, make_project

pytestmark = pytest.mark.browser

HEADLINE = "Ministry denies reservoir release caused the Bilozerka flood"
ARTICLE = (
    f"{HEADLINE}\n"
    "\n"
    "KYIV — The ministry said on Tuesday that no water was released from the reservoir before "
    "the flood. Residents of three villages said the level rose within an hour.\n"
)
SOURCE = "https://news.example.org/2026/03/bilozerka-flood?ref=feed"


def test_header_shows_source_date_metadata_and_the_headline_is_annotatable(open_page, tmp_path):
    manager = UserFactory(username="mia")
    annotator = UserFactory(username="ann")
    project = make_project(manager, name="Floods")
    add_member(project, annotator, Role.ANNOTATOR)
    (tmp_path / "bilozerka.txt").write_text(ARTICLE, encoding="utf-8")
    (result,) = import_path(project=project, path=tmp_path)
    assert result.ok
    document = Document.objects.get(project=project)
    assert (document.title, document.text) == (HEADLINE, ARTICLE)
    document.source_url = SOURCE
    document.published_at = dt.datetime(2026, 3, 14, 9, 30, tzinfo=dt.UTC)
    document.metadata = {
        "source_name": "Example News",
        "wordCount": 412,
        "paywalled": False,
        "tags": ["flood", "dam"],  # not a scalar: not shown
        "desk": {"name": "Ukraine"},  # nested: not shown
        "archive": "javascript:alert(1)",  # shown as text, never a link
    }
    document.save()
    assign(document, annotator)

    page = open_page(annotator, f"/projects/{project.pk}/documents/{document.pk}/")

    expect(page.locator("main h1")).to_have_text(HEADLINE)
    link = page.locator("#doc-meta a[href^='https://news.example.org']")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    expect(link).to_have_attribute("href", SOURCE)
    expect(page.locator("#doc-meta time")).to_have_text("14 March 2026")
    expect(page.locator("#doc-meta time")).to_have_attribute("datetime", "2026-03-14")
    rows = page.locator("#doc-meta > div").evaluate_all(
        "divs => divs.map(d => [d.querySelector('dt').textContent, d.querySelector('dd').textContent])"
    )
    assert [label for label, _ in rows][:2] == ["Source", "Published"]
    assert rows[2:] == [  # scalars only, by key
        ["Archive", "javascript:alert(1)"],
        ["Paywalled", "No"],
        ["Source name", "Example News"],
        ["Word count", "412"],
    ]
    assert page.locator("#doc-meta a").count() == 1
    assert_accessible(page)

    # The headline is part of the text: select its first words and tag them as a denial.
    phrase = "Ministry denies reservoir release"
    drag_select(page, ARTICLE, 1, len(phrase) - 1)
    assert page.evaluate("window.getSelection().toString()") == phrase
    page.keyboard.press("2")
    expect(page.locator("[data-label-count='denial']")).to_have_text("1")
    wait_saved(page)
    spans = api_spans(page, project.pk, document.pk)
    assert [(s["start"], s["end"], s["quote"], s["label_key"]) for s in spans] == [
        (0, len(phrase), phrase, "denial")
    ]

    # A phone: one column, the header readable without sideways scrolling, still accessible.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    for locator in (page.locator("main h1"), link, page.locator("#doc-meta time")):
        expect(locator).to_be_visible()
        box = locator.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    text_box = page.locator("#doc-text").bounding_box()
    assert text_box is not None and text_box["width"] > 300, text_box  # the text gets the width
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.locator("#doc-text .seg").first.inner_text() == phrase
    assert_accessible(page)
