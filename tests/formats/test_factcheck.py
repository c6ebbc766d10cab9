from __future__ import annotations

import dataclasses
import io
import json

import pytest

from annotations.formats.claimreview import write_claimreview
from annotations.formats.fever import write_fever
from annotations.formats.records import ExportProject
from tests.formats.samples import PROJECT, TEXT_1, document_1, document_2, document_3, documents


def claim_reviews(docs, **options):
    out = io.StringIO()
    summary = write_claimreview(docs, out, project=options.pop("project", PROJECT), **options)
    return json.loads(out.getvalue()), summary


def test_claimreview_is_structurally_json_ld():
    reviews, summary = claim_reviews(documents(), date_published="2026-06-01")
    assert isinstance(reviews, list) and reviews
    for review in reviews:
        assert review["@context"] == "https://schema.org"
        assert review["@type"] == "ClaimReview"
        assert review["reviewRating"]["@type"] == "Rating"
        assert review["itemReviewed"]["@type"] == "Claim"
        assert review["itemReviewed"]["appearance"]["@type"] == "CreativeWork"
        assert review["author"] == {"@type": "Organization", "name": "Elections 2026"}
        assert review["datePublished"] == "2026-06-01"
        for citation in review["citation"]:
            assert citation["@type"] == "CreativeWork"
    assert summary.spans == len(reviews)


def test_claimreview_exports_only_final_verdicts_with_evidence():
    reviews, summary = claim_reviews(documents(), date_published="2026-06-01")
    gold = {s.quote: s for s in document_1().gold}
    # Gold 32 is "unverified" (not a verdict); 31 (false) and 33 (misleading) are final.
    assert [r["claimReviewed"] for r in reviews] == [gold_quote(31), gold_quote(33)]
    assert [r["reviewRating"]["alternateName"] for r in reviews] == ["False", "Misleading"]
    for review in reviews:
        assert review["claimReviewed"] in gold
        assert review["claimReviewed"] in TEXT_1
    first = reviews[0]
    assert first["reviewRating"]["ratingExplanation"] == "L'INSEE donne 2,10 €."
    assert first["citation"] == [
        {
            "@type": "CreativeWork",
            "url": "https://insee.example/prix",
            "description": "Prix moyen 2,10 €",
        }
    ]
    appearance = first["itemReviewed"]["appearance"]
    assert appearance["url"] == "https://news.example/cafe"
    assert appearance["headline"] == "Le café 😀"
    assert first["itemReviewed"]["datePublished"] == "2026-05-03T08:00:00+00:00"
    assert summary.skipped == {"no_gold": 2, "not_final": 1}


def gold_quote(span_id: int) -> str:
    return next(s.quote for s in document_1().gold if s.span_id == span_id)


def test_claimreview_requires_evidence_unless_told_otherwise():
    doc = document_1()
    bare = dataclasses.replace(doc, gold=tuple(s._replace(evidence=()) for s in doc.gold))
    reviews, summary = claim_reviews([bare])
    assert reviews == [] and summary.skipped == {"not_final": 1, "no_evidence": 2}
    assert "no evidence" in summary.message
    reviews, _ = claim_reviews([bare], require_evidence=False)
    assert len(reviews) == 2 and all("citation" not in r for r in reviews)


def test_claimreview_review_url_template():
    reviews, _ = claim_reviews(
        [document_1()], review_url="https://fc.example/d/{document_id}#s{span_id}"
    )
    assert [r["url"] for r in reviews] == [
        "https://fc.example/d/1#s31",
        "https://fc.example/d/1#s33",
    ]


def test_claimreview_without_any_adjudication_exports_nothing_and_says_why():
    reviews, summary = claim_reviews([document_2(), document_3()])
    assert reviews == []
    assert summary.spans == 0 and summary.skipped == {"no_gold": 2}
    assert "No document has been adjudicated yet" in summary.message


def test_claimreview_with_no_final_status_in_the_project_says_so():
    project = ExportProject("p", PROJECT.labels, (("false", "False", False),))
    reviews, summary = claim_reviews([document_1()], project=project)
    assert reviews == [] and "no status marked as a final verdict" in summary.message


def fever_lines(docs, **options):
    out = io.StringIO()
    summary = write_fever(docs, out, **options)
    return [json.loads(line) for line in out.getvalue().splitlines()], summary


def test_fever_mapping_of_gold_statuses():
    lines, summary = fever_lines(documents())
    assert [(line["status"], line["label"], line["verifiable"]) for line in lines] == [
        ("false", "REFUTES", "VERIFIABLE"),
        ("misleading", "REFUTES", "VERIFIABLE"),
    ]
    assert [line["id"] for line in lines] == [1, 2]
    first = lines[0]
    assert first["claim"] == gold_quote(31)
    assert TEXT_1[first["start"] : first["end"]] == first["claim"]
    assert first["evidence"] == [
        {"url": "https://insee.example/prix", "note": "Prix moyen 2,10 €", "stance": "refutes"}
    ]
    assert (first["document_id"], first["span_id"], first["span_label"]) == (
        1,
        31,
        "verifiable_fact",
    )
    assert summary.skipped == {"no_gold": 2, "unmapped_status": 1}


def test_fever_true_and_unverifiable_and_custom_maps():
    doc = document_1()
    statuses = ["true", "unverifiable", "misleading"]
    gold = tuple(s._replace(status=st) for s, st in zip(doc.gold, statuses, strict=True))
    doc = dataclasses.replace(doc, gold=gold)
    lines, _ = fever_lines([doc])
    assert [(line["label"], line["verifiable"]) for line in lines] == [
        ("SUPPORTS", "VERIFIABLE"),
        ("NOT ENOUGH INFO", "NOT VERIFIABLE"),
        ("REFUTES", "VERIFIABLE"),
    ]
    strict = {"true": "SUPPORTS", "false": "REFUTES", "misleading": None}
    lines, summary = fever_lines([doc], status_map=strict)
    assert [line["label"] for line in lines] == ["SUPPORTS"]
    assert summary.skipped == {"unmapped_status": 2}
    lines, _ = fever_lines([doc], span_labels={"denial"})
    assert [line["span_label"] for line in lines] == ["denial"]
    with pytest.raises(ValueError):
        fever_lines([doc], status_map={"true": "TRUE"})


def test_fever_without_adjudication_is_empty_and_explained():
    lines, summary = fever_lines([document_2()])
    assert lines == [] and "No document has been adjudicated yet" in summary.message
