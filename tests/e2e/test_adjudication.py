"""Adjudication in a real Chromium: the queue, one document's clusters with every annotator's
version, accepting, adding, editing and rejecting gold spans, verdicts with evidence (the server's
400 shown when it is missing), discussion, and closing the document. Every outcome is checked
through the API, never through the page alone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import drag_select

pytestmark = pytest.mark.browser


def doc_url(project, document) -> str:
    return f"/projects/{project.pk}/adjudicate/{document.pk}/"


def api_get(page, path: str) -> dict:
    response = page.request.get(path)
    assert response.ok, response.text()
    return response.json()


def gold_spans(page, project, document) -> list[dict]:
    return api_get(page, f"/api/v1/projects/{project.pk}/gold-spans/?document={document.pk}")[
        "results"
    ]


def open_document(open_page, user, project, document):
    page = open_page(user, doc_url(project, document))
    page.wait_for_selector("body[data-ready='1']")
    return page


def settle(page) -> None:
    """Wait until the page's last change went through the API and the page reloaded."""
    # A selector, not wait_for_function: Playwright evaluates a function's text with eval, which
    # the Content-Security-Policy (no 'unsafe-eval') refuses.
    page.wait_for_selector("body:not([data-busy])")


def test_queue_lists_documents_lowest_agreement_first(open_page, review_project, artifacts_dir):
    rp = review_project
    page = open_page(rp.reviewer, f"/projects/{rp.project.pk}/adjudicate/")
    page.wait_for_selector("body[data-ready='1']")
    api = api_get(page, f"/api/v1/projects/{rp.project.pk}/adjudication/")["results"]
    rows = page.locator("#queue tbody tr")
    expect(rows).to_have_count(6)  # documents 0-5 have submissions; 6 and 7 do not
    shown = [int(d) for d in rows.evaluate_all("rs => rs.map(r => r.dataset.document)")]
    assert shown == [row["document"] for row in api]
    alphas = [row["alpha"] for row in api]
    assert alphas == sorted(alphas)
    expect(rows.first.locator("td").nth(1)).to_have_text(f"{alphas[0]:.3f}")
    page.screenshot(path=str(artifacts_dir / "adjudication-queue.png"))
    rows.first.locator("a").first.click()
    page.wait_for_url(f"**/adjudicate/{shown[0]}/")
    page.wait_for_selector("body[data-ready='1']")


def test_queue_is_searched_and_filtered_like_the_documents_table(open_page, review_project):
    from tests.e2e.axe import assert_accessible

    rp = review_project
    rp.documents[2].title = "Harbour denial"
    rp.documents[2].save(update_fields=["title"])
    page = open_page(rp.reviewer, f"/projects/{rp.project.pk}/adjudicate/")
    page.wait_for_selector("body[data-ready='1']")
    assert_accessible(page)
    page.fill("#id_search", "harbour")
    page.click("#queue-filters button[type=submit]")
    page.wait_for_selector("body[data-ready='1']")
    rows = page.locator("#queue tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-document", str(rp.documents[2].pk))
    assert "search=harbour" in page.url  # the filters live in the address, like the table's

    # A filter: documents with a span of a label; ann3 ends every document in progress or not.
    page.goto(f"/projects/{rp.project.pk}/adjudicate/?adjudicated=true")
    page.wait_for_selector("body[data-ready='1']")
    expect(rows.first).to_contain_text("No submitted document matches")
    assert_accessible(page)


