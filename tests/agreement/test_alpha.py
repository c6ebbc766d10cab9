"""The generic Krippendorff's alpha core (units x coders, coincidence matrices)."""

from __future__ import annotations

import krippendorff  # GPL: test-time reference only
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotations.agreement.alpha import (
    alpha_from_coincidence,
    coincidence_from_counts,
    coincidence_from_units,
    krippendorff_alpha,
    nominal_alpha_from_summary,
)
from annotations.agreement.statistic import NO_PAIRABLE_VALUES, NO_VARIATION

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: reliability data
# of 4 observers (A-D) coding 12 units, "." = missing. Transcribed by hand, as units x observers.
_ = None
KRIPPENDORFF_2011_UNITS = [
    # A  B  C  D
    [1, 1, _, 1],
    [2, 2, 3, 2],
    [3, 3, 3, 3],
    [3, 3, 3, 3],
    [2, 2, 2, 2],
    [1, 2, 3, 4],
    [4, 4, 4, 4],
    [1, 1, 2, 1],
    [2, 2, 2, 2],
    [_, 5, 5, 5],
    [_, _, 1, 1],
    [_, 3, _, _],
]


def test_krippendorff_2011_nominal() -> None:
    result = krippendorff_alpha(KRIPPENDORFF_2011_UNITS, metric="nominal")
    assert result.value == pytest.approx(0.743, abs=5e-4)


def test_krippendorff_2011_interval() -> None:
    result = krippendorff_alpha(KRIPPENDORFF_2011_UNITS, metric="interval")
    assert result.value == pytest.approx(0.849, abs=5e-4)


def test_krippendorff_2011_coincidences() -> None:
    # The paper's coincidence matrix has n = 40 pairable values; unit 12 (one value) drops out.
    values, matrix = coincidence_from_units(KRIPPENDORFF_2011_UNITS)
    assert values.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert matrix.sum() == pytest.approx(40.0)
    assert matrix.sum(axis=1).tolist() == pytest.approx([9, 13, 10, 5, 3])
    assert np.allclose(matrix, matrix.T)


def _to_reliability_data(units: list[list[float | None]]) -> np.ndarray:
    return np.array([[np.nan if v is None else v for v in row] for row in units], dtype=float).T


unit_matrices = st.lists(
    st.lists(st.one_of(st.none(), st.integers(1, 4).map(float)), min_size=3, max_size=3),
    min_size=2,
    max_size=25,
)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@settings(max_examples=200, deadline=None)
@given(unit_matrices, st.sampled_from(["nominal", "interval"]))
def test_matches_reference_package(units: list[list[float | None]], metric: str) -> None:
    ours = krippendorff_alpha(units, metric=metric)  # type: ignore[arg-type]
    _, matrix = coincidence_from_units(units)
    distinct = {v for row in units for v in row if v is not None}
    if matrix.sum() == 0 or len(distinct) < 2:
        assert ours.value is None
        return
    data = _to_reliability_data(units)
    try:
        reference = krippendorff.alpha(reliability_data=data, level_of_measurement=metric)
    except (ValueError, ZeroDivisionError):
        reference = np.nan
    if np.isnan(reference):
        assert ours.value is None and ours.reason == NO_VARIATION
    else:
        assert ours.value == pytest.approx(float(reference), abs=1e-9)


def test_coincidence_from_counts_matches_units() -> None:
    units = [[1, 1, 2], [2, 2, None], [1, 3, 3], [None, None, 3]]
    values, from_units = coincidence_from_units(units)
    counts = np.array([[2, 1, 0], [0, 2, 0], [1, 0, 2], [0, 0, 1]])
    assert values.tolist() == [1.0, 2.0, 3.0]
    assert np.allclose(coincidence_from_counts(counts), from_units)
    # Unit 1: values (1, 1, 2), m_u = 3: o[1,1] = 2 * 1 / 2 = 1, o[1,2] = o[2,1] = 2 * 1 / 2 = 1.
    assert from_units[0, 0] == pytest.approx(1.0 + 0.0)
    assert from_units[0, 1] == pytest.approx(1.0)


def test_undefined_without_pairable_values() -> None:
    result = krippendorff_alpha([[1, None], [None, 2]])
    assert result.value is None
    assert result.reason == NO_PAIRABLE_VALUES


def test_undefined_without_variation() -> None:
    # Perfect agreement on a single category: alpha is 0/0, not 1.0.
    for metric in ("nominal", "interval"):
        result = krippendorff_alpha([[3, 3], [3, 3, 3]], metric=metric)  # type: ignore[arg-type]
        assert result.value is None
        assert result.reason == NO_VARIATION


def test_perfect_agreement_with_variation_is_one() -> None:
    assert krippendorff_alpha([[1, 1], [2, 2], [3, 3]]).value == pytest.approx(1.0)


def test_summary_form_equals_matrix_form() -> None:
    _, matrix = coincidence_from_units(KRIPPENDORFF_2011_UNITS)
    marginals = matrix.sum(axis=1)
    total = float(marginals.sum())
    summary = nominal_alpha_from_summary(
        total, total - float(np.trace(matrix)), float(marginals @ marginals)
    )
    assert summary.value == pytest.approx(alpha_from_coincidence(matrix).value, abs=1e-12)


def test_interval_needs_values() -> None:
    with pytest.raises(ValueError, match="numeric value"):
        alpha_from_coincidence(np.eye(2), metric="interval")
