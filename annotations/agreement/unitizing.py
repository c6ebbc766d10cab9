"""Krippendorff's unitizing alpha (u-alpha), per label and over all labels.

Definition (Krippendorff 2004, "Measuring the reliability of qualitative text analysis data",
Quality & Quantity 38: 787-800), in the form implemented by DKPro Agreement's
``KrippendorffAlphaUnitizingAgreement``. For one document (a continuum of length L, m annotators)
and one label c:

* Each annotator's *units* of c are their spans of label c. Spans of one annotator and one label
  that overlap are first merged into their union (the definition assumes one coder's units of a
  category never overlap); touching spans stay separate units. The *gaps* of an annotator are the
  maximal stretches of ``[0, L)`` that none of their c-units cover.
* Distance between a section ``g`` of annotator i and a section ``h`` of annotator j:
  both c-units that overlap: ``(b_g - b_h)**2 + (e_g - e_h)**2`` (b = begin, e = end);
  a c-unit inside a gap of the other annotator: ``length(unit)**2``; anything else: 0.
* Observed disagreement ``D_o = O / (m (m - 1) L**2)`` where O sums the distances over all
  ordered pairs of distinct annotators and all their section pairs.
* Expected disagreement ``D_e = (2 / L) * A / (m L (m L - 1) - S)`` where, over all c-units
  (every annotator's) with lengths l and all gaps (every annotator's) with lengths g,
  ``A = sum_units [ (N_c - 1) * l (l - 1) (2 l - 1) / 3 + l**2 * sum_gaps max(0, g - l + 1) ]``,
  ``N_c`` is the number of c-units and ``S = sum_units l (l - 1)``.
* ``u-alpha_c = 1 - D_o / D_e``; over all labels ``u-alpha = 1 - sum_c D_o,c / sum_c D_e,c``
  (DKPro averages D_o and D_e over the categories, which gives the same ratio).

Pooling over documents: each document contributes the additive sums ``O_c``,
``m (m - 1) L**2``, ``2 A_c / L`` and ``m L (m L - 1) - S_c``. The project's ``D_o,c`` is
``sum O_c / sum m (m - 1) L**2`` and its ``D_e,c`` is ``sum (2 A_c / L) / sum (m L (m L - 1) - S_c)``
(ratios of sums over the documents with at least two annotators, never an average of
per-document alphas). For a single document this is exactly Krippendorff's value; chance
placements are only considered inside a unit's own document.

Undefined: no document with two annotators and text, or no unit of the label anywhere
(``D_e = 0``). Unlike DKPro, which returns 0.0 when ``D_o == D_e`` (including 0/0), 0/0 is
reported as undefined here.

A document's own u-alpha (``document_alpha``, the per-document rows of the project report) is the
same ratio over that one document's sums: ``1 - sum_c D_o,c / sum_c D_e,c`` over its labels, so
for a project of one document it equals the project value. It is undefined, with the reason in
plain words, when fewer than two annotators submitted, the text is empty, nobody marked a span,
or ``D_e = 0`` for another reason (every annotator marked every character alike).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np
import numpy.typing as npt

from annotations.agreement.records import DocumentAnnotations
from annotations.agreement.statistic import FEWER_THAN_TWO_CODERS, Statistic

IntArray = npt.NDArray[np.int64]

NO_TEXT = "no document with at least two annotators and non-empty text"
NO_UNITS = "no annotator marked a span with this label, so expected disagreement is 0"
NO_UNITS_ANY = "no annotator marked any span, so expected disagreement is 0"
NO_ROOM = (
    "expected disagreement is 0: the units of this label leave no other way to place them "
    "(e.g. every annotator marked whole documents)"
)
# A document's own u-alpha, when undefined (``document_alpha``; FEWER_THAN_TWO_CODERS as well).
DOCUMENT_EMPTY = "the document has no text"
DOCUMENT_UNMARKED = "nobody marked a span in this document, so there is nothing to compare"
DOCUMENT_NO_ROOM = (
    "every annotator marked every character alike, so agreement cannot be told apart from chance"
)


@dataclass(frozen=True, slots=True)
class UnitizingLabelSums:
    label: int
    observed: int  # O: distances summed over ordered annotator pairs
    expected: int  # A (see module docstring)
    squared_lengths: int  # S: sum of l (l - 1) over the label's units


@dataclass(frozen=True, slots=True)
class UnitizingSums:
    """One document's unitizing intermediate."""

    annotators: int  # m
    length: int  # L
    labels: tuple[UnitizingLabelSums, ...]

    def to_json(self) -> list[list[int]]:
        return [[s.label, s.observed, s.expected, s.squared_lengths] for s in self.labels]

    @classmethod
    def from_json(
        cls, data: Iterable[Iterable[int]], annotators: int, length: int
    ) -> UnitizingSums:
        return cls(
            annotators,
            length,
            tuple(UnitizingLabelSums(*(int(x) for x in row)) for row in data),
        )


