"""The fast span output (annotations.span_output) against DRF's own field machinery, which is
the reference: same keys, same values, same JSON, in any current time zone."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone
from rest_framework import serializers as drf

from annotations.selectors.access import project_access
from annotations.selectors.span_output import (
    SPAN_COLUMNS,
    span_representations,
    span_row_of,
    span_rows,
)
from annotations.selectors.spans import span_list
from annotations.serializers.spans import SpanSerializer
from annotations.services.spans import EvidenceInput, span_update
from tests.factories import DocumentFactory, make_span

pytestmark = pytest.mark.django_db


def _drf_reference(spans) -> list[dict]:
    serializer = SpanSerializer()
    return json.loads(
        json.dumps([drf.ModelSerializer.to_representation(serializer, span) for span in spans])
    )


@pytest.fixture
def spans(project, document, annotator, annotator2, manager):
    other = DocumentFactory(project=project, text="Officials denied it. 🙂 Reports disagree.")
    first = make_span(document, annotator, 4, 12, "denial")
    span_update(
        span=first,
        expected_version=1,
        note="two sources",
        status=project.statuses.get(key="false"),
        evidence=[
            EvidenceInput(stance="refutes", url="https://example.org/a", note="count"),
            EvidenceInput(stance="context", note="press release"),
        ],
    )
    make_span(document, annotator2, 0, 3)
    make_span(other, manager, 21, 22, "verifiable_fact")
    make_span(other, annotator, 0, 9, "claim")
    return span_list(access=project_access(user=manager, project_id=project.pk), user=manager)


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/St_Johns"])
def test_rows_give_the_same_json_as_drf(spans, zone):
    with timezone.override(zone):
        fast = span_representations(span_rows(spans))
        reference = _drf_reference(spans)
    assert len(reference) == 4
    assert json.loads(json.dumps(fast)) == reference
    assert [list(item) for item in fast] == [list(item) for item in reference]  # key order too
    with_evidence = next(item for item in fast if item["evidence"])
    assert [e["stance"] for e in with_evidence["evidence"]] == ["refutes", "context"]
    assert with_evidence["status_key"] == "false" and with_evidence["version"] == 2


def test_the_row_of_an_instance_gives_the_same_json_as_drf(spans):
    """Span create answers from the instance it just saved (span_row_of), not from a query."""
    for span in spans:
        evidence = {
            span.pk: [
                {"id": e.pk, "url": e.url, "note": e.note, "stance": e.stance}
                for e in span.evidence.all()
            ]
        }
        fast = span_representations([span_row_of(span)], evidence=evidence)
        assert json.loads(json.dumps(fast)) == _drf_reference([span])


def test_timestamps_can_be_left_out_and_empty_input_reads_nothing(spans, django_assert_num_queries):
    rows = list(span_rows(spans))
    without = span_representations(rows, timestamps=False)
    assert all("created_at" not in item and "updated_at" not in item for item in without)
    assert [item["id"] for item in without] == [row[0] for row in rows]
    with django_assert_num_queries(0):
        assert span_representations([]) == []


def test_a_page_of_spans_costs_one_query_on_postgresql(spans, django_assert_num_queries):
    with django_assert_num_queries(1):  # the evidence comes aggregated with each span
        assert len(span_representations(span_rows(spans))) == 4


def test_rows_without_evidence_column_read_it_in_a_second_query(spans, django_assert_num_queries):
    """The path other databases take (SQLite has no ordered JSON aggregate in all versions)."""
    plain_rows = list(spans.values_list(*SPAN_COLUMNS))
    with django_assert_num_queries(1):
        plain = span_representations(plain_rows)
    assert plain == span_representations(span_rows(spans))


def test_evidence_keys_in_the_api_order(spans):
    items = [e for item in span_representations(span_rows(spans)) for e in item["evidence"]]
    assert items and all(list(e) == ["id", "url", "note", "stance"] for e in items)
