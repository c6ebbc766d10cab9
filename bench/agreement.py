"""Agreement benchmark over the database (PostgreSQL): the task time of a full project report,
of the bootstrap, of one edited document's incremental update, and the memory of a large
streamed run. The pure segment-vs-character comparison is ``bench/agreement_pure.py``, which
this script runs at the end.

    python bench/agreement.py [--documents 1000] [--runs 5] [--large 100000]

Prints figures; never asserts. Creates and drops its own database (``--database-url``).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "bench"))

from _common import BenchDatabase, median  # noqa: E402
from _workload import ANNOTATORS, generate, setup_django  # noqa: E402


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(function):
    wall, cpu = time.perf_counter(), cpu_seconds()
    result = function()
    return result, time.perf_counter() - wall, cpu_seconds() - cpu


def reset(project_id: int) -> None:
    from annotations.models import AgreementReport, DocumentAgreement, ProjectAgreement

    AgreementReport.objects.filter(project_id=project_id).delete()
    DocumentAgreement.objects.filter(project_id=project_id).delete()
    ProjectAgreement.objects.filter(project_id=project_id).delete()


def measure(project_id: int, runs: int) -> None:
    from annotations.models import Span
    from annotations.services import agreement as agreement_service
    from annotations.services import background
    from annotations.services.spans import span_update

    # Measure the refresh task itself, not the debounced one that an edit schedules (eager here).
    background.schedule_refresh = lambda project_id: None
    ids = agreement_service.project_document_ids(project_id)
    full, full_cpu, boot, boot_cpu, chunked = [], [], [], [], []
    for _ in range(runs):
        reset(project_id)
        report, wall, cpu = timed(
            lambda: agreement_service.refresh_full(project_id=project_id, bootstrap=False)
        )
        full.append(wall)
        full_cpu.append(cpu)
        with_bootstrap, wall2, cpu2 = timed(
            lambda: agreement_service.refresh_full(project_id=project_id, bootstrap=True)
        )
        boot.append(wall2 - wall)
        boot_cpu.append(cpu2 - cpu)
        _, wall3, _ = timed(
            lambda: (
                agreement_service.compute_chunk(project_id=project_id, document_ids=ids),
                agreement_service.rollup(project_id=project_id, bootstrap=False),
            )
        )
        chunked.append(wall3)
    alpha = report.metrics["character_alpha"]["value"]
    interval = with_bootstrap.metrics["character_alpha"]["bootstrap"]
    print(
        f"documents counted: {report.documents_counted}; alpha {alpha:.4f}; "
        f"95% CI [{interval['low']:.4f}, {interval['high']:.4f}]"
    )
    print(
        f"full report, all metrics, no bootstrap: median {median(full):.3f} s wall, "
        f"{median(full_cpu):.3f} s CPU  (target < 2 s)   runs: {', '.join(f'{x:.2f}' for x in full)}"
    )
    print(
        f"chunked path (chunk task storing intermediates, then roll-up reading them back): "
        f"median {median(chunked):.3f} s wall"
    )
    print(
        f"bootstrap (1000 resamples) on top:     median {median(boot):.3f} s wall, "
        f"{median(boot_cpu):.3f} s CPU  (target < 1 s)"
    )

    rng = random.Random(7)
    spans = list(Span.objects.filter(project_id=project_id).values_list("id", flat=True)[:5000])
    for bootstrap in (False, True):
        walls, cpus = [], []
        for _ in range(max(runs * 2, 10)):
            span = Span.objects.get(pk=rng.choice(spans))
            length = len(span.document.text)
            span_update(
                span=span,
                expected_version=span.version,
                end=min(length, span.end + 1) if span.end < length else span.end - 1,
            )
            report, wall, cpu = timed(
                lambda b=bootstrap: agreement_service.refresh_incremental(
                    project_id=project_id, bootstrap=b
                )
            )
            assert report is not None and report.timings["documents_recomputed"] == 1
            walls.append(wall)
            cpus.append(cpu)
        label = "with bootstrap" if bootstrap else "no bootstrap  "
        print(
            f"one edited document, incremental update ({label}): median {1000 * median(walls):.1f} ms wall, "
            f"{1000 * median(cpus):.1f} ms CPU  (target < 100 ms)"
        )

    from annotations.models import AgreementReport

    incremental = AgreementReport.objects.filter(project_id=project_id).first()
    full_again = agreement_service.rollup(project_id=project_id, bootstrap=False)
    same = (
        incremental.metrics["character_alpha"]["value"]
        == full_again.metrics["character_alpha"]["value"]
    )
    print(f"incremental alpha equals full recomputation: {same}")


def measure_large(count: int) -> None:
    from annotations.services import agreement as agreement_service

    print(f"\n-- {count} documents, streamed --")
    project_id, wall, _ = timed(lambda: generate(count, seed=99, chars=2500))
    print(f"generated {count} documents with spans in {wall:.1f} s (COPY)")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ids = agreement_service.project_document_ids(project_id)
    chunks = agreement_service.split_into_chunks(ids, max(1, count // 2000))
    _, wall, cpu = timed(
        lambda: [
            agreement_service.compute_chunk(project_id=project_id, document_ids=c) for c in chunks
        ]
    )
    report, wall2, cpu2 = timed(
        lambda: agreement_service.rollup(project_id=project_id, bootstrap=True)
    )
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{len(chunks)} chunks computed in {wall:.1f} s ({cpu:.1f} s CPU); roll-up with bootstrap {wall2:.1f} s"
    )
    print(
        f"documents counted {report.documents_counted}; peak RSS {before:.0f} MB before the run, {after:.0f} MB after"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--large", type=int, default=0, help="also stream a project of this many documents"
    )
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/wb_bench_agreement"
    )
    parser.add_argument(
        "--skip-pure", action="store_true", help="do not run bench/agreement_pure.py"
    )
    args = parser.parse_args()

    database = BenchDatabase(args.database_url)
    database.create()
    try:
        env = {**os.environ, "DATABASE_URL": args.database_url}
        database.migrate(env)
        setup_django(args.database_url)
        project_id, wall, _ = timed(lambda: generate(args.documents, seed=1))
        from annotations.models import Span

        print(
            f"-- {args.documents} documents x {ANNOTATORS} annotators, "
            f"{Span.objects.filter(project_id=project_id).count()} spans (generated in {wall:.1f} s) --"
        )
        measure(project_id, args.runs)
        if args.large:
            measure_large(args.large)
    finally:
        from django.db import connections

        connections.close_all()
        database.drop()
    if not args.skip_pure:
        print("\n-- pure package: segment-based alpha vs the character matrix + krippendorff --")
        subprocess.run(
            [sys.executable, str(REPO_ROOT / "bench" / "agreement_pure.py"), "--repeat", "3"],
            check=False,
        )


if __name__ == "__main__":
    main()
