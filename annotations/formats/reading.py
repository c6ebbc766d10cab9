"""Small helpers shared by the parsers."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from typing import IO, Any, TypeGuard

from annotations import json_depth
from annotations.json_depth import JsonTooDeep


def is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def text_lines(fp: IO[Any]) -> Iterator[str]:
    """Lines of a text or binary (UTF-8, optional BOM) file, without their line ends."""
    if isinstance(fp, io.TextIOBase) or hasattr(fp, "encoding"):
        stream: IO[str] = fp
        wrapper = None
    else:
        wrapper = io.TextIOWrapper(fp, encoding="utf-8-sig", newline="")
        stream = wrapper
    try:
        first = True
        for line in stream:
            if first:
                line = line.removeprefix("\ufeff")
                first = False
            yield line.rstrip("\r\n")
    finally:
        if wrapper is not None:
            wrapper.detach()


def not_utf8(exc: UnicodeDecodeError) -> str:
    """What to tell a person whose file is not UTF-8 text."""
    bad = exc.object[exc.start : exc.start + 1]
    return (
        f"not UTF-8 text (byte 0x{bad.hex()} cannot be decoded as UTF-8): save the file with "
        "the UTF-8 encoding and import it again"
    )


def load_json(fp: IO[Any]) -> Any:
    """Parse a whole JSON file (text or binary); ``ValueError`` with the position when invalid,
    ``JsonTooDeep`` when it nests deeper than ``annotations.json_depth`` allows."""
    raw = fp.read()
    raw = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw.removeprefix("\ufeff")
    return json_depth.loads(raw)


def check_iso_datetime(value: str) -> str | None:
    """An error message when ``value`` is not an ISO 8601 date or date-time, else None."""
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return f"{value!r} is not an ISO 8601 date or date-time."
    return None


def describe(value: Any) -> str:
    """Short description of a JSON value's type for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def json_lines(fp: IO[Any], report: Any) -> Iterator[tuple[int, Any]]:
    """``(line number, value)`` of each non-blank line of a JSONL file; a line that is not JSON,
    or nests too deeply, is reported (``report.error``, counted in ``report.items``) and skipped.
    A file that is not UTF-8 is reported once, at the line where decoding failed, and ends."""
    lines = enumerate(text_lines(fp), start=1)
    number = 0
    while True:
        try:
            number, line = next(lines)
        except StopIteration:
            return
        except UnicodeDecodeError as exc:
            # The decoder reads ahead in blocks: the bad byte is on this line or a later one.
            report.items += 1
            report.error(number + 1, "", f"line {number + 1} or a later one is {not_utf8(exc)}.")
            return
        if not line.strip():
            continue
        report.items += 1
        try:
            value = json_depth.loads(line)
        except JsonTooDeep as exc:
            report.error(number, "", f"is refused: {exc}")
            continue
        except ValueError as exc:
            report.error(number, "", f"is not valid JSON: {exc}.")
            continue
        yield number, value
