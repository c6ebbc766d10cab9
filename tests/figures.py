"""Comparing agreement figures: a refreshed report against a full recomputation."""

from __future__ import annotations

import math
from typing import Any


def same_figures(left: Any, right: Any, path: str = "metrics") -> None:
    """Equal JSON, floats to 1e-9 (the running sums subtract and add what a full run sums)."""
    if isinstance(left, float) or isinstance(right, float):
        assert isinstance(left, (int, float)) and isinstance(right, (int, float)), path
        assert math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-12), (path, left, right)
    elif isinstance(left, dict):
        assert isinstance(right, dict) and left.keys() == right.keys(), path
        for key in left:
            same_figures(left[key], right[key], f"{path}.{key}")
    elif isinstance(left, list):
        assert isinstance(right, list) and len(left) == len(right), path
        for i, (x, y) in enumerate(zip(left, right, strict=True)):
            same_figures(x, y, f"{path}[{i}]")
    else:
        assert left == right, (path, left, right)
