"""Exports in a real Chromium: choose a format and a scope, start the job, follow it, download the
file, and see it among past exports; a failed export shows why, a queued one that no worker will
run says so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from annotations.services import exports

pytestmark = pytest.mark.browser


def open_exports(open_page, user, project):
    page = open_page(user, f"/projects/{project.pk}/exports/")
    page.wait_for_selector("body[data-ready='1']")
    return page


def past_exports(page, project) -> list[dict]:
    response = page.request.get(f"/api/v1/projects/{project.pk}/exports/")
    assert response.ok, response.text()
    return response.json()["results"]


def test_jsonl_export_of_two_annotators_downloads(open_page, review_project, artifacts_dir):
    rp = review_project
    ann1, ann2, ann3 = rp.annotators
    page = open_exports(open_page, rp.reviewer, rp.project)
    expect(page.locator("#past-exports tbody")).to_contain_text("No exports yet.")

    page.select_option("#export-format", "jsonl")
    page.uncheck(f"input[name='annotator'][value='{ann3.pk}']")
    page.click("#btn-export")
    link = page.locator("#download-link")
    expect(link).to_be_visible()
    expect(page.locator("#export-job")).to_have_attribute("data-state", "succeeded")
    expect(page.locator("#export-job progress")).to_have_attribute("value", "1")

    with page.expect_download() as download:
        link.click()
    content = Path(download.value.path()).read_text(encoding="utf-8")
    lines = [json.loads(line) for line in content.splitlines()]
    # Submitted only (the default): documents 0-5, which ann1 and ann2 both submitted; each of
    # them marked three spans per document; ann3 is out of scope.
    assert sorted(line["document_id"] for line in lines) == sorted(d.pk for d in rp.documents[:6])
    for line in lines:
        assert sorted(s["annotator"] for s in line["spans"]) == ["ann1"] * 3 + ["ann2"] * 3
        assert line["text"] == rp.text

    [job] = past_exports(page, rp.project)
    assert job["state"] == "succeeded"
    assert job["params"]["annotators"] == sorted([ann1.pk, ann2.pk])
    assert job["params"]["format"] == "jsonl" and job["params"]["submitted_only"] is True
    row = page.locator(f"#past-exports tr[data-job='{job['id']}']")
    expect(row).to_have_attribute("data-state", "succeeded")
    expect(row.locator(".scope")).to_contain_text("ann1, ann2")
    expect(row.locator("a", has_text="Download")).to_have_attribute(
        "href", f"/api/v1/projects/{rp.project.pk}/exports/{job['id']}/download/"
    )
    page.screenshot(path=str(artifacts_dir / "exports.png"), full_page=True)


def test_a_failed_export_shows_its_error(open_page, review_project, monkeypatch):
    def broken(**kwargs):
        raise OSError("No space left on device")

    # The live server runs in this process: the export task (eager) calls the broken writer.
    monkeypatch.setattr(exports, "write_export", broken)
    rp = review_project
    page = open_exports(open_page, rp.manager, rp.project)
    page.select_option("#export-format", "csv")
    page.click("#btn-export")
    failed = page.locator("#export-failed")
    expect(failed).to_contain_text("No space left on device")
    expect(page.locator("#download-link")).to_have_count(0)
    [job] = past_exports(page, rp.project)
    assert job["state"] == "failed" and "No space left on device" in job["error"]
    expect(page.locator(f"#past-exports tr[data-job='{job['id']}']")).to_have_attribute(
        "data-state", "failed"
    )


def test_scope_must_keep_a_label_and_queued_jobs_say_they_wait(
    open_page, review_project, broker_mode
):
    rp = review_project
    page = open_exports(open_page, rp.reviewer, rp.project)
    for key in rp.labels:
        page.uncheck(f"input[name='label'][value='{key}']")
    page.click("#btn-export")
    expect(page.locator("#export-error")).to_have_text("Choose at least one label.")
    assert past_exports(page, rp.project) == []

    # Jobs go to the broker (broker_mode), where no worker runs this test process's queue: the
    # job stays queued and the page says why.
    page.check("input[name='label'][value='claim']")
    page.click("#btn-export")
    status = page.locator("#export-job")
    expect(status).to_have_attribute("data-state", "queued")
    expect(status).to_contain_text("Waiting for a worker")
    [job] = past_exports(page, rp.project)
    assert job["state"] == "queued" and job["params"]["labels"] == ["claim"]


def test_csv_formula_protection_is_on_by_default_and_can_be_turned_off(open_page, review_project):
    rp = review_project
    page = open_exports(open_page, rp.reviewer, rp.project)
    box = page.locator("#export-excel-safe")
    page.select_option("#export-format", "jsonl")
    expect(box).to_be_disabled()  # it concerns the CSV file only
    page.select_option("#export-format", "csv")
    expect(box).to_be_enabled()
    expect(box).to_be_checked()

    page.click("#btn-export")
    expect(page.locator("#export-job")).to_have_attribute("data-state", "succeeded")
    box.uncheck()
    page.click("#btn-export")
    expect(page.locator("#past-exports tbody tr")).to_have_count(2)

    newest, oldest = past_exports(page, rp.project)
    assert (oldest["params"]["excel_safe"], newest["params"]["excel_safe"]) == (True, False)
    expect(page.locator(f"#past-exports tr[data-job='{newest['id']}'] .scope")).to_contain_text(
        "formulas as they are"
    )
    expect(page.locator(f"#past-exports tr[data-job='{oldest['id']}'] .scope")).not_to_contain_text(
        "formulas"
    )
