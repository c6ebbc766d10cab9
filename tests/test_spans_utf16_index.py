from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotations.spans import Utf16Index, codepoint_to_utf16_offset, utf16_to_codepoint_offset


def utf16_slice(text: str, start: int, end: int) -> str:
    """What a JavaScript ``text.slice(start, end)`` returns: the independent oracle."""
    return text.encode("utf-16-le")[2 * start : 2 * end].decode("utf-16-le")


def test_emoji_shifts_by_one_unit_per_astral_character():
    text = "🐱 Warning: This is a test text"
    start = text.index("test")
    assert start == 21  # code points: the cat is one character in Python
    index = Utf16Index(text)
    assert index.to_utf16(21) == 22  # ...and two UTF-16 units in JavaScript
    assert utf16_slice(text, 22, 26) == "test"
    assert index.to_codepoint(22) == 21
    assert index.utf16_length == len(text) + 1


def test_offsets_inside_and_after_several_astral_characters():
    text = "a😀b👍🏽c"  # 😀 U+1F600, 👍 U+1F44D, 🏽 U+1F3FD: three astral characters
    index = Utf16Index(text)
    assert [index.to_utf16(i) for i in range(len(text) + 1)] == [0, 1, 3, 4, 6, 8, 9]
    assert [index.to_codepoint(u) for u in (0, 1, 3, 4, 6, 8, 9)] == list(range(7))


@pytest.mark.parametrize("inside", [2, 5, 7])
def test_utf16_offset_inside_a_surrogate_pair_is_rejected(inside):
    with pytest.raises(ValueError, match="surrogate pair"):
        Utf16Index("a😀b👍🏽c").to_codepoint(inside)


def test_out_of_range_offsets_are_rejected():
    index = Utf16Index("ab😀")
    with pytest.raises(ValueError):
        index.to_utf16(4)
    with pytest.raises(ValueError):
        index.to_codepoint(5)
    with pytest.raises(ValueError):
        index.to_utf16(-1)


def test_bmp_only_text_is_the_identity():
    text = "caf\u00e9 e\u0301 \u00a0 \u4e2d\u6587"
    index = Utf16Index(text)
    assert not index.has_astral
    assert [index.to_utf16(i) for i in range(len(text) + 1)] == list(range(len(text) + 1))


alphabet = st.sampled_from(["a", " ", "\u00a0", "e\u0301", "😀", "👍🏽", "🇫🇷", "中", "\U0001d53d"])


@given(st.lists(alphabet, max_size=30).map("".join), st.data())
def test_matches_javascript_slicing_both_ways(text, data):
    index = Utf16Index(text)
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    u_start, u_end = index.to_utf16(start), index.to_utf16(end)
    assert utf16_slice(text, u_start, u_end) == text[start:end]
    assert (index.to_codepoint(u_start), index.to_codepoint(u_end)) == (start, end)
    # The one-offset helpers give the same answers.
    assert codepoint_to_utf16_offset(text, end) == u_end
    assert utf16_to_codepoint_offset(text, u_end) == end
