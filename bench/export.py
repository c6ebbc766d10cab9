"""Export and annotation-import benchmark on PostgreSQL: a project of 20,000 documents, three
annotators, 20 spans each (1.2 M spans).

    python bench/export.py [--documents 20000] [--runs 3] [--formats jsonl,csv,parquet]

Each export runs in a fresh process (as a Celery worker would run the task) that reports its own
wall time and peak resident memory; the import of our JSONL export into a new project goes through
the same bulk path as the API's annotation import. Prints figures; never asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "bench"))

from _common import BenchDatabase, median  # noqa: E402
from _workload import generate, setup_django  # noqa: E402

EXPORT_CHILD = """
import json, resource, sys, time
sys.path.insert(0, {repo!r})
import django; django.setup()
from annotations.services.exports import ExportScope, write_export
from annotations.models import Project
project = Project.objects.get(pk={project})
started = time.perf_counter()
exported = write_export(project=project, fmt={fmt!r}, scope=ExportScope(), job_id={job!r})
seconds = time.perf_counter() - started
print(json.dumps({{"seconds": seconds, "size": exported.path.stat().st_size, "spans": exported.result.get("spans"),
                   "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""

IMPORT_CHILD = """
import json, resource, sys, time
sys.path.insert(0, {repo!r})
import django; django.setup()
from annotations.services.projects import project_create
from annotations.services.annotation_imports import import_annotations, parse
from annotations.models import Membership, Project, Role
from django.contrib.auth import get_user_model
source = Project.objects.get(pk={project})
target = project_create(creator=source.created_by, name="import bench")
for m in Membership.objects.filter(project=source, role=Role.ANNOTATOR):
    Membership.objects.create(project=target, user=m.user, role=Role.ANNOTATOR)
started = time.perf_counter()
with open({path!r}, "rb") as fp:
    documents, report = parse(fp, "native", annotator=None)
    result = import_annotations(project=target, documents=documents, report=report)
seconds = time.perf_counter() - started
print(json.dumps({{"seconds": seconds, "documents": result.documents, "spans": result.spans, "ok": result.ok,
                   "errors": result.errors[:3], "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def child(code: str, env: dict[str, str]) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--formats", default="jsonl,csv,parquet")
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/wb_bench_export"
    )
    args = parser.parse_args()

    database = BenchDatabase(args.database_url)
    database.create()
    media = tempfile.mkdtemp(prefix="wb-export-bench-")
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "WORKBENCH_MEDIA_ROOT": media,
        "DJANGO_SETTINGS_MODULE": "workbench.settings",
    }
    try:
        database.migrate(env)
        setup_django(args.database_url)
        started = time.perf_counter()
        project_id = generate(args.documents, seed=3)
        from annotations.models import Span

        spans = Span.objects.filter(project_id=project_id).count()
        print(
            f"-- {args.documents} documents, {spans} spans (generated with COPY in {time.perf_counter() - started:.1f} s) --"
        )
        from django.db import connections

        connections.close_all()
        jsonl_path = None
        for fmt in args.formats.split(","):
            runs = []
            for run in range(args.runs):
                job = f"bench-{fmt}-{run}"
                runs.append(
                    child(
                        EXPORT_CHILD.format(
                            repo=str(REPO_ROOT), project=project_id, fmt=fmt, job=job
                        ),
                        env,
                    )
                )
            seconds = median([r["seconds"] for r in runs])
            rss = max(r["max_rss_mb"] for r in runs)
            each = ", ".join(f"{r['seconds']:.2f}" for r in runs)
            print(
                f"{fmt:8} export: median {seconds:.2f} s, {runs[0]['spans'] / seconds:,.0f} spans/s "
                f"(target >= 50,000/s for JSONL), {runs[0]['size'] / 1e6:.1f} MB, peak RSS of the "
                f"worker process {rss:.0f} MB (target < 300 MB); runs: {each}"
            )
            if fmt == "jsonl":
                jsonl_path = (
                    Path(media) / "exports" / f"bench-{fmt}-0" / f"project-{project_id}-jsonl.jsonl"
                )
        if jsonl_path is not None:
            runs = [
                child(
                    IMPORT_CHILD.format(
                        repo=str(REPO_ROOT), project=project_id, path=str(jsonl_path)
                    ),
                    env,
                )
                for _ in range(max(1, args.runs - 1))
            ]
            if not all(r["ok"] for r in runs):
                print(f"import reported errors: {runs[0]['errors']}")
            seconds = median([r["seconds"] for r in runs])
            print(
                f"import of our JSONL into a new project (bulk path): median {seconds:.1f} s, "
                f"{runs[0]['documents'] / seconds:,.0f} documents/s, {runs[0]['spans'] / seconds:,.0f} spans/s, "
                f"peak RSS {max(r['max_rss_mb'] for r in runs):.0f} MB"
            )
    finally:
        from django.db import connections

        connections.close_all()
        database.drop()
        subprocess.run(["rm", "-rf", media], check=False)


if __name__ == "__main__":
    main()
