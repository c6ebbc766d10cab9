"""Statistic: a finite value, or None with a reason; never NaN."""

from __future__ import annotations

import math

import pytest

from annotations.agreement.statistic import Statistic


def test_json_round_trip() -> None:
    for statistic in (Statistic.defined(0.25), Statistic.undefined("no variation")):
        assert Statistic.from_json(statistic.to_json()) == statistic


def test_undefined_needs_a_reason() -> None:
    with pytest.raises(ValueError, match="reason"):
        Statistic(None, None)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_values_are_refused(value: float) -> None:
    with pytest.raises(ValueError, match="finite"):
        Statistic.defined(value)
