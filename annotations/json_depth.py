"""How deeply a JSON text nests, measured before it is decoded: pure, no Django, no recursion.

Python's ``json`` decoder recurses once per ``[`` or ``{``, so a body of a few thousand opening
brackets raises ``RecursionError`` (a 500, and a deep stack on every later walk of the value)
instead of a parse error. Whatever reads JSON from outside (request bodies in
``annotations.parsers``, import-file lines) checks the text here first and refuses it as invalid
input when it nests deeper than ``MAX_JSON_DEPTH``.

Depth counts open arrays and objects: ``1`` and ``"a"`` are depth 0, ``[]`` and ``{}`` depth 1,
``{"a": [1]}`` depth 2. Brackets inside strings do not count. Every step runs in C over the whole
text (no Python loop per character or per string), because import files check every line: every
byte but quotes and brackets is dropped in one pass (a text with few brackets stops there), the
escaped quotes too where there are any, then the strings; what is left, the brackets outside
strings, is summed by numpy (``[`` and ``{`` +1, ``]`` and ``}`` -1, never below 0), a fixed-size
piece at a time. A line of 60 spans costs about half of what decoding it does. Text that is not
valid JSON gets some depth all the same and is left for the decoder to refuse.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

# Deep enough for any document metadata or request we accept (the deepest body of the API is
# about 4 levels), far below the ~1,000 levels at which the decoder exhausts Python's stack.
MAX_JSON_DEPTH = 64

# Every byte but the quote and the brackets (in UTF-8 no byte of a multi-byte character is one).
_NOT_MARKS = bytes(b for b in range(256) if b not in b'"[]{}')
# Each bracket's step of the depth, by byte value.
_STEP = np.zeros(256, dtype=np.int8)
_STEP[[ord("["), ord("{")]] = 1
_STEP[[ord("]"), ord("}")]] = -1
_PIECE = 1 << 20  # brackets summed at a time: memory stays bounded for a large body


class JsonTooDeep(ValueError):
    """The text nests arrays and objects deeper than the limit."""

    def __init__(self, max_depth: int) -> None:
        super().__init__(
            f"JSON nested more than {max_depth} levels deep (arrays and objects inside each "
            f"other); flatten it to at most {max_depth} levels."
        )
        self.max_depth = max_depth


def json_depth_exceeds(text: str | bytes, max_depth: int = MAX_JSON_DEPTH) -> bool:
    """Whether ``text`` opens more than ``max_depth`` arrays or objects inside each other.

    A text with fewer brackets in all (strings included) than the limit is not scanned further.
    """
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    # Quotes and brackets only: a few hundred bytes of a line of tens of kilobytes.
    marks = raw.translate(None, _NOT_MARKS)
    if marks.count(b"[") + marks.count(b"{") <= max_depth:
        return False
    if b'\\"' in raw:
        # Escapes pair up from the left: escaped backslashes first, then escaped quotes. The
        # other escapes (\n, \u00e9) hold neither a quote nor a bracket.
        marks = raw.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _NOT_MARKS)
    # Then the strings: first the many with no bracket in them (two quotes side by side), then
    # every other piece between the quotes that are left (an unterminated string runs to the end
    # of the text).
    marks = marks.replace(b'""', b"")
    brackets = b"".join(marks.split(b'"')[0::2])
    if brackets.count(b"[") + brackets.count(b"{") <= max_depth:
        return False
    codes = np.frombuffer(brackets, dtype=np.uint8)
    level = floor = 0
    for start in range(0, len(codes), _PIECE):
        levels = np.cumsum(_STEP[codes[start : start + _PIECE]], dtype=np.int64) + level
        # The depth never went below 0: a stray closing bracket does not hide what follows.
        floors = np.minimum(np.minimum.accumulate(levels), floor)
        if int((levels - floors).max()) > max_depth:
            return True
        level, floor = int(levels[-1]), int(floors[-1])
    return False


def check_json_depth(text: str | bytes, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Raise ``JsonTooDeep`` when ``text`` nests deeper than ``max_depth``; decode it afterwards."""
    if json_depth_exceeds(text, max_depth):
        raise JsonTooDeep(max_depth)


def loads(text: str | bytes, max_depth: int = MAX_JSON_DEPTH, **options: Any) -> Any:
    """``json.loads(text, **options)`` of a text no deeper than ``max_depth`` (``JsonTooDeep``
    first otherwise, so the decoder never recurses past the limit)."""
    check_json_depth(text, max_depth)
    return json.loads(text, **options)
