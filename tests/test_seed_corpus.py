"""Acceptance: a folder of news articles imported and annotated through the API, end to end.

Runs on the project's own fixture articles (tests/fixtures/articles/) everywhere, and on the seed
articles when WORKBENCH_CORPUS names their folder (.ci/run sets it to ../shared/corpus). For each:
an import job for every .txt file, an assignment per article, claim and denial spans whose quotes
are taken from the article's text (one right after an emoji, where an article has emoji, and one
across a no-break space, where it has one), their stored offsets and quotes, submission, then a
JSONL export that, imported into a new project, reproduces every span.
"""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import pytest

from annotations.models import Document, Role, Span
from annotations.services.document_imports import txt_title
from tests.factories import UserFactory, add_member, make_project

HOW_TO_RUN = (
    "WORKBENCH_CORPUS is not set, so the seed articles were not tested: "
    "`make test WORKBENCH_CORPUS=path/to/corpus PYTEST_ARGS=tests/test_seed_corpus.py` runs them "
    "(.ci/run sets it to ../shared/corpus)."
)
WORD = re.compile(r"\w+(?:[’'‐‑-]\w+)*")
# What may follow an emoji's first code point in the same emoji: joiners, variation selectors,
# keycaps, skin tones and flags' second halves (both astral), and what a joiner joins.
EMOJI_TAIL = {"\u200d", "\ufe0e", "\ufe0f", "\u20e3"}
MAX_QUOTE = 200


def seed_articles() -> list[Path]:
    value = os.environ.get("WORKBENCH_CORPUS", "")
    if not value:
        pytest.skip(HOW_TO_RUN)
    folder = Path(value).expanduser().resolve()
    if not folder.is_dir():
        pytest.fail(f"WORKBENCH_CORPUS={value} is not a folder.", pytrace=False)
    files = sorted(folder.glob("*.txt"))
    if not files:
        pytest.fail(f"WORKBENCH_CORPUS={value} holds no .txt file.", pytrace=False)
    return files


def articles(source: str, corpus_dir: Path) -> list[Path]:
    """The files to import. Called in the test itself, so that a missing corpus fails the test
    (an error in a fixture would be reported as an error, not a failure)."""
    if source == "fixtures":
        return sorted(corpus_dir.glob("*.txt"))
    return seed_articles()


def title_and_text(path: Path) -> tuple[str, str]:
    """What the txt import stores: the first non-empty line (stripped) as the title and the whole
    file, byte for byte, as the text."""
    text = path.read_bytes().decode("utf-8-sig")
    return txt_title(text), text


# --- spans chosen from an article's own text -----------------------------------------------------


