"""Slow, obvious reference computations and random data for the agreement tests.

Written independently of the package: character by character, with plain loops, so a test that
compares the package against these catches errors of the segment/vectorised shortcuts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from itertools import permutations

import numpy as np
from hypothesis import strategies as st

from annotations.agreement.records import DocumentAnnotations, SpanRecord

Category = tuple[int, ...]


def char_values(doc: DocumentAnnotations) -> dict[int, list[Category]]:
    """Annotator -> their label-set value at every character, by brute force."""
    values: dict[int, list[Category]] = {}
    for annotator in doc.annotators:
        row = []
        for position in range(doc.length):
            labels = {
                s.label
                for s in doc.spans
                if s.annotator == annotator and s.start <= position < s.end
            }
            row.append(tuple(sorted(labels)))
        values[annotator] = row
    return values


def naive_coincidence(docs: Sequence[DocumentAnnotations]) -> Counter[tuple[Category, Category]]:
    """Coincidences over all characters of all documents, one character at a time."""
    coincidence: Counter[tuple[Category, Category]] = Counter()
    for doc in docs:
        m = len(doc.annotators)
        if m < 2:
            continue
        values = char_values(doc)
        for position in range(doc.length):
            unit = [values[a][position] for a in doc.annotators]
            for first, second in permutations(range(m), 2):
                coincidence[(unit[first], unit[second])] += 1.0 / (m - 1)
    return coincidence


def naive_nominal_alpha(coincidence: Counter[tuple[Category, Category]]) -> float | None:
    """alpha = 1 - (n - 1) sum_{c != k} o_ck / sum_{c != k} n_c n_k; None when undefined."""
    marginals: Counter[Category] = Counter()
    for (c, _k), weight in coincidence.items():
        marginals[c] += weight
    n = sum(marginals.values())
    observed = sum(w for (c, k), w in coincidence.items() if c != k)
    expected = sum(marginals[c] * marginals[k] for c in marginals for k in marginals if c != k)
    if n == 0 or expected <= 1e-9:
        return None
    return 1.0 - (n - 1) * observed / expected


def reliability_matrix(
    docs: Sequence[DocumentAnnotations], code: dict[Category, int] | None = None
) -> tuple[np.ndarray, dict[Category, int]]:
    """Coders x characters matrix of category codes (NaN where a coder did not submit)."""
    coders = sorted({a for doc in docs for a in doc.annotators})
    row_of = {a: i for i, a in enumerate(coders)}
    code = {} if code is None else code
    columns = []
    for doc in docs:
        block = np.full((len(coders), doc.length), np.nan)
        for annotator, values in char_values(doc).items():
            for position, value in enumerate(values):
                block[row_of[annotator], position] = code.setdefault(value, len(code))
        columns.append(block)
    if not columns:
        return np.zeros((len(coders), 0)), code
    return np.concatenate(columns, axis=1), code


@st.composite
def documents(
    draw: st.DrawFn,
    document_id: int = 1,
    max_length: int = 40,
    annotator_pool: Sequence[int] = (1, 2, 3, 4),
    labels: Sequence[int] = (5, 6, 7),
    min_annotators: int = 1,
    max_spans: int = 8,
) -> DocumentAnnotations:
    length = draw(st.integers(0, max_length))
    annotators = draw(
        st.lists(
            st.sampled_from(annotator_pool),
            min_size=min_annotators,
            max_size=len(annotator_pool),
            unique=True,
        )
    )
    spans = []
    if length > 0:
        for _ in range(draw(st.integers(0, max_spans))):
            start = draw(st.integers(0, length - 1))
            end = draw(st.integers(start + 1, length))
            spans.append(
                SpanRecord(
                    annotator=draw(st.sampled_from(annotators)),
                    label=draw(st.sampled_from(labels)),
                    start=start,
                    end=end,
                    status=draw(st.sampled_from((None, 1, 2))),
                )
            )
    return DocumentAnnotations(document_id, length, tuple(annotators), tuple(spans))


@st.composite
def projects(
    draw: st.DrawFn, max_documents: int = 5, **kwargs: object
) -> list[DocumentAnnotations]:
    count = draw(st.integers(1, max_documents))
    return [draw(documents(document_id=i + 1, **kwargs)) for i in range(count)]  # type: ignore[arg-type]


def random_document(
    rng: np.random.Generator,
    document_id: int,
    *,
    length: int = 300,
    annotators: Sequence[int] = (1, 2, 3),
    spans: int = 8,
    labels: Sequence[int] = (5, 6, 7),
) -> DocumentAnnotations:
    """Annotators who mostly agree: shared spans, jittered, sometimes relabelled or dropped."""
    shared = []
    for _ in range(spans):
        start = int(rng.integers(0, length - 1))
        end = int(min(length, start + rng.integers(1, 40)))
        shared.append((int(rng.choice(labels)), start, end))
    records = []
    for annotator in annotators:
        for label, start, end in shared:
            if rng.random() < 0.2:
                continue
            if rng.random() < 0.2:
                label = int(rng.choice(labels))
            s = max(0, start + int(rng.integers(-3, 4)))
            e = min(length, end + int(rng.integers(-3, 4)))
            if e > s:
                status = None if rng.random() < 0.1 else int(rng.integers(1, 4))
                records.append(SpanRecord(annotator, label, s, e, status))
    return DocumentAnnotations(document_id, length, tuple(annotators), tuple(records))
