"""ClaimReview JSON-LD: one schema.org ``ClaimReview`` per adjudicated span with a final verdict.

The file is a JSON array (a valid JSON-LD document: a list of node objects); each element carries
its own ``"@context": "https://schema.org"`` so it can also be embedded alone in a page's
``<script type="application/ld+json">``::

    {"@context": "https://schema.org", "@type": "ClaimReview",
     "url": "<review_url>",                          # only when review_url is given
     "claimReviewed": "<the gold span's quote>",
     "datePublished": "<date_published, default today (UTC)>",
     "author": {"@type": "Organization", "name": "<publisher, default the project name>"},
     "reviewRating": {"@type": "Rating", "alternateName": "<status name, e.g. False>",
                      "ratingExplanation": "<verdict rationale>"},   # when there is one
     "itemReviewed": {"@type": "Claim",
                      "datePublished": "<document published_at>",   # when known
                      "appearance": {"@type": "CreativeWork", "url": "<document source_url>",
                                     "headline": "<document title>",
                                     "datePublished": "<document published_at>"}},
     "citation": [{"@type": "CreativeWork", "url": "<evidence url>",
                   "description": "<evidence note>"}, ...]}

What is exported: gold spans only (the adjudicated verdicts), and of those only spans whose status
is a final verdict (``is_final`` in the project's statuses) and, with ``require_evidence=True``
(the default), that have at least one evidence item. Documents without adjudication contribute
nothing. The summary counts what was left out and why (``no_gold`` documents, ``not_final`` and
``no_evidence`` spans), and its ``message`` says so in words when nothing was exported.

``itemReviewed.author`` (who made the claim) is not written: the workbench does not record it.
Evidence stance has no schema.org property; it stays in the native JSONL. Search engines require
``url`` (the page that publishes the fact check): pass ``review_url``, a format string with
``{document_id}`` and ``{span_id}`` fields, to have it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import IO, Any

from annotations.formats.records import (
    ExportDocument,
    ExportProject,
    ExportSpan,
    ExportSummary,
    gold_gap_messages,
)
from annotations.formats.sinks import JsonArrayWriter, text_sink

SCHEMA_CONTEXT = "https://schema.org"

_dumps = json.JSONEncoder(ensure_ascii=False, indent=None, separators=(",", ":")).encode


def claim_review(
    document: ExportDocument,
    span: ExportSpan,
    *,
    status_name: str,
    publisher: str,
    date_published: str,
    review_url: str | None = None,
) -> dict[str, Any]:
    appearance: dict[str, Any] = {"@type": "CreativeWork"}
    if document.source_url:
        appearance["url"] = document.source_url
    if document.title:
        appearance["headline"] = document.title
    if document.published_at:
        appearance["datePublished"] = document.published_at
    claim: dict[str, Any] = {"@type": "Claim"}
    if document.published_at:
        claim["datePublished"] = document.published_at
    claim["appearance"] = appearance
    rating: dict[str, Any] = {"@type": "Rating", "alternateName": status_name}
    if span.verdict_rationale:
        rating["ratingExplanation"] = span.verdict_rationale
    review: dict[str, Any] = {"@context": SCHEMA_CONTEXT, "@type": "ClaimReview"}
    if review_url:
        review["url"] = review_url.format(document_id=document.document_id, span_id=span.span_id)
    review["claimReviewed"] = span.quote
    review["datePublished"] = date_published
    review["author"] = {"@type": "Organization", "name": publisher}
    review["reviewRating"] = rating
    review["itemReviewed"] = claim
    citations = []
    for evidence in span.evidence:
        citation: dict[str, Any] = {"@type": "CreativeWork"}
        if evidence.url:
            citation["url"] = evidence.url
        if evidence.note:
            citation["description"] = evidence.note
        citations.append(citation)
    if citations:
        review["citation"] = citations
    return review


def write_claimreview(
    documents: Iterable[ExportDocument],
    fp: IO[Any],
    *,
    project: ExportProject,
    publisher: str | None = None,
    date_published: str | None = None,
    review_url: str | None = None,
    require_evidence: bool = True,
) -> ExportSummary:
    final = project.final_statuses()
    names = project.status_names()
    date = date_published or dt.datetime.now(dt.UTC).date().isoformat()
    count = written = reviews = no_gold = not_final = no_evidence = 0
    with text_sink(fp) as out:
        array = JsonArrayWriter(out, _dumps)
        for document in documents:
            count += 1
            if document.gold is None:
                no_gold += 1
                continue
            before = reviews
            for span in document.gold:
                if span.status not in final:
                    not_final += 1
                    continue
                if require_evidence and not span.evidence:
                    no_evidence += 1
                    continue
                array.write(
                    claim_review(
                        document,
                        span,
                        status_name=names.get(span.status, span.status or ""),
                        publisher=publisher or project.name,
                        date_published=date,
                        review_url=review_url,
                    )
                )
                reviews += 1
            if reviews > before:
                written += 1
        array.close()
    skipped = {
        key: value
        for key, value in (
            ("no_gold", no_gold),
            ("not_final", not_final),
            ("no_evidence", no_evidence),
        )
        if value
    }
    return ExportSummary(
        format="claimreview",
        documents=count,
        documents_written=written,
        spans=reviews,
        skipped=skipped,
        message=_gold_message(count, no_gold, not_final, no_evidence, reviews, final),
    )


def _gold_message(
    count: int, no_gold: int, not_final: int, no_evidence: int, written: int, final: frozenset[str]
) -> str:
    parts = gold_gap_messages(count, no_gold)
    if not final and count > no_gold:
        parts.append("The project has no status marked as a final verdict.")
    if not_final:
        parts.append(f"{not_final} gold spans have no final verdict and were left out.")
    if no_evidence:
        parts.append(
            f"{no_evidence} gold spans with a final verdict have no evidence and were left out."
        )
    if not written and count == 0:
        parts.append("There were no documents to export.")
    return " ".join(parts)