def _cap(text: str, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` cut back to a word's end if it is longer than MAX_QUOTE."""
    if end - start <= MAX_QUOTE:
        return start, end
    ends = [m.end() for m in WORD.finditer(text, start, start + MAX_QUOTE)]
    return start, ends[-1] if ends else start + MAX_QUOTE


def _line_at(text: str, index: int) -> tuple[int, int]:
    """The line around ``index`` without its surrounding white space."""
    start = text.rfind("\n", 0, index) + 1
    end = text.find("\n", index)
    end = len(text) if end < 0 else end
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _after_emoji(text: str) -> tuple[int, int] | None:
    """The first word after the first astral-plane emoji (with its joiners and modifiers)."""
    at = next((i for i, ch in enumerate(text) if ord(ch) > 0xFFFF), None)
    if at is None:
        return None
    i = at + 1
    while i < len(text) and (ord(text[i]) > 0xFFFF or text[i] in EMOJI_TAIL):
        i += 2 if text[i] == "\u200d" else 1  # a joiner and the character it joins
    word = WORD.search(text, i)
    return (word.start(), word.end()) if word else None


def _across_no_break_space(text: str) -> tuple[int, int] | None:
    at = text.find("\u00a0")
    before = [m for m in WORD.finditer(text, 0, at) if m.end() == at] if at > 0 else []
    after = WORD.match(text, at + 1) if at >= 0 else None
    if not before or not after:
        return None
    return before[0].start(), after.end()


def choose_spans(text: str) -> set[tuple[str, int, int]]:
    """(label, start, end) of the spans to make, in code points, all from ``text`` itself."""
    words = list(WORD.finditer(text))
    assert words, "an article without a single word"
    first_line = _cap(text, *_line_at(text, words[0].start()))
    spans = {("claim", *first_line), ("claim", words[-1].start(), words[-1].end())}
    quotation = re.search(r"“([^“”]+)”", text)
    if quotation:
        spans.add(("denial", *_cap(text, quotation.start(1), quotation.end(1))))
    else:
        spans.add(("denial", *_cap(text, *_line_at(text, words[-1].start()))))
    for label, found in (("denial", _after_emoji(text)), ("claim", _across_no_break_space(text))):
        if found:
            spans.add((label, *found))
    return spans


def test_choose_spans_takes_a_word_after_an_emoji_and_across_a_no_break_space():
    text = "KYIV — 🇺🇦 Live 👩‍⚕️ Doctor Oksana said “no\u00a0doses” today."
    assert {text[s:e] for _, s, e in choose_spans(text)} == {
        "KYIV — 🇺🇦 Live 👩‍⚕️ Doctor Oksana said “no\u00a0doses” today.",
        "today",
        "no\u00a0doses",
        "Live",
    }
    assert _after_emoji("👩‍⚕️ Doctor") == (5, 11)  # four code points, then a space


# --- the acceptance test -------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["fixtures", "seed"])
def test_articles_import_annotate_export_and_import_again(
    source, corpus_dir, db, client_for, django_capture_on_commit_callbacks
):
    article_files = articles(source, corpus_dir)
    manager = UserFactory(username="desk-editor")
    annotator = UserFactory(username="checker")
    project = make_project(manager, name="Seed articles")
    add_member(project, annotator, Role.ANNOTATOR)
    api = f"/api/v1/projects/{project.pk}"
    as_manager, as_annotator = client_for(manager), client_for(annotator)

    # Import: one job for every file.
    uploads = []
    for path in article_files:
        upload = io.BytesIO(path.read_bytes())
        upload.name = path.name
        uploads.append(upload)
    with django_capture_on_commit_callbacks(execute=True):
        started = as_manager.post(f"{api}/imports/", {"file": uploads}, format="multipart")
    assert started.status_code == 202, started.json()
    job = as_manager.get(f"/api/v1/jobs/{started.json()['id']}/").json()
    assert job["state"] == "succeeded", job
    assert job["result"]["created"] == len(article_files)

    expected: set[tuple[str, str, int, int, str]] = set()
    after_emoji = 0
    for path in article_files:
        title, text = title_and_text(path)
        document = Document.objects.get(project=project, title=title, text=text)
        assigned = as_manager.post(
            f"{api}/assignments/",
            {"document": document.pk, "annotator": annotator.pk},
            format="json",
        )
        assert assigned.status_code == 201, assigned.json()

        chosen = choose_spans(text)
        if _after_emoji(text):
            assert ("denial", *_after_emoji(text)) in chosen
            after_emoji += 1
        for label, start, end in sorted(chosen, key=lambda s: (s[1], s[2], s[0])):
            quote = text[start:end]
            response = as_annotator.post(
                f"{api}/spans/",
                {
                    "document": document.pk,
                    "label": label,
                    "start": start,
                    "end": end,
                    "quote": quote,
                },
                format="json",
            )
            assert response.status_code == 201, (path.name, label, quote, response.json())
            body = response.json()
            assert (body["start"], body["end"], body["quote"]) == (start, end, quote)
            stored = Span.objects.get(pk=body["id"])
            assert (stored.start, stored.end, stored.quote) == (start, end, quote)
            assert stored.document.text[stored.start : stored.end] == quote
            expected.add((title, label, start, end, quote))

        submitted = as_annotator.post(
            f"{api}/assignments/{assigned.json()['id']}/submit/", {}, format="json"
        )
        assert submitted.status_code == 200, submitted.json()
    if any(ord(ch) > 0xFFFF for path in article_files for ch in title_and_text(path)[1]):
        assert after_emoji, "the articles have emoji, but no span follows one"

    # Export as JSONL: every span, with the text it quotes.
    with django_capture_on_commit_callbacks(execute=True):
        started = as_manager.post(f"{api}/exports/", {"format": "jsonl"}, format="json")
    assert started.status_code == 202, started.json()
    job = as_manager.get(f"/api/v1/jobs/{started.json()['id']}/").json()
    assert job["state"] == "succeeded", job
    download = as_manager.get(f"{api}/exports/{job['id']}/download/")
    assert download.status_code == 200
    exported = b"".join(download.streaming_content)
    lines = [json.loads(line) for line in exported.decode("utf-8").splitlines()]
    assert len(lines) == len(article_files)
    found = set()
    for line in lines:
        for span in line["spans"]:
            assert span["annotator"] == "checker"
            assert line["text"][span["start"] : span["end"]] == span["quote"]
            found.add((line["title"], span["label"], span["start"], span["end"], span["quote"]))
    assert found == expected

    # The export imported into a new project reproduces every document and span.
    other_manager = UserFactory(username="second-desk")
    target = make_project(other_manager, name="Seed articles, moved")
    add_member(target, annotator, Role.ANNOTATOR)
    upload = io.BytesIO(exported)
    upload.name = "export.jsonl"
    with django_capture_on_commit_callbacks(execute=True):
        started = client_for(other_manager).post(
            f"/api/v1/projects/{target.pk}/imports/annotations/",
            {"file": upload, "format": "native"},
            format="multipart",
        )
    assert started.status_code == 202, started.json()
    job = client_for(other_manager).get(f"/api/v1/jobs/{started.json()['id']}/").json()
    assert job["state"] == "succeeded", job
    assert sorted(Document.objects.filter(project=target).values_list("title", "text")) == sorted(
        title_and_text(path) for path in article_files
    )
    again = {
        (s.document.title, s.label.key, s.start, s.end, s.quote)
        for s in Span.objects.filter(project=target).select_related("document", "label")
    }
    assert again == expected
