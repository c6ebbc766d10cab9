from __future__ import annotations

import dataclasses
import io
import json

import pytest

from annotations.formats.jsonl import read_native_jsonl, write_jsonl
from annotations.formats.records import ExportDocument
from tests.formats.samples import TEXT_1, document_1, document_2, document_3, documents


def written_lines(docs: list[ExportDocument]) -> list[dict]:
    buffer = io.BytesIO()
    write_jsonl(docs, buffer)
    assert not buffer.closed  # a binary file is wrapped, written as UTF-8, and left open
    raw = buffer.getvalue().decode("utf-8")
    assert raw.endswith("\n")
    return [json.loads(line) for line in raw.split("\n")[:-1]]


def test_one_line_per_document_with_every_field():
    lines = written_lines(documents())
    assert [line["document_id"] for line in lines] == [1, 2, 3]
    first = lines[0]
    assert first["format"] == "factcheck-workbench/1"
    assert first["offset_unit"] == "code_point"
    assert first["text"] == TEXT_1
    assert first["title"] == "Le café 😀"
    assert first["published_at"] == "2026-05-03T08:00:00+00:00"
    assert first["metadata"] == {"section": "économie", "tags": ["prix", "😀"]}
    assert first["annotators"] == ["alice", "bob", "carol"]
    assert first["adjudicated"] is True
    assert len(first["spans"]) == 5 and len(first["gold"]) == 3
    assert first["agreement"]["pairwise_f1"] == {"alice|bob": 0.5}


def test_spans_slice_the_text_in_code_points_including_emoji_nbsp_and_combining_marks():
    first = written_lines([document_1()])[0]
    text = first["text"]
    for span in first["spans"] + first["gold"]:
        assert text[span["start"] : span["end"]] == span["quote"]
    by_id = {s["id"]: s for s in first["spans"]}
    # "😀 Le ministre": the emoji is one code point, so "Le" starts at 2 (not 3 as in UTF-16).
    assert (by_id[11]["start"], by_id[11]["end"]) == (2, 13)
    assert by_id[11]["annotator"] == "alice" and by_id[11]["note"] == "qui ?"
    assert by_id[21]["quote"].endswith("\u00a0:")
    assert "e\u0301" in by_id[12]["quote"] and "🇫🇷" in by_id[12]["quote"]
    assert by_id[12]["evidence"] == [
        {"url": "https://insee.example/prix", "note": "Prix moyen 2,10 €", "stance": "refutes"},
        {"url": "", "note": "Interview 😀 du 3 mai", "stance": "context"},
    ]
    assert by_id[22]["status"] is None
    gold = {s["id"]: s for s in first["gold"]}
    assert gold[31]["annotator"] is None
    assert gold[31]["verdict_rationale"] == "L'INSEE donne 2,10 €."


def test_no_adjudication_is_null_gold_and_a_false_flag():
    second, third = written_lines([document_2(), document_3()])
    assert second["gold"] is None and second["adjudicated"] is False
    assert third["spans"] == [] and third["annotators"] == []
    assert second["agreement"] is None


def test_nan_agreement_figures_become_null():
    doc = dataclasses.replace(
        document_2(), agreement={"alpha": float("nan"), "n": [1.0, float("inf")]}
    )
    line = written_lines([doc])[0]
    assert line["agreement"] == {"alpha": None, "n": [1.0, None]}


def test_line_separator_characters_stay_inside_their_line():
    text = "one\u2028two\u2029three\x85four"
    doc = dataclasses.replace(document_3(), text=text)
    buffer = io.StringIO()
    write_jsonl([doc, doc], buffer)
    raw = buffer.getvalue()
    assert len(raw.splitlines()) == 2  # str.splitlines splits on U+2028, U+2029 and U+0085
    assert json.loads(raw.splitlines()[0])["text"] == text


def test_summary_counts_documents_and_spans():
    summary = write_jsonl(iter(documents()), io.StringIO())
    assert summary.documents == 3
    assert summary.spans == 5 + 3 + 1


def test_native_round_trip_reproduces_every_record_exactly():
    original = documents()
    buffer = io.BytesIO()
    write_jsonl(original, buffer)
    buffer.seek(0)
    result = read_native_jsonl(buffer)
    assert result.ok, result.errors
    assert list(result.documents) == original
    assert result.annotators == ("alice", "bob", "carol")
    assert result.labels == ("claim", "denial", "verifiable_fact")
    assert result.statuses == ("false", "misleading", "true", "unverified")


def line_with(**changes) -> str:
    obj = written_lines([document_1()])[0]
    for path, value in changes.items():
        target = obj
        *parents, last = path.split("__")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is KeyError:
            del target[last]
        else:
            target[last] = value
    return json.dumps(obj, ensure_ascii=False)


def test_native_reader_reports_each_problem_with_line_and_field():
    good = line_with()
    lines = [
        good,
        line_with(spans__0__start=3),  # quote no longer matches
        line_with(spans__1__annotator="mallory"),
        line_with(gold=None),  # adjudicated true but gold null
        "{not json",
        line_with(spans__2__end=10_000),
        line_with(spans__0__evidence=[{"url": "", "note": "x", "stance": "maybe"}]),
        line_with(document_id="7"),
        line_with(format="other/2"),
        line_with(gold__0__annotator="alice"),
        line_with(spans__0__label=KeyError),
    ]
    result = read_native_jsonl(io.StringIO("\n".join(lines) + "\n\n"))
    assert [d.document_id for d in result.documents] == [1]
    assert result.error_count == 10
    found = {(e.item, e.field) for e in result.errors}
    assert found == {
        (2, "spans[0].quote"),
        (3, "spans[1].annotator"),
        (4, "gold"),
        (5, ""),
        (6, "spans[2].end"),
        (7, "spans[0].evidence[0].stance"),
        (8, "document_id"),
        (9, "format"),
        (10, "gold[0].annotator"),
        (11, "spans[0].label"),
    }
    message = next(e.message for e in result.errors if e.item == 2)
    assert "code points" in message and repr(TEXT_1[3:13]) in message


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"spans__0__start": True}, "spans[0].start"),  # a boolean is no offset
        ({"spans__0__id": False}, "spans[0].id"),
        ({"spans__0__note": KeyError}, "spans[0].note"),
        ({"spans__0__status": 3}, "spans[0].status"),
        ({"spans__3__annotator": None}, "spans[3].annotator"),
        ({"spans__3__label": ""}, "spans[3].label"),
        ({"spans__4__verdict_rationale": 1}, "spans[4].verdict_rationale"),
        ({"spans__4__evidence": None}, "spans[4].evidence"),
        ({"gold__1__annotator": "bob"}, "gold[1].annotator"),
        ({"spans__2__start": 0, "spans__2__end": 0}, "spans[2].end"),
    ],
)
def test_spans_without_evidence_are_checked_as_strictly_as_the_others(changes, field):
    """Plain spans take a quicker path through the reader; it must refuse what the full check
    refuses, with the same field named."""
    result = read_native_jsonl(io.StringIO(line_with(**changes) + "\n"))
    assert not result.documents
    assert field in {e.field for e in result.errors}
