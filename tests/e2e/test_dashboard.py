"""The reviewer dashboard in a real Chromium: the figures it shows are the API's, its charts plot
them, undefined statistics show their reason, the worker warning appears when no worker is alive,
and "Recompute agreement" runs a job and refreshes the figures without a reload."""

from __future__ import annotations

import pytest
from django.test import Client
from playwright.sync_api import expect

from annotations.models import AgreementReport, Role
from annotations.services import background
from annotations.services.agreement import refresh_incremental
from annotations.services.spans import span_create
from tests.factories import UserFactory, add_member, make_project
from tests.waiting import wait_until

pytestmark = pytest.mark.browser


def dashboard_url(project) -> str:
    return f"/projects/{project.pk}/dashboard/"


def api_dashboard(page, project) -> dict:
    response = page.request.get(f"/api/v1/projects/{project.pk}/dashboard/")
    assert response.ok, response.text()
    return response.json()


def open_dashboard(open_page, user, project):
    page = open_page(user, dashboard_url(project))
    page.wait_for_selector("body[data-ready='1']")
    return page


def test_figures_match_the_api_and_link_into_adjudication(open_page, review_project, artifacts_dir):
    rp = review_project
    page = open_dashboard(open_page, rp.reviewer, rp.project)
    body = api_dashboard(page, rp.project)

    # Documents by state, as seeded: 5 complete, 1 partly submitted, 1 not started, 1 unassigned.
    assert body["documents"] == {
        "total": 8,
        "unassigned": 1,
        "not_started": 1,
        "partly_submitted": 1,
        "complete": 5,
        "adjudicated": 0,
    }
    for key in ("total", "unassigned", "not_started", "partly_submitted", "complete"):
        tile = page.locator(f"#doc-states [data-key='{key}'] .tile-value")
        expect(tile).to_have_text(str(body["documents"][key]))

    # Per-annotator progress: ann3 left document 5 in progress.
    ann3 = rp.annotators[2]
    row = page.locator(f"#annotator-table tr[data-annotator='{ann3.pk}']")
    cells = row.locator("td").all_inner_texts()
    assert cells[0] == "ann3"
    assert cells[1:5] == ["6", "1", "5", "0"]  # assignments, in progress, submitted, skipped

    # Project alpha and its bootstrap interval.
    agreement = body["agreement"]
    alpha = agreement["alpha"]["value"]
    assert alpha is not None
    expect(page.locator("#alpha .tile-value")).to_have_text(f"{alpha:.3f}")
    assert float(page.locator("#alpha .tile-value").get_attribute("data-value")) == alpha
    ci = page.locator("#alpha-ci")
    low, high = agreement["bootstrap"]["low"], agreement["bootstrap"]["high"]
    expect(ci).to_contain_text(f"[{low:.3f}, {high:.3f}]")

    # One pair's span F1 (overlap, exact below) in the heatmap, in both triangles of the matrix.
    pair = agreement["pairs"][0]
    a, b = sorted(pair["annotators"])
    cells = page.locator(f"#matrix-f1 td[data-pair='{a}-{b}']")
    expect(cells).to_have_count(2)
    f1 = pair["span_f1_overlap"]["value"]
    for i in range(2):
        expect(cells.nth(i).locator(".heat-main")).to_have_text(f"{f1:.3f}")
        expect(cells.nth(i).locator(".heat-extra")).to_have_text(
            f"exact {pair['span_f1_exact']['value']:.3f}"
        )
    kappa = next(k for k in agreement["cohen_kappa"] if sorted(k["annotators"]) == [a, b])
    expect(page.locator(f"#matrix-kappa td[data-pair='{a}-{b}'] .heat-main").first).to_have_text(
        f"{kappa['value']:.3f}"
    )

    # Leave-one-out alpha per annotator.
    for row in agreement["leave_one_annotator_out"]:
        cell = page.locator(f"#per-annotator tr[data-annotator='{row['annotator']}'] .loo .stat")
        expect(cell).to_have_text(f"{row['value']:.3f}")

    # Every span keeps its initial status: status agreement is undefined and says why.
    status = agreement["status_agreement"]
    assert status["value"] is None and status["reason"]
    shown = page.locator("#status-agreement .tile-value")
    expect(shown).to_have_attribute("data-undefined", "1")
    expect(shown).to_have_text(f"undefined: {status['reason']}")  # the reason, no number
    assert shown.get_attribute("data-value") is None
    expect(page.locator("#status-agreement")).to_contain_text(
        f"({status['coverage']['matched_spans']} of {status['coverage']['spans']})"
    )

    # The queue: lowest agreement first, as the API ranks it, each row linking to adjudication.
    queue = [row["document_id"] for row in agreement["queue"]]
    rows = page.locator("#queue tbody tr")
    expect(rows).to_have_count(len(queue))
    assert [int(x) for x in rows.evaluate_all("rs => rs.map(r => r.dataset.document)")] == queue
    alphas = [row["alpha"] for row in agreement["queue"]]
    assert alphas == sorted(alphas)
    first_link = rows.first.locator("a", has_text="Adjudicate")
    expect(first_link).to_have_attribute(
        "href", f"/projects/{rp.project.pk}/adjudicate/{queue[0]}/"
    )

    # The charts plot the same numbers: the trend over both stored reports, alpha per label, and
    # the label distribution, where ann3's denial bar is empty.
    charts = page.evaluate(
        """() => {
          const c = window.workbench.charts;
          return {
            trend: c.trend.data.datasets[0].data,
            labels: c.labels.data.labels,
            labelValues: c.labels.data.datasets[0].data,
            distLabels: c.distribution.data.labels,
            dist: c.distribution.data.datasets.map(d => [d.label, d.data]),
          };
        }"""
    )
    assert charts["trend"] == [t["alpha"] for t in body["trend"]]
    assert len(charts["trend"]) == AgreementReport.objects.filter(project=rp.project).count() == 2
    # The charts name labels as people read them; the API's `names` holds their keys.
    names = {str(label.pk): label.name for label in rp.labels.values()}
    assert charts["labels"] == [names[str(r["label"])] for r in agreement["per_label_alpha"]]
    assert charts["labelValues"] == [r["value"] for r in agreement["per_label_alpha"]]
    denial = charts["distLabels"].index("Denial")
    dist = dict(charts["dist"])
    assert dist["ann3"][denial] == 0
    assert dist["ann1"][denial] > 0 and dist["ann2"][denial] > 0

    # Eager mode runs jobs in the web process: no worker warning; the report is current, so
    # the page does not poll.
    expect(page.locator("#worker-warning")).to_be_hidden()
    expect(page.locator("#refresh-state")).to_have_attribute("data-polling", "0")

    page.screenshot(path=str(artifacts_dir / "dashboard.png"), full_page=True)
    assert (artifacts_dir / "dashboard.png").stat().st_size > 20_000

    first_link.click()
    page.wait_for_url(f"**/projects/{rp.project.pk}/adjudicate/{queue[0]}/")


