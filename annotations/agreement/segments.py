"""Character-level values of one document, computed per segment instead of per character.

The unit of the character-level coefficients is one character (code point) of a document. An
annotator's value at a character is the set of labels of their spans that cover it; the empty set
means "no label", and a set of two labels is a category of its own. A category is written as its
canonical key, the sorted tuple of label ids (``()`` for the empty set).

Every span boundary of every annotator cuts the document into *segments*; inside a segment every
annotator's value is constant. So instead of looping over characters, this module computes each
annotator's value once per segment and weights it by the segment's length. The result for a
document is one contingency table per pair of annotators ``a < b``:
``table[c, k] = number of characters where a's value is c and b's value is k``.

Everything character-level follows from these tables:

* the document's coincidence matrix is ``sum over pairs (T + T^T) / (m - 1)`` with ``m`` the
  number of submitting annotators (every annotator codes every character, so ``m_u = m``);
* without annotator ``x`` it is the same sum over the pairs not involving ``x``, divided by
  ``m - 2`` (and empty when fewer than two annotators remain): that is leave-one-out;
* Cohen's kappa of a pair is computed from its table directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import numpy.typing as npt

from annotations.agreement.records import DocumentAnnotations

Category = tuple[int, ...]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

_BITS_PER_WORD = 62  # label bits packed per int64 word when coding label sets


@dataclass(frozen=True, slots=True)
class SegmentValues:
    """Each annotator's category per segment of one document."""

    annotators: tuple[int, ...]  # sorted ids; row order of ``codes``
    boundaries: IntArray  # segment s is [boundaries[s], boundaries[s + 1])
    categories: tuple[Category, ...]  # sorted canonical keys; column values of ``codes``
    codes: IntArray  # (annotators, segments): index into ``categories``

    @property
    def lengths(self) -> IntArray:
        return np.diff(self.boundaries)


