"""Bootstrap interval for the project's character-level nominal alpha.

Documents are resampled with replacement (``resamples`` times, each resample as many documents as
the project counts, drawn by a ``numpy.random.Generator`` seeded with ``seed``; documents are put
in ``document_id`` order first, so the draws do not depend on the order the roll-up saw them).
A resample's alpha is computed from its pooled coincidence matrix, exactly like the project
alpha. Nominal alpha needs only three additive pieces per document: the number of pairable
values ``n_d``, the disagreeing mass ``n_d - trace(o_d)`` and the marginals ``n_dc`` (see
``alpha.py``). A resample with document multiplicities ``w`` has ``n = w . n_d``,
``disagreement = w . (n_d - trace(o_d))`` and marginals ``w @ N`` (N is the sparse documents x
categories marginal matrix), so all resamples of a block are a few matrix products.

The interval is the percentile interval (2.5th and 97.5th percentiles for ``level=0.95``) of the
resamples whose alpha is defined; how many were undefined is reported alongside.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse

FloatArray = npt.NDArray[np.float64]

_ZERO_TOLERANCE = 1e-12
_DRAWS_PER_BLOCK = 1_000_000  # bounds memory (~40 MB per block of draws and weights)


@dataclass(frozen=True, slots=True)
class BootstrapInterval:
    low: float | None
    high: float | None
    reason: str | None
    level: float
    resamples: int
    undefined_resamples: int
    seed: int

    def to_json(self) -> dict[str, Any]:
        return {
            "low": self.low,
            "high": self.high,
            "reason": self.reason,
            "level": self.level,
            "resamples": self.resamples,
            "undefined_resamples": self.undefined_resamples,
            "seed": self.seed,
            "method": "percentile bootstrap over documents",
        }


def resample_alphas(
    totals: FloatArray,
    disagreements: FloatArray,
    marginals: sparse.csr_matrix,
    *,
    resamples: int,
    seed: int,
) -> FloatArray:
    """Alpha of each resample (NaN where undefined; internal, never reported as such)."""
    rng = np.random.default_rng(seed)
    n_docs = len(totals)
    block = max(1, min(resamples, _DRAWS_PER_BLOCK // max(n_docs, 1)))
    by_category = marginals.T.tocsr()
    alphas = np.empty(resamples, dtype=np.float64)
    for first in range(0, resamples, block):
        size = min(block, resamples - first)
        draws = rng.integers(0, n_docs, size=(size, n_docs))
        flat = (np.arange(size)[:, None] * n_docs + draws).ravel()
        weights = np.bincount(flat, minlength=size * n_docs).reshape(size, n_docs)
        weights = weights.astype(np.float64)
        n = weights @ totals
        disagreement = weights @ disagreements
        squared = np.asarray(by_category @ weights.T)
        squared_sum = (squared * squared).sum(axis=0)
        expected = n * n - squared_sum
        defined = (n > 0) & (expected > _ZERO_TOLERANCE * n * n)
        safe = np.where(defined, expected, 1.0)
        alphas[first : first + size] = np.where(
            defined, 1.0 - (n - 1.0) * disagreement / safe, np.nan
        )
    return alphas


def bootstrap_alpha(
    totals: FloatArray,
    disagreements: FloatArray,
    marginals: sparse.csr_matrix,
    *,
    resamples: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> BootstrapInterval:
    """Percentile bootstrap interval of pooled nominal alpha over documents (one row each)."""

    def undefined(reason: str, failed: int = 0) -> BootstrapInterval:
        return BootstrapInterval(None, None, reason, level, resamples, failed, seed)

    if resamples <= 0:
        return undefined("bootstrap disabled (0 resamples requested)")
    if len(totals) < 2:
        return undefined("the bootstrap needs at least two documents with two annotators")
    alphas = resample_alphas(totals, disagreements, marginals, resamples=resamples, seed=seed)
    valid = alphas[~np.isnan(alphas)]
    failed = int(resamples - valid.size)
    if valid.size == 0:
        return undefined("alpha was undefined in every resample", failed)
    tail = (1.0 - level) / 2.0 * 100.0
    low, high = np.percentile(valid, [tail, 100.0 - tail])
    return BootstrapInterval(float(low), float(high), None, level, resamples, failed, seed)
