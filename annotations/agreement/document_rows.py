"""Per-document numbers the project report keeps besides its sums: for the bootstrap and ranking.

For every document added to a roll-up: its id, ``n_d`` (pairable character values),
``n_d - trace(o_d)`` (disagreeing mass), its own alpha and its own unitizing alpha (each with the
reason it has none), and its sparse category marginals ``n_dc``. Stored in compact growable
arrays (a few dozen bytes per document), so 100,000 documents stay small; removed documents are
marked dead rather than moved.
"""

from __future__ import annotations

from array import array
from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy import sparse

from annotations.agreement.statistic import (
    FEWER_THAN_TWO_CODERS,
    NO_PAIRABLE_VALUES,
    NO_VARIATION,
    Statistic,
)
from annotations.agreement.unitizing import DOCUMENT_EMPTY, DOCUMENT_NO_ROOM, DOCUMENT_UNMARKED

# Per-document reasons are stored as small codes; 0 means "alpha defined".
REASONS = ("", FEWER_THAN_TWO_CODERS, NO_PAIRABLE_VALUES, NO_VARIATION)
FEWER_CODE = 1
UNITIZING_REASONS = (
    "",
    FEWER_THAN_TWO_CODERS,
    DOCUMENT_EMPTY,
    DOCUMENT_UNMARKED,
    DOCUMENT_NO_ROOM,
)


def reason_code(statistic: Statistic, reasons: tuple[str, ...]) -> int:
    return 0 if statistic.reason is None else reasons.index(statistic.reason)


def from_code(value: float, code: int, reasons: tuple[str, ...]) -> Statistic:
    return Statistic.defined(value) if code == 0 else Statistic.undefined(reasons[code])


class DocumentRows:
    """Per-document numbers for the bootstrap and the ranking, in compact growable arrays."""

    def __init__(self) -> None:
        self.ids = array("q")
        self.totals = array("d")  # n_d, pairable character values
        self.disagreements = array("d")  # n_d - trace(o_d)
        self.alphas = array("d")  # the document's alpha (0.0 where undefined, see reasons)
        self.reasons = array("b")  # index into REASONS, 0 = defined
        self.unitizing_alphas = array("d")  # the document's unitizing alpha (0.0 where undefined)
        self.unitizing_reasons = array("b")  # index into UNITIZING_REASONS, 0 = defined
        self.alive = array("b")
        self.marginal_rows = array("q")  # sparse documents x categories marginals n_dc
        self.marginal_categories = array("q")
        self.marginal_values = array("d")
        self.row_of: dict[int, int] = {}

    def append(
        self,
        document_id: int,
        total: float,
        disagreement: float,
        alpha: Statistic,
        marginals: Mapping[int, float],
        unitizing_alpha: Statistic,
    ) -> None:
        if document_id in self.row_of:
            raise ValueError(f"document {document_id} is in the roll-up twice.")
        row = len(self.ids)
        self.row_of[document_id] = row
        self.ids.append(document_id)
        self.totals.append(total)
        self.disagreements.append(disagreement)
        self.alphas.append(0.0 if alpha.value is None else alpha.value)
        self.reasons.append(reason_code(alpha, REASONS))
        self.unitizing_alphas.append(
            0.0 if unitizing_alpha.value is None else unitizing_alpha.value
        )
        self.unitizing_reasons.append(reason_code(unitizing_alpha, UNITIZING_REASONS))
        self.alive.append(1)
        for category, value in marginals.items():
            self.marginal_rows.append(row)
            self.marginal_categories.append(category)
            self.marginal_values.append(value)

    def kill(self, document_id: int, total: float) -> None:
        row = self.row_of.get(document_id)
        if row is None:
            raise ValueError(f"document {document_id} is not in this roll-up; nothing to remove.")
        if abs(self.totals[row] - total) > 1e-9 * max(1.0, total):
            raise ValueError(
                f"the intermediate given for document {document_id} is not the one that was "
                "added; remove exactly the stored intermediate before adding the new one."
            )
        del self.row_of[document_id]
        self.alive[row] = 0

    def arrays(self) -> dict[str, Any]:
        """Alive rows in ``document_id`` order, with their sparse marginal matrix."""
        alive = np.frombuffer(self.alive, dtype=np.int8).astype(bool)
        ids = np.frombuffer(self.ids, dtype=np.int64)
        order = np.flatnonzero(alive)[np.argsort(ids[alive], kind="stable")]
        position = np.full(len(alive), -1, dtype=np.int64)
        position[order] = np.arange(len(order))
        rows = np.frombuffer(self.marginal_rows, dtype=np.int64)
        keep = alive[rows] if rows.size else np.zeros(0, dtype=bool)
        n_categories = (max(self.marginal_categories) + 1) if self.marginal_categories else 0
        unitizing_reasons = np.frombuffer(self.unitizing_reasons, dtype=np.int8)
        marginals = sparse.csr_matrix(
            (
                np.frombuffer(self.marginal_values, dtype=np.float64)[keep],
                (
                    position[rows[keep]],
                    np.frombuffer(self.marginal_categories, dtype=np.int64)[keep],
                ),
            ),
            shape=(len(order), n_categories),
        )
        return {
            "ids": ids[order],
            "totals": np.frombuffer(self.totals, dtype=np.float64)[order],
            "disagreements": np.frombuffer(self.disagreements, dtype=np.float64)[order],
            "alphas": np.frombuffer(self.alphas, dtype=np.float64)[order],
            "reasons": np.frombuffer(self.reasons, dtype=np.int8)[order].astype(np.int64),
            "unitizing_alphas": np.frombuffer(self.unitizing_alphas, dtype=np.float64)[order],
            "unitizing_reasons": unitizing_reasons[order].astype(np.int64),
            "marginals": marginals,
        }
