"""Krippendorff's unitizing alpha: the 2004 worked example, a brute-force reference, pooling."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from annotations.agreement.intermediate import document_intermediate
from annotations.agreement.project import project_report
from annotations.agreement.records import DocumentAnnotations, SpanRecord
from annotations.agreement.statistic import FEWER_THAN_TWO_CODERS
from annotations.agreement.unitizing import (
    DOCUMENT_EMPTY,
    DOCUMENT_NO_ROOM,
    DOCUMENT_UNMARKED,
    NO_ROOM,
    NO_UNITS,
    UnitizingTotals,
    document_unitizing_alpha,
    unitizing_sums,
)

from .reference import documents, projects

C, K = 1, 2  # label ids standing in for the paper's categories "c" and "k"


def krippendorff_2004_example(document_id: int = 1) -> DocumentAnnotations:
    """Krippendorff (2004), Quality & Quantity 38, worked example of u-alpha.

    Two observers (i, j) unitize a continuum from position 150 to 450 into categories c and k.
    Units as (begin, length), read from the paper's figure and shifted by -150 so the document
    starts at 0: observer i: c (225, 70), (370, 30); k (180, 60), (300, 50).
    observer j: c (220, 80), (355, 20), (400, 20); k (180, 60), (300, 50).
    """
    units = {
        1: [(C, 225, 70), (C, 370, 30), (K, 180, 60), (K, 300, 50)],
        2: [(C, 220, 80), (C, 355, 20), (C, 400, 20), (K, 180, 60), (K, 300, 50)],
    }
    spans = tuple(
        SpanRecord(observer, label, begin - 150, begin - 150 + length)
        for observer, rows in units.items()
        for label, begin, length in rows
    )
    return DocumentAnnotations(document_id, 300, (1, 2), spans)


def test_krippendorff_2004_category_c() -> None:
    totals = UnitizingTotals()
    totals.add(unitizing_sums(krippendorff_2004_example()))
    observed, expected = totals.disagreements(C)
    assert observed == pytest.approx(0.0144, abs=1e-4)
    assert expected == pytest.approx(0.0532, abs=1e-4)
    assert totals.alpha(C).value == pytest.approx(0.7286, abs=1e-4)


def test_krippendorff_2004_category_k_and_overall() -> None:
    overall, per_label = document_unitizing_alpha(krippendorff_2004_example())
    totals = UnitizingTotals()
    totals.add(unitizing_sums(krippendorff_2004_example()))
    observed, expected = totals.disagreements(K)
    assert observed == 0.0
    assert expected == pytest.approx(0.0490, abs=1e-4)
    assert per_label[K].value == pytest.approx(1.0)
    # The paper reports 0.8591 from rounded D_o and D_e; unrounded it is 0.8587.
    assert overall.value == pytest.approx(0.8591, abs=5e-4)


def test_krippendorff_2004_through_the_project_report() -> None:
    report = project_report([document_intermediate(krippendorff_2004_example())])
    by_label = {row["label"]: row for row in report["unitizing_alpha"]["per_label"]}
    assert by_label[C]["value"] == pytest.approx(0.7286, abs=1e-4)


def test_krippendorff_2004_per_document_row_equals_the_one_document_project() -> None:
    report = project_report([document_intermediate(krippendorff_2004_example(7))])
    [row] = report["documents_ranked"] + report["documents_undefined"]
    assert row["document_id"] == 7
    assert row["unitizing_reason"] is None
    assert row["unitizing_alpha"] == pytest.approx(report["unitizing_alpha"]["value"], abs=1e-12)
    # The paper's u-alpha over both categories (0.8591 from its rounded D_o and D_e).
    assert row["unitizing_alpha"] == pytest.approx(0.8591, abs=5e-4)


# -- brute-force reference ---------------------------------------------------------------------


def _units(doc: DocumentAnnotations, annotator: int, label: int) -> list[tuple[int, int]]:
    """The annotator's units of ``label``: overlapping spans merged, touching ones kept apart."""
    spans = sorted(
        (s.start, s.end) for s in doc.spans if s.annotator == annotator and s.label == label
    )
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(b, e) for b, e in merged]


def _sections(units: list[tuple[int, int]], length: int) -> list[tuple[int, int, bool]]:
    """Units and the gaps between them, as (begin, end, is_unit), covering [0, length)."""
    sections, position = [], 0
    for begin, end in units:
        if begin > position:
            sections.append((position, begin, False))
        sections.append((begin, end, True))
        position = end
    if position < length:
        sections.append((position, length, False))
    return sections


