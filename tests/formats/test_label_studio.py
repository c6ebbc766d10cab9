from __future__ import annotations

import dataclasses
import io
import json
import xml.etree.ElementTree as ET

import pytest

from annotations.formats.label_studio import (
    label_studio_config,
    parse_label_studio,
    read_label_studio,
    write_label_studio,
)
from annotations.formats.records import ExportProject, ExportSpan
from tests.formats.samples import PROJECT, TEXT_1, TEXT_3, document_1, document_3, documents


def export(docs, **options) -> list[dict]:
    buffer = io.BytesIO()
    write_label_studio(docs, buffer, **options)
    return json.loads(buffer.getvalue().decode("utf-8"))


def test_config_is_xml_with_the_names_the_results_use():
    root = ET.fromstring(label_studio_config(PROJECT))
    assert root.tag == "View"
    labels = root.find("Labels")
    assert labels.get("name") == "label" and labels.get("toName") == "text"
    assert [(x.get("value"), x.get("background")) for x in labels.findall("Label")] == [
        ("claim", "#1f77b4"),
        ("denial", "#d62728"),
        ("verifiable_fact", "#2ca02c"),
    ]
    text = root.find("Text")
    assert text.get("name") == "text" and text.get("value") == "$text"
    choices = root.find("Choices")
    assert choices.get("name") == "status" and choices.get("perRegion") == "true"
    assert [c.get("value") for c in choices.findall("Choice")][:2] == ["unverified", "true"]


def test_config_escapes_label_keys():
    root = ET.fromstring(label_studio_config(ExportProject("p", (('a"<b', "x", "#000000"),))))
    assert root.find("Labels/Label").get("value") == 'a"<b'


def test_tasks_carry_code_point_offsets_like_label_studio_stores_them():
    # Label Studio's own end-to-end test (tests/integration/e2e/ner/emoji.cy.ts) selects "test"
    # in this very text and expects start 21, end 25: code points, not UTF-16 (22, 26).
    t = TEXT_3
    doc = dataclasses.replace(
        document_3(),
        annotators=("alice",),
        spans=(ExportSpan(1, "alice", "claim", 21, 25, t[21:25], None, "", ()),),
    )
    (task,) = export([doc])
    value = task["annotations"][0]["result"][0]["value"]
    assert (value["start"], value["end"], value["text"]) == (21, 25, "test")
    (legacy,) = export([doc], offset_unit="utf16")
    assert legacy["annotations"][0]["result"][0]["value"]["start"] == 22


def test_one_annotation_per_annotator_plus_gold_and_task_data():
    tasks = export(documents(), emails={"alice": "alice@example.org"})
    assert [t["id"] for t in tasks] == [1, 2, 3]
    first = tasks[0]
    assert first["data"]["text"] == TEXT_1
    assert first["data"]["metadata"] == {"section": "économie", "tags": ["prix", "😀"]}
    names = [a["workbench_annotator"] for a in first["annotations"]]
    assert names == ["alice", "bob", "carol", None]
    assert first["annotations"][0]["completed_by"] == {"email": "alice@example.org"}
    assert "completed_by" not in first["annotations"][1]  # unknown email: Label Studio would reject
    assert [a["ground_truth"] for a in first["annotations"]] == [False, False, False, True]
    assert first["annotations"][2]["result"] == []  # carol submitted nothing
    for annotation in first["annotations"]:
        for result in annotation["result"]:
            v = result["value"]
            assert TEXT_1[v["start"] : v["end"]] == v["text"]
            assert result["to_name"] == "text"
    labels = [r for r in first["annotations"][0]["result"] if r["type"] == "labels"]
    assert labels[0]["from_name"] == "label" and labels[0]["value"]["labels"] == ["claim"]
    assert labels[0]["meta"] == {"text": ["qui ?"]}
    status = [r for r in first["annotations"][0]["result"] if r["type"] == "choices"]
    assert {(r["id"], tuple(r["value"]["choices"])) for r in status} == {
        ("s11", ("unverified",)),
        ("s12", ("false",)),
    }
    assert tasks[1]["annotations"][-1]["workbench_annotator"] == "alice"  # no gold: no gold item
    assert tasks[2]["annotations"] == []


def test_streamed_array_of_nothing_is_valid_json():
    assert export([]) == []


def span_keys(spans):
    return [(s.annotator, s.label, s.start, s.end, s.quote, s.status, s.note) for s in spans]


def test_round_trip_write_then_parse_reproduces_the_spans():
    original = documents()
    buffer = io.StringIO()
    write_label_studio(original, buffer)
    buffer.seek(0)
    result = read_label_studio(buffer)
    assert result.ok, result.errors
    assert not result.notes  # code points all along: nothing converted
    for before, after in zip(original, result.documents, strict=True):
        assert after.document_id == before.document_id
        assert after.text == before.text and after.title == before.title
        assert after.metadata == before.metadata
        assert after.published_at == before.published_at
        assert after.annotators == before.annotators
        assert span_keys(after.spans) == span_keys(before.spans)
        if before.gold is None:
            assert after.gold is None
        else:
            assert span_keys(after.gold) == span_keys(before.gold)


def test_round_trip_through_legacy_utf16_offsets_is_detected_and_converted():
    buffer = io.StringIO()
    write_label_studio([document_1()], buffer, offset_unit="utf16")
    buffer.seek(0)
    result = read_label_studio(buffer)
    assert result.ok, result.errors
    assert span_keys(result.documents[0].spans) == span_keys(document_1().spans)
    assert "UTF-16" in result.notes[0]


