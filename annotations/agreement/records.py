"""Input records: what the caller hands the agreement package for one document.

Plain frozen dataclasses so the Django side can build them from rows and the tests can build them
by hand. Offsets are half-open ``[start, end)`` in Unicode code points (``annotations.spans``).

Construction fails loudly (``ValueError``) on records that no metric could interpret: a span
outside the document, an empty span, a span by an annotator who did not submit the document. The
statistics themselves never raise; they return an undefined ``Statistic`` instead.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SpanRecord:
    annotator: int  # user id
    label: int  # label id
    start: int  # half-open [start, end) in Unicode code points
    end: int
    status: int | None = None  # verification status id

    def __post_init__(self) -> None:
        if self.start < 0 or self.end <= self.start:
            raise ValueError(
                f"span [{self.start}, {self.end}) of annotator {self.annotator} is empty or "
                "negative; spans are half-open [start, end) with 0 <= start < end."
            )


@dataclass(frozen=True, slots=True)
class DocumentAnnotations:
    """One document's submitted annotations.

    ``annotators`` are the annotators who submitted the document; spans of anybody else must
    already be excluded by the caller. An annotator who submitted without spans is a coder whose
    value is the empty label set everywhere. A document counts for agreement only when at least
    two annotators submitted it.
    """

    document_id: int
    length: int  # len(text) in code points
    annotators: tuple[int, ...]
    spans: tuple[SpanRecord, ...]

    def __post_init__(self) -> None:
        if self.length < 0:
            raise ValueError(f"document {self.document_id}: length must be >= 0.")
        if len(set(self.annotators)) != len(self.annotators):
            raise ValueError(
                f"document {self.document_id}: annotators {self.annotators} contain duplicates."
            )
        submitted = set(self.annotators)
        for span in self.spans:
            if span.annotator not in submitted:
                raise ValueError(
                    f"document {self.document_id}: span [{span.start}, {span.end}) belongs to "
                    f"annotator {span.annotator}, who is not among the submitting annotators "
                    f"{self.annotators}; exclude unsubmitted annotations before computing agreement."
                )
            if span.end > self.length:
                raise ValueError(
                    f"document {self.document_id}: span [{span.start}, {span.end}) ends past the "
                    f"document length {self.length} (code points)."
                )
