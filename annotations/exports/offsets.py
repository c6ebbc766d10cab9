"""Code point <-> UTF-16 code unit offsets for one text, many offsets at a time.

Our offsets count Unicode code points (Python ``str`` indices). JavaScript string indices, and so
every browser-based tool that stores ``selection.anchorOffset``-style positions, count UTF-16 code
units: a character outside the Basic Multilingual Plane (most emoji, U+10000 and above) takes two
units, every other character one. Converting therefore only needs the positions of the astral
characters: ``utf16 = codepoint + (number of astral characters before codepoint)``.

``Utf16Index`` scans the text once (a regex search, so texts without astral characters cost almost
nothing) and answers each conversion with a binary search. A UTF-16 offset that falls between the
two halves of a surrogate pair has no code point equivalent and raises ``ValueError``.

``annotations.spans`` holds the one-offset versions used by the API; this module is for writers and
parsers that convert every span of a document.
"""

from __future__ import annotations

import re
from bisect import bisect_left

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


class Utf16Index:
    __slots__ = ("_astral", "_astral_utf16", "length", "utf16_length")

    def __init__(self, text: str) -> None:
        # Code point index of every astral character, and the UTF-16 index where each one starts.
        self._astral = [match.start() for match in _ASTRAL.finditer(text)]
        self._astral_utf16 = [cp + k for k, cp in enumerate(self._astral)]
        self.length = len(text)
        self.utf16_length = self.length + len(self._astral)

    @property
    def has_astral(self) -> bool:
        return bool(self._astral)

    def to_utf16(self, offset: int) -> int:
        """UTF-16 code unit offset of code point offset ``offset`` (0 <= offset <= len(text))."""
        if not 0 <= offset <= self.length:
            raise ValueError(f"offset {offset} is outside the text (0..{self.length} code points)")
        if not self._astral:
            return offset
        return offset + bisect_left(self._astral, offset)

    def to_codepoint(self, utf16_offset: int) -> int:
        """Code point offset of UTF-16 code unit offset ``utf16_offset``."""
        if not 0 <= utf16_offset <= self.utf16_length:
            raise ValueError(
                f"UTF-16 offset {utf16_offset} is outside the text "
                f"(0..{self.utf16_length} UTF-16 code units)"
            )
        if not self._astral:
            return utf16_offset
        before = bisect_left(self._astral_utf16, utf16_offset)  # astral chars starting before it
        if before and self._astral_utf16[before - 1] + 1 == utf16_offset:
            raise ValueError(f"UTF-16 offset {utf16_offset} falls inside a surrogate pair")
        return utf16_offset - before


def to_utf16(text: str, offset: int) -> int:
    """One-off conversion; build a ``Utf16Index`` to convert several offsets of the same text."""
    return Utf16Index(text).to_utf16(offset)


def to_codepoint(text: str, utf16_offset: int) -> int:
    return Utf16Index(text).to_codepoint(utf16_offset)
