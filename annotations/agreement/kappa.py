"""Cohen's and Fleiss' kappa on character-level values.

Cohen's kappa (Cohen 1960) for a pair of annotators from their contingency table ``T`` (rows:
the lower annotator id's value, columns: the other's; same category order on both axes):
``p_o = trace(T) / N``, ``p_e = sum_c (row_c / N) * (col_c / N)``,
``kappa = (p_o - p_e) / (1 - p_e)``. In the project report ``T`` counts the characters of every
document both annotators submitted, pooled by adding the per-document tables.

Fleiss' kappa (Fleiss 1971) needs the same number of raters ``m`` on every unit (not the same
raters). With ``n_uc`` raters giving unit u category c and N units:
``P_bar = sum_u sum_c n_uc (n_uc - 1) / (N m (m - 1))``, ``p_c = sum_u n_uc / (N m)``,
``P_e = sum_c p_c ** 2``, ``kappa = (P_bar - P_e) / (1 - P_e)``. Both parts can be read off the
coincidence matrix ``o`` of those units: ``P_bar = trace(o) / n`` and ``p_c = n_c / n`` with
``n_c`` the row sums and ``n = N m``. So Fleiss' kappa is pooled by adding the coincidence
matrices of documents with the same number of annotators. The project report uses the documents
with the largest number of submitting annotators (all raters present on every character).

Undefined: no units, or chance agreement ``p_e == 1`` (everybody used one and the same category).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from annotations.agreement.alpha import coincidence_from_counts
from annotations.agreement.statistic import Statistic

NO_UNITS = "no units were rated by both annotators"
CHANCE_AGREEMENT_ONE = (
    "expected (chance) agreement is 1: a single category was used throughout, so kappa is 0/0"
)
_ZERO_TOLERANCE = 1e-12


def cohen_kappa(table: npt.ArrayLike) -> Statistic:
    """Cohen's kappa of a square contingency table of counts."""
    t = np.asarray(table, dtype=np.float64)
    if t.ndim != 2 or t.shape[0] != t.shape[1]:
        raise ValueError("a contingency table must be square (same categories on both axes).")
    total = float(t.sum())
    if total <= 0.0:
        return Statistic.undefined(NO_UNITS)
    observed = float(np.trace(t)) / total
    expected = float(t.sum(axis=1) @ t.sum(axis=0)) / (total * total)
    if 1.0 - expected <= _ZERO_TOLERANCE:
        return Statistic.undefined(CHANCE_AGREEMENT_ONE)
    return Statistic.defined((observed - expected) / (1.0 - expected))


def fleiss_kappa_from_coincidence(matrix: npt.ArrayLike) -> Statistic:
    """Fleiss' kappa from the coincidence matrix of units that all have the same rater count."""
    o = np.asarray(matrix, dtype=np.float64)
    marginals = o.sum(axis=1)
    total = float(marginals.sum())
    if total <= 0.0:
        return Statistic.undefined(NO_UNITS)
    observed = float(np.trace(o)) / total
    expected = float(marginals @ marginals) / (total * total)
    if 1.0 - expected <= _ZERO_TOLERANCE:
        return Statistic.undefined(CHANCE_AGREEMENT_ONE)
    return Statistic.defined((observed - expected) / (1.0 - expected))


def fleiss_kappa(counts: npt.ArrayLike) -> Statistic:
    """Fleiss' kappa of a units x categories count matrix with a constant number of raters."""
    table = np.asarray(counts, dtype=np.float64)
    raters = table.sum(axis=1)
    if table.ndim != 2 or (raters.size and not np.all(raters == raters[0])):
        raise ValueError("Fleiss' kappa needs the same number of raters on every unit.")
    if raters.size and raters[0] < 2:
        return Statistic.undefined("Fleiss' kappa needs at least two raters per unit")
    return fleiss_kappa_from_coincidence(coincidence_from_counts(table))
