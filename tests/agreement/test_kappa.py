"""Cohen's and Fleiss' kappa: worked examples, classic formulas, the character-level pipeline."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotations.agreement.alpha import coincidence_from_counts
from annotations.agreement.intermediate import document_intermediate
from annotations.agreement.kappa import (
    CHANCE_AGREEMENT_ONE,
    NO_UNITS,
    cohen_kappa,
    fleiss_kappa,
    fleiss_kappa_from_coincidence,
)
from annotations.agreement.project import project_report
from annotations.agreement.records import DocumentAnnotations, SpanRecord

# Cohen (1960), "A coefficient of agreement for nominal scales", worked example: two judges
# assign 200 items to three categories; agreement on the diagonal .44 + .20 + .06 = .70, margins
# .60/.30/.10 (judge A, rows) and .50/.30/.20 (judge B, columns), so p_e = .41 and
# kappa = (.70 - .41) / (1 - .41) = .492. Kappa depends only on the diagonal and the margins;
# the off-diagonal split below is ours, chosen to reproduce them (counts = proportions x 200).
COHEN_1960 = np.array(
    [
        [88, 14, 18],
        [10, 40, 10],
        [2, 6, 12],
    ]
)

# Fleiss kappa example from Wikipedia ("Fleiss' kappa", worked example): 10 subjects rated by 14
# raters into 5 categories; kappa = 0.210. Counts transcribed by hand.
FLEISS_EXAMPLE = np.array(
    [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
)


def test_cohen_1960_example() -> None:
    # p_o = .70, p_e = .41, kappa = .29 / .59 = .492
    assert cohen_kappa(COHEN_1960).value == pytest.approx(0.492, abs=5e-4)


def test_cohen_1960_through_character_spans() -> None:
    """Realise Cohen's table as 200 characters of a document and run the whole pipeline."""
    labels = {0: None, 1: 5, 2: 6}  # category 0 = no label, 1 = label 5, 2 = label 6
    spans, position = [], 0
    for a in range(3):
        for b in range(3):
            count = int(COHEN_1960[a, b])
            if labels[a] is not None:
                spans.append(SpanRecord(1, labels[a], position, position + count))
            if labels[b] is not None:
                spans.append(SpanRecord(2, labels[b], position, position + count))
            position += count
    doc = DocumentAnnotations(1, position, (1, 2), tuple(spans))
    report = project_report([document_intermediate(doc)], bootstrap_resamples=0)
    (row,) = report["cohen_kappa"]
    assert row["annotators"] == [1, 2]
    assert row["characters"] == 200
    assert row["value"] == pytest.approx(0.29 / 0.59, abs=1e-12)


def test_fleiss_example() -> None:
    assert fleiss_kappa(FLEISS_EXAMPLE).value == pytest.approx(0.210, abs=5e-4)


def _classic_fleiss(counts: np.ndarray) -> float:
    """Fleiss (1971) formulas, literally."""
    n_units, m = counts.shape[0], counts.sum(axis=1)[0]
    p_unit = ((counts * (counts - 1)).sum(axis=1)) / (m * (m - 1))
    p_bar = p_unit.mean()
    p_c = counts.sum(axis=0) / (n_units * m)
    p_e = (p_c**2).sum()
    return float((p_bar - p_e) / (1 - p_e))


@settings(max_examples=200, deadline=None)
@given(
    st.integers(2, 6).flatmap(
        lambda m: st.lists(
            st.lists(st.integers(0, 3), min_size=m, max_size=m), min_size=2, max_size=20
        )
    )
)
def test_fleiss_from_coincidence_equals_classic_formula(ratings: list[list[int]]) -> None:
    counts = np.array([np.bincount(row, minlength=4) for row in ratings])
    result = fleiss_kappa_from_coincidence(coincidence_from_counts(counts))
    if len({v for row in ratings for v in row}) < 2:
        assert result.value is None and result.reason == CHANCE_AGREEMENT_ONE
    else:
        assert result.value == pytest.approx(_classic_fleiss(counts), abs=1e-9)


def test_cohen_from_random_tables_equals_formula() -> None:
    rng = np.random.default_rng(7)
    for _ in range(50):
        first, second = rng.integers(0, 4, 60), rng.integers(0, 4, 60)
        second = np.where(rng.random(60) < 0.5, first, second)
        table = np.zeros((4, 4))
        np.add.at(table, (first, second), 1)
        p_o = np.mean(first == second)
        p_e = sum(np.mean(first == c) * np.mean(second == c) for c in range(4))
        assert cohen_kappa(table).value == pytest.approx((p_o - p_e) / (1 - p_e), abs=1e-12)


def test_undefined_kappas() -> None:
    assert cohen_kappa(np.zeros((2, 2))).reason == NO_UNITS
    only_one = cohen_kappa(np.array([[5.0, 0.0], [0.0, 0.0]]))
    assert only_one.value is None and only_one.reason == CHANCE_AGREEMENT_ONE
    assert fleiss_kappa(np.array([[2, 0], [2, 0]])).value is None
    with pytest.raises(ValueError, match="same number of raters"):
        fleiss_kappa(np.array([[2, 0], [1, 0]]))