def segment_values(doc: DocumentAnnotations) -> SegmentValues:
    """Cut ``doc`` at every span boundary and code each annotator's label set per segment."""
    annotators = tuple(sorted(doc.annotators))
    m = len(annotators)
    spans = doc.spans
    starts = np.fromiter((s.start for s in spans), dtype=np.int64, count=len(spans))
    ends = np.fromiter((s.end for s in spans), dtype=np.int64, count=len(spans))
    boundaries = np.unique(np.concatenate(([0, doc.length], starts, ends)).astype(np.int64))
    if doc.length == 0:
        boundaries = np.zeros(1, dtype=np.int64)
    n_segments = len(boundaries) - 1
    if n_segments == 0 or not spans:
        codes = np.zeros((m, max(n_segments, 0)), dtype=np.int64)
        return SegmentValues(annotators, boundaries, ((),), codes)

    labels = sorted({s.label for s in spans})
    label_index = {label: i for i, label in enumerate(labels)}
    annotator_index = {a: i for i, a in enumerate(annotators)}
    span_annotator = np.fromiter(
        (annotator_index[s.annotator] for s in spans), dtype=np.int64, count=len(spans)
    )
    span_label = np.fromiter(
        (label_index[s.label] for s in spans), dtype=np.int64, count=len(spans)
    )
    first = np.searchsorted(boundaries, starts)
    last = np.searchsorted(boundaries, ends)

    # Coverage counts per (annotator, label, segment) by a difference array and a running sum.
    n_labels, width = len(labels), n_segments + 1
    row = (span_annotator * n_labels + span_label) * width
    coverage = np.bincount(
        np.concatenate((row + first, row + last)),
        weights=np.concatenate((np.ones(len(spans)), -np.ones(len(spans)))),
        minlength=m * n_labels * width,
    ).reshape(m, n_labels, width)
    present = np.cumsum(coverage, axis=2)[:, :, :n_segments] > 0.5

    # Pack each label set into int64 words (62 labels per word) and number the distinct sets.
    n_words = -(-n_labels // _BITS_PER_WORD)
    bit_values = np.left_shift(1, np.arange(n_labels, dtype=np.int64) % _BITS_PER_WORD)
    words = np.zeros((m * n_segments, n_words), dtype=np.int64)
    flat_present = present.transpose(0, 2, 1).reshape(m * n_segments, n_labels)
    for word in range(n_words):
        part = slice(word * _BITS_PER_WORD, (word + 1) * _BITS_PER_WORD)
        words[:, word] = flat_present[:, part] @ bit_values[part]
    if n_words == 1:
        unique_first, inverse = np.unique(words[:, 0], return_inverse=True)
        unique_words = unique_first[:, None]
    else:
        unique_words, inverse = np.unique(words, axis=0, return_inverse=True)
    keys = [_label_set(row, labels) for row in unique_words]
    # np.unique orders by bit pattern; re-number so categories are sorted by canonical key.
    order = sorted(range(len(keys)), key=lambda i: keys[i])
    renumber = np.empty(len(keys), dtype=np.int64)
    renumber[order] = np.arange(len(keys), dtype=np.int64)
    codes = renumber[inverse.reshape(-1)].reshape(m, n_segments)
    return SegmentValues(annotators, boundaries, tuple(keys[i] for i in order), codes)


def _label_set(words: npt.NDArray[np.int64], labels: list[int]) -> Category:
    members: list[int] = []
    for bit, label in enumerate(labels):
        word, offset = divmod(bit, _BITS_PER_WORD)
        if (int(words[word]) >> offset) & 1:
            members.append(label)
    return tuple(members)


@dataclass(frozen=True, slots=True)
class PairTable:
    """Characters of one document by (value of annotator_a, value of annotator_b)."""

    annotator_a: int  # annotator_a < annotator_b
    annotator_b: int
    cells: tuple[tuple[int, int, int], ...]  # (category index of a, of b, characters), nonzero


@dataclass(frozen=True, slots=True)
class CharacterTables:
    """The character-level intermediate of one document (see module docstring)."""

    annotators: tuple[int, ...]  # sorted
    categories: tuple[Category, ...]  # local category index -> canonical key
    pairs: tuple[PairTable, ...]  # every pair a < b of ``annotators``

    def tables(self) -> FloatArray:
        """Dense tables, shape (pairs, categories, categories), in the order of ``pairs``."""
        k = len(self.categories)
        dense = np.zeros((len(self.pairs), k, k), dtype=np.float64)
        for p, pair in enumerate(self.pairs):
            if pair.cells:
                cells = np.array(pair.cells, dtype=np.int64)
                dense[p, cells[:, 0], cells[:, 1]] = cells[:, 2]  # cells are distinct
        return dense

    def coincidence(self, *, without: int | None = None) -> FloatArray:
        """Local coincidence matrix, optionally with annotator ``without`` left out."""
        k = len(self.categories)
        m = len(self.annotators) - (1 if without in self.annotators else 0)
        if m < 2:
            return np.zeros((k, k), dtype=np.float64)
        keep = [without not in (p.annotator_a, p.annotator_b) for p in self.pairs]
        summed = self.tables()[keep].sum(axis=0)
        return (summed + summed.T) / (m - 1)

    def to_json(self) -> dict[str, Any]:
        return {
            "categories": [list(c) for c in self.categories],
            "pairs": [
                [p.annotator_a, p.annotator_b, [list(cell) for cell in p.cells]] for p in self.pairs
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], annotators: tuple[int, ...]) -> CharacterTables:
        return cls(
            annotators=tuple(sorted(annotators)),
            categories=tuple(tuple(int(x) for x in c) for c in data["categories"]),
            pairs=tuple(
                PairTable(int(a), int(b), tuple((int(c), int(d), int(n)) for c, d, n in cells))
                for a, b, cells in data["pairs"]
            ),
        )


def character_tables(doc: DocumentAnnotations) -> CharacterTables:
    """Pairwise character contingency tables of ``doc`` (segment-weighted, never per character)."""
    values = segment_values(doc)
    k = len(values.categories)
    lengths = values.lengths.astype(np.float64)
    pairs: list[PairTable] = []
    for i, j in combinations(range(len(values.annotators)), 2):
        flat = np.bincount(values.codes[i] * k + values.codes[j], weights=lengths, minlength=k * k)
        nonzero = np.flatnonzero(flat)
        counts = np.rint(flat[nonzero]).astype(np.int64)
        cells = tuple(
            zip((nonzero // k).tolist(), (nonzero % k).tolist(), counts.tolist(), strict=True)
        )
        pairs.append(PairTable(values.annotators[i], values.annotators[j], cells))
    return CharacterTables(values.annotators, values.categories, tuple(pairs))
