"""FEVER-style JSONL: one adjudicated claim per line with a SUPPORTS / REFUTES / NEI label.

Each line (UTF-8 JSON object)::

    {"id": 1, "claim": "<gold span quote>", "label": "REFUTES", "verifiable": "VERIFIABLE",
     "evidence": [{"url": "...", "note": "...", "stance": "refutes"}, ...],
     "document_id": 42, "span_id": 17, "start": 4, "end": 12, "span_label": "claim",
     "status": "false", "source_url": "..."}

``id`` numbers the lines from 1. ``label`` and ``verifiable`` follow FEVER (Thorne et al., 2018):
``verifiable`` is ``"NOT VERIFIABLE"`` exactly when ``label`` is ``"NOT ENOUGH INFO"``. FEVER's
``evidence`` is a list of Wikipedia sentence sets; ours has no Wikipedia, so it is the span's
evidence items (URL, note, stance) in order. ``start``/``end`` are code points in the document.

Status mapping (``DEFAULT_STATUS_MAP``; pass ``status_map`` to change it):

=============  ===============  ==========================================================
status         FEVER label      why
=============  ===============  ==========================================================
true           SUPPORTS         the evidence supports the claim
false          REFUTES          the evidence contradicts the claim
misleading     REFUTES          the claim as made is not supported: evidence shows the
                                impression it gives is wrong. FEVER has no partial class,
                                and NOT ENOUGH INFO would wrongly say evidence is lacking.
                                Map it to ``None`` to leave misleading claims out instead.
unverifiable   NOT ENOUGH INFO  no evidence settles it
=============  ===============  ==========================================================

Only gold (adjudicated) spans are exported, so every label is a reviewer's verdict. Spans whose
status is not in the map (``unverified``, custom statuses) or maps to ``None`` are left out and
counted as ``unmapped_status``; documents without adjudication are left out and counted as
``no_gold``, and the summary's ``message`` says why when nothing was exported.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from typing import IO, Any

from annotations.formats.records import ExportDocument, ExportSummary, gold_gap_messages
from annotations.formats.sinks import text_sink

SUPPORTS = "SUPPORTS"
REFUTES = "REFUTES"
NOT_ENOUGH_INFO = "NOT ENOUGH INFO"
FEVER_LABELS = (SUPPORTS, REFUTES, NOT_ENOUGH_INFO)

DEFAULT_STATUS_MAP: Mapping[str, str | None] = {
    "true": SUPPORTS,
    "false": REFUTES,
    "misleading": REFUTES,
    "unverifiable": NOT_ENOUGH_INFO,
}

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def write_fever(
    documents: Iterable[ExportDocument],
    fp: IO[Any],
    *,
    status_map: Mapping[str, str | None] = DEFAULT_STATUS_MAP,
    span_labels: Collection[str] | None = None,
) -> ExportSummary:
    """Write the gold spans whose status maps to a FEVER label (``span_labels`` filters labels)."""
    for status, label in status_map.items():
        if label is not None and label not in FEVER_LABELS:
            raise ValueError(f"status {status!r} maps to {label!r}, not one of {FEVER_LABELS}")
    count = written = lines = no_gold = unmapped = 0
    with text_sink(fp) as out:
        for document in documents:
            count += 1
            if document.gold is None:
                no_gold += 1
                continue
            before = lines
            for span in document.gold:
                if span_labels is not None and span.label not in span_labels:
                    continue
                label = status_map.get(span.status) if span.status is not None else None
                if label is None:
                    unmapped += 1
                    continue
                lines += 1
                record = {
                    "id": lines,
                    "claim": span.quote,
                    "label": label,
                    "verifiable": "NOT VERIFIABLE" if label == NOT_ENOUGH_INFO else "VERIFIABLE",
                    "evidence": [
                        {"url": e.url, "note": e.note, "stance": e.stance} for e in span.evidence
                    ],
                    "document_id": document.document_id,
                    "span_id": span.span_id,
                    "start": span.start,
                    "end": span.end,
                    "span_label": span.label,
                    "status": span.status,
                    "source_url": document.source_url,
                }
                out.write(_dumps(record))
                out.write("\n")
            if lines > before:
                written += 1
    skipped = {k: v for k, v in (("no_gold", no_gold), ("unmapped_status", unmapped)) if v}
    parts = gold_gap_messages(count, no_gold)
    if unmapped:
        parts.append(
            f"{unmapped} gold spans have a status with no FEVER label (e.g. unverified) and "
            "were left out."
        )
    return ExportSummary(
        format="fever",
        documents=count,
        documents_written=written,
        spans=lines,
        skipped=skipped,
        message=" ".join(parts),
    )
