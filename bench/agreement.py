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

from _common import BenchDatabase, NewsGenerator, median  # noqa: E402

ANNOTATORS = 3
SPANS_PER_ANNOTATOR = 20


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workbench.settings")
    import django

    django.setup()


def generate(count: int, seed: int, *, chars: int = 2500) -> int:
    """Documents with three annotators who all submitted ~20 spans each; returns the project id."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from annotations import services
    from annotations.models import Label, Membership, Role, VerificationStatus

    user_model = get_user_model()
    manager = user_model.objects.create(username=f"bench-manager-{seed}")
    project = services.project_create(creator=manager, name=f"agreement bench {count}")
    coders = [
        user_model.objects.create(username=f"bench-coder-{seed}-{i}") for i in range(ANNOTATORS)
    ]
    Membership.objects.bulk_create(
        Membership(project=project, user=u, role=Role.ANNOTATOR) for u in coders
    )
    labels = list(Label.objects.filter(project=project).values_list("id", flat=True))
    status = VerificationStatus.objects.get(project=project, is_initial=True).pk
    rng = random.Random(seed)
    news = NewsGenerator(seed)
    texts = [news.article(chars)[1] for _ in range(min(count, 200))]  # reuse texts for large runs
    with connection.cursor() as cursor:
        raw = cursor.connection
        with raw.cursor().copy(
            "COPY annotations_document (project_id, title, text, source_url, metadata, created_at) FROM STDIN"
        ) as copy:
            for i in range(count):
                copy.write_row(
                    (project.pk, f"doc {i}", texts[i % len(texts)], "", "{}", "2026-01-01")
                )
        cursor.execute(
            "SELECT id, length(text) FROM annotations_document WHERE project_id = %s ORDER BY id",
            [project.pk],
        )
        documents = cursor.fetchall()
        with raw.cursor().copy(
            "COPY annotations_assignment (project_id, document_id, annotator_id, state, time_spent_seconds,"
            " skip_reason, created_at) FROM STDIN"
        ) as copy:
            for document_id, _ in documents:
                for coder in coders:
                    copy.write_row(
                        (project.pk, document_id, coder.pk, "submitted", 60, "", "2026-01-01")
                    )
        with raw.cursor().copy(
            'COPY annotations_span (project_id, document_id, annotator_id, label_id, start, "end", quote,'
            " status_id, note, version, created_at, updated_at) FROM STDIN"
        ) as copy:
            for index, (document_id, length) in enumerate(documents):
                text = texts[index % len(texts)]
                anchors = sorted(rng.sample(range(0, length - 80), SPANS_PER_ANNOTATOR))
                for coder in coders:
                    seen = set()
                    for anchor in anchors:
                        if rng.random() < 0.15:
                            continue  # this annotator missed it
                        start = max(0, anchor + rng.randint(-6, 6))
                        end = min(length, start + rng.randint(15, 70))
                        label = labels[anchor % 3] if rng.random() < 0.85 else rng.choice(labels)
                        if (label, start, end) in seen:
                            continue
                        seen.add((label, start, end))
                        copy.write_row(
                            (
                                project.pk,
                                document_id,
                                coder.pk,
                                label,
                                start,
                                end,
                                text[start:end],
                                status,
                                "",
                                1,
                                "2026-01-01",
                                "2026-01-01",
                            )
                        )
    return project.pk


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
    from annotations import agreement_runs, services
    from annotations.models import Span

    # Measure the refresh task itself, not the debounced one that an edit schedules (eager here).
    agreement_runs.schedule_refresh = lambda project_id: None
    ids = agreement_runs.project_document_ids(project_id)
    full, full_cpu, boot, boot_cpu = [], [], [], []
    for _ in range(runs):
        reset(project_id)
        _, wall, cpu = timed(
            lambda: agreement_runs.compute_chunk(project_id=project_id, document_ids=ids)
        )
        report, wall2, cpu2 = timed(
            lambda: agreement_runs.rollup(project_id=project_id, bootstrap=False)
        )
        full.append(wall + wall2)
        full_cpu.append(cpu + cpu2)
        with_bootstrap, wall3, cpu3 = timed(
            lambda: agreement_runs.rollup(project_id=project_id, bootstrap=True)
        )
        boot.append(wall3 - wall2)
        boot_cpu.append(cpu3 - cpu2)
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
            services.span_update(
                span=span,
                expected_version=span.version,
                end=min(length, span.end + 1) if span.end < length else span.end - 1,
            )
            report, wall, cpu = timed(
                lambda b=bootstrap: agreement_runs.refresh_incremental(
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
    full_again = agreement_runs.rollup(project_id=project_id, bootstrap=False)
    same = (
        incremental.metrics["character_alpha"]["value"]
        == full_again.metrics["character_alpha"]["value"]
    )
    print(f"incremental alpha equals full recomputation: {same}")


def measure_large(count: int) -> None:
    from annotations import agreement_runs

    print(f"\n-- {count} documents, streamed --")
    project_id, wall, _ = timed(lambda: generate(count, seed=99, chars=2500))
    print(f"generated {count} documents with spans in {wall:.1f} s (COPY)")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ids = agreement_runs.project_document_ids(project_id)
    chunks = agreement_runs.split_into_chunks(ids, max(1, count // 2000))
    _, wall, cpu = timed(
        lambda: [
            agreement_runs.compute_chunk(project_id=project_id, document_ids=c) for c in chunks
        ]
    )
    report, wall2, cpu2 = timed(
        lambda: agreement_runs.rollup(project_id=project_id, bootstrap=True)
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
