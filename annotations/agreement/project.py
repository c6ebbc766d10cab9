"""Project roll-up: a running sum of document intermediates, and the project report.

``ProjectAccumulator`` keeps only additive sums (coincidence and contingency matrices over a
growing list of label-set categories, unitizing sums, span-match counts, status coincidences) plus
a few numbers per document for the bootstrap and the ranking. So:

* the project report is a function of sums: pooled, never an average of per-document values;
* ``add`` / ``remove`` / ``replace`` update it when one document changes (subtract old, add new);
* ``merge`` adds a roll-up computed elsewhere (chunks in parallel workers give the same result
  as one pass, up to float rounding);
* ``to_json`` / ``from_json`` store it between requests or tasks. ``from_json`` refuses a roll-up
  stored in another layout (``OutdatedLayout``): rebuild it by adding the stored document
  intermediates again, which is what it summed (layout 1 lacked the per-document unitizing alpha).

Leave-one-annotator-out: dropping annotator x from a document with m annotators changes its
coincidence matrix from ``sum_pairs (T + T^T) / (m - 1)`` to the sum over the pairs without x
divided by ``m - 2`` (nothing when ``m == 2``). The accumulator keeps, per annotator, the sum of
these changes over their documents, so "alpha without x" is alpha of (pooled matrix + change).

``project_report(intermediates)`` streams an iterable through one accumulator and reports.

Report layout (JSON-serialisable; every statistic is ``{"value": float | null, "reason": str |
null}``, merged into its object, and ``value`` is null exactly when ``reason`` says why)::

    {"schema": 2,
     "documents": {"counted": 980, "skipped": 20, "skipped_reason": "fewer than two ..."},
     "annotators": [3, 5, 9],
     "character_alpha": {"value": 0.71, "reason": null, "pairable_values": 7350000.0,
         "per_label": [{"label": 10, "value": 0.66, "reason": null}, ...],
         "bootstrap": {"low": 0.70, "high": 0.72, "level": 0.95, "resamples": 1000,
                       "undefined_resamples": 0, "seed": 0, "reason": null, "method": ...},
         "leave_one_annotator_out": [{"annotator": 3, "documents": 700, "value": 0.69,
                                      "reason": null, "change": -0.02}, ...]},
     "unitizing_alpha": {"value": 0.64, "reason": null, "per_label": [{"label": 10,
         "value": 0.61, "reason": null, "observed_disagreement": 0.0021,
         "expected_disagreement": 0.0054}, ...]},
     "span_f1": [{"annotators": [3, 5] | null, "label": 10 | null, "spans_a": 40, "spans_b": 38,
                  "exact": {"tp": 20, "fp": 18, "fn": 20, "precision": {...}, "recall": {...},
                            "f1": {...}},
                  "overlap": {...}}, ...],   # null = pooled over all pairs / all labels
     "cohen_kappa": [{"annotators": [3, 5], "documents": 650, "characters": 1620000.0,
                      "value": 0.70, "reason": null}, ...],
     "fleiss_kappa": {"value": 0.69, "reason": null, "raters_per_character": 3,
                      "documents": 600, "characters": 1500000.0},
     "status_alpha": {"value": 0.55, "reason": null, "units": 9000,
                      "coverage": {"spans": 60000, "matched_spans": 42000, "value": 0.7,
                                   "reason": null}},
     "documents_ranked": [{"document_id": 17, "alpha": 0.12, "reason": null,
                           "unitizing_alpha": 0.3, "unitizing_reason": null}, ...],
     "documents_undefined": [{"document_id": 4, "alpha": null, "reason": "...",
                              "unitizing_alpha": null, "unitizing_reason": "..."}, ...]}

``documents_ranked`` runs from the lowest per-document alpha up (at most
``ranked_documents_limit`` rows, ``None`` for all); documents whose own alpha is undefined are
listed apart, with the reason, in ``documents_undefined`` (same limit). Each row also carries the
document's own unitizing alpha (``unitizing.document_alpha``) or the reason it has none; schema 1
reports had no such keys.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from annotations.agreement.alpha import alpha_from_coincidence, nominal_alpha_from_summary
from annotations.agreement.bootstrap import BootstrapInterval, bootstrap_alpha
from annotations.agreement.document_rows import (
    FEWER_CODE,
    REASONS,
    UNITIZING_REASONS,
    DocumentRows,
    from_code,
)
from annotations.agreement.intermediate import DocumentIntermediate
from annotations.agreement.kappa import cohen_kappa
from annotations.agreement.matrices import fit, from_cells, to_cells
from annotations.agreement.report import (
    f1_rows,
    fleiss_section,
    label_alphas,
    ranking,
    ratio,
    sparse_alpha,
    unitizing_section,
)
from annotations.agreement.segments import Category
from annotations.agreement.statistic import (
    FEWER_THAN_TWO_CODERS,
    Statistic,
)
from annotations.agreement.unitizing import UnitizingTotals

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

SCHEMA_VERSION = 2


class OutdatedLayout(ValueError):
    """A roll-up stored in another layout: rebuild it from the document intermediates."""


@dataclass(frozen=True, slots=True)
class _Local:
    index: IntArray  # local category -> accumulator category
    dense: FloatArray  # (pairs, k, k) contingency tables
    symmetric: FloatArray  # T + T^T per pair
    pooled: FloatArray  # sum of ``symmetric`` over pairs
    coincidence: FloatArray  # pooled / (m - 1)


def _document_numbers(
    local: _Local | None,
) -> tuple[float, float, Statistic, dict[int, float]]:
    """``(n_d, n_d - trace(o_d), alpha_d, marginals)`` of one document for bootstrap/ranking."""
    if local is None:
        return 0.0, 0.0, Statistic.undefined(FEWER_THAN_TWO_CODERS), {}
    o = local.coincidence
    marginals = o.sum(axis=1)
    total = float(marginals.sum())
    disagreement = total - float(np.trace(o))
    alpha = nominal_alpha_from_summary(total, disagreement, float(marginals @ marginals))
    nonzero = np.flatnonzero(marginals)
    return (
        total,
        disagreement,
        alpha,
        {int(local.index[c]): float(marginals[c]) for c in nonzero.tolist()},
    )


class ProjectAccumulator:
    """Running, mergeable, serialisable sum of document intermediates (see module docstring)."""

    def __init__(self) -> None:
        self._categories: list[Category] = []
        self._category_index: dict[Category, int] = {}
        self._coincidence = np.zeros((0, 0), dtype=np.float64)
        self._leave_out: dict[int, FloatArray] = {}  # annotator -> change of the matrix
        self._annotator_documents: Counter[int] = Counter()
        self._by_rater_count: dict[int, FloatArray] = {}  # m -> coincidence (for Fleiss)
        self._rater_count_documents: Counter[int] = Counter()
        self._pair_tables: dict[tuple[int, int], FloatArray] = {}  # (a, b) -> contingency
        self._pair_documents: Counter[tuple[int, int]] = Counter()
        self._unitizing = UnitizingTotals()
        self._span_counts: dict[tuple[int, int, int], list[int]] = {}
        self._status_cells: dict[tuple[int, int], float] = defaultdict(float)
        self._status_counts = [0, 0, 0]  # spans, matched spans, units
        self._rows = DocumentRows()

    # -- updating ------------------------------------------------------------------------------

    def add(self, item: DocumentIntermediate) -> None:
        """Add one document (``ValueError`` if its id is already in the roll-up)."""
        if item.document_id in self._rows.row_of:
            raise ValueError(
                f"document {item.document_id} is already in this roll-up; use replace() to "
                "update it."
            )
        local = self._local(item)
        self._rows.append(
            item.document_id, *_document_numbers(local), unitizing_alpha=item.unitizing_alpha()
        )
        if local is not None:
            self._apply(item, local, 1)

    def remove(self, item: DocumentIntermediate) -> None:
        """Subtract a document previously added with exactly this intermediate."""
        local = self._local(item)
        self._rows.kill(item.document_id, _document_numbers(local)[0])
        if local is not None:
            self._apply(item, local, -1)

    def replace(self, old: DocumentIntermediate, new: DocumentIntermediate) -> None:
        self.remove(old)
        self.add(new)

    def _indices(self, categories: Iterable[Category]) -> IntArray:
        indices = []
        for category in categories:
            index = self._category_index.get(category)
            if index is None:
                index = len(self._categories)
                self._categories.append(category)
                self._category_index[category] = index
            indices.append(index)
        return np.array(indices, dtype=np.int64)

    def _local(self, item: DocumentIntermediate) -> _Local | None:
        """The document's character-level matrices in its own category order."""
        if not item.counted:
            return None
        dense = item.characters.tables()
        symmetric = dense + dense.transpose(0, 2, 1)
        pooled = symmetric.sum(axis=0)
        return _Local(
            self._indices(item.characters.categories),
            dense,
            symmetric,
            pooled,
            pooled / (len(item.annotators) - 1),
        )

    def _apply(self, item: DocumentIntermediate, local: _Local, sign: int) -> None:
        tables = item.characters
        size = len(self._categories)
        block = np.ix_(local.index, local.index)
        m = len(item.annotators)
        coincidence = local.coincidence

        self._coincidence = fit(self._coincidence, size)
        self._coincidence[block] += sign * coincidence
        for annotator in item.annotators:
            involved = [
                p
                for p, pair in enumerate(tables.pairs)
                if annotator in (pair.annotator_a, pair.annotator_b)
            ]
            without = (
                (local.pooled - local.symmetric[involved].sum(axis=0)) / (m - 2)
                if m > 2
                else np.zeros_like(local.pooled)
            )
            change = fit(self._leave_out.get(annotator), size)
            change[block] += sign * (without - coincidence)
            self._leave_out[annotator] = change
            self._annotator_documents[annotator] += sign
            if self._annotator_documents[annotator] == 0:
                del self._annotator_documents[annotator], self._leave_out[annotator]
        for p, pair in enumerate(tables.pairs):
            key = (pair.annotator_a, pair.annotator_b)
            table = fit(self._pair_tables.get(key), size)
            table[block] += sign * local.dense[p]
            self._pair_tables[key] = table
            self._pair_documents[key] += sign
            if self._pair_documents[key] == 0:
                del self._pair_documents[key], self._pair_tables[key]
        group = fit(self._by_rater_count.get(m), size)
        group[block] += sign * coincidence
        self._by_rater_count[m] = group
        self._rater_count_documents[m] += sign
        if self._rater_count_documents[m] == 0:
            del self._rater_count_documents[m], self._by_rater_count[m]

        self._unitizing.add(item.unitizing, sign)
        for c in item.span_counts:
            row = self._span_counts.setdefault((c.annotator_a, c.annotator_b, c.label), [0] * 4)
            for i, value in enumerate((c.spans_a, c.spans_b, c.exact, c.overlap)):
                row[i] += sign * value
            if not any(row):
                del self._span_counts[(c.annotator_a, c.annotator_b, c.label)]
        for s, t, weight in item.status.cells:
            self._status_cells[(s, t)] += sign * weight
        status = item.status
        for i, value in enumerate((status.spans, status.matched_spans, status.units)):
            self._status_counts[i] += sign * value

    def merge(self, other: ProjectAccumulator) -> None:
        """Add another roll-up (e.g. a chunk computed by another worker) into this one."""
        clash = set(self._rows.row_of) & set(other._rows.row_of)
        if clash:
            raise ValueError(
                f"documents {sorted(clash)[:5]} are in both roll-ups; each document must be "
                "added to exactly one chunk."
            )
        mapping = self._indices(other._categories)
        size = len(self._categories)
        block = np.ix_(mapping, mapping)
        theirs = len(mapping)

        def scatter(mine: FloatArray | None, matrix: FloatArray) -> FloatArray:
            target = fit(mine, size)
            target[block] += fit(matrix, theirs)
            return target

        self._coincidence = scatter(self._coincidence, other._coincidence)
        for annotator, change in other._leave_out.items():
            self._leave_out[annotator] = scatter(self._leave_out.get(annotator), change)
        self._annotator_documents.update(other._annotator_documents)
        for m, group in other._by_rater_count.items():
            self._by_rater_count[m] = scatter(self._by_rater_count.get(m), group)
        self._rater_count_documents.update(other._rater_count_documents)
        for key, table in other._pair_tables.items():
            self._pair_tables[key] = scatter(self._pair_tables.get(key), table)
        self._pair_documents.update(other._pair_documents)
        self._unitizing.merge(other._unitizing)
        for span_key, counts in other._span_counts.items():
            mine = self._span_counts.setdefault(span_key, [0] * 4)
            for i in range(4):
                mine[i] += counts[i]
        for cell, weight in other._status_cells.items():
            self._status_cells[cell] += weight
        for i in range(3):
            self._status_counts[i] += other._status_counts[i]
        rows = other._rows
        by_row: dict[int, dict[int, float]] = defaultdict(dict)
        for r, c, v in zip(
            rows.marginal_rows, rows.marginal_categories, rows.marginal_values, strict=True
        ):
            by_row[r][int(mapping[c])] = v
        for index in range(len(rows.ids)):
            if rows.alive[index]:
                self._rows.append(
                    rows.ids[index],
                    rows.totals[index],
                    rows.disagreements[index],
                    from_code(rows.alphas[index], rows.reasons[index], REASONS),
                    by_row[index],
                    unitizing_alpha=from_code(
                        rows.unitizing_alphas[index],
                        rows.unitizing_reasons[index],
                        UNITIZING_REASONS,
                    ),
                )

    # -- serialisation -------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        size = len(self._categories)
        rows = self._rows.arrays()
        marginals = rows["marginals"].tocoo()
        return {
            "schema": SCHEMA_VERSION,
            "categories": [list(c) for c in self._categories],
            "coincidence": to_cells(fit(self._coincidence, size)),
            "leave_out": [
                [a, self._annotator_documents[a], to_cells(m)] for a, m in self._leave_out.items()
            ],
            "rater_counts": [
                [m, self._rater_count_documents[m], to_cells(g)]
                for m, g in self._by_rater_count.items()
            ],
            "pairs": [
                [a, b, self._pair_documents[(a, b)], to_cells(t)]
                for (a, b), t in self._pair_tables.items()
            ],
            "unitizing": self._unitizing.to_json(),
            "spans": [[*key, *row] for key, row in self._span_counts.items()],
            "status": {
                "cells": [[s, t, w] for (s, t), w in self._status_cells.items()],
                "counts": list(self._status_counts),
            },
            "documents": {
                "ids": rows["ids"].tolist(),
                "totals": rows["totals"].tolist(),
                "disagreements": rows["disagreements"].tolist(),
                "alphas": rows["alphas"].tolist(),
                "reasons": rows["reasons"].tolist(),
                "unitizing_alphas": rows["unitizing_alphas"].tolist(),
                "unitizing_reasons": rows["unitizing_reasons"].tolist(),
                "marginals": [
                    [int(r), int(c), float(v)]
                    for r, c, v in zip(marginals.row, marginals.col, marginals.data, strict=True)
                ],
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ProjectAccumulator:
        if data.get("schema") != SCHEMA_VERSION:
            raise OutdatedLayout(
                f"roll-up has schema {data.get('schema')!r}, expected {SCHEMA_VERSION}; rebuild "
                "it from the document intermediates."
            )
        acc = cls()
        acc._indices(tuple(int(x) for x in c) for c in data["categories"])
        size = len(acc._categories)
        acc._coincidence = from_cells(data["coincidence"], size)
        for a, documents, cells in data["leave_out"]:
            acc._leave_out[int(a)] = from_cells(cells, size)
            acc._annotator_documents[int(a)] = int(documents)
        for m, documents, cells in data["rater_counts"]:
            acc._by_rater_count[int(m)] = from_cells(cells, size)
            acc._rater_count_documents[int(m)] = int(documents)
        for a, b, documents, cells in data["pairs"]:
            acc._pair_tables[(int(a), int(b))] = from_cells(cells, size)
            acc._pair_documents[(int(a), int(b))] = int(documents)
        acc._unitizing = UnitizingTotals.from_json(data["unitizing"])
        for a, b, label, *row in data["spans"]:
            acc._span_counts[(int(a), int(b), int(label))] = [int(x) for x in row]
        for s, t, w in data["status"]["cells"]:
            acc._status_cells[(int(s), int(t))] = float(w)
        acc._status_counts = [int(x) for x in data["status"]["counts"]]
        documents = data["documents"]
        by_row: dict[int, dict[int, float]] = defaultdict(dict)
        for r, c, v in documents["marginals"]:
            by_row[int(r)][int(c)] = float(v)
        for row, document_id in enumerate(documents["ids"]):
            acc._rows.append(
                int(document_id),
                float(documents["totals"][row]),
                float(documents["disagreements"][row]),
                from_code(float(documents["alphas"][row]), int(documents["reasons"][row]), REASONS),
                by_row[row],
                unitizing_alpha=from_code(
                    float(documents["unitizing_alphas"][row]),
                    int(documents["unitizing_reasons"][row]),
                    UNITIZING_REASONS,
                ),
            )
        return acc

    # -- reporting -----------------------------------------------------------------------------

    def report(
        self,
        *,
        bootstrap_resamples: int = 1000,
        seed: int = 0,
        ranked_documents_limit: int | None = 100,
    ) -> dict[str, Any]:
        """The project report (JSON-serialisable; see ``annotations.agreement`` for its shape)."""
        size = len(self._categories)
        coincidence = fit(self._coincidence, size)
        rows = self._rows.arrays()
        counted = rows["reasons"] != FEWER_CODE
        interval = self.bootstrap_interval(resamples=bootstrap_resamples, seed=seed, rows=rows)
        overall = alpha_from_coincidence(coincidence)
        leave_out = []
        for annotator in sorted(self._leave_out):
            without = alpha_from_coincidence(coincidence + fit(self._leave_out[annotator], size))
            change = (
                None
                if overall.value is None or without.value is None
                else without.value - overall.value
            )
            leave_out.append(
                {
                    "annotator": annotator,
                    "documents": self._annotator_documents[annotator],
                    **without.to_json(),
                    "change": change,
                }
            )
        ranked, undefined = ranking(rows, REASONS, UNITIZING_REASONS, ranked_documents_limit)
        status_spans, status_matched, status_units = self._status_counts
        n_counted = int(counted.sum())
        return {
            "schema": SCHEMA_VERSION,
            "documents": {
                "counted": n_counted,
                "skipped": int((~counted).sum()),
                "skipped_reason": FEWER_THAN_TWO_CODERS,
            },
            "annotators": sorted(self._annotator_documents),
            "character_alpha": {
                **overall.to_json(),
                "pairable_values": float(coincidence.sum()),
                "per_label": label_alphas(self._categories, coincidence),
                "bootstrap": interval.to_json(),
                "leave_one_annotator_out": leave_out,
            },
            "unitizing_alpha": unitizing_section(self._unitizing),
            "span_f1": f1_rows(self._span_counts),
            "cohen_kappa": [
                {
                    "annotators": [a, b],
                    "documents": self._pair_documents[(a, b)],
                    "characters": float(table.sum()),
                    **cohen_kappa(fit(table, size)).to_json(),
                }
                for (a, b), table in sorted(self._pair_tables.items())
            ],
            "fleiss_kappa": fleiss_section(self._by_rater_count, self._rater_count_documents, size),
            "status_alpha": {
                **sparse_alpha(self._status_cells).to_json(),
                "units": status_units,
                "coverage": {
                    "spans": status_spans,
                    "matched_spans": status_matched,
                    **ratio(status_matched, status_spans, "no spans were marked").to_json(),
                },
            },
            "documents_ranked": ranked,
            "documents_undefined": undefined,
        }

    def bootstrap_interval(
        self,
        *,
        resamples: int = 1000,
        seed: int = 0,
        level: float = 0.95,
        rows: Mapping[str, Any] | None = None,
    ) -> BootstrapInterval:
        """Percentile bootstrap of the character alpha over the counted documents."""
        rows = self._rows.arrays() if rows is None else rows
        counted = np.flatnonzero(rows["reasons"] != FEWER_CODE)
        return bootstrap_alpha(
            rows["totals"][counted],
            rows["disagreements"][counted],
            rows["marginals"][counted],
            resamples=resamples,
            seed=seed,
            level=level,
        )


def project_report(
    intermediates: Iterable[DocumentIntermediate],
    *,
    bootstrap_resamples: int = 1000,
    seed: int = 0,
    ranked_documents_limit: int | None = 100,
) -> dict[str, Any]:
    """Stream ``intermediates`` through one ``ProjectAccumulator`` and return its report."""
    acc = ProjectAccumulator()
    for item in intermediates:
        acc.add(item)
    return acc.report(
        bootstrap_resamples=bootstrap_resamples,
        seed=seed,
        ranked_documents_limit=ranked_documents_limit,
    )
