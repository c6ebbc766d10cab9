"""The result type of every coefficient: a value, or an explicit reason why there is none.

An undefined statistic (fewer than two coders, nothing pairable, no variation) is reported as
``value=None`` with a human-readable ``reason``. It is never replaced by 1.0, 0.0 or NaN, so a
dashboard cannot mistake "not computable" for "perfect" or "no" agreement.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Reasons shared by several metrics; kept here so the wording stays the same everywhere.
FEWER_THAN_TWO_CODERS = "fewer than two annotators submitted"
NO_PAIRABLE_VALUES = "no pairable values: no unit was coded by at least two annotators"
NO_VARIATION = (
    "no variation: every pairable value is the same category, so expected disagreement is 0"
)


@dataclass(frozen=True, slots=True)
class Statistic:
    value: float | None
    reason: str | None = None

    def __post_init__(self) -> None:
        if self.value is None and not self.reason:
            raise ValueError("an undefined Statistic needs a reason.")
        if self.value is not None and not math.isfinite(self.value):
            raise ValueError(f"Statistic value must be finite, got {self.value!r}.")

    @classmethod
    def defined(cls, value: float) -> Statistic:
        return cls(float(value), None)

    @classmethod
    def undefined(cls, reason: str) -> Statistic:
        return cls(None, reason)

    @property
    def is_defined(self) -> bool:
        return self.value is not None

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "reason": self.reason}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Statistic:
        value = data["value"]
        return cls(None if value is None else float(value), data.get("reason"))
