"""Project roll-up: pooling, leave-one-out, chunk merges, updates, JSON, undefined results."""

from __future__ import annotations

import json
import math
import warnings
from collections import Counter
from typing import Any

import krippendorff  # GPL: test-time reference only
import numpy as np
import pytest
from hypothesis import given, settings

from annotations.agreement.intermediate import DocumentIntermediate, document_intermediate
from annotations.agreement.project import OutdatedLayout, ProjectAccumulator, project_report
from annotations.agreement.records import DocumentAnnotations, SpanRecord
from annotations.agreement.statistic import FEWER_THAN_TWO_CODERS

from .reference import (
    char_values,
    naive_coincidence,
    naive_nominal_alpha,
    projects,
    random_document,
    reliability_matrix,
)


def _items(docs: list[DocumentAnnotations]) -> list[DocumentIntermediate]:
    return [document_intermediate(d) for d in docs]


def _report(docs: list[DocumentAnnotations], **kwargs: Any) -> dict[str, Any]:
    kwargs.setdefault("bootstrap_resamples", 0)
    return project_report(_items(docs), **kwargs)


def _reference_alpha(data: np.ndarray, n_values: int) -> float | None:
    if n_values < 2 or data.size == 0:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            value = krippendorff.alpha(
                reliability_data=data,
                level_of_measurement="nominal",
                value_domain=list(range(n_values)),
            )
        except ValueError as error:  # the package refuses data without pairable units
            assert "at least two coders" in str(error)
            return None
    return None if np.isnan(value) else float(value)


def assert_same_report(first: Any, second: Any, path: str = "report") -> None:
    """Equal structure, equal strings/ints/None, floats equal to 1e-9."""
    if isinstance(first, dict):
        assert isinstance(second, dict) and first.keys() == second.keys(), path
        for key in first:
            assert_same_report(first[key], second[key], f"{path}.{key}")
    elif isinstance(first, list):
        assert isinstance(second, list) and len(first) == len(second), path
        for i, (a, b) in enumerate(zip(first, second, strict=True)):
            assert_same_report(a, b, f"{path}[{i}]")
    elif isinstance(first, float) and not isinstance(second, type(None)):
        assert second == pytest.approx(first, abs=1e-9), path
    else:
        assert first == second, path


# -- pooling -------------------------------------------------------------------------------------


