"""Krippendorff's alpha from coincidence matrices (the generic core).

Definitions (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability"):

* Reliability data: units x coders, each cell a value or missing. A unit u with ``m_u >= 2``
  values is *pairable*; units with fewer values are ignored.
* Coincidence matrix: ``o[c, k] = sum_u (number of ordered pairs of distinct coders in u whose
  values are (c, k)) / (m_u - 1)``. Its row sums ``n_c`` count the pairable values of category c,
  and ``n = sum_c n_c`` is the number of pairable values.
* ``alpha = 1 - (n - 1) * sum_{c,k} o[c,k] * d2(c,k) / sum_{c,k} n_c * n_k * d2(c,k)``, with the
  difference function ``d2(c,k) = [c != k]`` for the nominal metric and ``(c - k) ** 2`` for the
  interval metric.
* For the nominal metric that reduces to
  ``alpha = 1 - (n - 1) * (n - trace(o)) / (n ** 2 - sum_c n_c ** 2)``; it needs only ``n``, the
  disagreeing mass ``n - trace(o)`` and the marginals, which is what the bootstrap resamples.

Undefined (``Statistic.value is None``): no pairable values (``n == 0``), or no variation
(the expected-disagreement denominator is 0: every pairable value is the same category).

Coincidence matrices are additive over units, so a project's matrix is the sum of its documents'
matrices; alpha is computed once from the pooled matrix and never averaged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt

from annotations.agreement.statistic import NO_PAIRABLE_VALUES, NO_VARIATION, Statistic

Metric = Literal["nominal", "interval"]
FloatArray = npt.NDArray[np.float64]

# Relative tolerance below which an expected-disagreement denominator counts as zero. Sums of
# 1/(m_u - 1) weights are not exact in binary, so an exact ``== 0`` test would miss "no variation".
_ZERO_TOLERANCE = 1e-12


def coincidence_from_counts(counts: npt.ArrayLike) -> FloatArray:
    """Coincidence matrix from a units x categories matrix of value counts.

    ``counts[u, c]`` is how many coders gave unit u the value c. Units with fewer than two values
    are not pairable and contribute nothing.
    """
    table = np.asarray(counts, dtype=np.float64)
    if table.ndim != 2:
        raise ValueError("counts must be a 2-D units x categories matrix.")
    m_u = table.sum(axis=1)
    pairable = m_u >= 2
    table = table[pairable]
    weights = 1.0 / (m_u[pairable] - 1.0)
    # sum_u w_u * (n_u n_u^T - diag(n_u))
    matrix = (table * weights[:, None]).T @ table
    matrix -= np.diag((table * weights[:, None]).sum(axis=0))
    return matrix


def coincidence_from_units(
    units: Sequence[Sequence[float | None]],
) -> tuple[FloatArray, FloatArray]:
    """Distinct values (sorted) and the coincidence matrix of a units x coders value matrix.

    Each row is one unit, each column one coder; ``None`` or NaN marks a missing value.
    """
    rows = [[v for v in row if v is not None and not np.isnan(v)] for row in units]
    values = np.array(sorted({float(v) for row in rows for v in row}), dtype=np.float64)
    index = {v: i for i, v in enumerate(values.tolist())}
    counts = np.zeros((len(rows), len(values)), dtype=np.float64)
    for u, row in enumerate(rows):
        for v in row:
            counts[u, index[float(v)]] += 1.0
    return values, coincidence_from_counts(counts)


def nominal_alpha_from_summary(
    total: float, disagreement: float, squared_marginals: float
) -> Statistic:
    """Nominal alpha from ``n``, ``n - trace(o)`` and ``sum_c n_c ** 2`` (see module docstring)."""
    if total <= 0.0:
        return Statistic.undefined(NO_PAIRABLE_VALUES)
    expected = total * total - squared_marginals
    if expected <= _ZERO_TOLERANCE * total * total:
        return Statistic.undefined(NO_VARIATION)
    return Statistic.defined(1.0 - (total - 1.0) * disagreement / expected)


def alpha_from_coincidence(
    matrix: npt.ArrayLike,
    *,
    metric: Metric = "nominal",
    values: npt.ArrayLike | None = None,
) -> Statistic:
    """Krippendorff's alpha of a coincidence matrix.

    ``values`` (one number per category, same order as the matrix) is required for the interval
    metric and ignored for the nominal one.
    """
    o = np.asarray(matrix, dtype=np.float64)
    if o.ndim != 2 or o.shape[0] != o.shape[1]:
        raise ValueError("a coincidence matrix must be square.")
    marginals = o.sum(axis=1)
    total = float(marginals.sum())
    if metric == "nominal":
        return nominal_alpha_from_summary(
            total, total - float(np.trace(o)), float(marginals @ marginals)
        )
    if metric != "interval":
        raise ValueError(f"unknown metric {metric!r}; use 'nominal' or 'interval'.")
    if values is None:
        raise ValueError("the interval metric needs the numeric value of each category.")
    v = np.asarray(values, dtype=np.float64)
    if v.shape != (o.shape[0],):
        raise ValueError("values must have one entry per category of the matrix.")
    if total <= 0.0:
        return Statistic.undefined(NO_PAIRABLE_VALUES)
    d2 = (v[:, None] - v[None, :]) ** 2
    observed = float((o * d2).sum())
    expected = float(marginals @ d2 @ marginals)
    scale = float(d2.max()) if d2.size else 0.0
    if expected <= _ZERO_TOLERANCE * total * total * max(scale, 1.0):
        return Statistic.undefined(NO_VARIATION)
    return Statistic.defined(1.0 - (total - 1.0) * observed / expected)


def krippendorff_alpha(
    units: Sequence[Sequence[float | None]], *, metric: Metric = "nominal"
) -> Statistic:
    """Krippendorff's alpha of a units x coders value matrix with missing values."""
    values, matrix = coincidence_from_units(units)
    return alpha_from_coincidence(matrix, metric=metric, values=values)