def test_queue_shows_unitizing_alpha_and_why_it_is_undefined(open_page, review_project):
    from unittest import mock

    from annotations.agreement.statistic import FEWER_THAN_TWO_CODERS
    from annotations.models import Assignment
    from annotations.services import background
    from annotations.services.agreement import refresh_incremental
    from annotations.services.assignments import assignment_transition

    rp = review_project
    # Document 6: ann1 alone submits it, so neither of its alphas is defined.
    lone = rp.documents[6]
    with mock.patch.object(background, "schedule_refresh"):
        assignment_transition(
            assignment=Assignment.objects.get(document=lone, annotator=rp.annotators[0]),
            action="submit",
        )
    refresh_incremental(project_id=rp.project.pk)
    page = open_page(rp.reviewer, f"/projects/{rp.project.pk}/adjudicate/")
    page.wait_for_selector("body[data-ready='1']")
    api = api_get(page, f"/api/v1/projects/{rp.project.pk}/adjudication/")["results"]
    expect(page.locator("#queue tbody tr")).to_have_count(len(api))
    expect(page.locator("#queue thead")).to_contain_text("Unitizing α")
    for row in api:
        cell = page.locator(f"#queue tr[data-document='{row['document']}'] .unitizing-cell")
        if row["unitizing_alpha"] is None:
            expect(cell).to_have_text(f"undefined: {row['unitizing_alpha_reason']}")
        else:
            expect(cell).to_have_text(f"{row['unitizing_alpha']:.3f}")
    by_document = {row["document"]: row for row in api}
    assert by_document[lone.pk]["unitizing_alpha_reason"] == FEWER_THAN_TWO_CODERS
    assert sum(row["unitizing_alpha"] is not None for row in api) == 6


def test_clusters_show_every_annotator_side_by_side(open_page, review_project):
    rp = review_project
    document = rp.documents[0]
    page = open_document(open_page, rp.reviewer, rp.project, document)
    s1, s2, s3 = rp.sentences

    # Document 0 as seeded: the claim on the first sentence has three versions (disputed), the
    # verifiable fact is unanimous, the denial a majority (ann3 tagged a claim there, alone).
    clusters = page.locator(".cluster")
    expect(clusters).to_have_count(4)
    described = clusters.evaluate_all(
        "cs => cs.map(c => [c.dataset.label, c.dataset.kind, c.querySelectorAll('.lane[data-span]').length])"
    )
    assert sorted(described) == sorted(
        [
            ["claim", "disputed", 3],
            ["verifiable_fact", "unanimous", 3],
            ["denial", "majority", 2],
            ["claim", "disputed", 1],
        ]
    )
    claim = page.locator(".cluster[data-label='claim']").first
    for name, (start, end) in {
        "ann1": s1,
        "ann2": (s1[0] + len("The "), s1[1]),
        "ann3": (s1[0], s1[1] + 1),
    }.items():
        lane = claim.locator(f".lane[data-annotator='{name}']")
        quote = rp.text[start:end]
        expect(lane.locator(".lane-info")).to_contain_text(f"Claim · Unverified · “{quote[:20]}")
        expect(lane.locator(".lane-info")).to_have_attribute("title", quote)
    denial = page.locator(".cluster[data-label='denial']")
    expect(denial.locator(".lane.missing[data-annotator='ann3']")).to_contain_text("no span here")
    # The text shows each cluster as a highlight; clicking one brings its card forward.
    assert page.locator("#doc-text .seg").count() > 0
    expect(page.locator("#adj-summary")).to_contain_text("3 annotators submitted")


