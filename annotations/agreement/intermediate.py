"""Everything the project report needs from one document, as one JSON-serialisable record.

``document_intermediate(doc)`` is the only per-document computation. Its result is meant to be
stored (``to_json()``, e.g. in a JSONField) and rolled up later by ``ProjectAccumulator``: every
project figure is a sum over these records, so a changed document costs one recomputation plus
subtract-old/add-new on the running roll-up.

JSON layout (``schema`` 1)::

    {"schema": 1, "document_id": 7, "length": 2500, "annotators": [3, 5, 9],
     "characters": {"categories": [[], [10], [10, 11]],          # label-set keys
                    "pairs": [[3, 5, [[0, 0, 2301], [1, 1, 150], ...]], ...]},  # a, b, cells
     "unitizing": [[10, 1234, 987654321, 56789], ...],   # label, O, A, S
     "spans": [[3, 5, 10, 7, 6, 4, 5], ...],   # a, b, label, spans_a, spans_b, exact, overlap
     "status": {"cells": [[1, 1, 3.0], ...], "spans": 60, "matched_spans": 42, "units": 17}}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from annotations.agreement.alpha import alpha_from_coincidence
from annotations.agreement.records import DocumentAnnotations
from annotations.agreement.segments import CharacterTables, character_tables
from annotations.agreement.span_match import SpanPairCounts, StatusSums, span_matches
from annotations.agreement.statistic import FEWER_THAN_TWO_CODERS, Statistic
from annotations.agreement.unitizing import UnitizingSums, document_alpha, unitizing_sums

SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class DocumentIntermediate:
    document_id: int
    length: int
    annotators: tuple[int, ...]  # sorted
    characters: CharacterTables
    unitizing: UnitizingSums
    span_counts: tuple[SpanPairCounts, ...]
    status: StatusSums

    @property
    def counted(self) -> bool:
        """Whether the document counts for agreement (at least two annotators submitted)."""
        return len(self.annotators) >= 2

    def character_alpha(self) -> Statistic:
        """This document's own character-level nominal alpha (used to rank documents)."""
        if not self.counted:
            return Statistic.undefined(FEWER_THAN_TWO_CODERS)
        return alpha_from_coincidence(self.characters.coincidence())

    def unitizing_alpha(self) -> Statistic:
        """This document's own unitizing alpha over all its labels (shown beside the ranking)."""
        return document_alpha(self.unitizing)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA_VERSION,
            "document_id": self.document_id,
            "length": self.length,
            "annotators": list(self.annotators),
            "characters": self.characters.to_json(),
            "unitizing": self.unitizing.to_json(),
            "spans": [
                [c.annotator_a, c.annotator_b, c.label, c.spans_a, c.spans_b, c.exact, c.overlap]
                for c in self.span_counts
            ],
            "status": self.status.to_json(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DocumentIntermediate:
        if data.get("schema") != SCHEMA_VERSION:
            raise ValueError(
                f"document intermediate has schema {data.get('schema')!r}, expected "
                f"{SCHEMA_VERSION}; recompute it with document_intermediate()."
            )
        annotators = tuple(sorted(int(a) for a in data["annotators"]))
        length = int(data["length"])
        return cls(
            document_id=int(data["document_id"]),
            length=length,
            annotators=annotators,
            characters=CharacterTables.from_json(data["characters"], annotators),
            unitizing=UnitizingSums.from_json(data["unitizing"], len(annotators), length),
            span_counts=tuple(SpanPairCounts(*(int(x) for x in row)) for row in data["spans"]),
            status=StatusSums.from_json(data["status"]),
        )


def document_intermediate(doc: DocumentAnnotations) -> DocumentIntermediate:
    """Compute the per-document intermediate of ``doc`` (pure; no database)."""
    span_counts, status = span_matches(doc)
    return DocumentIntermediate(
        document_id=doc.document_id,
        length=doc.length,
        annotators=tuple(sorted(doc.annotators)),
        characters=character_tables(doc),
        unitizing=unitizing_sums(doc),
        span_counts=span_counts,
        status=status,
    )