def _distance(g: tuple[int, int, bool], h: tuple[int, int, bool]) -> int:
    (bg, eg, unit_g), (bh, eh, unit_h) = g, h
    if unit_g and unit_h and bg < eh and bh < eg:
        return (bg - bh) ** 2 + (eg - eh) ** 2
    if unit_g and not unit_h and bh <= bg and eg <= eh:
        return (eg - bg) ** 2
    if unit_h and not unit_g and bg <= bh and eh <= eg:
        return (eh - bh) ** 2
    return 0


def reference_sums(doc: DocumentAnnotations, label: int) -> tuple[int, float, int]:
    """(O, A, S) by the formulas, looping over every pair of sections."""
    length = doc.length
    sections = {a: _sections(_units(doc, a, label), length) for a in doc.annotators}
    observed = sum(
        _distance(g, h)
        for i in doc.annotators
        for j in doc.annotators
        if i != j
        for g in sections[i]
        for h in sections[j]
    )
    units = [e - b for a in doc.annotators for b, e, u in sections[a] if u]
    gaps = [e - b for a in doc.annotators for b, e, u in sections[a] if not u]
    expected = 0.0
    for unit in units:
        expected += (len(units) - 1) * (2 * unit**3 - 3 * unit**2 + unit) / 3
        expected += unit**2 * sum(gap - unit + 1 for gap in gaps if gap >= unit)
    squared = sum(unit * (unit - 1) for unit in units)
    return observed, expected, squared


@settings(max_examples=300, deadline=None)
@given(documents(min_annotators=2, max_length=50, max_spans=10))
def test_sums_equal_brute_force(doc: DocumentAnnotations) -> None:
    sums = {s.label: s for s in unitizing_sums(doc).labels}
    for label in {s.label for s in doc.spans}:
        observed, expected, squared = reference_sums(doc, label)
        assert sums[label].observed == observed
        assert sums[label].expected == pytest.approx(expected, rel=1e-12)
        assert sums[label].squared_lengths == squared


@settings(max_examples=100, deadline=None)
@given(projects(max_documents=4, max_length=40, max_spans=10))
def test_per_document_rows_equal_the_brute_force_ratio(docs: list[DocumentAnnotations]) -> None:
    """Each document's own u-alpha in the report: 1 - sum_c D_o,c / sum_c D_e,c over its labels,
    every sum by brute force, or the reason it is undefined."""
    report = project_report(
        [document_intermediate(d) for d in docs],
        bootstrap_resamples=0,
        ranked_documents_limit=None,
    )
    rows = {r["document_id"]: r for r in report["documents_ranked"] + report["documents_undefined"]}
    assert set(rows) == {d.document_id for d in docs}
    for doc in docs:
        row = rows[doc.document_id]
        m, length = len(doc.annotators), doc.length
        labels = sorted({s.label for s in doc.spans})
        if m < 2:
            expected_reason = FEWER_THAN_TWO_CODERS
        elif length == 0:
            expected_reason = DOCUMENT_EMPTY
        elif not labels:
            expected_reason = DOCUMENT_UNMARKED
        else:
            do_sum = de_sum = 0.0
            for label in labels:
                observed, expected, squared = reference_sums(doc, label)
                do_sum += observed / (m * (m - 1) * length**2)
                de_sum += (2 / length) * expected / (m * length * (m * length - 1) - squared)
            if de_sum > 0:
                assert row["unitizing_reason"] is None
                assert row["unitizing_alpha"] == pytest.approx(1 - do_sum / de_sum, abs=1e-9)
                continue
            expected_reason = DOCUMENT_NO_ROOM
        assert row["unitizing_alpha"] is None
        assert row["unitizing_reason"] == expected_reason


def test_a_document_where_everyone_marked_every_character_alike_is_undefined() -> None:
    doc = DocumentAnnotations(1, 1, (1, 2), (SpanRecord(1, C, 0, 1), SpanRecord(2, C, 0, 1)))
    overall, _ = document_unitizing_alpha(doc)
    assert overall.value is None and overall.reason == DOCUMENT_NO_ROOM
    assert document_intermediate(doc).unitizing_alpha() == overall


