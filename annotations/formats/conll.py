"""CoNLL BIO export: one token per line, one BIO tag column per annotator (and/or gold).

Layout (UTF-8, ``\\n`` line ends)::

    # doc_id = 42
    # columns = TOKEN alice bob
    The	O	O
    minister	B-claim	O
    said	I-claim	B-denial
    ...
    <blank line between sentences and after each document>

Each document starts with ``# doc_id = <id>`` and ``# columns = TOKEN <column names...>``
comment lines (hash, space; a token line never starts that way because tokens contain no
whitespace and fields are tab-separated). Column names are the annotators' usernames in the
document's annotator order, then ``gold``. A line is the token, then one tag per column, separated
by tabs; with ``with_offsets=True`` the token is followed by its ``start`` and ``end`` (code points).

Tokenizer (exactly as implemented): tokens are the matches, left to right, of
``W(?:W|J)*|O(?:J)*`` over the document text, where ``W`` is a word character (Python ``re``'s
``\\w``: letters, digits, underscore), ``J`` a joiner (Unicode general category Mn, Mc, Me -
combining marks - or Cf - format characters such as the zero-width joiner and the soft hyphen),
and ``O`` any other character that is neither whitespace (``\\s``, which includes NBSP U+00A0 and
the Unicode line/paragraph separators) nor a joiner. So a word keeps its combining accents and
vowel signs; each punctuation mark, symbol or emoji is a token of its own (an emoji ZWJ sequence
may give several tokens); whitespace and stray joiners separate tokens and never appear in one.
Token offsets are code points. Categories come from the Unicode database of the running Python
(``unicodedata.unidata_version``).

Sentences: a blank line ends a sentence after a token ``.``, ``!``, ``?``, ``…``, ``。``, ``！``
or ``？`` that is followed by whitespace or the end of the text, and wherever the whitespace
between two tokens contains a line break (``\\n``, ``\\r``, U+2028, U+2029, U+0085, ``\\v``,
``\\f``). Documents are separated by the blank line that ends their last sentence.

Tags: a token is covered by a span when they overlap (``token.start < span.end`` and
``span.start < token.end``), so a span that starts or ends inside a word tags the whole word.
When several spans of the same column cover a token, the token takes the span that starts
earliest; on a tie, the longest (largest ``end``); then the label that comes first in the
project's label order; then the smallest label key. The tag is ``B-<label key>`` when the token
is the first of its sentence or the previous token's winning span is a different span (or none),
``I-<label key>`` otherwise, and ``O`` when no span covers the token. Nested and overlapping
spans are therefore flattened; the native JSONL keeps them all.

Columns (``columns=``): ``"annotators"`` (default) one per annotator; ``"gold"`` only the gold
column, and documents without adjudication are skipped (counted in the summary as ``no_gold``);
``"all"`` annotators then gold (``_`` in every gold cell of a document without adjudication).
"""

from __future__ import annotations

import re
import sys
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from functools import cache
from typing import IO, Any, Literal

from annotations.formats.records import ExportDocument, ExportProject, ExportSpan, ExportSummary
from annotations.formats.sinks import text_sink

ColumnsChoice = Literal["annotators", "gold", "all"]

SENTENCE_FINAL = frozenset({".", "!", "?", "…", "。", "！", "？"})
_SPACE = re.compile(r"\s")
_LINE_BREAKS = re.compile("[\n\r\u2028\u2029\x85\x0b\x0c]")


@cache
def _joiner_class() -> str:
    """Regex character class body for categories Mn, Mc, Me and Cf (scanned once, lazily)."""
    ranges: list[tuple[int, int]] = []
    # Combining marks and format characters live in planes 0, 1 and 14 only.
    for low, high in ((0, 0x1FFFF), (0xE0000, min(0xE0FFF, sys.maxunicode))):
        start = None
        for cp in range(low, high + 1):
            category = unicodedata.category(chr(cp))
            joins = category[0] == "M" or category == "Cf"
            if joins and start is None:
                start = cp
            elif not joins and start is not None:
                ranges.append((start, cp - 1))
                start = None
        if start is not None:
            ranges.append((start, high))
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )


@cache
def _token_regex() -> re.Pattern[str]:
    j = _joiner_class()
    return re.compile(rf"\w[\w{j}]*|[^\w\s{j}][{j}]*")


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """``(token, start, end)`` for every token of ``text``, offsets in code points."""
    return [(m.group(), m.start(), m.end()) for m in _token_regex().finditer(text)]


