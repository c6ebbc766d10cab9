"""Turn pooled sums into the JSON sections of the project report.

Pure helpers used by ``ProjectAccumulator.report()``; each takes already-pooled sums and returns
plain dicts/lists (JSON-serialisable, no NaN, undefined values as ``{"value": null,
"reason": ...}``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from annotations.agreement.alpha import alpha_from_coincidence
from annotations.agreement.kappa import fleiss_kappa_from_coincidence
from annotations.agreement.matrices import fit
from annotations.agreement.segments import Category
from annotations.agreement.statistic import Statistic
from annotations.agreement.unitizing import UnitizingTotals

FloatArray = npt.NDArray[np.float64]

NO_SPANS = "neither annotator marked a span with this label"
NO_DOCUMENTS = "no document was submitted by at least two annotators"


def ratio(numerator: float, denominator: float, reason: str) -> Statistic:
    if denominator <= 0:
        return Statistic.undefined(reason)
    return Statistic.defined(numerator / denominator)


def collapse_to_label(categories: Sequence[Category], matrix: FloatArray, label: int) -> FloatArray:
    """2 x 2 coincidence matrix of "label absent / present" from a label-set coincidence matrix.

    The binary value is a function of the set value, and coincidences are sums over units with
    the same weights, so collapsing the pooled matrix equals computing it from binary values.
    """
    present = np.array([label in c for c in categories], dtype=bool)
    absent = ~present
    return np.array(
        [
            [matrix[np.ix_(absent, absent)].sum(), matrix[np.ix_(absent, present)].sum()],
            [matrix[np.ix_(present, absent)].sum(), matrix[np.ix_(present, present)].sum()],
        ]
    )


def labels_with_mass(categories: Sequence[Category], matrix: FloatArray) -> list[int]:
    """Labels that occur in a category with pairable values."""
    mass = matrix.sum(axis=1) if matrix.size else np.zeros(0)
    return sorted(
        {label for c, m in zip(categories, mass.tolist(), strict=True) if m > 0 for label in c}
    )


def label_alphas(categories: Sequence[Category], matrix: FloatArray) -> list[dict[str, Any]]:
    return [
        {
            "label": label,
            **alpha_from_coincidence(collapse_to_label(categories, matrix, label)).to_json(),
        }
        for label in labels_with_mass(categories, matrix)
    ]


def _f1_block(tp: int, spans_a: int, spans_b: int) -> dict[str, Any]:
    return {
        "tp": tp,
        "fp": spans_b - tp,
        "fn": spans_a - tp,
        "precision": ratio(tp, spans_b, "the second annotator marked no span").to_json(),
        "recall": ratio(tp, spans_a, "the first annotator marked no span").to_json(),
        "f1": ratio(2 * tp, spans_a + spans_b, NO_SPANS).to_json(),
    }


def f1_rows(counts: Mapping[tuple[int, int, int], Sequence[int]]) -> list[dict[str, Any]]:
    """F1 rows per (pair, label), per pair over all labels, per label over all pairs.

    ``counts[(a, b, label)] = [spans_a, spans_b, exact, overlap]``; ``None`` for ``annotators``
    or ``label`` marks a row pooled over all pairs or all labels (counts added, then ratios).
    """
    Key = tuple[tuple[int, int] | None, int | None]
    pooled: dict[Key, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for (a, b, one_label), row in counts.items():
        keys: tuple[Key, ...] = (
            ((a, b), one_label),
            ((a, b), None),
            (None, one_label),
            (None, None),
        )
        for key in keys:
            total = pooled[key]
            for i in range(4):
                total[i] += row[i]

    def order(key: Key) -> tuple[int, int, int, int, int]:
        annotators, only = key
        first, second = annotators or (0, 0)
        return (annotators is None, first, second, only is None, -1 if only is None else only)

    rows = []
    for pair, label in sorted(pooled, key=order):
        spans_a, spans_b, exact, overlap = pooled[(pair, label)]
        rows.append(
            {
                "annotators": None if pair is None else list(pair),
                "label": label,
                "spans_a": spans_a,
                "spans_b": spans_b,
                "exact": _f1_block(exact, spans_a, spans_b),
                "overlap": _f1_block(overlap, spans_a, spans_b),
            }
        )
    return rows


def sparse_alpha(cells: Mapping[tuple[int, int], float]) -> Statistic:
    """Nominal alpha of a coincidence matrix given as ``{(value, value): weight}``."""
    values = sorted({v for pair in cells for v in pair})
    index = {v: i for i, v in enumerate(values)}
    matrix = np.zeros((len(values), len(values)))
    for (s, t), weight in cells.items():
        matrix[index[s], index[t]] += weight
    return alpha_from_coincidence(matrix)


def ranking(
    rows: Mapping[str, Any],
    reasons: Sequence[str],
    unitizing_reasons: Sequence[str],
    limit: int | None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Documents from the lowest alpha up (ties by id), and the undefined ones with their reason.

    ``rows`` are ``DocumentRows.arrays()``: ``reasons[code]`` says why a document's alpha is
    undefined (code 0: defined), ``unitizing_reasons[code]`` the same of its unitizing alpha,
    which every row carries beside its alpha.
    """
    ids, alphas, codes = rows["ids"], rows["alphas"], rows["reasons"]
    unitizing_alphas, unitizing_codes = rows["unitizing_alphas"], rows["unitizing_reasons"]
    defined = codes == 0
    ranked = np.flatnonzero(defined)[np.lexsort((ids[defined], alphas[defined]))][:limit]
    undefined = np.flatnonzero(~defined)[np.argsort(ids[~defined], kind="stable")][:limit]

    def row(i: int) -> dict[str, Any]:
        code, unitizing_code = int(codes[i]), int(unitizing_codes[i])
        return {
            "document_id": int(ids[i]),
            "alpha": None if code else float(alphas[i]),
            "reason": reasons[code] if code else None,
            "unitizing_alpha": None if unitizing_code else float(unitizing_alphas[i]),
            "unitizing_reason": unitizing_reasons[unitizing_code] if unitizing_code else None,
        }

    return [row(i) for i in ranked.tolist()], [row(i) for i in undefined.tolist()]


def unitizing_section(totals: UnitizingTotals) -> dict[str, Any]:
    per_label = []
    for label in totals.labels():
        disagreements: tuple[float | None, float | None] = (None, None)
        if totals.observed_denominator > 0:
            disagreements = totals.disagreements(label)
        per_label.append(
            {
                "label": label,
                **totals.alpha(label).to_json(),
                "observed_disagreement": disagreements[0],
                "expected_disagreement": disagreements[1],
            }
        )
    return {**totals.overall().to_json(), "per_label": per_label}


def fleiss_section(
    by_rater_count: Mapping[int, FloatArray], documents: Mapping[int, int], size: int
) -> dict[str, Any]:
    """Fleiss' kappa over the documents with the most annotators (all raters on every unit)."""
    if not by_rater_count:
        return {
            **Statistic.undefined(NO_DOCUMENTS).to_json(),
            "raters_per_character": None,
            "documents": 0,
            "characters": 0.0,
        }
    m = max(by_rater_count)
    group = fit(by_rater_count[m], size)
    return {
        **fleiss_kappa_from_coincidence(group).to_json(),
        "raters_per_character": m,
        "documents": documents[m],
        "characters": float(group.sum()) / m,
    }
