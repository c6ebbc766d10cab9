from __future__ import annotations

import dataclasses
import io
import json

import pytest

from annotations.formats.doccano import read_doccano, write_doccano
from annotations.formats.records import ExportSpan
from tests.formats.samples import TEXT_1, document_1, document_2, document_3, documents

# The example of doccano issue #2290: doccano puts "firetrucks" at 22..32, Python at 19..29.
FIRETRUCKS = "👨🏻\u200d🚒 firemen drive firetrucks"


def lines(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_issue_2290_example_is_written_in_utf16_units_by_default():
    start = FIRETRUCKS.index("firetrucks")
    assert start == 19
    span = ExportSpan(1, "alice", "claim", 19, 29, "firetrucks", None, "", ())
    doc = dataclasses.replace(document_3(), text=FIRETRUCKS, annotators=("alice",), spans=(span,))
    doccano, python = io.StringIO(), io.StringIO()
    write_doccano([doc], doccano, annotator="alice")
    write_doccano([doc], python, annotator="alice", offset_unit="codepoint")
    assert lines(doccano)[0]["label"] == [[22, 32, "claim"]]
    assert lines(python)[0]["label"] == [[19, 29, "claim"]]


def test_one_file_per_annotator_only_their_documents_and_spans():
    out = io.StringIO()
    summary = write_doccano(documents(), out, annotator="bob")
    (line,) = lines(out)
    assert line["id"] == 1 and line["text"] == TEXT_1
    assert [label for _, _, label in line["label"]] == ["claim", "denial", "denial"]
    assert line["metadata"] == {"section": "économie", "tags": ["prix", "😀"]}
    assert summary.documents == 3 and summary.documents_written == 1 and summary.spans == 3
    assert summary.skipped == {"not_annotated": 2}
    encoded = TEXT_1.encode("utf-16-le")
    for start, end, _ in line["label"]:
        quote = encoded[2 * start : 2 * end].decode("utf-16-le")  # what JavaScript slices
        assert quote in {s.quote for s in document_1().spans if s.annotator == "bob"}


def test_annotator_who_marked_nothing_gets_an_empty_label_list():
    out = io.StringIO()
    write_doccano(documents(), out, annotator="carol")
    assert [(line["id"], line["label"]) for line in lines(out)] == [(1, [])]


def test_gold_file_skips_unadjudicated_documents():
    out = io.StringIO()
    summary = write_doccano(documents(), out, gold=True)
    assert [line["id"] for line in lines(out)] == [1]
    assert summary.skipped == {"no_gold": 2} and "no adjudication" in summary.message


def test_selector_is_required_and_exclusive():
    with pytest.raises(ValueError):
        write_doccano([], io.StringIO())
    with pytest.raises(ValueError):
        write_doccano([], io.StringIO(), annotator="alice", gold=True)


def keys(spans):
    return [(s.label, s.start, s.end, s.quote) for s in spans]


@pytest.mark.parametrize("unit", ["utf16", "codepoint"])
def test_round_trip_per_annotator_and_gold(unit):
    for name in ("alice", "bob"):
        out = io.StringIO()
        write_doccano(documents(), out, annotator=name, offset_unit=unit)
        out.seek(0)
        result = read_doccano(out, annotator=name, offset_unit=unit)
        assert result.ok, result.errors
        expected = [d for d in documents() if name in d.annotators]
        assert [d.document_id for d in result.documents] == [d.document_id for d in expected]
        for before, after in zip(expected, result.documents, strict=True):
            mine = [s for s in before.spans if s.annotator == name]
            assert keys(after.spans) == keys(mine)
            assert {s.annotator for s in after.spans} <= {name}
            assert after.annotators == (name,)
            assert (after.title, after.metadata, after.published_at) == (
                before.title,
                before.metadata,
                before.published_at,
            )
    out = io.StringIO()
    write_doccano(documents(), out, gold=True, offset_unit=unit)
    out.seek(0)
    result = read_doccano(out, as_gold=True, offset_unit=unit)
    (document,) = result.documents
    assert keys(document.gold) == keys(document_1().gold) and document.spans == ()


def test_reads_every_doccano_layout_and_keeps_other_fields_as_metadata():
    rows = [
        {"id": 7, "text": FIRETRUCKS, "label": [[22, 32, "VEHICLE"]], "Comments": []},
        {"text": FIRETRUCKS, "labels": [[0, 7, "PERSON"]], "source": "x"},
        {
            "id": 9,
            "text": FIRETRUCKS,
            "entities": [{"id": 1, "start_offset": 8, "end_offset": 15, "label": "PERSON"}],
            "relations": [],
        },
    ]
    raw = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows).encode("utf-8")
    result = read_doccano(io.BytesIO(b"\xef\xbb\xbf" + raw), annotator="dana")
    assert result.ok, result.errors
    assert [d.document_id for d in result.documents] == [7, 2, 9]  # no id: the line number
    assert [d.spans[0].quote for d in result.documents] == ["firetrucks", "👨🏻\u200d🚒", "firemen"]
    assert result.documents[0].metadata == {}
    assert result.documents[1].metadata == {"source": "x"}
    assert result.labels == ("PERSON", "VEHICLE")


