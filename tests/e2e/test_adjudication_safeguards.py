"""Adjudication safeguards in a real Chromium: "Mark adjudicated" with unresolved clusters asks
first and lists them, the counts of what is left to resolve follow every accept and reject
without a reload, and every repeated button names the cluster or span it acts on."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.axe import assert_accessible

pytestmark = pytest.mark.browser


def api_get(page, path: str) -> dict:
    response = page.request.get(path)
    assert response.ok, response.text()
    return response.json()


def open_document(open_page, user, project, document):
    page = open_page(user, f"/projects/{project.pk}/adjudicate/{document.pk}/")
    page.wait_for_selector("body[data-ready='1']")
    return page


def settle(page) -> None:
    page.wait_for_selector("body:not([data-busy])")


def state_of(page, project, document) -> str:
    return api_get(page, f"/api/v1/projects/{project.pk}/adjudication/{document.pk}/")["state"]


def test_mark_adjudicated_with_unresolved_clusters_asks_first(open_page, review_project):
    rp = review_project
    project, document = rp.project, rp.documents[0]
    page = open_document(open_page, rp.reviewer, project, document)
    clusters = api_get(page, f"/api/v1/projects/{project.pk}/adjudication/{document.pk}/")[
        "clusters"
    ]
    assert len(clusters) >= 3

    # Nothing resolved yet: the confirmation lists every cluster by label and quote.
    page.click("#btn-adjudicated")
    dialog = page.get_by_role("dialog", name="Unresolved clusters remain")
    expect(dialog).to_be_visible()
    items = dialog.locator("#confirm-adjudicated-list li")
    expect(items).to_have_count(len(clusters))
    expect(items.first).to_contain_text("Claim, “The ministry said")
    expect(dialog).to_contain_text(f"{len(clusters)} clusters have no gold span yet")
    assert_accessible(page)

    # "Keep working" leaves the document open and gives the focus back to the button.
    dialog.get_by_role("button", name="Keep working").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#btn-adjudicated")).to_be_focused()
    assert state_of(page, project, document) == "open"
    expect(page.locator("#adj-state")).to_have_text("open")

    # Escape is "Keep working" too.
    page.click("#btn-adjudicated")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert state_of(page, project, document) == "open"

    # "Mark adjudicated anyway" goes through.
    page.click("#btn-adjudicated")
    dialog.get_by_role("button", name="Mark adjudicated anyway").click()
    settle(page)
    expect(page.locator("#adj-state")).to_have_text("adjudicated")
    assert state_of(page, project, document) == "adjudicated"

    # Reopening never asks.
    page.click("#btn-adjudicated")
    settle(page)
    expect(dialog).to_be_hidden()
    expect(page.locator("#adj-state")).to_have_text("open")

    # Once every cluster has a gold span, "Mark adjudicated" proceeds as before, without asking.
    for index in range(len(clusters)):
        card = page.locator(f".cluster[data-cluster='{index}']")
        if card.get_attribute("data-resolved") == "1":
            continue
        card.locator(".accept-proposal").click()
        settle(page)
    expect(page.locator("#cluster-count")).to_have_attribute("data-unresolved", "0")
    page.click("#btn-adjudicated")
    settle(page)
    expect(dialog).to_be_hidden()
    expect(page.locator("#adj-state")).to_have_text("adjudicated")
    assert state_of(page, project, document) == "adjudicated"


def test_counts_follow_each_accept_and_reject_without_a_reload(open_page, review_project):
    rp = review_project
    project, document = rp.project, rp.documents[0]
    page = open_document(open_page, rp.reviewer, project, document)
    total = len(
        api_get(page, f"/api/v1/projects/{project.pk}/adjudication/{document.pk}/")["clusters"]
    )
    page.evaluate("window.__notReloaded = true")
    count = page.locator("#cluster-count")
    summary = page.locator("#adj-summary")
    expect(count).to_have_text(f"({total} clusters, {total} to resolve)")
    expect(summary).to_contain_text(f"{total} to resolve · 0 gold spans")

    # Accepting the unanimous cluster resolves one.
    page.click("#btn-accept-unanimous")
    settle(page)
    expect(count).to_have_text(f"({total} clusters, {total - 1} to resolve)")
    expect(summary).to_contain_text(f"{total - 1} to resolve · 1 gold span")
    expect(page.locator(".cluster[data-kind='unanimous']")).to_have_attribute("data-resolved", "1")

    # Accepting one annotator's version of the disputed claim resolves another.
    claim = page.locator(".cluster[data-label='claim']").first
    claim.locator(".lane[data-annotator='ann2'] .accept-version").click()
    settle(page)
    expect(count).to_have_text(f"({total} clusters, {total - 2} to resolve)")
    expect(claim).to_have_attribute("data-resolved", "1")

    # Rejecting that gold span (two clicks: reject, confirm) makes it unresolved again.
    gold = page.locator(".gold[data-status]").filter(has_text="Claim").first
    gold.locator(".reject").click()
    gold.locator(".reject").click()
    settle(page)
    expect(count).to_have_text(f"({total} clusters, {total - 1} to resolve)")
    expect(summary).to_contain_text(f"{total - 1} to resolve · 1 gold span")
    expect(page.locator(".cluster[data-label='claim']").first).to_have_attribute(
        "data-resolved", "0"
    )
    assert page.evaluate("window.__notReloaded") is True


def test_repeated_buttons_name_what_they_act_on(open_page, review_project):
    rp = review_project
    project, document = rp.project, rp.documents[0]
    page = open_document(open_page, rp.reviewer, project, document)
    page.click("#btn-accept-unanimous")
    settle(page)
    assert_accessible(page)

    # The disputed claim's card: its buttons say which cluster and whose span.
    expect(
        page.get_by_role("button", name="Accept cluster: Claim, “The ministry said", exact=False)
    ).to_have_count(1)
    expect(
        page.get_by_role(
            "button", name="Show cluster in the text: Claim, “The ministry said", exact=False
        )
    ).to_have_count(1)
    for annotator in ("ann1", "ann2", "ann3"):
        expect(
            page.get_by_role(
                "button", name=f"Accept this version: {annotator}'s Claim, “", exact=False
            ).first
        ).to_be_visible()
        expect(
            page.get_by_role("button", name=f"Discuss: {annotator}'s Claim, “", exact=False).first
        ).to_be_visible()
    expect(
        page.get_by_role("button", name="Reject gold span: Verifiable fact, “Local", exact=False)
    ).to_have_count(1)

    # No two of the repeated buttons share an accessible name.
    names = page.locator(
        ".accept-proposal, .accept-version, .comments-toggle, .cluster-head button, "
        ".gold-head button"
    ).evaluate_all("bs => bs.map(b => b.getAttribute('aria-label') || b.textContent.trim())")
    repeated = {n for n in names if names.count(n) > 1}
    assert not repeated, repeated