def test_documents_table_shows_unitizing_alpha_or_that_it_is_not_computed_yet(
    open_page, review_project
):
    rp = review_project
    page = open_dashboard(open_page, rp.reviewer, rp.project)
    queue = api_dashboard(page, rp.project)["agreement"]["queue"]
    rows = page.locator("#queue tbody tr")
    expect(rows).to_have_count(len(queue))
    expect(page.locator("#queue thead")).to_contain_text("Unitizing α")
    for i, row in enumerate(queue):
        assert row["unitizing_alpha"] is not None  # several annotators marked every document
        cell = rows.nth(i).locator(".unitizing-cell .stat")
        expect(cell).to_have_text(f"{row['unitizing_alpha']:.3f}")
        assert float(cell.get_attribute("data-value")) == row["unitizing_alpha"]

    # A report stored before the figure existed: the table says so instead of a number.
    report = AgreementReport.objects.filter(project=rp.project).first()
    for row in report.metrics["documents_ranked"] + report.metrics["documents_undefined"]:
        del row["unitizing_alpha"], row["unitizing_reason"]
    report.save()
    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    cells = page.locator("#queue tbody .unitizing-cell")
    expect(cells).to_have_count(len(queue))
    assert set(cells.all_inner_texts()) == {"not computed yet"}
    first_alpha = page.locator("#queue tbody .alpha-cell .stat").first  # the rest still shown
    assert float(first_alpha.get_attribute("data-value")) == queue[0]["alpha"]


def test_recompute_runs_a_job_and_refreshes_without_reload(open_page, review_project):
    rp = review_project
    page = open_dashboard(open_page, rp.manager, rp.project)
    page.evaluate("window.__sameDocument = true")
    before = AgreementReport.objects.filter(project=rp.project).count()

    page.click("#btn-recompute")
    expect(page.locator("#job-status")).to_have_attribute("data-state", "succeeded")
    expect(page.locator("#job-status")).to_contain_text("done")
    expect(page.locator("#job-status progress")).to_have_attribute("value", "1")

    assert AgreementReport.objects.filter(project=rp.project).count() == before + 1
    latest = AgreementReport.objects.filter(project=rp.project).first()
    expect(page.locator("#report-meta")).to_contain_text(f"Report #{latest.pk}")
    # Polled from here: wait_for_function evaluates its text with eval, which the CSP refuses.
    wait_until(
        lambda: page.evaluate("window.workbench.charts.trend.data.datasets[0].data.length") == 3,
        what="the trend chart's third report",
    )
    assert page.evaluate("window.__sameDocument") is True  # refreshed in place, not reloaded


