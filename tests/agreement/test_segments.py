"""Segment-weighted character values equal the character-by-character computation."""

from __future__ import annotations

import warnings

import krippendorff  # GPL: test-time reference only
import numpy as np
import pytest
from hypothesis import given, settings

from annotations.agreement.alpha import alpha_from_coincidence
from annotations.agreement.records import DocumentAnnotations, SpanRecord
from annotations.agreement.segments import character_tables, segment_values

from .reference import (
    char_values,
    documents,
    naive_coincidence,
    naive_nominal_alpha,
    reliability_matrix,
)


def _dense_naive(doc: DocumentAnnotations, categories: tuple[tuple[int, ...], ...]) -> np.ndarray:
    index = {c: i for i, c in enumerate(categories)}
    matrix = np.zeros((len(categories), len(categories)))
    for (c, k), weight in naive_coincidence([doc]).items():
        matrix[index[c], index[k]] += weight
    return matrix


@settings(max_examples=300, deadline=None)
@given(documents(min_annotators=2))
def test_segment_coincidence_equals_char_loop(doc: DocumentAnnotations) -> None:
    tables = character_tables(doc)
    ours = tables.coincidence()
    assert np.allclose(ours, _dense_naive(doc, tables.categories), atol=1e-9)
    expected = naive_nominal_alpha(naive_coincidence([doc]))
    result = alpha_from_coincidence(ours)
    if expected is None:
        assert result.value is None and result.reason
    else:
        assert result.value == pytest.approx(expected, abs=1e-9)


@settings(max_examples=150, deadline=None)
@given(documents(min_annotators=2, max_length=60))
def test_segment_alpha_equals_krippendorff_package(doc: DocumentAnnotations) -> None:
    data, code = reliability_matrix([doc])
    result = alpha_from_coincidence(character_tables(doc).coincidence())
    if len(code) < 2:
        assert result.value is None
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        reference = krippendorff.alpha(
            reliability_data=data,
            level_of_measurement="nominal",
            value_domain=sorted(code.values()),
        )
    if np.isnan(reference):
        assert result.value is None
    else:
        assert result.value == pytest.approx(float(reference), abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(documents(min_annotators=3))
def test_pair_tables_count_characters(doc: DocumentAnnotations) -> None:
    tables = character_tables(doc)
    values = char_values(doc)
    for pair, dense in zip(tables.pairs, tables.tables(), strict=True):
        expected = np.zeros_like(dense)
        index = {c: i for i, c in enumerate(tables.categories)}
        for first, second in zip(values[pair.annotator_a], values[pair.annotator_b], strict=True):
            expected[index[first], index[second]] += 1
        assert np.array_equal(dense, expected)
        assert pair.annotator_a < pair.annotator_b


@settings(max_examples=100, deadline=None)
@given(documents(min_annotators=3))
def test_leaving_an_annotator_out_equals_recomputing(doc: DocumentAnnotations) -> None:
    tables = character_tables(doc)
    for annotator in doc.annotators:
        rest = tuple(a for a in doc.annotators if a != annotator)
        reduced = DocumentAnnotations(
            doc.document_id,
            doc.length,
            rest,
            tuple(s for s in doc.spans if s.annotator != annotator),
        )
        expected = _dense_naive(reduced, tables.categories)
        assert np.allclose(tables.coincidence(without=annotator), expected, atol=1e-9)


def test_label_sets_are_their_own_category() -> None:
    # Annotator 1 marks [0, 4) as label 5 and [2, 6) as label 6: the overlap [2, 4) is {5, 6}.
    doc = DocumentAnnotations(
        1,
        8,
        (1, 2),
        (SpanRecord(1, 5, 0, 4), SpanRecord(1, 6, 2, 6), SpanRecord(2, 5, 0, 6)),
    )
    values = segment_values(doc)
    assert values.categories == ((), (5,), (5, 6), (6,))
    assert values.boundaries.tolist() == [0, 2, 4, 6, 8]
    lookup = [[values.categories[c] for c in row] for row in values.codes.tolist()]
    assert lookup == [[(5,), (5, 6), (6,), ()], [(5,), (5,), (5,), ()]]


def test_more_labels_than_one_bit_word() -> None:
    # 70 labels forces the multi-word label-set coding path.
    spans = tuple(SpanRecord(1 + (i % 2), 100 + i, i, i + 3) for i in range(70))
    doc = DocumentAnnotations(1, 80, (1, 2), spans)
    tables = character_tables(doc)
    index = {c: i for i, c in enumerate(tables.categories)}
    naive = np.zeros((len(index), len(index)))
    for (c, k), weight in naive_coincidence([doc]).items():
        naive[index[c], index[k]] += weight
    assert np.allclose(tables.coincidence(), naive)
    assert all(list(c) == sorted(c) for c in tables.categories)


def test_empty_and_unlabelled_documents() -> None:
    empty = character_tables(DocumentAnnotations(1, 0, (1, 2), ()))
    assert empty.coincidence().sum() == 0
    blank = character_tables(DocumentAnnotations(2, 10, (1, 2, 3), ()))
    assert blank.categories == ((),)
    # 10 characters x 3 annotators = 30 pairable values, all "no label".
    assert blank.coincidence().sum() == pytest.approx(30.0)
    assert alpha_from_coincidence(blank.coincidence()).value is None


def test_json_round_trip() -> None:
    doc = DocumentAnnotations(
        3, 12, (4, 2, 9), (SpanRecord(2, 5, 0, 4), SpanRecord(9, 5, 1, 4), SpanRecord(4, 6, 3, 12))
    )
    tables = character_tables(doc)
    again = type(tables).from_json(tables.to_json(), doc.annotators)
    assert again == tables
