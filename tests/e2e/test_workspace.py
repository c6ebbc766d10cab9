"""The annotator's workspace in a real Chromium, against a live server.

Each test makes its own users, project and documents (the live server sees them because these
tests run in transactional mode) and checks the outcome through the API or the database, never
through the page alone.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from annotations.models import Assignment, Role, Span
from annotations.services.spans import span_update
from tests.e2e.helpers import api_spans, click_text, drag_select, wait_saved
from tests.factories import (
    PASSWORD,
    DocumentFactory,
    UserFactory,
    add_member,
    assign,
    make_project,
    make_span,
)

pytestmark = pytest.mark.browser

# Fixture articles (tests/fixtures/articles/), read with the conftest's `corpus_dir`.
ARTICLE_000 = "01_reservoir_flood_denial.txt"
ARTICLE_004 = "05_vaccine_shortage_denial.txt"  # no-break spaces, a flag, 😀, 👩‍⚕️, 📸


# The text under each highlight, joined per span, as the page shows it.
HIGHLIGHTED_TEXTS_JS = """() => {
  const texts = {};
  for (const el of document.querySelectorAll("#doc-text .seg")) {
    for (const key of el.dataset.k.split(" ")) texts[key] = (texts[key] || "") + el.textContent;
  }
  return Object.values(texts).sort();
}"""


def read(corpus_dir: Path, name: str) -> str:
    return (corpus_dir / name).read_text(encoding="utf-8")


@pytest.fixture
def team():
    manager = UserFactory(username="mia")
    annotator = UserFactory(username="ann")
    other = UserFactory(username="olek")
    reviewer = UserFactory(username="rev")
    return {"manager": manager, "annotator": annotator, "other": other, "reviewer": reviewer}


def make_team_project(team, *, blind: bool = True, guidelines: str = ""):
    project = make_project(team["manager"], name="Denials", blind=blind, guidelines=guidelines)
    add_member(project, team["annotator"], Role.ANNOTATOR)
    add_member(project, team["other"], Role.ANNOTATOR)
    add_member(project, team["reviewer"], Role.REVIEWER)
    return project


def doc_for(project, text: str, *annotators, title: str = "Article"):
    document = DocumentFactory(project=project, title=title, text=text)
    for user in annotators:
        assign(document, user)
    return document


def workspace(project, document) -> str:
    return f"/projects/{project.pk}/documents/{document.pk}/"


# --- selecting and tagging -----------------------------------------------------------------------


def test_mouse_selection_snaps_to_words_and_shortcut_saves_exact_offsets(
    open_page, team, corpus_dir
):
    text = read(corpus_dir, ARTICLE_000)
    project = make_team_project(team)
    document = doc_for(project, text, team["annotator"])
    phrase = "sudden releases from the Bilozerka reservoir"
    start = text.index(phrase)
    end = start + len(phrase)

    page = open_page(team["annotator"], workspace(project, document))
    # Press inside "sudden" ("s|udden") and release inside "reservoir" ("reservo|ir").
    drag_select(page, text, start + 1, end - 2)
    assert page.evaluate("window.getSelection().toString()") == phrase
    page.keyboard.press("1")
    expect(page.locator("[data-label-count='claim']")).to_have_text("1")
    wait_saved(page)

    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    assert page.locator("#doc-text .seg").count() == 1
    assert page.locator("#doc-text .seg").inner_text() == phrase
    spans = api_spans(page, project.pk, document.pk)
    assert [(s["start"], s["end"], s["quote"], s["label_key"]) for s in spans] == [
        (start, end, phrase, "claim")
    ]


def test_emoji_and_no_break_spaces_keep_quote_equal_to_selection(open_page, team, corpus_dir):
    text = read(corpus_dir, ARTICLE_004)
    # The article has emoji before the spans (a flag is two astral code points, 😀 one) and a
    # ZWJ sequence (👩‍⚕️: four code points, five UTF-16 units) inside the first one; both phrases
    # contain the article's own no-break spaces.
    phrase = "By\u00a0Sofiia Hnatiuk 👩‍⚕️ Health\u00a0desk"
    second = "Photograph\u00a0Marianna Levchenko"
    assert text.index("🇺🇦 Live report 😀") < text.index(phrase) < text.index("📸 " + second)
    assert phrase.count("\u00a0") == 2 and "\u200d" in phrase and "\u00a0" in second
    project = make_team_project(team)
    document = doc_for(project, text, team["annotator"])
    page = open_page(team["annotator"], workspace(project, document))

    start = text.index(phrase)
    drag_select(page, text, start, start + len(phrase))
    assert page.evaluate("window.getSelection().toString()") == phrase
    page.keyboard.press("2")

    # Snapping: from inside "Photograph" to inside "Levchenko".
    second_start = text.index("📸 " + second) + 2
    drag_select(page, text, second_start + 3, second_start + len(second) - 1)
    assert page.evaluate("window.getSelection().toString()") == second
    page.keyboard.press("3")

    # Alt: exact characters, no snapping: "arian" inside "Marianna", in the phrase after 📸.
    inner = second_start + len("Photograph\u00a0M")
    drag_select(page, text, inner, inner + len("arian"), alt=True)
    page.keyboard.press("1")
    wait_saved(page)

    spans = {s["label_key"]: s for s in api_spans(page, project.pk, document.pk)}
    assert spans["denial"]["quote"] == phrase
    assert (spans["denial"]["start"], spans["denial"]["end"]) == (start, start + len(phrase))
    assert spans["verifiable_fact"]["quote"] == second
    assert spans["verifiable_fact"]["start"] == second_start
    assert spans["claim"]["quote"] == "arian"
    assert spans["claim"]["start"] == inner
    for span in spans.values():
        assert text[span["start"] : span["end"]] == span["quote"]

    # After a reload each highlight covers exactly its quote.
    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    assert page.evaluate(HIGHLIGHTED_TEXTS_JS) == sorted(s["quote"] for s in spans.values())


def test_keyboard_only_selection_and_tagging(open_page, team, corpus_dir):
    text = read(corpus_dir, ARTICLE_000)
    project = make_team_project(team)
    document = doc_for(project, text, team["annotator"])
    page = open_page(team["annotator"], workspace(project, document))

    page.focus("#doc-text")
    page.keyboard.press("ArrowRight")  # the first word
    page.keyboard.press("ArrowRight")  # the second word
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Shift+ArrowLeft")
    words = text.split(" ")
    expected = " ".join(words[1:4])  # "authority denies that"
    assert page.evaluate("window.getSelection().toString()") == expected
    page.keyboard.press("3")
    wait_saved(page)
    spans = api_spans(page, project.pk, document.pk)
    assert [(s["quote"], s["start"], s["label_key"]) for s in spans] == [
        (expected, text.index(expected), "verifiable_fact")
    ]

    # j selects the span, e jumps to its status, the keyboard picks one.
    page.keyboard.press("j")
    expect(page.locator("#panel-quote")).to_have_text(expected)
    page.keyboard.press("e")
    assert page.evaluate("document.activeElement.id") == "panel-status"
    page.select_option("#panel-status", label="Misleading")
    wait_saved(page)
    assert api_spans(page, project.pk, document.pk)[0]["status_key"] == "misleading"


# --- editing, deleting, undo ---------------------------------------------------------------------


def test_edit_status_note_and_evidence(open_page, team, corpus_dir):
    text = read(corpus_dir, ARTICLE_000)
    project = make_team_project(team)
    document = doc_for(project, text, team["annotator"])
    phrase = "did not open the spillway gates"
    start = text.index(phrase)
    make_span(document, team["annotator"], start, start + len(phrase), "denial")
    page = open_page(team["annotator"], workspace(project, document))

    click_text(page, text, start + 5)
    expect(page.locator("#panel-quote")).to_have_text(phrase)
    page.select_option("#panel-status", label="False")
    page.fill("#panel-note", "Strikes hit residential blocks <b>twice</b>")
    page.locator("#panel-note").blur()
    page.click("#panel-add-evidence")
    row = page.locator(".evidence-row").nth(0)
    row.locator(".ev-stance").select_option("refutes")
    row.locator(".ev-url").fill("https://example.org/report")
    row.locator(".ev-url").blur()
    page.click("#panel-add-evidence")
    row2 = page.locator(".evidence-row").nth(1)
    row2.locator(".ev-stance").select_option("context")
    row2.locator(".ev-note-input").fill("Kremlin transcript")
    row2.locator(".ev-note-input").blur()
    wait_saved(page)

    span = api_spans(page, project.pk, document.pk)[0]
    assert span["status_key"] == "false"
    assert span["note"] == "Strikes hit residential blocks <b>twice</b>"
    assert [(e["stance"], e["url"], e["note"]) for e in span["evidence"]] == [
        ("refutes", "https://example.org/report", ""),
        ("context", "", "Kremlin transcript"),
    ]

    # Remove the first item; then undo the removal with Ctrl+Z.
    page.locator(".evidence-row").nth(0).locator(".ev-remove").click()
    wait_saved(page)
    span = api_spans(page, project.pk, document.pk)[0]
    assert [e["note"] for e in span["evidence"]] == ["Kremlin transcript"]
    page.locator("body").click(position={"x": 5, "y": 300})  # leave the form fields
    page.keyboard.press("Control+z")
    wait_saved(page)
    span = api_spans(page, project.pk, document.pk)[0]
    assert [e["url"] for e in span["evidence"]] == ["https://example.org/report", ""]


def test_delete_then_undo_restores_the_span(open_page, team, corpus_dir):
    text = read(corpus_dir, ARTICLE_000)
    project = make_team_project(team)
    document = doc_for(project, text, team["annotator"])
    phrase = "Authority spokeswoman Iryna Tkach"
    start = text.index(phrase)
    make_span(document, team["annotator"], start, start + len(phrase), "claim")
    page = open_page(team["annotator"], workspace(project, document))

    click_text(page, text, start + 2)
    expect(page.locator("#panel-quote")).to_have_text(phrase)
    page.keyboard.press("Delete")
    wait_saved(page)
    assert api_spans(page, project.pk, document.pk) == []
    assert page.locator("#doc-text .seg").count() == 0

    page.keyboard.press("Control+z")
    wait_saved(page)
    restored = api_spans(page, project.pk, document.pk)
    assert [(s["start"], s["end"], s["label_key"]) for s in restored] == [
        (start, start + len(phrase), "claim")
    ]

    # Undo of a creation removes the new span.
    drag_select(page, text, text.index("Tuesday morning"), text.index("Tuesday morning") + 15)
    page.keyboard.press("2")
    wait_saved(page)
    assert len(api_spans(page, project.pk, document.pk)) == 2
    page.keyboard.press("Control+z")
    wait_saved(page)
    assert [s["label_key"] for s in api_spans(page, project.pk, document.pk)] == ["claim"]


def test_overlapping_spans_are_distinct_and_click_cycles(
    open_page, team, corpus_dir, artifacts_dir
):
    text = read(corpus_dir, ARTICLE_000)
    project = make_team_project(team, blind=False, guidelines="Tag claims of fact.")
    document = doc_for(project, text, team["annotator"], team["other"], title="Tkach statement")
    outer = "Authority spokeswoman Iryna Tkach stated that the spring flood was not caused"
    o = text.index(outer)
    inner = "the spring flood"
    i = text.index(inner, o)
    make_span(document, team["annotator"], o, o + len(outer), "claim")
    make_span(document, team["annotator"], i, i + len(inner), "verifiable_fact")
    # From "Iryna" to "the spring": olek's span ends inside the innermost one.
    others = (o + len("Authority spokeswoman "), i + len("the spring"))
    make_span(document, team["other"], *others, "denial")
    page = open_page(team["annotator"], workspace(project, document))

    # Three spans cover "spring": three distinct bands, one per lane.
    click_text(page, text, i + 6)
    expect(page.locator("#panel-quote")).to_have_text(inner)  # the innermost first
    chips = page.locator(".also-here .chip")
    expect(chips).to_have_count(3)
    chips.filter(has_text="olek").click()
    expect(page.locator("#panel-quote")).to_have_text(text[others[0] : others[1]])
    expect(page.locator("#panel .meta")).to_contain_text("By olek")
    stacked = page.locator("#doc-text .seg.active").evaluate_all(
        "els => els.filter(e => e.dataset.k.split(' ').length === 3)"
        ".map(e => [e.textContent, getComputedStyle(e).backgroundImage])"
    )
    assert [t for t, _ in stacked] == ["the spring"]
    assert stacked[0][1].count("gradient") == 4  # three bands and the tint of the innermost

    page.keyboard.press("g")
    expect(page.locator("#guidelines")).to_be_visible()
    expect(page.locator("#guidelines")).to_contain_text("Tag claims of fact.")
    page.keyboard.press("g")
    page.screenshot(path=str(artifacts_dir / "workspace.png"))
    assert (artifacts_dir / "workspace.png").stat().st_size > 10_000


# --- saving failures -----------------------------------------------------------------------------


def test_conflict_is_shown_and_can_be_resolved_either_way(open_page, team, corpus_dir):
    text = read(corpus_dir, ARTICLE_000)
    project = make_team_project(team)
    document = doc_for(project, text, team["annotator"])
    phrase = "Local media reported on Tuesday"
    start = text.index(phrase)
    span = make_span(document, team["annotator"], start, start + len(phrase), "claim")
    page = open_page(team["annotator"], workspace(project, document))
    click_text(page, text, start + 3)

    # Meanwhile the same span changes elsewhere (another tab): version 1 -> 2.
    span_update(span=span, expected_version=1, note="edited in another tab")
    page.select_option("#panel-status", label="False")
    failure = page.locator(".failure.conflict")
    expect(failure).to_contain_text("changed elsewhere")
    expect(page.locator("#save-state")).to_have_attribute("data-state", "failed")
    expect(page.locator(".span-state")).to_have_text("Not saved")
    assert Span.objects.get(pk=span.pk).status.key == "unverified"

    failure.locator(".keep-mine").click()
    wait_saved(page)
    stored = Span.objects.get(pk=span.pk)
    assert (stored.status.key, stored.note, stored.version) == ("false", "edited in another tab", 3)

    # Second conflict, resolved by taking the other version.
    span_update(span=stored, expected_version=3, note="second tab again")
    page.fill("#panel-note", "my note")
    page.locator("#panel-note").blur()
    expect(page.locator(".failure.conflict")).to_be_visible()
    page.locator(".failure.conflict .take-theirs").click()
    wait_saved(page)
    expect(page.locator("#panel-note")).to_have_value("second tab again")
    assert Span.objects.get(pk=span.pk).note == "second tab again"


def test_network_failure_is_kept_and_retried(open_page, team, corpus_dir):
    text = read(corpus_dir, ARTICLE_000)
    project = make_team_project(team)
    document = doc_for(project, text, team["annotator"])
    page = open_page(team["annotator"], workspace(project, document))
    page.route(re.compile(r".*/api/v1/projects/\d+/spans/.*"), lambda route: route.abort())

    phrase = "state-run gauging stations"
    start = text.index(phrase)
    drag_select(page, text, start, start + len(phrase))
    page.keyboard.press("1")
    expect(page.locator("#save-state")).to_have_attribute("data-state", "failed")
    expect(page.locator(".failure")).to_contain_text("Could not reach the server")
    expect(page.locator("#doc-text .seg.failed")).to_have_count(1)
    assert not Span.objects.exists()

    page.unroute(re.compile(r".*/api/v1/projects/\d+/spans/.*"))
    page.locator(".failure .retry").click()
    wait_saved(page)
    expect(page.locator("#doc-text .seg.failed")).to_have_count(0)
    assert [s["quote"] for s in api_spans(page, project.pk, document.pk)] == [phrase]


# --- assignment flow -----------------------------------------------------------------------------


def test_login_project_progress_next_submit_and_skip(browser, server_url, team, corpus_dir):
    project = make_team_project(team)
    first = doc_for(project, read(corpus_dir, ARTICLE_000), team["annotator"], title="First")
    second = doc_for(project, read(corpus_dir, ARTICLE_004), team["annotator"], title="Second")
    context = browser.new_context(base_url=server_url)
    try:
        page = context.new_page()
        page.goto("/")
        expect(page).to_have_url(re.compile(r"/accounts/login/"))
        page.fill("#id_username", "ann")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        row = page.locator(f"tr[data-project='{project.pk}']")
        expect(row.locator(".done-count")).to_have_text("0 / 2")
        row.locator("a").click()
        expect(page).to_have_url(re.compile(rf"/projects/{project.pk}/$"))
        page.wait_for_selector("body[data-ready='1']")
        page.keyboard.press("n")
        expect(page).to_have_url(re.compile(rf"/documents/{first.pk}/$"))
        page.wait_for_selector("body[data-ready='1']")
        text = first.text
        drag_select(page, text, 0, 6)
        page.keyboard.press("1")
        page.keyboard.press("Control+Enter")
        expect(page.locator("#banner")).to_have_attribute("data-state", "submitted")
        assignment = Assignment.objects.get(document=first, annotator=team["annotator"])
        assert assignment.state == "submitted"
        assert Span.objects.filter(document=first).count() == 1
        expect(page.locator("button.label-btn").first).to_be_disabled()

        page.keyboard.press("n")
        expect(page).to_have_url(re.compile(rf"/documents/{second.pk}/$"))
        page.wait_for_selector("body[data-ready='1']")
        page.click("#btn-skip")
        page.fill("#skip-reason", "Not a news article")
        page.click("#skip-confirm")
        expect(page.locator("#banner")).to_have_attribute("data-state", "skipped")
        skipped = Assignment.objects.get(document=second, annotator=team["annotator"])
        assert (skipped.state, skipped.skip_reason) == ("skipped", "Not a news article")

        page.keyboard.press("n")
        expect(page).to_have_url(re.compile(rf"/projects/{project.pk}/\?done=1$"))
        expect(page.locator("#my-progress .done-count")).to_have_text("1 / 1")
    finally:
        context.close()


# --- who sees what -------------------------------------------------------------------------------


def test_blind_project_never_shows_other_annotators_spans(open_page, team, corpus_dir):
    text = read(corpus_dir, ARTICLE_000)
    project = make_team_project(team, blind=True)
    document = doc_for(project, text, team["annotator"], team["other"])
    make_span(document, team["other"], 0, 6, "claim")
    make_span(document, team["other"], 10, 20, "denial")
    make_span(document, team["annotator"], 30, 40, "claim")

    api_bodies: list[str] = []
    page = open_page(team["annotator"], "/", wait_ready=False)
    page.on(
        "response",
        lambda r: api_bodies.append(r.text()) if "/api/" in r.url and r.status != 204 else None,
    )
    page.goto(workspace(project, document))
    page.wait_for_selector("body[data-ready='1']")
    name = text.index("Iryna Tkach")
    assert name >= 40  # after the other spans
    drag_select(page, text, name, name + len("Iryna Tkach"))
    page.keyboard.press("2")
    wait_saved(page)
    api_spans(page, project.pk, document.pk)

    embedded = json.loads(page.locator("#workspace-data").text_content())
    assert {s["annotator_username"] for s in embedded["document"]["spans"]} == {"ann"}
    assert page.locator("#annotator-toggles").count() == 0
    keys = page.locator("#doc-text .seg").evaluate_all(
        "els => new Set(els.flatMap(e => e.dataset.k.split(' '))).size"
    )
    assert keys == 2  # the annotator's two spans only
    assert api_bodies, "the page made no API call to check"
    for body in [*api_bodies, page.content()]:
        assert "olek" not in body
        assert f'"annotator":{team["other"].pk},' not in body.replace(" ", "")


def test_open_project_shows_others_read_only_and_reviewer_toggles(open_page, team, corpus_dir):
    text = read(corpus_dir, ARTICLE_000)
    project = make_team_project(team, blind=False)
    document = doc_for(project, text, team["annotator"], team["other"])
    make_span(document, team["other"], 0, 6, "claim")
    make_span(document, team["annotator"], 30, 40, "denial")

    page = open_page(team["annotator"], workspace(project, document))
    expect(page.locator("#annotator-toggles input")).to_have_count(1)
    click_text(page, text, 2)
    expect(page.locator("#panel .meta")).to_contain_text("By olek")
    assert page.locator("#panel-status").count() == 0  # read only
    page.keyboard.press("Delete")
    assert Span.objects.filter(annotator=team["other"]).count() == 1

    review = open_page(team["reviewer"], workspace(project, document))
    expect(review).to_have_url(re.compile(r"/review/$"))
    expect(review.locator("#annotator-toggles input")).to_have_count(2)
    expect(review.locator("#banner")).to_have_attribute("data-state", "review")
    assert review.locator("button.label-btn:enabled").count() == 0
    before = review.locator("#doc-text .seg").count()
    review.locator("#annotator-toggles input[data-annotator='olek']").uncheck()
    expect(review.locator("#doc-text .seg")).to_have_count(before - 1)
    review.locator("#annotator-toggles input[data-annotator='olek']").check()
    expect(review.locator("#doc-text .seg")).to_have_count(before)
    review.keyboard.press("j")
    expect(review.locator("#panel .meta")).to_contain_text("By olek")
    review.keyboard.press("1")
    assert Span.objects.count() == 2


# --- untrusted text ------------------------------------------------------------------------------


def test_markup_in_articles_is_shown_as_text_and_never_run(open_page, team):
    text = (
        "Officials said <script>window.__pwned = 'script'</script> nothing happened.\n"
        "A photo <img src=x onerror=\"window.__pwned = 'img'\"> was shared & deleted.\n"
    )
    project = make_team_project(team)
    document = doc_for(
        project, text, team["annotator"], title="<script>window.__pwned='title'</script>"
    )
    page = open_page(team["annotator"], workspace(project, document))

    assert page.evaluate("window.__pwned") is None
    assert page.locator("#doc-text").text_content() == text
    assert page.locator("#doc-text *:not(.blk):not(.seg)").count() == 0
    assert page.locator("img").count() == 0
    expect(page.locator(".doc-title")).to_have_text("<script>window.__pwned='title'</script>")

    tag = "<img src=x onerror=\"window.__pwned = 'img'\">"
    start = text.index(tag)
    drag_select(page, text, start, start + len(tag), alt=True)
    page.keyboard.press("1")
    wait_saved(page)
    click_text(page, text, start + 2)
    expect(page.locator("#panel-quote")).to_have_text(tag)
    assert [s["quote"] for s in api_spans(page, project.pk, document.pk)] == [tag]
    assert page.evaluate("window.__pwned") is None