def test_stale_report_is_polled_until_a_new_report_arrives(open_page, review_project):
    from unittest import mock

    rp = review_project
    # An edit to a submitted document makes the report stale; its automatic refresh is held back
    # so that the page, not the test, sees the report change.
    with mock.patch.object(background, "schedule_refresh"):
        span_create(
            annotator=rp.annotators[0],
            document=rp.documents[1],
            label=rp.labels["denial"],
            start=0,
            end=3,
        )
    page = open_dashboard(open_page, rp.reviewer, rp.project)
    page.evaluate("window.__sameDocument = true")
    expect(page.locator("#stale-badge")).to_be_visible()
    expect(page.locator("#refresh-state")).to_have_attribute("data-polling", "1")
    shown = int(page.locator("#dashboard").get_attribute("data-refreshes"))

    report = refresh_incremental(project_id=rp.project.pk)
    expect(page.locator("#report-meta")).to_contain_text(f"Report #{report.pk}")
    expect(page.locator("#stale-badge")).to_have_count(0)
    expect(page.locator("#refresh-state")).to_have_attribute("data-polling", "0")
    assert int(page.locator("#dashboard").get_attribute("data-refreshes")) > shown
    assert page.evaluate("window.__sameDocument") is True
    # Polling has stopped: no further refresh in the next few seconds.
    settled = page.locator("#dashboard").get_attribute("data-refreshes")
    page.wait_for_timeout(3500)
    assert page.locator("#dashboard").get_attribute("data-refreshes") == settled


def test_worker_warning_when_no_worker_is_alive(
    open_page, broker_mode, transactional_db, artifacts_dir
):
    manager = UserFactory(username="mia")
    project = make_project(manager, name="No workers")
    # Jobs go to the broker (broker_mode), where no worker runs this test process's queue.
    page = open_dashboard(open_page, manager, project)
    body = api_dashboard(page, project)
    assert body["workers"]["alive"] is False

    warning = page.locator("#worker-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("No background worker is running")
    expect(warning).to_contain_text(body["workers"]["detail"])
    # No report yet: nothing to show but the reason, and the page keeps asking while it is stale.
    expect(page.locator("#no-report")).to_be_visible()
    expect(page.locator("#refresh-state")).to_have_attribute("data-polling", "1")
    page.screenshot(path=str(artifacts_dir / "dashboard-no-worker.png"))


@pytest.mark.parametrize(
    "page_path", ["dashboard/", "adjudicate/", "adjudicate/{doc}/", "exports/"]
)
def test_only_reviewers_and_managers_open_the_review_pages(page_path, transactional_db):
    from tests.factories import DocumentFactory

    manager = UserFactory(username="mia")
    project = make_project(manager, name="Pages")
    reviewer, annotator, outsider = (UserFactory(username=n) for n in ("rev", "ann", "out"))
    add_member(project, reviewer, Role.REVIEWER)
    add_member(project, annotator, Role.ANNOTATOR)
    document = DocumentFactory(project=project)
    url = f"/projects/{project.pk}/" + page_path.format(doc=document.pk)

    def status(user) -> int:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client.get(url).status_code

    assert status(manager) == 200
    assert status(reviewer) == 200
    assert status(annotator) == 404
    assert status(outsider) == 404
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    if page_path.startswith("adjudicate/{doc}"):
        other = f"/projects/{project.pk}/adjudicate/{document.pk + 1000}/"
        assert Client(enforce_csrf_checks=False).get(other).status_code == 302
        client = Client()
        client.force_login(reviewer)
        assert client.get(other).status_code == 404


def test_project_page_links_the_review_pages_for_reviewers_only(open_page, review_project):
    rp = review_project
    page = open_page(rp.reviewer, f"/projects/{rp.project.pk}/")
    nav = page.locator("nav.project-nav")
    for key in ("dashboard", "adjudicate", "exports"):
        expect(nav.locator(f"a[data-nav='{key}']")).to_have_count(1)
    nav.locator("a[data-nav='dashboard']").click()
    page.wait_for_selector("body[data-ready='1']")
    assert page.url.endswith(dashboard_url(rp.project))

    annotator_page = open_page(rp.annotators[0], f"/projects/{rp.project.pk}/")
    expect(annotator_page.locator("#my-progress")).to_be_visible()
    expect(annotator_page.locator("nav.project-nav a")).to_have_text(["Overview"])