@settings(max_examples=120, deadline=None)
@given(projects(max_documents=4, max_length=30))
def test_project_alpha_equals_alpha_of_concatenated_characters(
    docs: list[DocumentAnnotations],
) -> None:
    report = _report(docs)
    data, code = reliability_matrix(docs)
    expected = _reference_alpha(data, len(code))
    naive = naive_nominal_alpha(naive_coincidence(docs))
    alpha = report["character_alpha"]
    if expected is None or naive is None:
        assert alpha["value"] is None and alpha["reason"]
    else:
        assert alpha["value"] == pytest.approx(expected, abs=1e-9)
        assert alpha["value"] == pytest.approx(naive, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(projects(max_documents=4, max_length=30))
def test_per_label_alpha_equals_binary_reference(docs: list[DocumentAnnotations]) -> None:
    report = _report(docs)
    for row in report["character_alpha"]["per_label"]:
        label = row["label"]
        binary = [
            DocumentAnnotations(
                d.document_id,
                d.length,
                d.annotators,
                tuple(
                    SpanRecord(s.annotator, 0, s.start, s.end) for s in d.spans if s.label == label
                ),
            )
            for d in docs
        ]
        data, code = reliability_matrix(binary)
        expected = _reference_alpha(data, len(code))
        if expected is None:
            assert row["value"] is None and row["reason"]
        else:
            assert row["value"] == pytest.approx(expected, abs=1e-9)


def test_pooled_alpha_is_not_the_mean_of_document_alphas() -> None:
    rng = np.random.default_rng(3)
    docs = [random_document(rng, i, length=100 + 200 * i) for i in range(1, 4)]
    report = _report(docs, ranked_documents_limit=None)
    mean = np.mean([row["alpha"] for row in report["documents_ranked"]])
    naive = naive_nominal_alpha(naive_coincidence(docs))
    assert report["character_alpha"]["value"] == pytest.approx(naive, abs=1e-9)
    assert report["character_alpha"]["value"] != pytest.approx(mean, abs=1e-4)


# -- leave one annotator out ---------------------------------------------------------------------


def _without(doc: DocumentAnnotations, annotator: int) -> DocumentAnnotations:
    return DocumentAnnotations(
        doc.document_id,
        doc.length,
        tuple(a for a in doc.annotators if a != annotator),
        tuple(s for s in doc.spans if s.annotator != annotator),
    )


@settings(max_examples=80, deadline=None)
@given(projects(max_documents=4, max_length=30))
def test_leave_one_out_equals_recomputing_from_scratch(docs: list[DocumentAnnotations]) -> None:
    report = _report(docs)
    rows = {row["annotator"]: row for row in report["character_alpha"]["leave_one_annotator_out"]}
    counted = {a for d in docs if len(d.annotators) >= 2 for a in d.annotators}
    assert set(rows) == counted
    for annotator, row in rows.items():
        fresh = _report([_without(d, annotator) for d in docs])["character_alpha"]
        if fresh["value"] is None:
            assert row["value"] is None and row["reason"]
        else:
            assert row["value"] == pytest.approx(fresh["value"], abs=1e-9)
        assert row["documents"] == sum(
            1 for d in docs if annotator in d.annotators and len(d.annotators) >= 2
        )


# -- chunks, updates, JSON -----------------------------------------------------------------------


def _random_project(seed: int, count: int = 12) -> list[DocumentAnnotations]:
    rng = np.random.default_rng(seed)
    pools = [(1, 2, 3), (1, 2), (2, 3, 4), (1,), (1, 2, 3, 4)]
    return [
        random_document(rng, i, annotators=pools[i % len(pools)], length=int(rng.integers(50, 200)))
        for i in range(1, count + 1)
    ]


def test_merged_chunks_equal_a_single_pass() -> None:
    docs = _random_project(11)
    single = _report(docs, bootstrap_resamples=200)
    chunks = [ProjectAccumulator() for _ in range(3)]
    for i, item in enumerate(_items(docs)):
        chunks[(i * 7) % 3].add(item)  # out of order on purpose
    merged = ProjectAccumulator()
    for chunk in reversed(chunks):
        merged.merge(chunk)
    assert_same_report(single, merged.report(bootstrap_resamples=200))


def test_remove_and_replace_equal_a_fresh_roll_up() -> None:
    docs = _random_project(12)
    rng = np.random.default_rng(99)
    changed = random_document(rng, docs[4].document_id, annotators=docs[4].annotators)
    acc = ProjectAccumulator()
    items = _items(docs)
    for item in items:
        acc.add(item)
    acc.replace(items[4], document_intermediate(changed))
    acc.remove(items[0])
    expected = _report([changed if d is docs[4] else d for d in docs[1:]], bootstrap_resamples=100)
    assert_same_report(expected, acc.report(bootstrap_resamples=100))


def test_intermediate_json_round_trip() -> None:
    for doc in _random_project(13, count=5):
        item = document_intermediate(doc)
        text = json.dumps(item.to_json(), allow_nan=False)
        assert DocumentIntermediate.from_json(json.loads(text)) == item


def test_accumulator_json_round_trip() -> None:
    docs = _random_project(14)
    acc = ProjectAccumulator()
    for item in _items(docs):
        acc.add(item)
    text = json.dumps(acc.to_json(), allow_nan=False)
    again = ProjectAccumulator.from_json(json.loads(text))
    assert_same_report(acc.report(bootstrap_resamples=50), again.report(bootstrap_resamples=50))
    # A restored roll-up keeps working: add one more document to both.
    extra = document_intermediate(random_document(np.random.default_rng(1), 1000))
    acc.add(extra)
    again.add(extra)
    assert_same_report(acc.report(bootstrap_resamples=0), again.report(bootstrap_resamples=0))


def test_adding_a_document_twice_or_removing_an_unknown_one_fails_loudly() -> None:
    item = document_intermediate(_random_project(15, count=1)[0])
    acc = ProjectAccumulator()
    acc.add(item)
    with pytest.raises(ValueError, match="already"):
        acc.add(item)
    other = ProjectAccumulator()
    other.add(item)
    with pytest.raises(ValueError, match="both roll-ups"):
        acc.merge(other)
    with pytest.raises(ValueError, match="not in this roll-up"):
        ProjectAccumulator().remove(item)


def test_old_schema_is_rejected() -> None:
    with pytest.raises(ValueError, match="schema"):
        DocumentIntermediate.from_json({"schema": 0})


def test_a_roll_up_stored_before_per_document_unitizing_alpha_is_refused() -> None:
    acc = ProjectAccumulator()
    for item in _items(_random_project(18, count=3)):
        acc.add(item)
    stored = acc.to_json()
    stored["schema"] = 1  # the layout before the per-document unitizing alpha
    del stored["documents"]["unitizing_alphas"], stored["documents"]["unitizing_reasons"]
    with pytest.raises(OutdatedLayout, match="rebuild it from the document intermediates"):
        ProjectAccumulator.from_json(stored)


# -- the other report sections -------------------------------------------------------------------


def test_cohen_and_fleiss_sections_match_direct_counts() -> None:
    docs = _random_project(16)
    report = _report(docs)
    for row in report["cohen_kappa"]:
        a, b = row["annotators"]
        pairs: Counter[tuple[tuple[int, ...], tuple[int, ...]]] = Counter()
        for doc in docs:
            if a in doc.annotators and b in doc.annotators:
                values = char_values(doc)
                pairs.update(zip(values[a], values[b], strict=True))
        total = sum(pairs.values())
        p_o = sum(n for (x, y), n in pairs.items() if x == y) / total
        left, right = Counter(), Counter()
        for (x, y), n in pairs.items():
            left[x] += n
            right[y] += n
        p_e = sum(left[c] * right[c] for c in left) / total**2
        assert row["characters"] == total
        assert row["value"] == pytest.approx((p_o - p_e) / (1 - p_e), abs=1e-9)

    fleiss = report["fleiss_kappa"]
    m = max(len(d.annotators) for d in docs)
    assert fleiss["raters_per_character"] == m
    full = [d for d in docs if len(d.annotators) == m]
    units = [
        Counter(values[position] for values in char_values(d).values())
        for d in full
        for position in range(d.length)
    ]
    categories = sorted({c for u in units for c in u})
    p_bar = np.mean([sum(n * (n - 1) for n in u.values()) / (m * (m - 1)) for u in units])
    p_c = [sum(u[c] for u in units) / (len(units) * m) for c in categories]
    p_e = sum(p * p for p in p_c)
    assert fleiss["characters"] == pytest.approx(len(units))
    assert fleiss["value"] == pytest.approx((p_bar - p_e) / (1 - p_e), abs=1e-9)


def test_f1_rows_pool_counts_over_documents() -> None:
    first = DocumentAnnotations(
        1, 50, (1, 2), (SpanRecord(1, 5, 0, 10), SpanRecord(2, 5, 0, 10), SpanRecord(2, 5, 20, 30))
    )
    second = DocumentAnnotations(
        2, 50, (1, 2, 3), (SpanRecord(1, 5, 0, 10), SpanRecord(2, 5, 0, 8), SpanRecord(3, 6, 0, 9))
    )
    rows = _report([first, second])["span_f1"]
    by_key = {(tuple(r["annotators"]) if r["annotators"] else None, r["label"]): r for r in rows}
    pair_label = by_key[((1, 2), 5)]
    # Document 1: 1 exact match of (1 span, 2 spans); document 2: IoU 0.8 overlap, no exact.
    assert (pair_label["spans_a"], pair_label["spans_b"]) == (2, 3)
    assert pair_label["exact"]["tp"] == 1 and pair_label["overlap"]["tp"] == 2
    assert pair_label["exact"]["f1"]["value"] == pytest.approx(2 * 1 / 5)
    assert pair_label["overlap"]["f1"]["value"] == pytest.approx(2 * 2 / 5)
    assert pair_label["overlap"]["precision"]["value"] == pytest.approx(2 / 3)
    assert pair_label["overlap"]["recall"]["value"] == pytest.approx(1.0)
    nobody = by_key[((1, 2), None)]
    assert nobody["spans_a"] == 2 and nobody["overlap"]["tp"] == 2
    label_6 = by_key[((1, 3), 6)]
    assert (label_6["spans_a"], label_6["spans_b"]) == (0, 1)
    assert label_6["overlap"]["recall"]["value"] is None
    assert label_6["overlap"]["f1"]["value"] == 0.0


def test_documents_are_ranked_from_lowest_alpha() -> None:
    docs = _random_project(17)
    report = _report(docs, ranked_documents_limit=None)
    expected = []
    undefined = []
    for doc in docs:
        value = naive_nominal_alpha(naive_coincidence([doc]))
        (undefined if value is None else expected).append((value, doc.document_id))
    assert [r["document_id"] for r in report["documents_ranked"]] == [
        d for _, d in sorted(expected)
    ]
    for row, (value, _) in zip(report["documents_ranked"], sorted(expected), strict=True):
        assert row["alpha"] == pytest.approx(value, abs=1e-9)
    assert sorted(r["document_id"] for r in report["documents_undefined"]) == sorted(
        d for _, d in undefined
    )
    single = [r for r in report["documents_undefined"] if r["reason"] == FEWER_THAN_TWO_CODERS]
    assert {r["document_id"] for r in single} == {
        d.document_id for d in docs if len(d.annotators) < 2
    }
    limited = _report(docs, ranked_documents_limit=2)
    assert limited["documents_ranked"] == report["documents_ranked"][:2]


# -- undefined results and JSON hygiene ----------------------------------------------------------


def _walk_floats(value: Any) -> list[float]:
    if isinstance(value, dict):
        return [f for v in value.values() for f in _walk_floats(v)]
    if isinstance(value, list):
        return [f for v in value for f in _walk_floats(v)]
    return [value] if isinstance(value, float) else []


def test_project_without_two_annotators_is_undefined_everywhere() -> None:
    docs = [DocumentAnnotations(1, 20, (1,), (SpanRecord(1, 5, 0, 4),))]
    report = _report(docs, bootstrap_resamples=100)
    json.dumps(report, allow_nan=False)
    assert report["documents"] == {
        "counted": 0,
        "skipped": 1,
        "skipped_reason": FEWER_THAN_TWO_CODERS,
    }
    for section in ("character_alpha", "unitizing_alpha", "fleiss_kappa", "status_alpha"):
        assert report[section]["value"] is None and report[section]["reason"], section
    assert report["character_alpha"]["bootstrap"]["low"] is None
    assert report["character_alpha"]["bootstrap"]["reason"]
    assert report["cohen_kappa"] == [] and report["span_f1"] == []


def test_empty_project() -> None:
    report = project_report([], bootstrap_resamples=10)
    json.dumps(report, allow_nan=False)
    assert report["character_alpha"]["value"] is None
    assert report["documents"]["counted"] == 0


def test_perfect_agreement_on_nothing_is_undefined_not_one() -> None:
    docs = [DocumentAnnotations(i, 30, (1, 2), ()) for i in range(1, 4)]
    report = _report(docs)
    assert report["character_alpha"]["value"] is None
    assert "no variation" in report["character_alpha"]["reason"]
    assert all(row["alpha"] is None for row in report["documents_undefined"])


@settings(max_examples=40, deadline=None)
@given(projects(max_documents=4, max_length=25))
def test_reports_are_strict_json(docs: list[DocumentAnnotations]) -> None:
    report = _report(docs, bootstrap_resamples=20)
    json.dumps(report, allow_nan=False)
    assert all(math.isfinite(f) for f in _walk_floats(report))
