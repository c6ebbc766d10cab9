"""Benchmark of the pure agreement package (annotations.agreement); prints figures.

    .venv/bin/python bench/agreement_pure.py                  # 1,000 documents, 5 repeats
    .venv/bin/python bench/agreement_pure.py --repeat 9
    .venv/bin/python bench/agreement_pure.py --documents 100000   # streaming + peak memory

Synthetic, seeded data: documents of ~2,500 code points, 3 annotators, ~20 spans each (shared
"claims" that each annotator marks with jittered offsets, sometimes another label, sometimes not
at all), 5 labels, 3 verification statuses. Every timing is repeated and reported as the median
(with min and max) of wall-clock seconds; CPU seconds of the process are shown too because a
shared machine inflates wall time.

The comparison with the ``krippendorff`` package (GPL, a test-time reference that the app never
imports) builds the full coders x characters matrix, as a character-level tool would, and checks
that both give the same alpha.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from annotations.agreement import (  # noqa: E402
    DocumentAnnotations,
    DocumentIntermediate,
    ProjectAccumulator,
    SpanRecord,
    alpha_from_coincidence,
    document_intermediate,
    project_report,
)
from annotations.agreement.segments import character_tables  # noqa: E402

LABELS = (11, 12, 13, 14, 15)
STATUSES = (1, 2, 3)
ANNOTATORS = (101, 102, 103)


def make_document(rng: np.random.Generator, document_id: int) -> DocumentAnnotations:
    length = int(rng.integers(2250, 2751))
    spans: list[SpanRecord] = []
    for _ in range(22):
        start = int(rng.integers(0, length - 20))
        end = int(min(length, start + rng.integers(8, 150)))
        label = int(rng.choice(LABELS))
        status = int(rng.choice(STATUSES))
        for annotator in ANNOTATORS:
            if rng.random() < 0.1:  # missed this claim
                continue
            s = max(0, start + int(rng.integers(-6, 7)))
            e = min(length, end + int(rng.integers(-6, 7)))
            if e <= s:
                continue
            own_label = int(rng.choice(LABELS)) if rng.random() < 0.15 else label
            own_status = int(rng.choice(STATUSES)) if rng.random() < 0.25 else status
            spans.append(SpanRecord(annotator, own_label, s, e, own_status))
    return DocumentAnnotations(document_id, length, ANNOTATORS, tuple(spans))


def make_documents(count: int, seed: int) -> Iterator[DocumentAnnotations]:
    rng = np.random.default_rng(seed)
    for document_id in range(1, count + 1):
        yield make_document(rng, document_id)


def timed(function: Callable[[], Any], repeat: int) -> tuple[list[float], list[float], Any]:
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = function()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return walls, cpus, result


def show(name: str, walls: list[float], cpus: list[float], target: str = "") -> None:
    print(
        f"{name:<58} median {statistics.median(walls):8.4f} s  "
        f"(min {min(walls):.4f}, max {max(walls):.4f}; cpu median {statistics.median(cpus):.4f} s)"
        f"{'  target ' + target if target else ''}"
    )


# -- alpha only: segments versus the character matrix ---------------------------------------------


def segment_alpha(docs: list[DocumentAnnotations]) -> float | None:
    index: dict[tuple[int, ...], int] = {}
    parts = []
    for doc in docs:
        tables = character_tables(doc)
        local = np.array([index.setdefault(c, len(index)) for c in tables.categories])
        parts.append((local, tables.coincidence()))
    pooled = np.zeros((len(index), len(index)))
    for local, matrix in parts:
        pooled[np.ix_(local, local)] += matrix
    return alpha_from_coincidence(pooled).value


def character_codes(docs: list[DocumentAnnotations]) -> np.ndarray:
    """Coders x characters matrix of label-set codes, built per character as a char tool would."""
    bit = {label: 1 << i for i, label in enumerate(LABELS)}
    row = {a: i for i, a in enumerate(ANNOTATORS)}
    columns = []
    for doc in docs:
        block = np.zeros((len(ANNOTATORS), doc.length), dtype=np.int64)
        for span in doc.spans:
            # a label set as a bitmask per character (set union by bitwise or)
            block[row[span.annotator], span.start : span.end] |= bit[span.label]
        columns.append(block)
    codes = np.concatenate(columns, axis=1)
    return np.unique(codes, return_inverse=True)[1].reshape(codes.shape)


def character_matrix_alpha(docs: list[DocumentAnnotations]) -> float:
    """The character matrix handed to the ``krippendorff`` package."""
    import krippendorff  # GPL reference, benchmark only

    codes = character_codes(docs)
    return float(
        krippendorff.alpha(
            reliability_data=codes.astype(float),
            level_of_measurement="nominal",
            value_domain=list(range(int(codes.max()) + 1)),
        )
    )


def character_matrix_numpy_alpha(docs: list[DocumentAnnotations]) -> float | None:
    """The character matrix, coincidences counted per character with numpy (full scale)."""
    codes = character_codes(docs)
    m, k = codes.shape[0], int(codes.max()) + 1
    matrix = np.zeros(k * k)
    for i in range(m):
        for j in range(m):
            if i != j:
                matrix += np.bincount(codes[i] * k + codes[j], minlength=k * k)
    return alpha_from_coincidence(matrix.reshape(k, k) / (m - 1)).value


# -- runs -----------------------------------------------------------------------------------------


def run_suite(count: int, repeat: int, seed: int, reference_cells: int) -> None:
    docs = list(make_documents(count, seed))
    chars = sum(d.length for d in docs)
    spans = sum(len(d.spans) for d in docs) / len(docs)
    print(
        f"{count} documents, {chars} code points, {len(ANNOTATORS)} annotators, "
        f"{spans:.1f} spans per document ({spans / len(ANNOTATORS):.1f} per annotator); "
        f"{repeat} repeats"
    )

    def full() -> dict[str, Any]:
        return project_report(
            [document_intermediate(d) for d in docs], bootstrap_resamples=0, seed=seed
        )

    walls, cpus, report = timed(full, repeat)
    show("all intermediates + project report (no bootstrap)", walls, cpus, "< 2 s")

    items = [document_intermediate(d) for d in docs]
    acc = ProjectAccumulator()
    for item in items:
        acc.add(item)
    walls, cpus, interval = timed(lambda: acc.bootstrap_interval(resamples=1000, seed=seed), repeat)
    show(f"bootstrap, {count} documents x 1,000 resamples", walls, cpus, "< 1 s")
    print(
        f"    alpha {report['character_alpha']['value']:.4f}, 95% interval "
        f"[{interval.low:.4f}, {interval.high:.4f}]"
    )

    rng = np.random.default_rng(seed + 1)
    target = count // 2
    changed = make_document(rng, items[target].document_id)
    state = acc.to_json()

    def update_in_memory() -> dict[str, Any]:
        new = document_intermediate(changed)
        acc.replace(items[target], new)
        result = acc.report(bootstrap_resamples=0)
        acc.replace(new, items[target])  # put it back for the next repeat
        return result

    walls, cpus, _ = timed(update_in_memory, repeat)
    show("update one document: recompute + replace + report", walls, cpus, "< 100 ms")

    def update_stored() -> dict[str, Any]:
        restored = ProjectAccumulator.from_json(state)
        restored.replace(items[target], document_intermediate(changed))
        restored.to_json()
        return restored.report(bootstrap_resamples=0)

    walls, cpus, _ = timed(update_stored, repeat)
    show("  same from stored JSON state (from_json ... to_json)", walls, cpus)

    stored = [item.to_json() for item in items]

    def rollup_from_intermediates() -> dict[str, Any]:
        return project_report(
            (DocumentIntermediate.from_json(j) for j in stored), bootstrap_resamples=0
        )

    walls, cpus, _ = timed(rollup_from_intermediates, repeat)
    show(f"  full roll-up from {count} stored intermediates", walls, cpus)

    # The krippendorff package materialises units x values x values arrays (several GB for all
    # 2.5 M characters and 32 label-set values), so it gets the leading documents that fit.
    values = len({c for d in docs for c in character_tables(d).categories})
    subset, cells = [], 0
    for doc in docs:
        if subset and (cells + doc.length) * values * values > reference_cells:
            break
        subset.append(doc)
        cells += doc.length
    print(
        f"alpha only, first {len(subset)} documents ({cells} characters, {values} label-set "
        "values; the reference package needs characters x values^2 memory):"
    )
    walls_seg, cpus, ours = timed(lambda: segment_alpha(subset), repeat)
    show("  segment-weighted coincidences", walls_seg, cpus)
    walls_chr, cpus, reference = timed(lambda: character_matrix_alpha(subset), repeat)
    show("  character matrix + krippendorff.alpha", walls_chr, cpus)
    assert ours is not None and abs(ours - reference) < 1e-9, (ours, reference)
    print(
        f"    speed-up {statistics.median(walls_chr) / statistics.median(walls_seg):.1f}x "
        f"(target >= 10x); alpha {ours:.12f} vs {reference:.12f}, "
        f"|difference| {abs(ours - reference):.1e}"
    )
    print(f"alpha only, all {count} documents ({chars} characters):")
    walls_seg, cpus, ours = timed(lambda: segment_alpha(docs), repeat)
    show("  segment-weighted coincidences", walls_seg, cpus)
    walls_chr, cpus, reference = timed(lambda: character_matrix_numpy_alpha(docs), repeat)
    show("  character matrix + per-character numpy coincidences", walls_chr, cpus)
    assert ours is not None and reference is not None and abs(ours - reference) < 1e-9
    print(
        f"    speed-up {statistics.median(walls_chr) / statistics.median(walls_seg):.1f}x; "
        f"|difference| {abs(ours - reference):.1e}"
    )


def run_streaming(count: int, seed: int) -> None:
    def rss_mib() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

    before = rss_mib()
    wall, cpu = time.perf_counter(), time.process_time()
    acc = ProjectAccumulator()
    for number, doc in enumerate(make_documents(count, seed), start=1):
        acc.add(document_intermediate(doc))
        if number % 10_000 == 0:
            print(
                f"    {number:>7} documents  {time.perf_counter() - wall:7.1f} s  "
                f"peak RSS {rss_mib():7.1f} MiB",
                flush=True,
            )
    streamed = time.perf_counter() - wall
    started = time.perf_counter()
    report = acc.report(bootstrap_resamples=1000, seed=seed)
    reported = time.perf_counter() - started
    print(
        f"{count} documents streamed (generate + intermediate + add) in {streamed:.1f} s, "
        f"report with 1,000-resample bootstrap in {reported:.2f} s, "
        f"cpu {time.process_time() - cpu:.1f} s"
    )
    print(
        f"peak RSS {rss_mib():.1f} MiB (process before streaming: {before:.1f} MiB); "
        f"alpha {report['character_alpha']['value']:.4f}, interval "
        f"[{report['character_alpha']['bootstrap']['low']:.4f}, "
        f"{report['character_alpha']['bootstrap']['high']:.4f}]"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20041)
    parser.add_argument(
        "--reference-cells",
        type=int,
        default=2**26,
        help="size bound (characters x values^2) of the krippendorff comparison",
    )
    parser.add_argument(
        "--stream",
        action="store_true",
        help="streaming run with peak memory (the default above 10,000 documents)",
    )
    args = parser.parse_args()
    if args.stream or args.documents > 10_000:
        run_streaming(args.documents, args.seed)
    else:
        run_suite(args.documents, args.repeat, args.seed, args.reference_cells)


if __name__ == "__main__":
    main()
