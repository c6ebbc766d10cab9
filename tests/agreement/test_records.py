"""Input records fail loudly on data no metric could interpret."""

from __future__ import annotations

import pytest

from annotations.agreement.records import DocumentAnnotations, SpanRecord


def test_valid_records() -> None:
    doc = DocumentAnnotations(1, 10, (3, 4), (SpanRecord(3, 5, 0, 10, status=2),))
    assert doc.spans[0].end == doc.length


@pytest.mark.parametrize(("start", "end"), [(-1, 3), (4, 4), (5, 2)])
def test_empty_or_negative_spans_are_rejected(start: int, end: int) -> None:
    with pytest.raises(ValueError, match="half-open"):
        SpanRecord(1, 5, start, end)


def test_span_past_the_end_is_rejected() -> None:
    with pytest.raises(ValueError, match="past the document length"):
        DocumentAnnotations(1, 10, (1,), (SpanRecord(1, 5, 5, 11),))


def test_span_of_an_annotator_who_did_not_submit_is_rejected() -> None:
    with pytest.raises(ValueError, match="not among the submitting annotators"):
        DocumentAnnotations(1, 10, (1, 2), (SpanRecord(3, 5, 0, 4),))


def test_duplicate_annotators_are_rejected() -> None:
    with pytest.raises(ValueError, match="duplicates"):
        DocumentAnnotations(1, 10, (1, 1), ())
