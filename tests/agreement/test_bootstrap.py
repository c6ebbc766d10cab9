"""Bootstrap interval of the project alpha: equals resampling documents one by one."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from annotations.agreement.intermediate import document_intermediate
from annotations.agreement.project import project_report
from annotations.agreement.records import DocumentAnnotations, SpanRecord

from .reference import naive_coincidence, naive_nominal_alpha, random_document


def _naive_bootstrap(
    docs: list[DocumentAnnotations], resamples: int, seed: int
) -> tuple[list[float], int]:
    """Resample documents with the same generator calls, pool character coincidences by hand."""
    docs = sorted(docs, key=lambda d: d.document_id)
    per_document = [naive_coincidence([d]) for d in docs]
    draws = np.random.default_rng(seed).integers(0, len(docs), size=(resamples, len(docs)))
    alphas, undefined = [], 0
    for row in draws:
        pooled: Counter = Counter()
        for index in row:
            pooled.update(per_document[index])
        value = naive_nominal_alpha(pooled)
        if value is None:
            undefined += 1
        else:
            alphas.append(value)
    return alphas, undefined


def test_interval_equals_naive_resampling() -> None:
    rng = np.random.default_rng(5)
    docs = [random_document(rng, i, length=120) for i in (9, 3, 7, 1, 5, 2)]
    report = project_report(
        [document_intermediate(d) for d in docs], bootstrap_resamples=300, seed=42
    )
    interval = report["character_alpha"]["bootstrap"]
    alphas, undefined = _naive_bootstrap(docs, 300, 42)
    low, high = np.percentile(alphas, [2.5, 97.5])
    assert interval["undefined_resamples"] == undefined == 0
    assert interval["low"] == pytest.approx(low, abs=1e-9)
    assert interval["high"] == pytest.approx(high, abs=1e-9)
    assert interval["low"] <= report["character_alpha"]["value"] <= interval["high"]


def test_undefined_resamples_are_counted_not_reported() -> None:
    # Document 1 has no variation on its own (nobody labels anything); resamples made only of
    # copies of it have an undefined alpha.
    silent = DocumentAnnotations(1, 40, (1, 2), ())
    busy = DocumentAnnotations(
        2, 40, (1, 2), (SpanRecord(1, 5, 0, 20), SpanRecord(2, 5, 5, 20), SpanRecord(2, 6, 30, 35))
    )
    report = project_report(
        [document_intermediate(d) for d in (silent, busy)], bootstrap_resamples=400, seed=3
    )
    interval = report["character_alpha"]["bootstrap"]
    alphas, undefined = _naive_bootstrap([silent, busy], 400, 3)
    assert 0 < interval["undefined_resamples"] == undefined < 400
    low, high = np.percentile(alphas, [2.5, 97.5])
    assert interval["low"] == pytest.approx(low, abs=1e-9)
    assert interval["high"] == pytest.approx(high, abs=1e-9)


def test_seeded_and_independent_of_input_order() -> None:
    rng = np.random.default_rng(6)
    items = [document_intermediate(random_document(rng, i)) for i in range(1, 9)]
    first = project_report(items, bootstrap_resamples=200, seed=1)
    again = project_report(list(reversed(items)), bootstrap_resamples=200, seed=1)
    other = project_report(items, bootstrap_resamples=200, seed=2)
    b1, b2, b3 = (r["character_alpha"]["bootstrap"] for r in (first, again, other))
    assert (b1["low"], b1["high"]) == pytest.approx((b2["low"], b2["high"]), abs=1e-12)
    assert (b1["low"], b1["high"]) != (b3["low"], b3["high"])


def test_undefined_intervals() -> None:
    one = [document_intermediate(random_document(np.random.default_rng(8), 1))]
    interval = project_report(one, bootstrap_resamples=100)["character_alpha"]["bootstrap"]
    assert interval["low"] is None and interval["high"] is None and interval["reason"]
    two = one + [document_intermediate(random_document(np.random.default_rng(9), 2))]
    disabled = project_report(two, bootstrap_resamples=0)["character_alpha"]["bootstrap"]
    assert disabled["low"] is None and "disabled" in disabled["reason"]