FOREIGN = [
    {
        "id": 501,
        "data": {"text": "👋🏽 Hola, soy Roberto Jr", "lang": "es"},
        "annotations": [
            {
                "id": 9,
                "completed_by": 4,
                "was_cancelled": False,
                "ground_truth": False,
                "result": [
                    {
                        "id": "a1",
                        "from_name": "label",
                        "to_name": "text",
                        "type": "labels",
                        # Label Studio >= 1.4: code points. "Roberto" is at 13..20.
                        "value": {"start": 13, "end": 20, "text": "Roberto", "labels": ["PER"]},
                    },
                    {"id": "c1", "from_name": "sentiment", "type": "choices", "value": {}},
                ],
            },
            {
                "completed_by": {"id": 5, "email": "ana@example.org", "first_name": "Ana"},
                "result": [
                    {
                        "id": "b1",
                        "type": "labels",
                        "from_name": "label",
                        "to_name": "text",
                        "value": {"start": 21, "end": 23, "text": "Jr", "labels": ["SEN"]},
                    }
                ],
            },
            {"completed_by": 6, "was_cancelled": True, "result": []},
        ],
        "predictions": [{"result": []}],
    }
]


def test_foreign_export_attributes_spans_to_ids_and_emails():
    result = parse_label_studio(FOREIGN)
    assert result.ok, result.errors
    (document,) = result.documents
    assert document.document_id == 501
    assert document.metadata == {"lang": "es"}
    assert document.annotators == ("label-studio-user-4", "ana@example.org")  # 6 cancelled
    assert [(s.annotator, s.label, s.quote) for s in document.spans] == [
        ("label-studio-user-4", "PER", "Roberto"),
        ("ana@example.org", "SEN", "Jr"),
    ]
    renamed = parse_label_studio(FOREIGN, names={"label-studio-user-4": "roberto_fan"})
    assert renamed.documents[0].annotators[0] == "roberto_fan"


def test_legacy_export_with_utf16_offsets_is_converted():
    # Label Studio 1.3 (issue #1008, this very text) counted UTF-16 units: 👋🏽 is 4 units, 2 code
    # points, so every offset after it is 2 more.
    legacy = json.loads(json.dumps(FOREIGN))
    legacy[0]["annotations"][0]["result"][0]["value"].update(start=15, end=22)
    legacy[0]["annotations"][1]["result"][0]["value"].update(start=23, end=25)
    result = parse_label_studio(legacy)
    assert result.ok, result.errors
    assert [s.quote for s in result.documents[0].spans] == ["Roberto", "Jr"]
    assert [(s.start, s.end) for s in result.documents[0].spans] == [(13, 20), (21, 23)]
    forced = parse_label_studio(legacy, offset_unit="codepoint")
    assert not forced.ok and forced.errors[0].field == "annotations[0].result[0].value.text"


def test_line_breaks_escaped_in_value_text_are_accepted():
    tasks = [
        {
            "data": {"text": "one\ntwo"},
            "annotations": [
                {
                    "completed_by": 1,
                    "result": [
                        {
                            "type": "labels",
                            "value": {"start": 0, "end": 7, "text": "one\\ntwo", "labels": ["X"]},
                        }
                    ],
                }
            ],
        }
    ]
    assert parse_label_studio(tasks).ok


def test_chosen_annotator_name_and_a_task_without_data_wrapper():
    tasks = [
        {
            "text": "Hello world",
            "annotations": [
                {"result": [{"type": "labels", "value": {"start": 6, "end": 11, "labels": ["L"]}}]}
            ],
        }
    ]
    without = parse_label_studio(tasks)
    assert not without.ok and without.errors[0].field == "annotations[0].completed_by"
    result = parse_label_studio(tasks, annotator="imported")
    assert result.ok
    assert [(s.annotator, s.quote) for s in result.documents[0].spans] == [("imported", "world")]


@pytest.mark.parametrize(
    ("mutate", "item", "field", "needle"),
    [
        (lambda t: t[1].pop("data"), 1, "text", "document text"),
        (
            lambda t: t[1]["annotations"][0].__setitem__("result", "x"),
            1,
            "annotations[0].result",
            "array",
        ),
        (
            lambda t: t[1]["annotations"][0]["result"][0]["value"].__setitem__("start", "3"),
            1,
            "annotations[0].result[0].value.start",
            "integer",
        ),
        (
            lambda t: t[1]["annotations"][0]["result"][0]["value"].__setitem__("end", 999),
            1,
            "annotations[0].result[0].value.end",
            "inside the text",
        ),
        (
            lambda t: t[1]["annotations"][0]["result"][0]["value"].__setitem__("text", "Hol"),
            1,
            "annotations[0].result[0].value.text",
            "does not match",
        ),
        (
            lambda t: t[1]["annotations"][0]["result"][0]["value"].__setitem__("labels", []),
            1,
            "annotations[0].result[0].value.labels",
            "label",
        ),
        (lambda t: t.__setitem__(1, "nope"), 1, "", "object"),
        (
            lambda t: t[1]["annotations"].append(dict(t[1]["annotations"][0])),
            1,
            "annotations[3]",
            "second annotation",
        ),
    ],
)
def test_malformed_items_are_reported_by_index_and_field(mutate, item, field, needle):
    tasks = json.loads(json.dumps(FOREIGN)) * 2
    tasks = json.loads(json.dumps(tasks))
    mutate(tasks)
    result = parse_label_studio(tasks)
    assert [d.document_id for d in result.documents] == [501]  # the valid task is kept
    assert result.error_count == 1
    (error,) = result.errors
    assert (error.item, error.field) == (item, field)
    assert needle in error.message


def test_not_an_array_and_not_json():
    assert parse_label_studio("x").errors[0].message.startswith("a Label Studio export")
    result = read_label_studio(io.BytesIO(b"[{"))
    assert not result.ok and "not valid" in result.errors[0].message
