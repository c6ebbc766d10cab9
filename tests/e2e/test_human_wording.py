"""Human wording in a real Chromium: pages name labels and statuses as people wrote them, show a
span as its quote rather than its offsets, word evidence stances one way everywhere, start new
evidence with the stance the verdict suggests, say in plain words when the server cannot be
reached, and link a favicon that loads."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from annotations.services.adjudication import adjudication_set_state, gold_create
from annotations.services.spans import span_create
from tests.e2e.axe import assert_accessible
from tests.e2e.helpers import click_text

pytestmark = pytest.mark.browser

# `[120, 157)` or `120–157`: offsets where a person expects words.
OFFSETS = re.compile(r"\[\d+, \d+\)|\d+–\d+")
KEYS = ("verifiable_fact", "unverified")
STANCE_WORDS = ["Supports", "Refutes", "Context"]


def assert_no_codes(text: str) -> None:
    assert not OFFSETS.search(text), f"offsets shown: {OFFSETS.search(text)}"
    for key in KEYS:
        assert key not in text, f"key {key!r} shown"


def test_adjudication_names_labels_statuses_and_quotes_and_defaults_the_stance(
    open_page, review_project
):
    rp = review_project
    document = rp.documents[0]
    s1, s2, _ = rp.sentences
    gold_create(
        actor=rp.reviewer,
        document=document,
        label=rp.labels["verifiable_fact"],
        start=s2[0],
        end=s2[1],
    )
    page = open_page(rp.reviewer, f"/projects/{rp.project.pk}/adjudicate/{document.pk}/")
    page.wait_for_selector("body[data-ready='1']")

    # Clusters and lanes: the label's and the status's names, the span's quote (whole in title).
    fact = page.locator(".cluster[data-label='verifiable_fact']")
    expect(fact.locator("b").first).to_have_text("Verifiable fact")
    lane = fact.locator(".lane[data-annotator='ann1'] .lane-info")
    quote = rp.text[s2[0] : s2[1]]
    expect(lane).to_contain_text(f"Verifiable fact · Unverified · “{quote[:30]}")
    expect(lane).to_have_attribute("title", quote)
    assert_no_codes(page.locator("#clusters-card").inner_text())

    # The gold card the same way, and its verdict history in status names.
    card = page.locator(".gold").first
    expect(card.locator(".gold-label")).to_have_text("Verifiable fact")
    expect(card.locator(".gold-range")).to_have_attribute("title", quote)
    expect(card.locator(".verdict-badge")).to_have_text("Unverified")
    assert_no_codes(page.locator("#gold-card").inner_text())

    # Stances read as one capitalised word; a new row follows the verdict chosen.
    false_status = rp.project.statuses.get(key="false")
    true_status = rp.project.statuses.get(key="true")
    card.locator(".verdict-status").select_option(str(false_status.pk))
    card.locator(".add-url").click()
    row = card.locator(".gold-evidence").last
    expect(row.locator(".ev-stance option")).to_have_text(STANCE_WORDS)
    expect(row.locator(".ev-stance")).to_have_value("refutes")
    card.locator(".verdict-status").select_option(str(true_status.pk))
    card.locator(".add-document").click()
    expect(card.locator(".gold-evidence").last.locator(".ev-stance")).to_have_value("supports")
    assert_accessible(page)


def test_dashboard_charts_name_labels(open_page, review_project):
    rp = review_project
    page = open_page(rp.reviewer, f"/projects/{rp.project.pk}/dashboard/")
    page.wait_for_selector("body[data-ready='1']")
    charts = page.evaluate(
        """() => {
          const c = window.workbench.charts;
          return { labels: c.labels.data.labels, dist: c.distribution.data.labels };
        }"""
    )
    names = {label.name for label in rp.labels.values()}
    assert "Verifiable fact" in charts["dist"]
    assert set(charts["labels"]) <= names and set(charts["dist"]) <= names
    assert_no_codes(page.locator("main").inner_text())
    assert_accessible(page)


def test_gold_comparison_shows_names_and_quotes_and_a_plain_offline_message(
    open_page, review_project
):
    rp = review_project
    document = rp.documents[0]
    s1 = rp.sentences[0]
    gold_create(
        actor=rp.reviewer, document=document, label=rp.labels["claim"], start=s1[0], end=s1[1]
    )
    adjudication_set_state(actor=rp.reviewer, document=document, state="adjudicated")
    page = open_page(rp.annotators[0], f"/projects/{rp.project.pk}/documents/{document.pk}/gold/")
    page.wait_for_selector("body[data-ready='1']")

    table = page.locator("#gold-comparison")
    row = table.locator("tbody tr", has=page.locator("td:nth-child(2) strong")).first
    expect(row.locator("td").nth(1).locator("strong")).to_have_text("Claim")
    expect(row.locator("td").nth(1)).to_contain_text("verdict: Unverified")
    expect(row.locator("td").nth(1).locator("q")).to_have_attribute("title", rp.text[s1[0] : s1[1]])
    assert_no_codes(table.inner_text())
    assert_accessible(page)

    # Offline, a comment is refused in words that say what to do, not the browser's TypeError.
    page.context.set_offline(True)
    form = page.locator("form.comment-form").first
    form.locator("input[name='body']").fill("Why is this a claim?")
    form.locator("button[type=submit]").click()
    status = form.locator(".comment-status")
    expect(status).to_contain_text("Could not reach the server. Check your connection")
    assert "TypeError" not in status.inner_text()
    assert "Failed to fetch" not in status.inner_text()
    page.context.set_offline(False)


def test_workspace_evidence_stance_follows_the_status(open_page, review_project):
    rp = review_project
    document = rp.documents[6]  # assigned to ann1, not started
    s3 = rp.sentences[2]
    span_create(
        annotator=rp.annotators[0],
        document=document,
        label=rp.labels["denial"],
        start=s3[0],
        end=s3[1],
        status=rp.project.statuses.get(key="false"),
    )
    page = open_page(rp.annotators[0], f"/projects/{rp.project.pk}/documents/{document.pk}/")
    click_text(page, rp.text, s3[0] + 4)
    expect(page.locator("#panel-status")).to_be_visible()
    page.click("#panel-add-evidence")
    stance = page.locator(".evidence-row").last.locator(".ev-stance")
    expect(stance.locator("option")).to_have_text(STANCE_WORDS)
    expect(stance).to_have_value("refutes")
    page.select_option("#panel-status", label="True")
    page.click("#panel-add-evidence")
    expect(page.locator(".evidence-row").last.locator(".ev-stance")).to_have_value("supports")


def test_favicon_is_linked_and_served(open_page, review_project):
    rp = review_project
    page = open_page(rp.reviewer, f"/projects/{rp.project.pk}/")
    href = page.locator("link[rel='icon']").get_attribute("href")
    assert href
    for url in (href, "/favicon.ico"):
        response = page.request.get(url)
        assert response.status == 200, url
        assert response.headers["content-type"].startswith("image/svg+xml"), url