@settings(max_examples=100, deadline=None)
@given(documents(min_annotators=2, max_length=50, max_spans=10))
def test_document_alpha_equals_formula(doc: DocumentAnnotations) -> None:
    overall, per_label = document_unitizing_alpha(doc)
    m, length = len(doc.annotators), doc.length
    do_sum = de_sum = 0.0
    for label in sorted({s.label for s in doc.spans}):
        observed, expected, squared = reference_sums(doc, label)
        d_o = observed / (m * (m - 1) * length**2)
        d_e = (2 / length) * expected / (m * length * (m * length - 1) - squared)
        do_sum, de_sum = do_sum + d_o, de_sum + d_e
        if d_e == 0:  # e.g. every annotator marked the whole one-character document
            assert per_label[label].value is None and per_label[label].reason == NO_ROOM
        else:
            assert per_label[label].value == pytest.approx(1 - d_o / d_e, abs=1e-9)
    if de_sum > 0:
        assert overall.value == pytest.approx(1 - do_sum / de_sum, abs=1e-9)
    else:
        assert overall.value is None and overall.reason


def test_pooling_adds_sums_and_does_not_average() -> None:
    first = krippendorff_2004_example(1)
    # A second, shorter document where the observers disagree on one c unit.
    second = DocumentAnnotations(
        2, 100, (1, 2), (SpanRecord(1, C, 10, 30), SpanRecord(2, C, 50, 60), SpanRecord(2, K, 0, 5))
    )
    totals = UnitizingTotals()
    for doc in (first, second):
        totals.add(unitizing_sums(doc))
    o = e = 0.0
    o_den = p_den = 0.0
    for doc in (first, second):
        observed, expected, squared = reference_sums(doc, C)
        m, length = len(doc.annotators), doc.length
        o += observed
        o_den += m * (m - 1) * length**2
        e += 2 * expected / length
        p_den += m * length * (m * length - 1) - squared
    pooled = 1 - (o / o_den) / (e / p_den)
    assert totals.alpha(C).value == pytest.approx(pooled, abs=1e-12)
    per_document = [document_unitizing_alpha(d)[1][C].value for d in (first, second)]
    assert totals.alpha(C).value != pytest.approx(sum(per_document) / 2, abs=1e-3)


def test_identical_copies_pool_to_the_same_value() -> None:
    totals = UnitizingTotals()
    for document_id in range(1, 4):
        totals.add(unitizing_sums(krippendorff_2004_example(document_id)))
    assert totals.alpha(C).value == pytest.approx(0.7286, abs=1e-4)


def test_whole_document_units_have_no_expected_disagreement() -> None:
    # One character, both annotators mark it: no gap, no other placement, D_e = 0 -> undefined.
    doc = DocumentAnnotations(1, 1, (1, 2), (SpanRecord(1, C, 0, 1), SpanRecord(2, C, 0, 1)))
    _, per_label = document_unitizing_alpha(doc)
    assert per_label[C].value is None and per_label[C].reason == NO_ROOM


def test_undefined_cases() -> None:
    single = DocumentAnnotations(1, 10, (1,), (SpanRecord(1, C, 0, 3),))
    overall, per_label = document_unitizing_alpha(single)
    assert overall.value is None and overall.reason == FEWER_THAN_TWO_CODERS
    assert per_label == {}
    nothing = DocumentAnnotations(2, 10, (1, 2), ())
    overall, _ = document_unitizing_alpha(nothing)
    assert overall.value is None and overall.reason
    totals = UnitizingTotals()
    totals.add(unitizing_sums(nothing))
    assert totals.alpha(C).value is None and totals.alpha(C).reason == NO_UNITS


def test_overlapping_spans_of_one_annotator_are_merged() -> None:
    split = DocumentAnnotations(
        1,
        50,
        (1, 2),
        (SpanRecord(1, C, 10, 25), SpanRecord(1, C, 20, 30), SpanRecord(2, C, 10, 30)),
    )
    _, per_label = document_unitizing_alpha(split)
    assert per_label[C].value == pytest.approx(1.0)


def test_very_long_documents_stay_exact() -> None:
    # Lengths whose cubes overflow int64 take the exact Python-integer path.
    doc = DocumentAnnotations(
        1,
        2_000_000,
        (1, 2),
        (SpanRecord(1, C, 0, 1_500_000), SpanRecord(2, C, 10, 1_400_000), SpanRecord(2, K, 5, 7)),
    )
    sums = {s.label: s for s in unitizing_sums(doc).labels}
    for label in (C, K):
        observed, expected, squared = reference_sums(doc, label)
        assert sums[label].observed == observed
        assert sums[label].expected == pytest.approx(expected, rel=1e-12)
        assert sums[label].squared_lengths == squared
        assert isinstance(sums[label].expected, int)
