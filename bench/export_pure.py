"""Throughput and memory of the pure export writers (annotations.formats); prints figures.

    .venv/bin/python bench/export_pure.py                     # 20,000 docs x 3 x 20 spans, 3 runs
    .venv/bin/python bench/export_pure.py --repeat 5 --formats jsonl csv parquet conll
    .venv/bin/python bench/export_pure.py --documents 2000    # quick look

Workload: a seeded generator of documents (~2,000 code points of news-like text with accents,
NBSP and emoji, 3 annotators x 20 spans each, one span in three with evidence, a gold layer on
half the documents), so 20,000 documents make 1.2 M annotator spans (+ 0.3 M gold spans). The
generator is consumed lazily: nothing holds more than one document.

Each (format, run) is a fresh subprocess writing to a file in a temporary directory, so its peak
RSS (``ru_maxrss``) is that writer's own. Reported per format: median wall seconds (min-max),
median CPU seconds of the process, annotator spans per second (wall and CPU), peak RSS and file
size. ``generate`` is the generator alone, the floor under every writer. Wall time is inflated on
a shared machine; CPU time is the steadier figure.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from annotations.formats import (  # noqa: E402
    ExportDocument,
    ExportEvidence,
    ExportProject,
    ExportSpan,
    write_claimreview,
    write_conll,
    write_csv,
    write_doccano,
    write_fever,
    write_jsonl,
    write_label_studio,
    write_parquet,
)

ANNOTATORS = ("alice", "bob", "carol")
LABELS = ("claim", "denial", "verifiable_fact")
STATUSES = ("unverified", "true", "false", "misleading", "unverifiable")
PROJECT = ExportProject(
    name="bench",
    labels=tuple((key, key.title(), "#336699") for key in LABELS),
    statuses=tuple((key, key.title(), key != "unverified") for key in STATUSES),
)
_PHRASE = (
    "le ministre a déclaré que la dette publique avait baissé de 12 % en 2025 selon "
    "l'INSEE mais les chiffres publiés montrent une hausse de la dépense café élection "
    "préfecture ville région taxe impôt santé école hôpital 😀 👍🏽 « » : , ."
)
WORDS = _PHRASE.split(" ")
SPANS_PER_ANNOTATOR = 20
TEXT_POOL = 64


def make_texts(seed: int) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for _ in range(TEXT_POOL):
        words: list[str] = []
        length = 0
        while length < 2_000:
            word = rng.choice(WORDS)
            words.append(word)
            length += len(word) + 1
        separator_count = len(words) - 1
        separators = [
            "\u00a0" if rng.random() < 0.02 else "\n" if rng.random() < 0.01 else " "
            for _ in range(separator_count)
        ]
        texts.append("".join(w + s for w, s in zip(words, separators, strict=False)) + words[-1])
    return texts


def documents(count: int, seed: int = 20260522) -> Iterator[ExportDocument]:
    rng = random.Random(seed)
    texts = make_texts(seed)
    for document_id in range(1, count + 1):
        text = texts[document_id % TEXT_POOL]
        length = len(text)
        spans = []
        span_id = document_id * 100
        for annotator in ANNOTATORS:
            for _ in range(SPANS_PER_ANNOTATOR):
                start = rng.randrange(0, length - 80)
                end = start + rng.randrange(5, 80)
                evidence = (
                    (ExportEvidence(f"https://evidence.example/{span_id}", "source", "refutes"),)
                    if rng.random() < 1 / 3
                    else ()
                )
                span_id += 1
                spans.append(
                    ExportSpan(
                        span_id,
                        annotator,
                        rng.choice(LABELS),
                        start,
                        end,
                        text[start:end],
                        rng.choice(STATUSES),
                        "note" if rng.random() < 0.1 else "",
                        evidence,
                    )
                )
        gold = None
        if document_id % 2 == 0:
            gold = tuple(
                ExportSpan(s.span_id + 50, None, s.label, s.start, s.end, s.quote, s.status,
                           "", s.evidence, "because")
                for s in spans[:SPANS_PER_ANNOTATOR]
            )  # fmt: skip
        yield ExportDocument(
            document_id=document_id,
            title=f"Article {document_id}",
            text=text,
            source_url=f"https://news.example/{document_id}",
            published_at="2026-05-03T08:00:00+00:00",
            metadata={"section": "politique", "n": document_id},
            annotators=ANNOTATORS,
            spans=tuple(spans),
            gold=gold,
            agreement={"alpha_nominal": 0.5},
        )


def _consume(docs, fp):
    for _ in docs:
        pass


WRITERS = {
    "generate": (_consume, "b", "bin"),
    "jsonl": (write_jsonl, "b", "jsonl"),
    "csv": (write_csv, "b", "csv"),
    "parquet": (lambda d, fp: write_parquet(d, fp, project=PROJECT), "b", "parquet"),
    "conll": (lambda d, fp: write_conll(d, fp, project=PROJECT), "b", "conll"),
    "label_studio": (write_label_studio, "b", "json"),
    "doccano": (lambda d, fp: write_doccano(d, fp, annotator="alice"), "b", "jsonl"),
    "claimreview": (
        lambda d, fp: write_claimreview(d, fp, project=PROJECT, date_published="2026-06-01"),
        "b",
        "jsonld",
    ),
    "fever": (write_fever, "b", "jsonl"),
}


def worker(fmt: str, count: int, directory: str) -> dict:
    write, mode, extension = WRITERS[fmt]
    path = Path(directory) / f"export.{extension}"
    cpu0, wall0 = time.process_time(), time.perf_counter()
    with open(path, "w" + mode) as fp:
        summary = write(documents(count), fp)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    size = path.stat().st_size
    path.unlink()
    return {
        "format": fmt,
        "wall": wall,
        "cpu": cpu,
        "annotator_spans": count * len(ANNOTATORS) * SPANS_PER_ANNOTATOR,
        "written_spans": None if summary is None else summary.spans,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "size_mb": size / 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--formats", nargs="+", default=["generate", "jsonl", "csv", "parquet"], choices=WRITERS
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.documents, args.dir)))
        return

    print(
        f"{args.documents:,} documents x {len(ANNOTATORS)} annotators x {SPANS_PER_ANNOTATOR} "
        f"spans = {args.documents * len(ANNOTATORS) * SPANS_PER_ANNOTATOR:,} annotator spans "
        f"(+ gold on half the documents); {args.repeat} runs per format, medians\n"
    )
    header = (
        f"{'format':<13}{'wall s (min-max)':>22}{'cpu s':>9}{'spans/s wall':>15}"
        f"{'spans/s cpu':>14}{'peak RSS MB':>13}{'file MB':>10}"
    )
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory(prefix="export-bench-") as directory:
        for fmt in args.formats:
            runs = []
            for _ in range(args.repeat):
                completed = subprocess.run(
                    [sys.executable, __file__, "--worker", fmt, "--documents",
                     str(args.documents), "--dir", directory],
                    capture_output=True, text=True, check=True, cwd=REPO_ROOT,
                    env={**os.environ, "PYTHONHASHSEED": "0"},
                )  # fmt: skip
                runs.append(json.loads(completed.stdout))
            walls = [r["wall"] for r in runs]
            wall = statistics.median(walls)
            cpu = statistics.median(r["cpu"] for r in runs)
            spans = runs[0]["annotator_spans"]
            print(
                f"{fmt:<13}{wall:>9.2f} ({min(walls):.2f}-{max(walls):.2f}){'':>2}{cpu:>9.2f}"
                f"{spans / wall:>15,.0f}{spans / cpu:>14,.0f}"
                f"{statistics.median(r['max_rss_mb'] for r in runs):>13.0f}"
                f"{statistics.median(r['size_mb'] for r in runs):>10.1f}"
            )


if __name__ == "__main__":
    main()
