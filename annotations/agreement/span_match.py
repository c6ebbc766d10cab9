"""Span matching between annotators: pairwise F1 and verification-status agreement.

Matching, for every pair of annotators ``a < b`` who submitted a document:

* *Exact match*: same label, same start and same end. Matches are one-to-one (a duplicated span
  matches at most one copy), so per label the count is ``sum over (start, end) of
  min(copies by a, copies by b)``.
* *Overlap match*: same label and intersection-over-union ``IoU = |g & h| / |g | h| >= 0.5``
  (checked exactly as ``2 |g & h| >= |g | h|``). Matches are one-to-one: a maximum-cardinality
  matching of the bipartite graph of eligible pairs, ties broken by the largest total IoU, solved
  with ``scipy.optimize.linear_sum_assignment`` (cost ``-(K + IoU)`` for eligible pairs with
  ``K`` larger than any matching's size, 0 otherwise).

Pairwise F1 treats the lower annotator id as the reference: for one label,
``tp = matches``, ``fp = spans_b - tp``, ``fn = spans_a - tp``, ``precision = tp / spans_b``,
``recall = tp / spans_a``, ``F1 = 2 tp / (spans_a + spans_b)`` (symmetric). Counts are pooled over
documents by adding them, then the ratios are taken once. F1 is undefined when neither annotator
marked a span of that label.

Verification-status agreement: the overlap matches of all annotator pairs of a document link
spans into *clusters*. Links are applied in order of decreasing IoU (then by span order) and a link
is skipped if it would put two spans of one annotator into one cluster, so each cluster holds at
most one span per annotator. A cluster of two or more spans is one unit; each span's status is
that annotator's value (a span without status is a missing value). Nominal alpha is computed from
the status coincidence matrix of these units, pooled over documents. Coverage is the share of all
spans (of documents with at least two annotators) that ended up in a cluster of two or more.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations, groupby
from typing import Any

import numpy as np
import numpy.typing as npt

from annotations.agreement.records import DocumentAnnotations, SpanRecord

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class SpanPairCounts:
    """Counts for one annotator pair and one label (of one document, or pooled)."""

    annotator_a: int  # annotator_a < annotator_b
    annotator_b: int
    label: int
    spans_a: int
    spans_b: int
    exact: int  # exact matches
    overlap: int  # overlap matches (IoU >= 0.5)


@dataclass(frozen=True, slots=True)
class StatusSums:
    """One document's verification-status intermediate (additive)."""

    cells: tuple[tuple[int, int, float], ...]  # status coincidence: (status, status, weight)
    spans: int  # spans of the document
    matched_spans: int  # spans in a cluster of two or more
    units: int  # clusters with at least two statuses

    def to_json(self) -> dict[str, Any]:
        return {
            "cells": [list(cell) for cell in self.cells],
            "spans": self.spans,
            "matched_spans": self.matched_spans,
            "units": self.units,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StatusSums:
        return cls(
            tuple((int(s), int(t), float(w)) for s, t, w in data["cells"]),
            int(data["spans"]),
            int(data["matched_spans"]),
            int(data["units"]),
        )


def _overlaps(
    labels: IntArray, begins: IntArray, ends: IntArray
) -> tuple[npt.NDArray[np.bool_], FloatArray]:
    """Eligibility (same label, IoU >= 0.5) and IoU of every pair of the given spans."""
    inter = np.clip(
        np.minimum(ends[:, None], ends[None, :]) - np.maximum(begins[:, None], begins[None, :]),
        0,
        None,
    )
    lengths = ends - begins
    union = lengths[:, None] + lengths[None, :] - inter
    eligible = (labels[:, None] == labels[None, :]) & (inter > 0) & (2 * inter >= union)
    return eligible, inter / union


def _matching(eligible: npt.NDArray[np.bool_], iou: FloatArray) -> list[tuple[int, int, float]]:
    """Maximum one-to-one matching of an eligibility matrix, ties broken by total IoU."""
    rows, cols = np.nonzero(eligible)
    if rows.size == 0:
        return []
    sub_rows, sub_cols = np.unique(rows), np.unique(cols)
    if len(sub_rows) == rows.size and len(sub_cols) == cols.size:
        # Already a matching (the usual case): nothing to choose.
        return [(r, c, float(iou[r, c])) for r, c in zip(rows.tolist(), cols.tolist(), strict=True)]
    sub = eligible[np.ix_(sub_rows, sub_cols)]
    bonus = float(min(len(sub_rows), len(sub_cols)) + 1)
    cost = np.where(sub, -(bonus + iou[np.ix_(sub_rows, sub_cols)]), 0.0)
    # Imported here: scipy.optimize takes 0.3 s to load, which every process that merely imports
    # the agreement services (a management command, a worker) would otherwise pay.
    from scipy.optimize import linear_sum_assignment

    assigned_rows, assigned_cols = linear_sum_assignment(cost)
    return [
        (int(sub_rows[r]), int(sub_cols[c]), float(iou[sub_rows[r], sub_cols[c]]))
        for r, c in zip(assigned_rows.tolist(), assigned_cols.tolist(), strict=True)
        if sub[r, c]
    ]


def overlap_matching(
    first: Sequence[SpanRecord], second: Sequence[SpanRecord]
) -> list[tuple[int, int, float]]:
    """One-to-one overlap matches ``(index in first, index in second, IoU)``."""
    both = [*first, *second]
    eligible, iou = _overlaps(
        np.array([s.label for s in both], dtype=np.int64),
        np.array([s.start for s in both], dtype=np.int64),
        np.array([s.end for s in both], dtype=np.int64),
    )
    n = len(first)
    return _matching(eligible[:n, n:], iou[:n, n:])


def _span_order(span: SpanRecord) -> tuple[int, int, int, int, int]:
    status = -1 if span.status is None else span.status
    return (span.annotator, span.label, span.start, span.end, status)


def span_matches(doc: DocumentAnnotations) -> tuple[tuple[SpanPairCounts, ...], StatusSums]:
    """Per pair and label F1 counts, and the status intermediate, of one document."""
    if len(doc.annotators) < 2:
        return (), StatusSums((), 0, 0, 0)
    spans = sorted(doc.spans, key=_span_order)
    labels = np.array([s.label for s in spans], dtype=np.int64)
    eligible, iou = _overlaps(
        labels,
        np.array([s.start for s in spans], dtype=np.int64),
        np.array([s.end for s in spans], dtype=np.int64),
    )
    # Spans are sorted by annotator, so each annotator's spans are one slice.
    ranges: dict[int, range] = {}
    first = 0
    for annotator, group in groupby(spans, key=lambda x: x.annotator):
        size = sum(1 for _ in group)
        ranges[annotator] = range(first, first + size)
        first += size
    per_label = {a: Counter(s.label for s in spans[r.start : r.stop]) for a, r in ranges.items()}
    keys = {
        a: Counter((s.label, s.start, s.end) for s in spans[r.start : r.stop])
        for a, r in ranges.items()
    }

    counts: list[SpanPairCounts] = []
    links: list[tuple[float, int, int]] = []
    empty: Counter[Any] = Counter()
    for a, b in combinations(sorted(doc.annotators), 2):
        mine, theirs = ranges.get(a, range(0)), ranges.get(b, range(0))
        exact: Counter[int] = Counter()
        keys_b = keys.get(b, empty)
        for key, copies in keys.get(a, empty).items():
            exact[key[0]] += min(copies, keys_b.get(key, 0))
        overlap: Counter[int] = Counter()
        block = np.s_[mine.start : mine.stop, theirs.start : theirs.stop]
        for r, c, value in _matching(eligible[block], iou[block]):
            overlap[spans[mine.start + r].label] += 1
            links.append((value, mine.start + r, theirs.start + c))
        labels_a, labels_b = per_label.get(a, empty), per_label.get(b, empty)
        for label in sorted(set(labels_a) | set(labels_b)):
            counts.append(
                SpanPairCounts(
                    a, b, label, labels_a[label], labels_b[label], exact[label], overlap[label]
                )
            )
    return tuple(counts), _status_sums(spans, links)


def _status_sums(spans: Sequence[SpanRecord], links: list[tuple[float, int, int]]) -> StatusSums:
    # Union-find over linked spans only; ``annotators[root]`` is a bitmask of the annotators in
    # the cluster, so "two spans of one annotator" is one AND.
    parent: dict[int, int] = {}
    annotators: dict[int, int] = {}
    bit = {a: 1 << i for i, a in enumerate(sorted({s.annotator for s in spans}))}

    def root(i: int) -> int:
        if i not in parent:
            parent[i] = i
            annotators[i] = bit[spans[i].annotator]
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for _, first, second in sorted(links, key=lambda link: (-link[0], link[1], link[2])):
        x, y = root(first), root(second)
        if x == y or annotators[x] & annotators[y]:
            continue
        parent[y] = x
        annotators[x] |= annotators[y]

    clusters: dict[int, list[int]] = defaultdict(list)
    for i in parent:
        clusters[root(i)].append(i)
    cells: dict[tuple[int, int], float] = defaultdict(float)
    matched = units = 0
    for cluster in clusters.values():
        if len(cluster) < 2:
            continue
        matched += len(cluster)
        statuses: Counter[int] = Counter()
        for i in cluster:
            status = spans[i].status
            if status is not None:
                statuses[status] += 1
        m_u = sum(statuses.values())
        if m_u < 2:
            continue
        units += 1
        for s, n_s in statuses.items():
            for t, n_t in statuses.items():
                pairs = n_s * (n_t - 1) if s == t else n_s * n_t
                if pairs:
                    cells[(s, t)] += pairs / (m_u - 1)
    ordered = tuple((s, t, w) for (s, t), w in sorted(cells.items()))
    return StatusSums(ordered, len(spans), matched, units)
