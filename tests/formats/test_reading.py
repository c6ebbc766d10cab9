"""The readers of other tools' files refuse what would break the import instead of being reported:
a line nested deeper than ``annotations.json_depth`` allows (Python's decoder would raise
``RecursionError``), and a file that is not UTF-8 (which used to escape as ``UnicodeDecodeError``).
Each problem is reported at its line; the valid lines are still read."""

from __future__ import annotations

import io
import json

import pytest

from annotations.formats.doccano import read_doccano
from annotations.formats.jsonl import dumps_line, read_native_jsonl
from annotations.formats.label_studio import read_label_studio
from annotations.json_depth import MAX_JSON_DEPTH
from tests.formats.samples import document_1, document_3

DEEP = 100_000


def nested(levels: int) -> str:
    return '{"a":' * levels + "1" + "}" * levels


def native_lines_with_a_deep_one() -> bytes:
    deep = json.loads(dumps_line(document_3()))
    deep["metadata"] = "PLACEHOLDER"
    deep_line = json.dumps(deep).replace('"PLACEHOLDER"', nested(DEEP))
    return "\n".join([dumps_line(document_1()), deep_line, dumps_line(document_3())]).encode()


def test_a_native_line_nested_100000_levels_is_reported_and_the_others_read():
    result = read_native_jsonl(io.BytesIO(native_lines_with_a_deep_one()))
    assert [d.document_id for d in result.documents] == [
        document_1().document_id,
        document_3().document_id,
    ]
    (error,) = result.errors
    assert error.item == 2
    assert f"more than {MAX_JSON_DEPTH} levels" in error.message


def test_a_doccano_line_nested_too_deeply_is_reported_and_the_others_read():
    content = "\n".join(
        [
            json.dumps({"text": "first", "label": []}),
            '{"text": "deep", "label": [], "meta": ' + nested(DEEP) + "}",
            json.dumps({"text": "third", "label": []}),
        ]
    ).encode()
    result = read_doccano(io.BytesIO(content), annotator="ann")
    assert [d.text for d in result.documents] == ["first", "third"]
    (error,) = result.errors
    assert error.item == 2 and f"more than {MAX_JSON_DEPTH} levels" in error.message


def test_a_label_studio_file_nested_too_deeply_is_reported():
    content = ('[{"data": {"text": "x", "meta": ' + nested(DEEP) + "}}]").encode()
    result = read_label_studio(io.BytesIO(content))
    assert result.documents == ()
    (error,) = result.errors
    assert f"more than {MAX_JSON_DEPTH} levels" in error.message


@pytest.mark.parametrize(
    ("read", "content"),
    [
        (read_native_jsonl, None),  # our JSONL: a valid first line, then Latin-1
        (lambda fp: read_doccano(fp, annotator="ann"), b'{"text": "caf\xe9", "label": []}\n'),
        (read_label_studio, b'[{"data": {"text": "caf\xe9"}}]'),
    ],
    ids=["native", "doccano", "label_studio"],
)
def test_a_file_that_is_not_utf8_is_reported_naming_the_encoding(read, content):
    if content is None:
        content = dumps_line(document_1()).encode() + b"\n" + b'{"text": "caf\xe9"}\n'
    result = read(io.BytesIO(content))
    assert not result.ok
    (error,) = result.errors
    assert "not UTF-8 text" in error.message and "0xe9" in error.message
    assert "save the file with the UTF-8 encoding" in error.message
