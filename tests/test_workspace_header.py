"""The workspace header: title, source link, publication date and scalar metadata (server side)."""

from __future__ import annotations

import datetime as dt

import pytest

from annotations.models import Role
from annotations.views.pages import HEADER_FIELDS_MAX, human_key, is_http_url, metadata_fields
from tests.factories import DocumentFactory, UserFactory, add_member, assign, make_project


@pytest.mark.parametrize(
    ("key", "label"),
    [
        ("source_name", "Source name"),
        ("source-name", "Source name"),
        ("sourceName", "Source name"),
        ("  URL  ", "Url"),
        ("wordCount2", "Word count2"),
        ("_", ""),
    ],
)
def test_keys_read_as_labels(key, label):
    assert human_key(key) == label


@pytest.mark.parametrize(
    ("value", "link"),
    [
        ("https://example.org/a?b=c", True),
        ("HTTP://example.org", True),
        ("javascript:alert(1)", False),
        ("ftp://example.org/file", False),
        ("//example.org/a", False),
        ("https://", False),
        ("", False),
    ],
)
def test_only_http_urls_are_links(value, link):
    assert is_http_url(value) is link


def test_metadata_fields_are_the_scalars_by_key():
    rows = metadata_fields(
        {
            "zeta": "last",
            "source_name": " Example News ",
            "count": 3,
            "score": 0.5,
            "paywalled": True,
            "empty": "  ",
            "missing": None,
            "tags": ["a"],
            "desk": {"name": "x"},
            "archive": "https://archive.example.org/x",
            "long": "x" * 1000,
        }
    )
    assert [(r["label"], r["value"], r["url"]) for r in rows if r["label"] != "Long"] == [
        ("Archive", "https://archive.example.org/x", "https://archive.example.org/x"),
        ("Count", "3", None),
        ("Paywalled", "Yes", None),
        ("Score", "0.5", None),
        ("Source name", "Example News", None),
        ("Zeta", "last", None),
    ]
    (long,) = [r for r in rows if r["label"] == "Long"]
    assert len(long["value"]) == 300 and long["value"].endswith("…")
    assert metadata_fields({f"k{i:02}": i for i in range(40)})[-1]["label"] == (
        f"K{HEADER_FIELDS_MAX - 1:02}"
    )
    assert len(metadata_fields({f"k{i:02}": i for i in range(40)})) == HEADER_FIELDS_MAX
    assert metadata_fields([1, 2]) == [] and metadata_fields(None) == []


@pytest.fixture
def header_project(db):
    manager = UserFactory(username="head-manager")
    annotator = UserFactory(username="head-annotator")
    outsider = UserFactory(username="head-outsider")
    project = make_project(manager, name="Header")
    add_member(project, annotator, Role.ANNOTATOR)
    make_project(outsider, name="Elsewhere")  # a member of another project only
    return project, manager, annotator, outsider


def test_workspace_and_review_pages_show_the_header(client, header_project):
    project, manager, annotator, outsider = header_project
    document = DocumentFactory(
        project=project,
        title="Minister <b>denies</b>",
        source_url="https://news.example.org/a?x=1&y=2",
        published_at=dt.datetime(2026, 3, 14, 23, 30, tzinfo=dt.UTC),
        metadata={"source_name": "<script>x</script>", "nested": {"a": 1}},
    )
    assign(document, annotator)

    client.force_login(annotator)
    html = client.get(f"/projects/{project.pk}/documents/{document.pk}/").content.decode()
    assert "<h1>Minister &lt;b&gt;denies&lt;/b&gt;</h1>" in html
    assert (
        '<a href="https://news.example.org/a?x=1&amp;y=2" target="_blank" '
        'rel="noopener noreferrer">'
    ) in html
    assert '<time datetime="2026-03-14">14 March 2026</time>' in html
    assert "<dt>Source name</dt><dd>&lt;script&gt;x&lt;/script&gt;</dd>" in html
    assert "Nested" not in html

    client.force_login(manager)
    html = client.get(f"/projects/{project.pk}/documents/{document.pk}/review/").content.decode()
    assert '<time datetime="2026-03-14">' in html

    client.force_login(outsider)
    assert client.get(f"/projects/{project.pk}/documents/{document.pk}/").status_code == 404


def test_a_document_without_metadata_has_no_empty_list(client, header_project):
    project, _, annotator, _ = header_project
    document = DocumentFactory(project=project, title="Plain")
    assign(document, annotator)
    client.force_login(annotator)
    html = client.get(f"/projects/{project.pk}/documents/{document.pk}/").content.decode()
    assert "<h1>Plain</h1>" in html and 'id="doc-meta"' not in html
