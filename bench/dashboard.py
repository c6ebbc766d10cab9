"""Dashboard benchmark on PostgreSQL: a project of 20,000 documents with three annotators, served
from a stored agreement report and aggregate queries.

    python bench/dashboard.py [--documents 20000] [--runs 20]

Times ``GET /api/v1/projects/{id}/dashboard/`` through Django's full request handling (in
process, DRF test client) and counts its queries at two project sizes. Prints figures.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "bench"))

from _common import BenchDatabase, median, percentile  # noqa: E402
from _workload import generate, setup_django  # noqa: E402


def measure(project_id: int, runs: int) -> tuple[list[float], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from annotations.models import Project

    client = APIClient()
    client.force_authenticate(Project.objects.get(pk=project_id).created_by)
    url = f"/api/v1/projects/{project_id}/dashboard/"
    assert client.get(url).status_code == 200  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return times, len(queries.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/wb_bench_dashboard"
    )
    args = parser.parse_args()
    database = BenchDatabase(args.database_url)
    database.create()
    try:
        database.migrate({**os.environ, "DATABASE_URL": args.database_url})
        setup_django(args.database_url)
        from annotations.services import agreement as agreement_service

        for count in (1000, args.documents):
            started = time.perf_counter()
            project_id = generate(count, seed=count)
            generated = time.perf_counter() - started
            # A bulk load leaves the visibility map empty until autovacuum passes (within a minute
            # or so on a live server); do its work now so the figures show the steady state, in
            # which counts are answered from the covering index without visiting the table.
            from django.db import connection

            with connection.cursor() as cursor:
                for table in ("annotations_span", "annotations_assignment", "annotations_document"):
                    cursor.execute(f"VACUUM (ANALYZE) {table}")
            started = time.perf_counter()
            ids = agreement_service.project_document_ids(project_id)
            for chunk in agreement_service.split_into_chunks(ids, max(1, count // 2000)):
                agreement_service.compute_chunk(project_id=project_id, document_ids=chunk)
            agreement_service.rollup(project_id=project_id)
            reported = time.perf_counter() - started
            times, queries = measure(project_id, args.runs)
            print(
                f"{count:6} documents (generated {generated:.0f} s, agreement report {reported:.0f} s): "
                f"dashboard p50 {1000 * median(times):.0f} ms, p95 {1000 * percentile(times, 95):.0f} ms, "
                f"{queries} queries (target < 500 ms, fixed query count)"
            )
    finally:
        from django.db import connections

        connections.close_all()
        database.drop()


if __name__ == "__main__":
    main()
