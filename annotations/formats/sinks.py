"""Let every text writer accept a text file or a binary file (written as UTF-8)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any


@contextmanager
def text_sink(fp: IO[Any]) -> Iterator[IO[str]]:
    """Yield a text stream over ``fp``; a binary ``fp`` is wrapped in UTF-8 and left open.

    Writers never close the caller's file: the wrapper is flushed and detached at the end.
    """
    if isinstance(fp, io.TextIOBase) or hasattr(fp, "encoding"):
        yield fp
        return
    wrapper = io.TextIOWrapper(fp, encoding="utf-8", newline="", write_through=False)
    try:
        yield wrapper
    finally:
        wrapper.flush()
        wrapper.detach()


class JsonArrayWriter:
    """Stream a JSON array: ``[`` first, items separated by ``,``, ``]`` on close."""

    __slots__ = ("_out", "_dumps", "count")

    def __init__(self, out: IO[str], dumps: Any) -> None:
        self._out = out
        self._dumps = dumps
        self.count = 0
        out.write("[")

    def write(self, item: Any) -> None:
        self._out.write("\n" if self.count == 0 else ",\n")
        self._out.write(self._dumps(item))
        self.count += 1

    def close(self) -> None:
        self._out.write("\n]\n" if self.count else "]\n")
