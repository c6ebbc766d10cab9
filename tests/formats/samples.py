"""Hand-built export records with the Unicode that breaks offset handling.

The texts put astral-plane emoji before and inside spans, a no-break space (U+00A0) inside a span,
a decomposed accent (e + U+0301 COMBINING ACUTE ACCENT), a regional-indicator flag and a skin-tone
modifier. Spans are located with ``str.index`` so every offset here is a code point offset.
"""

from __future__ import annotations

from annotations.formats.records import (
    ExportDocument,
    ExportEvidence,
    ExportProject,
    ExportSpan,
)

PROJECT = ExportProject(
    name="Elections 2026",
    labels=(
        ("claim", "Claim", "#1f77b4"),
        ("denial", "Denial", "#d62728"),
        ("verifiable_fact", "Verifiable fact", "#2ca02c"),
    ),
    statuses=(
        ("unverified", "Unverified", False),
        ("true", "True", True),
        ("false", "False", True),
        ("misleading", "Misleading", True),
        ("unverifiable", "Unverifiable", True),
    ),
)

TEXT_1 = (
    "😀 Le ministre a déclaré\u00a0: « le cafe\u0301 coûte 5 € 🇫🇷 ». "
    "C'est faux 👍🏽 selon l'INSEE.\nDeuxième paragraphe, sans émoji."
)
TEXT_2 = "Plain ASCII text. The mayor said taxes fell by 12%. Nobody checked."
TEXT_3 = "🐱 Warning: This is a test text"


def span(
    text: str,
    piece: str,
    *,
    annotator: str | None,
    label: str = "claim",
    status: str | None = "unverified",
    span_id: int | None = None,
    note: str = "",
    evidence: tuple[ExportEvidence, ...] = (),
    rationale: str = "",
    occurrence: int = 0,
) -> ExportSpan:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(piece, start + 1)
    end = start + len(piece)
    return ExportSpan(
        span_id=span_id,
        annotator=annotator,
        label=label,
        start=start,
        end=end,
        quote=text[start:end],
        status=status,
        note=note,
        evidence=evidence,
        verdict_rationale=rationale,
    )


REFUTING = ExportEvidence(
    url="https://insee.example/prix", note="Prix moyen 2,10 €", stance="refutes"
)
CONTEXT = ExportEvidence(url="", note="Interview 😀 du 3 mai", stance="context")


def document_1() -> ExportDocument:
    t = TEXT_1
    return ExportDocument(
        document_id=1,
        title="Le café 😀",
        text=t,
        source_url="https://news.example/cafe",
        published_at="2026-05-03T08:00:00+00:00",
        metadata={"section": "économie", "tags": ["prix", "😀"]},
        annotators=("alice", "bob", "carol"),
        spans=(
            # before any emoji-free stretch: starts right after an astral emoji
            span(t, "Le ministre", annotator="alice", label="claim", span_id=11, note="qui ?"),
            # contains a combining accent and an astral flag
            span(
                t,
                "le cafe\u0301 coûte 5 € 🇫🇷",
                annotator="alice",
                label="verifiable_fact",
                status="false",
                span_id=12,
                evidence=(REFUTING, CONTEXT),
            ),
            # contains the NBSP, overlaps alice's claim
            span(t, "ministre a déclaré\u00a0:", annotator="bob", label="claim", span_id=21),
            # starts with an astral emoji
            span(t, "😀 Le", annotator="bob", label="denial", status=None, span_id=22),
            # contains a skin-tone modified emoji
            span(t, "C'est faux 👍🏽", annotator="bob", label="denial", span_id=23),
            # carol submitted and marked nothing
        ),
        gold=(
            span(
                t,
                "le cafe\u0301 coûte 5 € 🇫🇷",
                annotator=None,
                label="verifiable_fact",
                status="false",
                span_id=31,
                evidence=(REFUTING,),
                rationale="L'INSEE donne 2,10 €.",
            ),
            span(t, "Le ministre", annotator=None, label="claim", status="unverified", span_id=32),
            span(
                t,
                "C'est faux 👍🏽",
                annotator=None,
                label="denial",
                status="misleading",
                span_id=33,
                evidence=(CONTEXT,),
            ),
        ),
        agreement={"alpha_nominal": 0.41, "pairwise_f1": {"alice|bob": 0.5}, "undefined": None},
    )


def document_2() -> ExportDocument:
    t = TEXT_2
    return ExportDocument(
        document_id=2,
        title="Taxes",
        text=t,
        source_url="",
        published_at=None,
        metadata={},
        annotators=("alice",),
        spans=(span(t, "taxes fell by 12%", annotator="alice", status="true", span_id=41),),
        gold=None,
        agreement=None,
    )


def document_3() -> ExportDocument:
    """No annotator, no gold: writers must cope with empty annotations."""
    return ExportDocument(
        document_id=3,
        title="",
        text=TEXT_3,
        source_url="",
        published_at=None,
        metadata={},
        annotators=(),
        spans=(),
        gold=None,
        agreement=None,
    )


def documents() -> list[ExportDocument]:
    return [document_1(), document_2(), document_3()]
