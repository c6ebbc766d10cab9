"""The review loop in the browser: the review view tells annotators apart by colour, with a
legend, and says it is read only; an open dashboard picks up a newer agreement report by itself."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from annotations.models import AgreementReport
from annotations.services.agreement import refresh_full
from tests.e2e.axe import assert_accessible
from tests.waiting import wait_until

pytestmark = pytest.mark.browser

# The palette of frontend/src/workspace/annotator-colors.ts, in legend (username) order.
PALETTE = ["#0072b2", "#d55e00", "#009e73"]


def rgb(hex_color: str) -> str:
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def test_review_view_colours_each_annotator_with_a_legend_and_is_read_only(
    open_page, review_project
):
    rp = review_project
    document = rp.documents[0]
    page = open_page(rp.reviewer, f"/projects/{rp.project.pk}/documents/{document.pk}/review/")

    # Read only: no claim that changes were saved.
    expect(page.locator("#save-text")).to_have_text("Read only")
    expect(page.locator("#save-state")).to_have_attribute("data-state", "read-only")
    expect(page.locator("#save-state")).not_to_contain_text("saved")

    # The legend: one swatch per annotator, distinct colours from the palette, by username.
    toggles = page.locator("#annotator-toggles li")
    expect(toggles).to_have_count(3)
    swatches = page.locator("#annotator-toggles .annotator-swatch")
    expect(swatches).to_have_count(3)
    for i, user in enumerate(rp.annotators):
        expect(toggles.nth(i)).to_contain_text(user.username)
        expect(swatches.nth(i)).to_have_css("background-color", rgb(PALETTE[i]))

    # Each annotator's colour is drawn under their spans, and only theirs: hide all but one
    # annotator and the text carries only that annotator's colour.
    def colours_in_text() -> set[str]:
        images = page.eval_on_selector_all(
            "#doc-text .seg", "els => els.map(e => getComputedStyle(e).backgroundImage)"
        )
        return {c for image in images for c in re.findall(r"rgb\(\d+, \d+, \d+\)", image)}

    shown = colours_in_text()
    assert {rgb(c) for c in PALETTE} <= shown
    page.locator("#annotator-toggles input[data-annotator='ann1']").uncheck()
    page.locator("#annotator-toggles input[data-annotator='ann3']").uncheck()
    only_ann2 = colours_in_text()
    assert rgb(PALETTE[1]) in only_ann2
    assert rgb(PALETTE[0]) not in only_ann2 and rgb(PALETTE[2]) not in only_ann2
    # The text itself keeps the page's colour: the annotator colours are bands, not text.
    text_colour = page.eval_on_selector("#doc-text .seg", "e => getComputedStyle(e).color")
    assert text_colour not in {rgb(c) for c in PALETTE}

    assert_accessible(page)


def test_open_dashboard_shows_a_newer_report_without_reload(open_page, review_project):
    rp = review_project
    path = f"/projects/{rp.project.pk}/dashboard/"
    page = open_page(rp.reviewer, path)
    page.wait_for_selector("body[data-ready='1']")
    # Poll every 300 ms instead of 15 s; set before the page's script runs.
    page.context.add_init_script("window.__workbenchPollMs = 300")
    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    page.evaluate("window.__sameDocument = true")
    latest = AgreementReport.objects.filter(project=rp.project).first()
    expect(page.locator("#report-meta")).to_contain_text(f"Report #{latest.pk}")
    # A current report, no job: the page is not in its fast "stale" polling.
    expect(page.locator("#refresh-state")).to_have_attribute("data-polling", "0")

    # The worker finishes a newer report while the page is open.
    report = refresh_full(project_id=rp.project.pk)
    assert report.pk != latest.pk
    expect(page.locator("#report-meta")).to_contain_text(f"Report #{report.pk}")
    wait_until(
        lambda: page.evaluate("window.workbench.charts.trend.data.datasets[0].data.length") == 3,
        what="the trend chart's third report",
    )
    assert page.evaluate("window.__sameDocument") is True  # updated in place, not reloaded

    # A hidden tab does not poll.
    page.evaluate(
        "Object.defineProperty(document, 'hidden', {value: true, configurable: true});"
        "Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});"
        "document.dispatchEvent(new Event('visibilitychange'))"
    )
    page.wait_for_timeout(700)  # lets a poll already under way finish
    settled = page.locator("#dashboard").get_attribute("data-refreshes")
    page.wait_for_timeout(1500)
    assert page.locator("#dashboard").get_attribute("data-refreshes") == settled

    assert_accessible(page)
