"""Exact and overlap span matching, pairwise F1 counts, verification-status clusters."""

from __future__ import annotations

import pytest

from annotations.agreement.alpha import krippendorff_alpha
from annotations.agreement.intermediate import document_intermediate
from annotations.agreement.project import project_report
from annotations.agreement.records import DocumentAnnotations, SpanRecord
from annotations.agreement.span_match import overlap_matching, span_matches


def _doc(
    spans: list[SpanRecord], annotators: tuple[int, ...] = (1, 2), length: int = 100
) -> DocumentAnnotations:
    return DocumentAnnotations(1, length, annotators, tuple(spans))


def _counts(doc: DocumentAnnotations) -> dict[tuple[int, int, int], tuple[int, int, int, int]]:
    counts, _ = span_matches(doc)
    return {
        (c.annotator_a, c.annotator_b, c.label): (c.spans_a, c.spans_b, c.exact, c.overlap)
        for c in counts
    }


def test_exact_matches_are_one_to_one() -> None:
    doc = _doc(
        [
            SpanRecord(1, 5, 0, 10),
            SpanRecord(1, 5, 20, 30),
            SpanRecord(1, 5, 20, 30),  # duplicate: can match only one copy
            SpanRecord(2, 5, 0, 10),
            SpanRecord(2, 5, 20, 30),
            SpanRecord(2, 6, 0, 10),  # same offsets, other label: no match
        ]
    )
    counts = _counts(doc)
    assert counts[(1, 2, 5)] == (3, 2, 2, 2)
    assert counts[(1, 2, 6)] == (0, 1, 0, 0)


def test_overlap_threshold_is_iou_one_half_inclusive() -> None:
    half = [SpanRecord(1, 5, 0, 10), SpanRecord(2, 5, 0, 5)]  # IoU = 5 / 10
    below = [SpanRecord(1, 5, 0, 10), SpanRecord(2, 5, 0, 4)]  # IoU = 4 / 10
    disjoint_union = [SpanRecord(1, 5, 0, 10), SpanRecord(2, 5, 5, 15)]  # IoU = 5 / 15
    assert _counts(_doc(half))[(1, 2, 5)][3] == 1
    assert _counts(_doc(below))[(1, 2, 5)][3] == 0
    assert _counts(_doc(disjoint_union))[(1, 2, 5)][3] == 0


def test_overlap_matching_maximises_the_number_of_matches() -> None:
    # Greedy best-IoU-first would take A1-B1 (0.9) and leave A2 unmatched; the maximum
    # matching is A1-B2 (0.6) and A2-B1 (7/11).
    first = [SpanRecord(1, 5, 0, 10), SpanRecord(1, 5, 2, 11)]  # A1, A2
    second = [SpanRecord(2, 5, 0, 9), SpanRecord(2, 5, 0, 6)]  # B1, B2
    matches = sorted((r, c) for r, c, _ in overlap_matching(first, second))
    assert matches == [(0, 1), (1, 0)]
    assert _counts(_doc(first + second))[(1, 2, 5)] == (2, 2, 0, 2)


def test_labels_never_match_across() -> None:
    assert overlap_matching([SpanRecord(1, 5, 0, 10)], [SpanRecord(2, 6, 0, 10)]) == []


def test_status_clusters_units_and_coverage() -> None:
    spans = [
        # Cluster X: all three annotators, statuses (1, 1, 2).
        SpanRecord(1, 5, 0, 10, status=1),
        SpanRecord(2, 5, 0, 10, status=1),
        SpanRecord(3, 5, 1, 10, status=2),
        # Cluster Y: annotators 1 and 2, statuses (2, 2).
        SpanRecord(1, 5, 20, 30, status=2),
        SpanRecord(2, 5, 20, 30, status=2),
        # Unmatched.
        SpanRecord(3, 5, 40, 50, status=1),
        # Matched, but only one status: counts for coverage, is not a unit.
        SpanRecord(1, 5, 60, 70, status=None),
        SpanRecord(2, 5, 60, 70, status=1),
    ]
    _, status = span_matches(_doc(spans, annotators=(1, 2, 3)))
    assert (status.spans, status.matched_spans, status.units) == (8, 7, 2)
    report = project_report(
        [document_intermediate(_doc(spans, annotators=(1, 2, 3)))], bootstrap_resamples=0
    )
    expected = krippendorff_alpha([[1, 1, 2], [2, 2, None]])
    assert report["status_alpha"]["value"] == pytest.approx(expected.value, abs=1e-12)
    assert report["status_alpha"]["value"] == pytest.approx(1 / 3)  # worked by hand
    assert report["status_alpha"]["coverage"]["value"] == pytest.approx(7 / 8)


def test_clusters_hold_at_most_one_span_per_annotator() -> None:
    # Pairwise matches A2-C1 (IoU 10/11), A1-B1 (9/11) and B1-C1 (9/12) would chain A1 and A2
    # (both annotator 1) into one cluster; the weakest link B1-C1 is skipped instead.
    spans = [
        SpanRecord(1, 5, 0, 10, status=1),  # A1
        SpanRecord(1, 5, 3, 13, status=2),  # A2
        SpanRecord(2, 5, 1, 11, status=1),  # B1
        SpanRecord(3, 5, 2, 13, status=1),  # C1
    ]
    doc = _doc(spans, annotators=(1, 2, 3))
    _, status = span_matches(doc)
    assert (status.spans, status.matched_spans, status.units) == (4, 4, 2)
    report = project_report([document_intermediate(doc)], bootstrap_resamples=0)
    # Units {A1, B1} = (1, 1) and {A2, C1} = (2, 1).
    expected = krippendorff_alpha([[1, 1], [2, 1]])
    assert report["status_alpha"]["value"] == pytest.approx(expected.value, abs=1e-12)


def test_status_alpha_undefined_without_matches() -> None:
    doc = _doc([SpanRecord(1, 5, 0, 10, status=1), SpanRecord(2, 5, 50, 60, status=1)])
    report = project_report([document_intermediate(doc)], bootstrap_resamples=0)
    assert report["status_alpha"]["value"] is None
    assert report["status_alpha"]["reason"]
    assert report["status_alpha"]["coverage"]["value"] == 0.0


def test_single_annotator_documents_have_no_counts() -> None:
    counts, status = span_matches(_doc([SpanRecord(1, 5, 0, 10)], annotators=(1,)))
    assert counts == ()
    assert status.spans == 0
