"""Span offsets: pure functions, no Django.

Offsets are half-open ``[start, end)`` in Unicode code points, exactly as Python slices ``str``.
Browsers count UTF-16 code units (JavaScript string indices), and so do tools built on them
(doccano, Label Studio before 1.4): a character outside the Basic Multilingual Plane (most emoji,
U+10000 and above) takes two units, every other character one. ``Utf16Index`` below is the only
place the server translates between the two; the API, the importers and the exports all use it.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class OffsetError:
    field: str
    message: str


def check_offsets(text: str, start: int, end: int, quote: str | None = None) -> list[OffsetError]:
    """Every problem with ``[start, end)`` as a span of ``text`` (empty list when it is valid)."""
    length = len(text)
    errors: list[OffsetError] = []
    if start < 0:
        errors.append(OffsetError("start", f"start must be >= 0, got {start}."))
    if end > length:
        errors.append(
            OffsetError("end", f"end {end} is past the end of the document ({length} code points).")
        )
    if start >= end:
        errors.append(OffsetError("end", f"end ({end}) must be greater than start ({start})."))
    if start > length and start >= 0:
        errors.append(
            OffsetError(
                "start", f"start {start} is past the end of the document ({length} code points)."
            )
        )
    if not errors and quote is not None and text[start:end] != quote:
        errors.append(
            OffsetError(
                "quote",
                f"quote does not match the document text at [{start}, {end}): the text there is "
                f"{text[start:end]!r}. Offsets are Unicode code points, not UTF-16 units or bytes.",
            )
        )
    return errors


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


class Utf16Index:
    """Code point <-> UTF-16 offsets of one text, many offsets at a time.

    ``utf16 = codepoint + (number of astral characters before codepoint)``: the text is scanned
    once (a regex search, so a text without astral characters costs almost nothing) and each
    conversion is a binary search. A UTF-16 offset between the two halves of a surrogate pair has
    no code point equivalent and raises ``ValueError``."""

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
        if utf16_offset < 0:
            raise ValueError(f"UTF-16 offset must be >= 0, got {utf16_offset}")
        if utf16_offset > self.utf16_length:
            raise ValueError(
                f"UTF-16 offset {utf16_offset} is past the end of the text "
                f"({self.utf16_length} UTF-16 code units)"
            )
        if not self._astral:
            return utf16_offset
        before = bisect_left(self._astral_utf16, utf16_offset)  # astral chars starting before it
        if before and self._astral_utf16[before - 1] + 1 == utf16_offset:
            raise ValueError(f"UTF-16 offset {utf16_offset} falls inside a surrogate pair")
        return utf16_offset - before


def utf16_to_codepoint_offset(text: str, utf16_offset: int) -> int:
    """Code point offset of the position ``utf16_offset`` UTF-16 code units into ``text``; build a
    ``Utf16Index`` to convert several offsets of the same text."""
    return Utf16Index(text).to_codepoint(utf16_offset)


def codepoint_to_utf16_offset(text: str, offset: int) -> int:
    """UTF-16 code unit offset of code point position ``offset`` in ``text``."""
    return Utf16Index(text).to_utf16(offset)