def sentences(text: str) -> list[list[tuple[str, int, int]]]:
    """Tokens grouped into sentences by the rule in the module docstring."""
    result: list[list[tuple[str, int, int]]] = []
    current: list[tuple[str, int, int]] = []
    previous_end = 0
    for token in tokenize(text):
        start = token[1]
        if current and start > previous_end:
            # The gap between two tokens holds only whitespace and stray joiners.
            final = current[-1][0] in SENTENCE_FINAL
            if (final and _SPACE.search(text, previous_end, start)) or _LINE_BREAKS.search(
                text, previous_end, start
            ):
                result.append(current)
                current = []
        current.append(token)
        previous_end = token[2]
    if current:
        result.append(current)
    return result


def bio_tags(
    tokens: Sequence[tuple[str, int, int]],
    spans: Iterable[ExportSpan],
    label_order: dict[str, int],
    *,
    sentence_starts: frozenset[int] = frozenset(),
) -> list[str]:
    """BIO tag per token for one column's spans (the overlap rule of the module docstring).

    ``sentence_starts`` holds the indexes of tokens that begin a sentence (they always get B-).
    """
    unknown = len(label_order)
    ranked = sorted(
        spans,
        key=lambda s: (s.start, -s.end, label_order.get(s.label, unknown), s.label),
    )
    winners: list[int | None] = [None] * len(tokens)
    # Spans are sorted by the tie-break order: the first span to claim a token wins it.
    starts = [t[1] for t in tokens]
    for rank, span in enumerate(ranked):
        # First token whose end is past span.start: tokens are sorted and disjoint.
        index = bisect_right(starts, span.start) - 1
        if index < 0 or tokens[index][2] <= span.start:
            index += 1
        while index < len(tokens) and tokens[index][1] < span.end:
            if winners[index] is None:
                winners[index] = rank
            index += 1
    tags: list[str] = []
    previous: int | None = None
    for index, winner in enumerate(winners):
        if winner is None:
            tags.append("O")
        else:
            label = ranked[winner].label
            fresh = winner != previous or index in sentence_starts
            tags.append(("B-" if fresh else "I-") + label)
        previous = winner
    return tags


def write_conll(
    documents: Iterable[ExportDocument],
    fp: IO[Any],
    *,
    project: ExportProject | None = None,
    columns: ColumnsChoice = "annotators",
    with_offsets: bool = False,
) -> ExportSummary:
    if columns not in ("annotators", "gold", "all"):
        raise ValueError(f"columns must be 'annotators', 'gold' or 'all', got {columns!r}")
    label_order = project.label_order() if project is not None else {}
    count = written = span_count = no_gold = 0
    with text_sink(fp) as out:
        for document in documents:
            count += 1
            if columns == "gold" and document.gold is None:
                no_gold += 1
                continue
            names: list[str] = []
            layers: list[list[ExportSpan] | None] = []
            if columns in ("annotators", "all"):
                by_annotator: dict[str, list[ExportSpan]] = {a: [] for a in document.annotators}
                for span in document.spans:
                    by_annotator.setdefault(span.annotator or "", []).append(span)
                for name, spans in by_annotator.items():
                    names.append(name)
                    layers.append(spans)
            if columns in ("gold", "all"):
                names.append("gold")
                layers.append(None if document.gold is None else list(document.gold))
            span_count += sum(len(layer) for layer in layers if layer is not None)
            blocks = sentences(document.text)
            flat = [token for block in blocks for token in block]
            sentence_starts: set[int] = set()
            position = 0
            for block in blocks:
                sentence_starts.add(position)
                position += len(block)
            frozen_starts = frozenset(sentence_starts)
            tag_columns = [
                ["_"] * len(flat)
                if layer is None
                else bio_tags(flat, layer, label_order, sentence_starts=frozen_starts)
                for layer in layers
            ]
            lines = [
                f"# doc_id = {document.document_id}",
                "# columns = " + " ".join(["TOKEN", *names]),
            ]
            index = 0
            for block in blocks:
                for token, start, end in block:
                    fields = [token, str(start), str(end)] if with_offsets else [token]
                    fields.extend(column[index] for column in tag_columns)
                    lines.append("\t".join(fields))
                    index += 1
                lines.append("")
            if not blocks:
                lines.append("")
            out.write("\n".join(lines))
            out.write("\n")
            written += 1
    skipped = {"no_gold": no_gold} if no_gold else {}
    message = (
        f"{no_gold} of {count} documents have no adjudication yet and were left out of the gold "
        "column export."
        if no_gold
        else ""
    )
    return ExportSummary(
        format="conll",
        documents=count,
        documents_written=written,
        spans=span_count,
        skipped=skipped,
        message=message,
    )
