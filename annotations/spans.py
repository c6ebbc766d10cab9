"""Span offsets: pure functions, no Django.

Offsets are half-open ``[start, end)`` in Unicode code points, exactly as Python slices ``str``.
Browsers count UTF-16 code units; the conversions below are the only place the server translates.
"""

from __future__ import annotations

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


def utf16_to_codepoint_offset(text: str, utf16_offset: int) -> int:
    """Code point offset of the position ``utf16_offset`` UTF-16 code units into ``text``."""
    if utf16_offset < 0:
        raise ValueError("UTF-16 offset must be >= 0")
    units = 0
    for index, char in enumerate(text):
        if units >= utf16_offset:
            if units > utf16_offset:
                raise ValueError(f"UTF-16 offset {utf16_offset} falls inside a surrogate pair")
            return index
        units += 2 if ord(char) > 0xFFFF else 1
    if units == utf16_offset:
        return len(text)
    if utf16_offset < units:  # the text ends with an astral character
        raise ValueError(f"UTF-16 offset {utf16_offset} falls inside a surrogate pair")
    raise ValueError(f"UTF-16 offset {utf16_offset} is past the end of the text")


def codepoint_to_utf16_offset(text: str, offset: int) -> int:
    """UTF-16 code unit offset of code point position ``offset`` in ``text``."""
    if not 0 <= offset <= len(text):
        raise ValueError(f"offset {offset} is outside the text (0..{len(text)})")
    prefix = text[:offset]
    return offset + sum(1 for char in prefix if ord(char) > 0xFFFF)
