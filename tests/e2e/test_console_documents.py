"""The documents table in a real Chromium: search, filter, sort and page with every value in the
URL; tick rows, assign them, and delete after the confirmation page. axe-core checks the table and
the confirmation page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from annotations.models import Assignment, Document, Role
from annotations.services.search_index import search_index_fill
from tests.e2e.axe import assert_accessible
from tests.factories import DocumentFactory, UserFactory, add_member, assign, make_project

pytestmark = pytest.mark.browser

SUBJECTS = ["budget", "strike", "flood", "election", "vaccine", "harbour"]


@pytest.fixture
def table(transactional_db):
    """Manager ``mia``, reviewer ``rev``, annotators ``ann1``/``ann2``; 60 documents: "Report NN"
    about one of six subjects in turn, the first ten assigned to ann1 (the first five of them
    submitted), the search vectors filled as the background task fills them."""
    manager = UserFactory(username="mia")
    reviewer = UserFactory(username="rev")
    ann1, ann2 = UserFactory(username="ann1"), UserFactory(username="ann2")
    project = make_project(manager, name="Newsroom", annotators_per_document=1)
    add_member(project, reviewer, Role.REVIEWER)
    add_member(project, ann1, Role.ANNOTATOR)
    add_member(project, ann2, Role.ANNOTATOR)
    documents = [
        DocumentFactory(
            project=project,
            title=f"Report {i:02d}",
            text=f"The ministers discussed the {SUBJECTS[i % 6]} on day {i}.",
        )
        for i in range(60)
    ]
    for i, document in enumerate(documents[:10]):
        assign(document, ann1, "submitted" if i < 5 else "assigned")
    search_index_fill(project_id=project.pk)
    return project, manager, reviewer, ann1, ann2, documents


def rows(page) -> list[str]:
    return page.locator("#documents tbody tr td.title-col a").all_inner_texts()


def test_search_filter_sort_and_page_live_in_the_url(open_page, table, artifacts_dir):
    project, _, reviewer, _, _, documents = table
    url = f"/projects/{project.pk}/documents/"
    page = open_page(reviewer, url)
    expect(page.locator("#results-title")).to_have_text("60 documents")
    assert len(rows(page)) == 50
    assert_accessible(page)
    # Reviewers export; they do not assign or delete.
    expect(page.locator("#btn-export")).to_have_count(1)
    expect(page.locator("#btn-assign")).to_have_count(0)
    expect(page.locator("#btn-delete")).to_have_count(0)

    # Search (full text: "flood" in ten documents), then a filter on top of it.
    page.fill("#id_search", "flood")
    page.click("#btn-search")
    expect(page.locator("#results-title")).to_have_text("10 documents match")
    assert rows(page) == [f"Report {i:02d}" for i in range(2, 60, 6)]
    page.select_option("#id_state", "open")
    page.click("#btn-search")
    expect(page.locator("#results-title")).to_have_text("1 document matches")
    assert rows(page) == ["Report 08"]
    assert re.search(r"search=flood.*state=open", page.url)

    # The back button returns to the search alone; the table follows the URL.
    page.go_back()
    expect(page.locator("#results-title")).to_have_text("10 documents match")
    page.click("#clear-filters")
    expect(page.locator("#results-title")).to_have_text("60 documents")

    # Sort by title, twice: descending; the header says so.
    page.click("th a[data-sort='title']")
    expect(page.locator("th[aria-sort='ascending'] a[data-sort='title']")).to_have_count(1)
    page.click("th a[data-sort='title']")
    expect(page.locator("th[aria-sort='descending'] a[data-sort='title']")).to_have_count(1)
    assert rows(page)[:3] == ["Report 59", "Report 58", "Report 57"]
    assert "ordering=-title" in page.url

    # Pages: 25 per page, next, and a jump to the last one; the order is kept.
    page.select_option("#id_page_size", "25")
    page.click("#btn-search")
    expect(page.locator("#page-status")).to_have_text("Page 1 of 3")
    page.click("#page-next")
    expect(page.locator("#page-status")).to_have_text("Page 2 of 3")
    assert rows(page)[0] == "Report 34"
    page.fill("#jump-page", "3")
    page.click("#page-jump button")
    expect(page.locator("#page-status")).to_have_text("Page 3 of 3")
    assert rows(page) == [f"Report {i:02d}" for i in range(9, -1, -1)]
    assert "ordering=-title" in page.url and "page_size=25" in page.url
    page.screenshot(path=str(artifacts_dir / "documents-table.png"), full_page=True)


def test_tick_rows_assign_them_and_delete_after_confirming(open_page, table):
    project, manager, _, ann1, ann2, documents = table
    page = open_page(manager, f"/projects/{project.pk}/documents/?state=unassigned")
    expect(page.locator("#results-title")).to_have_text("50 documents match")
    # Nothing ticked: the actions wait.
    expect(page.locator("#btn-assign")).to_be_disabled()
    expect(page.locator("#bulk-hint")).to_be_visible()

    page.check(f"#doc-{documents[10].pk}")
    page.check(f"#doc-{documents[11].pk}")
    expect(page.locator("#ticked-count")).to_have_text("2")
    expect(page.locator("#btn-assign")).to_be_enabled()
    # The header box ticks the page; then "select all matching" is offered when more match.
    page.check("#select-page")
    expect(page.locator("#ticked-count")).to_have_text("50")
    page.uncheck("#select-page")
    expect(page.locator("#ticked-count")).to_have_text("0")
    page.check(f"#doc-{documents[10].pk}")
    page.check(f"#doc-{documents[11].pk}")

    page.select_option("#bulk-annotator", str(ann2.pk))
    page.click("#btn-assign")
    expect(page.locator(".messages")).to_contain_text("Assigned 2 document(s) to ann2.")
    assert "state=unassigned" in page.url
    expect(page.locator("#results-title")).to_have_text("48 documents match")
    assert set(Assignment.objects.filter(annotator=ann2).values_list("document_id", flat=True)) == {
        documents[10].pk,
        documents[11].pk,
    }
    assert_accessible(page)

    # Delete two: a confirmation page first, which names them; cancelling keeps them.
    page.check(f"#doc-{documents[12].pk}")
    page.check(f"#doc-{documents[13].pk}")
    page.click("#btn-delete")
    expect(page.locator("h1")).to_have_text("Delete 2 documents?")
    expect(page.locator("#delete-list")).to_contain_text("Report 12")
    expect(page.locator("#delete-list")).to_contain_text("Report 13")
    assert_accessible(page)
    page.click("#cancel-delete")
    expect(page.locator("#results-title")).to_have_text("48 documents match")
    assert Document.objects.filter(pk=documents[12].pk).exists()

    page.check(f"#doc-{documents[12].pk}")
    page.check(f"#doc-{documents[13].pk}")
    page.click("#btn-delete")
    page.click("#btn-confirm-delete")
    expect(page.locator(".messages")).to_contain_text("Deleted 2 document(s).")
    expect(page.locator("#results-title")).to_have_text("46 documents match")
    assert not Document.objects.filter(pk__in=[documents[12].pk, documents[13].pk]).exists()
    assert Document.objects.filter(project=project).count() == 58
    assert Assignment.objects.filter(annotator=ann1).count() == 10