def test_adjudicate_a_document_end_to_end(open_page, review_project, artifacts_dir):
    rp = review_project
    project, document, text = rp.project, rp.documents[0], rp.text
    s1, s2, s3 = rp.sentences
    page = open_document(open_page, rp.reviewer, project, document)
    detail = api_get(page, f"/api/v1/projects/{project.pk}/adjudication/{document.pk}/")
    ann2_claim = next(
        s for s in detail["spans"] if s["annotator_username"] == "ann2" and s["start"] == s1[0] + 4
    )

    # Accept ann2's version of the disputed claim: a gold span with exactly those boundaries.
    claim = page.locator(".cluster[data-label='claim']").first
    claim.locator(".lane[data-annotator='ann2'] .accept-version").click()
    settle(page)
    expect(page.locator(".gold")).to_have_count(1)
    [gold] = gold_spans(page, project, document)
    assert (gold["label_key"], gold["start"], gold["end"]) == ("claim", s1[0] + 4, s1[1])
    assert gold["quote"] == text[s1[0] + 4 : s1[1]]
    assert gold["source_spans"] == [ann2_claim["id"]]
    expect(page.locator(".cluster[data-label='claim']").first).to_have_attribute(
        "data-in-gold", "1"
    )

    # Accept all unanimous: the verifiable fact, the only unanimous cluster.
    expect(page.locator("#btn-accept-unanimous")).to_have_text("Accept all unanimous (1)")
    page.click("#btn-accept-unanimous")
    settle(page)
    expect(page.locator(".gold")).to_have_count(2)
    expect(page.locator("#btn-accept-unanimous")).to_be_disabled()
    assert {
        (g["label_key"], g["start"], g["end"]) for g in gold_spans(page, project, document)
    } == {
        ("claim", s1[0] + 4, s1[1]),
        ("verifiable_fact", *s2),
    }

    # Add a gold span nobody made, from a mouse selection after the emoji (code points, not
    # UTF-16 units: the emoji is one code point and two units).
    start = text.index("spokesman")
    drag_select(page, text, start, start + len("spokesman"))
    expect(page.locator("#selection-hint")).to_have_attribute("data-start", str(start))
    page.click(".label-add[data-label='denial']")
    settle(page)
    expect(page.locator(".gold")).to_have_count(3)
    added = next(g for g in gold_spans(page, project, document) if g["label_key"] == "denial")
    assert (added["start"], added["end"], added["quote"]) == (start, start + 9, "spokesman")
    assert added["source_spans"] == []

    # Edit its boundaries from a new selection: "spokesman denied".
    card = page.locator(f".gold[data-gold='{added['id']}']")
    card.locator("button.edit").click()
    drag_select(page, text, start, start + len("spokesman denied"))
    card.locator(".use-selection").click()
    expect(card.locator(".edit-end")).to_have_value(str(start + len("spokesman denied")))
    card.locator(".save-edit").click()
    settle(page)
    edited = next(g for g in gold_spans(page, project, document) if g["id"] == added["id"])
    assert (edited["start"], edited["end"], edited["quote"]) == (
        start,
        start + 16,
        "spokesman denied",
    )
    assert edited["version"] == added["version"] + 1

    # Reject the unanimous verifiable fact (two clicks: reject, confirm).
    fact = next(
        g for g in gold_spans(page, project, document) if g["label_key"] == "verifiable_fact"
    )
    reject = page.locator(f".gold[data-gold='{fact['id']}'] button.reject")
    reject.click()
    expect(reject).to_have_text("Confirm reject")
    reject.click()
    settle(page)
    expect(page.locator(".gold")).to_have_count(2)
    assert fact["id"] not in {g["id"] for g in gold_spans(page, project, document)}

    # A final verdict without evidence or rationale: the server's 400 is shown, nothing changes.
    false_status = project.statuses.get(key="false")
    card = page.locator(f".gold[data-gold='{gold['id']}']")
    card.locator(".verdict-status").select_option(str(false_status.pk))
    card.locator(".save-verdict").click()
    error = card.locator(".verdict-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("needs at least one evidence item")
    expect(error).to_contain_text("needs a written rationale")
    unchanged = next(g for g in gold_spans(page, project, document) if g["id"] == gold["id"])
    assert unchanged["status_key"] == "unverified"

    # With a rationale and a link as evidence it is saved, and the history shows the change.
    card.locator(".verdict-rationale").fill("Local officials counted twelve casualties.")
    card.locator(".add-url").click()
    row = card.locator(".gold-evidence").last
    row.locator(".ev-url").fill("https://example.org/casualty-count")
    row.locator(".ev-stance").select_option("refutes")
    row.locator(".ev-note").fill("Council statement")
    card.locator(".add-document").click()
    card.locator(".gold-evidence").last.locator(".ev-document").select_option(
        str(rp.documents[1].pk)
    )
    card.locator(".save-verdict").click()
    settle(page)
    card = page.locator(f".gold[data-gold='{gold['id']}']")
    expect(card).to_have_attribute("data-status", "false")
    expect(card.locator(".history-list li").first).to_contain_text("Unverified → False")
    expect(card.locator(".history-list li").first).to_contain_text(
        "Local officials counted twelve casualties."
    )
    saved = next(g for g in gold_spans(page, project, document) if g["id"] == gold["id"])
    assert saved["status_key"] == "false"
    assert saved["rationale"] == "Local officials counted twelve casualties."
    assert saved["evidence"] == [
        {
            "url": "https://example.org/casualty-count",
            "document_ref": None,
            "note": "Council statement",
            "stance": "refutes",
        },
        # Added while the verdict reads False: the new row starts as refuting.
        {"url": "", "document_ref": rp.documents[1].pk, "note": "", "stance": "refutes"},
    ]
    assert [(h["from_status"], h["to_status"]) for h in saved["verdict_history"]] == [
        (None, "unverified"),
        ("unverified", "false"),
    ]

    # Discussion on the gold span and on the document.
    thread = card.locator(f".thread[data-thread='gold:{gold['id']}']")
    thread.locator("summary").click()
    thread.locator(".comment-input").fill("Counted by two independent sources.")
    thread.locator(".post-comment").click()
    expect(page.locator(f".thread[data-thread='gold:{gold['id']}'] .comment-body")).to_have_text(
        ["Counted by two independent sources."]
    )
    doc_thread = page.locator("#document-thread")
    doc_thread.locator(".comment-input").fill("Ready to close.")
    doc_thread.locator(".post-comment").click()
    expect(doc_thread.locator(".comment-body")).to_have_text(["Ready to close."])
    comments = api_get(page, f"/api/v1/projects/{project.pk}/comments/?document={document.pk}")
    assert {(c["gold_span"], c["span"], c["body"]) for c in comments["results"]} == {
        (None, None, "Ready to close."),
        (gold["id"], None, "Counted by two independent sources."),
    }

    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(artifacts_dir / "adjudication.png"))
    assert (artifacts_dir / "adjudication.png").stat().st_size > 20_000

    # Close the document: some clusters still have no gold span, so the page asks first.
    page.click("#btn-adjudicated")
    page.get_by_role("dialog").get_by_role("button", name="Mark adjudicated anyway").click()
    settle(page)
    expect(page.locator("#adj-state")).to_have_text("adjudicated")
    expect(page.locator("#btn-adjudicated")).to_have_text("Reopen")
    detail = api_get(page, f"/api/v1/projects/{project.pk}/adjudication/{document.pk}/")
    assert detail["state"] == "adjudicated"

    # The dashboard now compares each annotator with the gold standard of this document.
    page.goto(f"/projects/{project.pk}/dashboard/")
    page.wait_for_selector("body[data-ready='1']")
    gold_rows = api_get(page, f"/api/v1/projects/{project.pk}/dashboard/")["agreement"]["gold"]
    assert {row["annotator"] for row in gold_rows} == {a.pk for a in rp.annotators}
    expect(page.locator("[data-key='adjudicated'] .tile-value")).to_have_text("1")
    for row in gold_rows:
        tr = page.locator(f"#per-annotator tr[data-annotator='{row['annotator']}']")
        expect(tr.locator("td").nth(2)).to_have_text("1")
        f1 = row["span_f1_overlap"]["f1"]["value"]
        expect(tr.locator("td").nth(4)).to_have_text(f"{f1:.3f}")


def test_annotators_get_404_from_the_adjudication_pages(open_page, review_project):
    rp = review_project
    page = open_page(rp.annotators[0], f"/projects/{rp.project.pk}/", wait_ready=False)
    for path in (
        doc_url(rp.project, rp.documents[0]),
        f"/projects/{rp.project.pk}/adjudicate/",
    ):
        response = page.goto(path)
        assert response.status == 404, path
