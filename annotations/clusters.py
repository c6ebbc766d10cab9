"""Clusters of matching spans for adjudication: pure, no Django.

A cluster is a connected group of spans with the same label whose ranges overlap (directly or
through a chain of overlapping spans). Given the ``n`` annotators who submitted the document:

* ``unanimous``: every one of the ``n`` annotators has a span in the cluster, and all spans in
  it have the same boundaries;
* ``majority``: one version ``(start, end)`` is held by more than half of the ``n`` annotators;
* ``disputed``: anything else (boundaries differ without a majority, or too few annotators
  marked it at all).

The cluster's ``proposal`` is its majority version (for ``unanimous`` and ``majority``) or, for a
disputed cluster, the most common version (ties: the earliest, then the shortest), so that one
click can accept a sensible default.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ClusterSpan:
    span_id: int
    annotator: int
    label: int
    start: int
    end: int
    status: int | None = None


@dataclass(frozen=True, slots=True)
class Cluster:
    label: int
    start: int  # union of the members' ranges
    end: int
    kind: str  # unanimous | majority | disputed
    proposal: tuple[int, int]
    spans: tuple[ClusterSpan, ...]
    annotators: tuple[int, ...]

    @property
    def span_ids(self) -> tuple[int, ...]:
        return tuple(s.span_id for s in self.spans)


def cluster_spans(spans: Iterable[ClusterSpan], annotator_count: int) -> list[Cluster]:
    """Group ``spans`` into clusters, ordered by start, then label."""
    by_label: dict[int, list[ClusterSpan]] = {}
    for span in spans:
        by_label.setdefault(span.label, []).append(span)
    clusters: list[Cluster] = []
    for label, members in by_label.items():
        members.sort(key=lambda s: (s.start, s.end, s.span_id))
        group: list[ClusterSpan] = []
        group_end = -1
        for span in members:
            if group and span.start >= group_end:
                clusters.append(_cluster(label, group, annotator_count))
                group = []
            group.append(span)
            group_end = max(group_end, span.end) if len(group) > 1 else span.end
        if group:
            clusters.append(_cluster(label, group, annotator_count))
    clusters.sort(key=lambda c: (c.start, c.label, c.end))
    return clusters


def _cluster(label: int, spans: Sequence[ClusterSpan], annotator_count: int) -> Cluster:
    annotators = tuple(sorted({s.annotator for s in spans}))
    # One vote per annotator per version, so an annotator's duplicate spans do not count twice.
    votes = {(s.annotator, s.start, s.end) for s in spans}
    versions = Counter((start, end) for (_, start, end) in votes)
    proposal, support = min(
        versions.items(), key=lambda item: (-item[1], item[0][0], item[0][1] - item[0][0])
    )
    if (
        annotator_count > 0
        and len(annotators) == annotator_count
        and len(versions) == 1
        and len(spans) == annotator_count
    ):
        kind = "unanimous"
    elif annotator_count > 0 and support * 2 > annotator_count:
        kind = "majority"
    else:
        kind = "disputed"
    return Cluster(
        label=label,
        start=min(s.start for s in spans),
        end=max(s.end for s in spans),
        kind=kind,
        proposal=proposal,
        spans=tuple(spans),
        annotators=annotators,
    )