@pytest.mark.parametrize(
    ("row", "field", "needle"),
    [
        ({"text": FIRETRUCKS, "label": [[1, 4, "X"]]}, "label[0][0]", "surrogate pair"),
        ({"text": FIRETRUCKS, "label": [[0, 99, "X"]]}, "label[0][1]", "UTF-16 code units"),
        ({"text": FIRETRUCKS, "label": [[5, 3, "X"]]}, "label[0][1]", "non-empty range"),
        ({"text": FIRETRUCKS, "label": ["positive"]}, "label[0]", "classification"),
        ({"text": FIRETRUCKS, "label": [["0", 4, "X"]]}, "label[0][0]", "integers"),
        ({"text": FIRETRUCKS, "label": [[0, 4, ""]]}, "label[0][2]", "label name"),
        ({"text": "", "label": []}, "text", "non-empty"),
        (
            {"text": FIRETRUCKS, "entities": [{"start_offset": 0, "label": "X"}]},
            "entities[0].start_offset",
            "integers",
        ),
        ({"text": FIRETRUCKS, "published_at": "yesterday"}, "published_at", "ISO 8601"),
        (
            {"text": FIRETRUCKS, "annotations": [{"label": 3, "start_offset": 0, "end_offset": 4}]},
            "annotations",
            "doccano 1.0",
        ),
    ],
)
def test_malformed_lines_are_reported_with_line_number_and_field(row, field, needle):
    good = json.dumps({"text": "ok", "label": [[0, 2, "X"]]})
    text = good + "\n" + json.dumps(row, ensure_ascii=False) + "\n"
    result = read_doccano(io.StringIO(text), annotator="dana")
    assert len(result.documents) == 1
    (error,) = result.errors
    assert (error.item, error.field) == (2, field)
    assert needle in error.message


def test_annotator_is_required_when_the_file_does_not_say():
    result = read_doccano(io.StringIO('{"text": "ok", "label": []}\n'))
    assert not result.ok and result.errors[0].field == "username"
    named = read_doccano(io.StringIO('{"text": "ok", "label": [], "username": "eve"}\n'))
    assert named.documents[0].annotators == ("eve",)


def test_empty_lines_can_count_as_not_annotated():
    out = io.StringIO('{"text": "ok", "label": []}\n')
    result = read_doccano(out, annotator="dana", empty_means_annotated=False)
    assert result.documents[0].annotators == ()


def test_document_2_has_no_astral_characters_so_units_agree():
    a, b = io.StringIO(), io.StringIO()
    write_doccano([document_2()], a, annotator="alice")
    write_doccano([document_2()], b, annotator="alice", offset_unit="codepoint")
    assert a.getvalue() == b.getvalue()
