"""``annotations.json_depth``: nesting measured before decoding, strings skipped, no recursion."""

from __future__ import annotations

import json
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotations.json_depth import MAX_JSON_DEPTH, JsonTooDeep, check_json_depth, json_depth_exceeds


def _depth(value: object) -> int:
    """The reference: nesting of a decoded value (recursive, for small values only)."""
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("1", 0),
        ('"a"', 0),
        ("[]", 1),
        ("{}", 1),
        ('{"a": [1]}', 2),
        ("[[], [], {}]", 2),
        ('{"a": {"b": {"c": []}}}', 4),
        ('["[[[[", "{{{{"]', 1),  # brackets inside strings do not count
        (r'["\"[[[[", "\\", [[]]]', 3),  # nor after an escaped quote; an escaped backslash ends
    ],
)
def test_depth_of_small_texts(text, depth):
    assert json.loads(text) is not None
    assert json_depth_exceeds(text, depth) is False
    assert json_depth_exceeds(text.encode(), depth) is False
    if depth:
        assert json_depth_exceeds(text, depth - 1) is True
        assert json_depth_exceeds(text.encode(), depth - 1) is True


def test_a_text_far_deeper_than_the_stack_is_refused_without_recursion():
    deep = "[" * (sys.getrecursionlimit() * 20) + "]" * (sys.getrecursionlimit() * 20)
    with pytest.raises(RecursionError):
        json.loads(deep)  # what the check is for
    with pytest.raises(JsonTooDeep, match=f"more than {MAX_JSON_DEPTH} levels"):
        check_json_depth(deep)
    with pytest.raises(JsonTooDeep):
        check_json_depth(deep.encode())


def test_the_limit_itself_is_accepted_and_one_more_level_refused():
    at_limit = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    check_json_depth(at_limit)
    with pytest.raises(JsonTooDeep):
        check_json_depth("[" + at_limit + "]")


def test_many_brackets_side_by_side_are_not_depth():
    wide = "[" + ",".join(["[]"] * 10_000) + "]"
    check_json_depth(wide)


def test_utf8_bytes_and_unterminated_strings():
    check_json_depth('{"é": "[[[[«»"}'.encode())
    # An unterminated string runs to the end: its brackets do not count (the decoder refuses it).
    assert json_depth_exceeds('["' + "[" * 100, 2) is False


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab,:é'),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(alphabet='[]{}"\\ab'), children, max_size=3)
    ),
    max_leaves=30,
)


@given(json_values)
def test_agrees_with_the_decoded_value(value):
    text = json.dumps(value, ensure_ascii=False)
    depth = _depth(value)
    assert json_depth_exceeds(text, depth) is False
    assert json_depth_exceeds(text.encode(), depth) is False
    if depth:
        assert json_depth_exceeds(text, depth - 1) is True