@dataclass(slots=True)
class UnitizingTotals:
    """Additive project sums; ``add``/``subtract``/``merge`` keep it a sum over documents."""

    observed_denominator: int = 0  # sum m (m - 1) L**2
    position_pairs: int = 0  # sum m L (m L - 1)
    observed: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    expected_numerator: dict[int, float] = field(default_factory=lambda: defaultdict(float))
    squared_lengths: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    documents: dict[int, int] = field(default_factory=lambda: defaultdict(int))  # with the label

    def add(self, sums: UnitizingSums, sign: int = 1) -> None:
        """Add one document's sums (``sign=-1`` subtracts a document added before)."""
        m, length = sums.annotators, sums.length
        if m < 2 or length == 0:
            return
        self.observed_denominator += sign * m * (m - 1) * length * length
        self.position_pairs += sign * m * length * (m * length - 1)
        for s in sums.labels:
            self.observed[s.label] += sign * s.observed
            self.expected_numerator[s.label] += sign * 2.0 * s.expected / length
            self.squared_lengths[s.label] += sign * s.squared_lengths
            self.documents[s.label] += sign
            if self.documents[s.label] == 0:  # drop float residue of a removed label
                for sums_of in (self.observed, self.expected_numerator, self.squared_lengths):
                    del sums_of[s.label]
                del self.documents[s.label]

    def merge(self, other: UnitizingTotals) -> None:
        self.observed_denominator += other.observed_denominator
        self.position_pairs += other.position_pairs
        for label, value in other.observed.items():
            self.observed[label] += value
        for label, weight in other.expected_numerator.items():
            self.expected_numerator[label] += weight
        for label, value in other.squared_lengths.items():
            self.squared_lengths[label] += value
        for label, value in other.documents.items():
            self.documents[label] += value

    def labels(self) -> list[int]:
        return sorted(set(self.observed) | set(self.expected_numerator))

    def disagreements(self, label: int) -> tuple[float, float]:
        """``(D_o, D_e)`` of ``label``; call only when ``observed_denominator > 0``."""
        observed = self.observed.get(label, 0) / self.observed_denominator
        denominator = self.position_pairs - self.squared_lengths.get(label, 0)
        expected = self.expected_numerator.get(label, 0.0) / denominator
        return observed, expected

    def alpha(self, label: int) -> Statistic:
        if self.observed_denominator <= 0:
            return Statistic.undefined(NO_TEXT)
        if label not in self.expected_numerator:
            return Statistic.undefined(NO_UNITS)
        observed, expected = self.disagreements(label)
        if expected <= 0.0:
            return Statistic.undefined(NO_ROOM)
        return Statistic.defined(1.0 - observed / expected)

    def overall(self) -> Statistic:
        if self.observed_denominator <= 0:
            return Statistic.undefined(NO_TEXT)
        pairs = [self.disagreements(label) for label in self.labels()]
        expected = sum(e for _, e in pairs)
        if expected <= 0.0:
            return Statistic.undefined(NO_UNITS_ANY if not pairs else NO_ROOM)
        return Statistic.defined(1.0 - sum(o for o, _ in pairs) / expected)

    def to_json(self) -> dict[str, Any]:
        return {
            "observed_denominator": self.observed_denominator,
            "position_pairs": self.position_pairs,
            "labels": [
                [
                    label,
                    self.observed.get(label, 0),
                    self.expected_numerator.get(label, 0.0),
                    self.squared_lengths.get(label, 0),
                    self.documents.get(label, 0),
                ]
                for label in self.labels()
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> UnitizingTotals:
        totals = cls(int(data["observed_denominator"]), int(data["position_pairs"]))
        for label, observed, expected, squared, documents in data["labels"]:
            totals.observed[int(label)] = int(observed)
            totals.expected_numerator[int(label)] = float(expected)
            totals.squared_lengths[int(label)] = int(squared)
            totals.documents[int(label)] = int(documents)
        return totals


def _merged_units(doc: DocumentAnnotations) -> dict[int, tuple[IntArray, IntArray, IntArray]]:
    """Per annotator: (label, begin, end) of their units, overlapping same-label spans merged."""
    by_annotator: dict[int, list[tuple[int, int, int]]] = {a: [] for a in doc.annotators}
    for span in sorted(doc.spans, key=lambda s: (s.annotator, s.label, s.start, s.end)):
        units = by_annotator[span.annotator]
        if units and units[-1][0] == span.label and span.start < units[-1][2]:
            label, begin, end = units[-1]
            units[-1] = (label, begin, max(end, span.end))
        else:
            units.append((span.label, span.start, span.end))
    result = {}
    for annotator, units in by_annotator.items():
        array = np.array(units, dtype=np.int64).reshape(-1, 3)
        result[annotator] = (array[:, 0], array[:, 1], array[:, 2])
    return result


def _pair_observed(
    first: tuple[IntArray, IntArray, IntArray],
    second: tuple[IntArray, IntArray, IntArray],
    observed: dict[int, int],
) -> None:
    """Add the distances between two annotators' sections, per label, to ``observed``."""
    li, bi, ei = first
    lj, bj, ej = second
    overlap = (
        (li[:, None] == lj[None, :]) & (bi[:, None] < ej[None, :]) & (bj[None, :] < ei[:, None])
    )
    rows, cols = np.nonzero(overlap)
    distance = (bi[rows] - bj[cols]) ** 2 + (ei[rows] - ej[cols]) ** 2
    lonely_i = ~overlap.any(axis=1)
    lonely_j = ~overlap.any(axis=0)
    labels = np.concatenate((li[rows], li[lonely_i], lj[lonely_j]))
    amounts = np.concatenate((distance, (ei - bi)[lonely_i] ** 2, (ej - bj)[lonely_j] ** 2))
    for label, amount in zip(labels.tolist(), amounts.tolist(), strict=True):
        observed[label] += amount


def _units_and_gaps(
    units: dict[int, tuple[IntArray, IntArray, IntArray]], labels: list[int], length: int
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """(label, length) of every unit and of every gap, over all annotators and labels."""
    unit_labels, unit_lengths, gap_labels, gap_lengths = [], [], [], []
    for label_of, begin, end in units.values():
        unit_labels.append(label_of)
        unit_lengths.append(end - begin)
        if len(label_of):
            # Units are sorted by (label, begin): a gap precedes each unit (from the previous
            # unit of its label, or from 0) and one follows the last unit of each label.
            first = np.concatenate(([True], label_of[1:] != label_of[:-1]))
            last = np.concatenate((label_of[1:] != label_of[:-1], [True]))
            previous_end = np.where(first, 0, np.concatenate(([0], end[:-1])))
            gap_labels += [label_of, label_of[last]]
            gap_lengths += [begin - previous_end, length - end[last]]
        marked = set(label_of.tolist())
        unmarked = np.array([label for label in labels if label not in marked], dtype=np.int64)
        gap_labels.append(unmarked)
        gap_lengths.append(np.full(len(unmarked), length, dtype=np.int64))
    gap_label_array = np.concatenate(gap_labels)
    gap_length_array = np.concatenate(gap_lengths)
    keep = gap_length_array > 0
    return (
        np.concatenate(unit_labels),
        np.concatenate(unit_lengths),
        gap_label_array[keep],
        gap_length_array[keep],
    )


def unitizing_sums(doc: DocumentAnnotations) -> UnitizingSums:
    """The per-label sums O, A and S of one document (see module docstring)."""
    m, length = len(doc.annotators), doc.length
    if m < 2 or length == 0:
        return UnitizingSums(m, length, ())
    units = _merged_units(doc)
    observed: dict[int, int] = defaultdict(int)
    for i, j in combinations(sorted(doc.annotators), 2):
        _pair_observed(units[i], units[j], observed)
    labels = sorted({s.label for s in doc.spans})
    unit_labels, unit_lengths, gap_labels, gap_lengths = _units_and_gaps(units, labels, length)
    # room[u] = sum over gaps g of the same label of max(0, g - l_u + 1)
    room = np.where(
        unit_labels[:, None] == gap_labels[None, :],
        np.maximum(gap_lengths[None, :] - unit_lengths[:, None] + 1, 0),
        0,
    ).sum(axis=1)
    per_label = np.searchsorted(labels, unit_labels)
    n_units = np.bincount(per_label, minlength=len(labels))[per_label]
    if len(unit_lengths) * (m + 1) * length**3 < 2**62:  # int64 is exact here
        cubic = (n_units - 1) * unit_lengths * (unit_lengths - 1) * (2 * unit_lengths - 1) // 3
        per_unit = (cubic + unit_lengths * unit_lengths * room).tolist()
    else:  # very long documents: exact Python integers
        per_unit = [
            (n - 1) * u * (u - 1) * (2 * u - 1) // 3 + u * u * r
            for n, u, r in zip(n_units.tolist(), unit_lengths.tolist(), room.tolist(), strict=True)
        ]
    expected: dict[int, int] = defaultdict(int)
    squared: dict[int, int] = defaultdict(int)
    for label, unit, amount in zip(
        unit_labels.tolist(), unit_lengths.tolist(), per_unit, strict=True
    ):
        expected[label] += amount
        squared[label] += unit * (unit - 1)
    # Observed distances are symmetric, so the ordered-pair sum is twice the a < b sum.
    result = [
        UnitizingLabelSums(label, 2 * observed.get(label, 0), expected[label], squared[label])
        for label in labels
    ]
    return UnitizingSums(m, length, tuple(result))


def document_alpha(sums: UnitizingSums) -> Statistic:
    """A document's own u-alpha over all its labels, from its sums (see module docstring)."""
    if sums.annotators < 2:
        return Statistic.undefined(FEWER_THAN_TWO_CODERS)
    if sums.length == 0:
        return Statistic.undefined(DOCUMENT_EMPTY)
    if not sums.labels:
        return Statistic.undefined(DOCUMENT_UNMARKED)
    totals = UnitizingTotals()
    totals.add(sums)
    overall = totals.overall()
    return overall if overall.is_defined else Statistic.undefined(DOCUMENT_NO_ROOM)


def document_unitizing_alpha(doc: DocumentAnnotations) -> tuple[Statistic, dict[int, Statistic]]:
    """u-alpha of one document: (over all labels, per label)."""
    if len(doc.annotators) < 2:
        return Statistic.undefined(FEWER_THAN_TWO_CODERS), {}
    sums = unitizing_sums(doc)
    totals = UnitizingTotals()
    totals.add(sums)
    return document_alpha(sums), {label: totals.alpha(label) for label in totals.labels()}
