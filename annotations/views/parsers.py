"""Request body parsers (``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]``)."""

from __future__ import annotations

import codecs
from typing import IO, Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.utils import json

from annotations import json_depth
from annotations.json_depth import MAX_JSON_DEPTH


class DepthLimitedJSONParser(JSONParser):
    """DRF's JSON parser, refusing (400) a body nested deeper than ``MAX_JSON_DEPTH`` before it
    is decoded: Python's decoder would recurse once per level and fail with ``RecursionError``
    (a 500) on a few thousand ``[``."""

    max_depth = MAX_JSON_DEPTH

    def parse(
        self,
        stream: IO[bytes],
        media_type: str | None = None,
        parser_context: dict[str, Any] | None = None,
    ) -> Any:
        encoding = get_encoding(parser_context or {})
        try:
            text = codecs.getreader(encoding)(stream).read()
            parse_constant = json.strict_constant if self.strict else None
            return json_depth.loads(text, self.max_depth, parse_constant=parse_constant)
        except ValueError as exc:  # JsonTooDeep, a decoding error or invalid JSON
            raise ParseError(f"JSON parse error - {exc}") from exc
