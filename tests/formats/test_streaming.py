"""Writers consume their documents once, lazily, and write as they go, in bounded memory."""

from __future__ import annotations

import io
import tracemalloc
from collections.abc import Callable, Iterator

import pytest

from annotations.formats import (
    write_claimreview,
    write_conll,
    write_csv,
    write_doccano,
    write_fever,
    write_jsonl,
    write_label_studio,
    write_parquet,
)
from annotations.formats.conll import tokenize
from annotations.formats.records import ExportDocument, ExportEvidence, ExportSpan
from tests.formats.samples import PROJECT

DOCUMENTS = 5_000
WORDS = ["😀", "ministre", "café", "a\u00a0dit", "e\u0301", "faux", "vrai", "INSEE", "."]


def make_document(i: int) -> ExportDocument:
    text = " ".join(WORDS[(i + k) % len(WORDS)] for k in range(60)) + f" n°{i}"
    evidence = (ExportEvidence(f"https://e.example/{i}", "note", "refutes"),)

    def span(annotator: str | None, start: int, end: int, status: str) -> ExportSpan:
        return ExportSpan(i, annotator, "claim", start, end, text[start:end], status, "", evidence)

    return ExportDocument(
        document_id=i,
        title=f"Document {i}",
        text=text,
        source_url=f"https://news.example/{i}",
        published_at=None,
        metadata={"i": i},
        annotators=("alice", "bob"),
        spans=(span("alice", 0, 12, "false"), span("bob", 3, 20, "true")),
        gold=(span(None, 0, 12, "false"),),
        agreement={"alpha": 0.5},
    )


class CountingSink(io.RawIOBase):
    """Discards what it is given and counts it, so memory measures the writer, not the output."""

    def __init__(self) -> None:
        self.bytes = 0
        self.writes = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[override]
        self.bytes += len(data)
        self.writes += 1
        return len(data)


class OnceIterable:
    """Yields ``count`` documents lazily; a second iteration (materialising, re-reading) fails.

    Every 500 documents it checks that the output has grown since the last check: a writer that
    buffered everything until the end would fail here.
    """

    def __init__(self, sink: CountingSink, count: int = DOCUMENTS, check_every: int = 500) -> None:
        self.sink = sink
        self.count = count
        self.check_every = check_every
        self.iterated = False
        self.produced = 0

    def __iter__(self) -> Iterator[ExportDocument]:
        if self.iterated:
            raise AssertionError("the writer iterated over the documents twice")
        self.iterated = True
        last_bytes = -1
        for i in range(self.count):
            if i and i % self.check_every == 0:
                assert self.sink.bytes > last_bytes, f"nothing written after {i} documents"
                last_bytes = self.sink.bytes
            self.produced += 1
            yield make_document(i)


WRITERS: dict[str, Callable] = {
    "jsonl": write_jsonl,
    "csv": write_csv,
    "conll": lambda docs, fp: write_conll(docs, fp, project=PROJECT, columns="all"),
    "label_studio": write_label_studio,
    "doccano": lambda docs, fp: write_doccano(docs, fp, annotator="alice"),
    "claimreview": lambda docs, fp: write_claimreview(
        docs, fp, project=PROJECT, date_published="2026-01-01"
    ),
    "fever": write_fever,
    "parquet": lambda docs, fp: write_parquet(docs, fp, row_group_size=1_000),
}


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_writer_streams_a_generator_once_in_bounded_memory(name):
    sink = CountingSink()
    count = DOCUMENTS
    tokenize("warm up")  # builds the tokenizer's one-off character table outside the measure
    documents = OnceIterable(sink, count)
    # Parquet writes once per 1,000-span row group (every ~333 documents).
    tracemalloc.start()
    try:
        summary = WRITERS[name](documents, sink)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert documents.produced == count
    assert summary.documents == count
    assert sink.bytes > 0
    # 5,000 such documents held at once take ~25 MB (see below); one at a time a few hundred KB.
    assert peak < 3_000_000, f"{name}: peak {peak / 1e6:.1f} MB"


def test_materialised_documents_would_exceed_the_bound():
    """The bound above is meaningful: keeping the documents alive costs far more than it."""
    tracemalloc.start()
    try:
        kept = [make_document(i) for i in range(DOCUMENTS)]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(kept) == DOCUMENTS
    assert peak > 10_000_000
