"""Documents table benchmark on PostgreSQL: search, filters, sorts and deep pages of a project of
100,000 documents.

    python bench/documents_table.py [--documents 100000] [--runs 20] [--page-size 50]
                                    [--recommended-indexes] [--keep]

One run = a fresh database (created and dropped), ``manage.py migrate``, and a seeded synthetic
project written with COPY (``_common.NewsGenerator`` text, ~2,500 code points per document): a
manager, a reviewer and six annotators; 10 % of the documents unassigned, 30 % open (three
annotators, some of whom submitted), 60 % complete (three submissions); spans by the three
annotators on 10 % of the documents (~20 each); an agreement row per document (a per-document
alpha where there are spans); 5 % adjudicated, with gold spans; two import batches (70 % and
20 % of the documents, the rest added by hand); a rare word in three documents. A second project
of 1,000 documents shares the tables, so that every query has to keep to its project.

Then the search vectors are filled as the background task fills them
(``services.search_index.search_index_fill``, timed), the tables are vacuumed and analysed (the
steady state autovacuum reaches on a live server), and each case is requested ``--runs`` times:

* in process: ``selectors.document_table`` + ``document_table_page`` + the API's row serializer,
  what the page and the API both run;
* through the API: ``GET /api/v1/projects/{id}/documents/`` with Django's whole request handling
  (DRF test client, session of the manager), as ``bench/dashboard.py`` does;

for: page 1 and page 1,000 (``--page-size`` 50: offset 49,950), search (a common word, a rare
word, a phrase, and the common word again while 1,000 vectors are pending), each filter, each
sort (ascending and descending, page 1 and page 1,000), and the "select all N matching" bulk
count (the ids of every matching document, as a bulk action reads them). Prints p50 / p95 in ms
per case against the issue's target (p95 under 100 ms). ``--recommended-indexes`` creates the
indexes the README recommends before measuring, to show what they buy. ``--keep`` leaves the
database for ``EXPLAIN``. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "bench"))

from _common import BenchDatabase, NewsGenerator, median, ms, percentile  # noqa: E402
from _workload import setup_django  # noqa: E402

ANNOTATORS = 6
PER_DOCUMENT = 3
SPANS_PER_ANNOTATOR = 20
RARE_WORD = "quetzalcoatlus"
COMMON_WORD = "minister"
PHRASE = '"central bank governor"'
TARGET_MS = 100

# Indexes that the figures may call for (created only with --recommended-indexes; no migration
# adds them): the sorts by a column of the document, read in order from an index instead of
# sorting every document of the project; the assignment states, read from an index instead of
# the table; the documents with a label or status, read from an index that holds the document.
RECOMMENDED_INDEXES = {
    "document_project_title": "CREATE INDEX document_project_title ON annotations_document "
    "(project_id, title, id)",
    "document_project_created": "CREATE INDEX document_project_created ON annotations_document "
    "(project_id, created_at, id)",
    "document_project_published": "CREATE INDEX document_project_published ON "
    "annotations_document (project_id, published_at, id)",
    "assignment_project_state_document": "CREATE INDEX assignment_project_state_document ON "
    "annotations_assignment (project_id, state, document_id)",
    "span_label_document": "CREATE INDEX span_label_document ON annotations_span "
    "(label_id, document_id)",
    "span_status_document": "CREATE INDEX span_status_document ON annotations_span "
    "(status_id, document_id)",
}


@dataclass
class Seeded:
    project_id: int
    manager_id: int
    reviewer_id: int
    annotator_ids: list[int]
    label_ids: list[int]
    status_ids: list[int]
    batches: list[str]
    documents: int
    spans: int


def _titles(rng: random.Random, news: NewsGenerator, count: int) -> list[str]:
    return [news.article(200)[0] + f" ({rng.randint(1, 999)})" for _ in range(count)]


def seed(count: int, seed_value: int) -> Seeded:
    """Write one project with COPY; returns its ids."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from annotations.models import Label, Membership, Role, VerificationStatus
    from annotations.services.projects import project_create

    users = get_user_model()
    prefix = f"p{seed_value}"
    manager = users.objects.create(username=f"{prefix}-manager")
    reviewer = users.objects.create(username=f"{prefix}-reviewer")
    coders = [users.objects.create(username=f"{prefix}-ann{i}") for i in range(ANNOTATORS)]
    project = project_create(creator=manager, name=f"documents table bench {count}")
    Membership.objects.create(project=project, user=reviewer, role=Role.REVIEWER)
    Membership.objects.bulk_create(
        Membership(project=project, user=u, role=Role.ANNOTATOR) for u in coders
    )
    labels = list(Label.objects.filter(project=project).values_list("id", flat=True))
    statuses = list(VerificationStatus.objects.filter(project=project).values_list("id", flat=True))
    initial = VerificationStatus.objects.get(project=project, is_initial=True).pk
    rng = random.Random(seed_value)
    news = NewsGenerator(seed_value)
    texts = [news.article(2500)[1] for _ in range(min(count, 2000))]
    titles = _titles(rng, news, min(count, 5000))
    rare = set(rng.sample(range(count), 3))
    batches = [str(uuid.uuid4()), str(uuid.uuid4())]
    with connection.cursor() as cursor:
        raw = cursor.connection
        for i, (pk, name, day) in enumerate(
            zip(
                batches,
                ["wire-2025.jsonl", "archive.csv"],
                ["2026-01-05", "2026-02-10"],
                strict=True,
            )
        ):
            cursor.execute(
                "INSERT INTO annotations_job (id, project_id, kind, state, progress_done, params,"
                " result, error, created_at, task_name, worker, worker_instance, restarts,"
                " created_by_id) VALUES (%s, %s, 'import', 'succeeded', 1, %s, %s, '', %s, '', '',"
                " '', 0, %s)",
                [
                    pk,
                    project.pk,
                    f'{{"files": [{{"name": "{name}"}}]}}',
                    f'{{"created": {int(count * (0.7, 0.2)[i])}}}',
                    day,
                    manager.pk,
                ],
            )
        with raw.cursor().copy(
            "COPY annotations_document (project_id, title, text, source_url, published_at, "
            "metadata, created_at, import_job_id) FROM STDIN"
        ) as copy:
            for i in range(count):
                text = texts[i % len(texts)]
                if i in rare:
                    text = f"{text} The {RARE_WORD} fossil was mentioned."
                share = i / count
                batch = batches[0] if share < 0.7 else batches[1] if share < 0.9 else None
                published = (
                    None
                    if rng.random() < 0.2
                    else f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T08:00:00Z"
                )
                created = (
                    f"2026-01-{1 + (i * 60 // count) % 28:02d}T{rng.randint(0, 23):02d}:00:00Z"
                )
                copy.write_row(
                    (project.pk, titles[i % len(titles)], text, "", published, "{}", created, batch)
                )
        cursor.execute(
            "SELECT id, length(text) FROM annotations_document WHERE project_id = %s ORDER BY id",
            [project.pk],
        )
        documents = cursor.fetchall()
        # Each document's kind: 10 % unassigned, 30 % open, 60 % complete; spans on every tenth.
        kinds = []
        for _ in documents:
            r = rng.random()
            kinds.append("unassigned" if r < 0.1 else "open" if r < 0.4 else "complete")
        with raw.cursor().copy(
            "COPY annotations_assignment (project_id, document_id, annotator_id, state, "
            "time_spent_seconds, skip_reason, created_at) FROM STDIN"
        ) as copy:
            for (document_id, _), kind in zip(documents, kinds, strict=True):
                if kind == "unassigned":
                    continue
                for coder in rng.sample(coders, PER_DOCUMENT):
                    if kind == "complete":
                        state = "submitted"
                    else:
                        state = rng.choice(["assigned", "in_progress", "submitted", "skipped"])
                    copy.write_row((project.pk, document_id, coder.pk, state, 60, "", "2026-01-01"))
        with_spans = [d for index, d in enumerate(documents) if index % 10 == 3]
        cursor.execute(
            "SELECT document_id, array_agg(annotator_id) FROM annotations_assignment "
            "WHERE project_id = %s AND state = 'submitted' GROUP BY document_id",
            [project.pk],
        )
        coders_of = dict(cursor.fetchall())
        span_documents = {d for d, _ in with_spans if coders_of.get(d)}
        with raw.cursor().copy(
            "COPY annotations_documentagreement (document_id, project_id, dirty, fingerprint, "
            "alpha, alpha_reason) FROM STDIN"
        ) as copy:
            for document_id, _ in documents:
                if document_id in span_documents:
                    copy.write_row((document_id, project.pk, False, "", rng.uniform(-0.2, 1), ""))
                else:
                    copy.write_row(
                        (document_id, project.pk, False, "", None, "fewer than two annotators")
                    )
        spans = 0
        with raw.cursor().copy(
            'COPY annotations_span (project_id, document_id, annotator_id, label_id, start, "end",'
            " quote, status_id, note, version, created_at, updated_at) FROM STDIN"
        ) as copy:
            for document_id, length in with_spans:
                for coder_id in coders_of.get(document_id, []):
                    seen = set()
                    for _ in range(SPANS_PER_ANNOTATOR):
                        start = rng.randrange(0, length - 80)
                        end = start + rng.randint(15, 70)
                        label = rng.choice(labels)
                        if (label, start, end) in seen:
                            continue
                        seen.add((label, start, end))
                        status = initial if rng.random() < 0.7 else rng.choice(statuses)
                        copy.write_row(
                            (
                                project.pk,
                                document_id,
                                coder_id,
                                label,
                                start,
                                end,
                                "x",  # the quote is not read by the table
                                status,
                                "",
                                1,
                                "2026-01-02",
                                "2026-01-02",
                            )
                        )
                        spans += 1
        # The span COPY marked its documents dirty (trigger, migration 0010): as computed, again.
        cursor.execute(
            "UPDATE annotations_documentagreement SET dirty = false WHERE project_id = %s",
            [project.pk],
        )
        adjudicated = [
            d
            for (d, _), kind in zip(documents, kinds, strict=True)
            if kind == "complete" and rng.random() < 0.08
        ]
        with raw.cursor().copy(
            "COPY annotations_documentadjudication (document_id, project_id, state, "
            "adjudicated_by_id, adjudicated_at) FROM STDIN"
        ) as copy:
            for document_id in adjudicated:
                copy.write_row(
                    (document_id, project.pk, "adjudicated", manager.pk, "2026-02-01T10:00:00Z")
                )
        with raw.cursor().copy(
            'COPY annotations_goldspan (project_id, document_id, label_id, start, "end", quote, '
            "status_id, rationale, created_by_id, version, created_at, updated_at) FROM STDIN"
        ) as copy:
            for document_id in adjudicated:
                for k in range(3):
                    copy.write_row(
                        (
                            project.pk,
                            document_id,
                            labels[k % len(labels)],
                            10 * k,
                            10 * k + 8,
                            "x",
                            rng.choice(statuses),
                            "",
                            manager.pk,
                            1,
                            "2026-02-01",
                            "2026-02-01",
                        )
                    )
    return Seeded(
        project_id=project.pk,
        manager_id=manager.pk,
        reviewer_id=reviewer.pk,
        annotator_ids=[u.pk for u in coders],
        label_ids=labels,
        status_ids=statuses,
        batches=batches,
        documents=count,
        spans=spans,
    )


def vacuum() -> float:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        for table in (
            "annotations_document",
            "annotations_assignment",
            "annotations_span",
            "annotations_documentagreement",
            "annotations_documentadjudication",
            "annotations_goldspan",
        ):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    return time.perf_counter() - started


@dataclass
class Case:
    name: str
    params: dict[str, Any]
    page: int = 1


def cases(seeded: Seeded, pages_deep: int) -> list[Case]:
    deep = pages_deep
    found = [
        Case("page 1", {}),
        Case(f"page {deep:,}", {}, deep),
        Case(f"search: common word ({COMMON_WORD})", {"search": COMMON_WORD}),
        Case(f"search: common word, page {deep // 10}", {"search": COMMON_WORD}, deep // 10),
        Case(f"search: rare word ({RARE_WORD})", {"search": RARE_WORD}),
        Case(f"search: phrase ({PHRASE})", {"search": PHRASE}),
        Case("search: two words, one negated", {"search": "inflation -unemployment"}),
    ]
    for state in ("unassigned", "open", "complete"):
        found.append(Case(f"filter: state={state}", {"state": state}))
    found += [
        Case("filter: annotator", {"annotator": seeded.annotator_ids[0]}),
        Case("filter: label", {"label": seeded.label_ids[1]}),
        Case("filter: status (not the initial one)", {"status": seeded.status_ids[-1]}),
        Case("filter: adjudicated=true", {"adjudicated": True}),
        Case("filter: adjudicated=false", {"adjudicated": False}),
        Case("filter: agreement_below=0.5", {"agreement_below": 0.5}),
        Case(
            "adjudication queue: submitted=true, lowest agreement first",
            {"submitted": True, "ordering": "agreement"},
        ),
        Case("filter: batch (the smaller one)", {"batch": seeded.batches[1]}),
        Case(
            "filters combined: state=complete, adjudicated=false, label, search",
            {
                "state": "complete",
                "adjudicated": False,
                "label": seeded.label_ids[0],
                "search": COMMON_WORD,
            },
        ),
    ]
    for key in ("title", "created", "published", "agreement", "spans"):
        for sign in ("", "-"):
            found.append(Case(f"sort: {sign}{key}", {"ordering": f"{sign}{key}"}))
        found.append(Case(f"sort: {key}, page {deep:,}", {"ordering": key}, deep))
    return found


def in_process(seeded: Seeded, case: Case, size: int) -> Callable[[], int]:
    from django.contrib.auth import get_user_model

    from annotations.selectors.access import project_access
    from annotations.selectors.document_table import DocumentTableQuery, document_table_page
    from annotations.serializers.document_table import DocumentRowSerializer

    user = get_user_model().objects.get(pk=seeded.manager_id)

    def run() -> int:
        access = project_access(user=user, project_id=seeded.project_id)
        assert access is not None
        query = DocumentTableQuery(**case.params)
        page = document_table_page(access, user, query, page=case.page, size=size)
        DocumentRowSerializer(page.rows, many=True).data  # noqa: B018 - the serializer's work
        return page.count

    return run


def through_api(seeded: Seeded, case: Case, size: int) -> Callable[[], int]:
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(get_user_model().objects.get(pk=seeded.manager_id))
    query = {**case.params, "page": case.page, "page_size": size}
    query = {k: (str(v).lower() if isinstance(v, bool) else v) for k, v in query.items()}
    url = f"/api/v1/projects/{seeded.project_id}/documents/"

    def run() -> int:
        response = client.get(url, query)
        if response.status_code != 200:
            raise RuntimeError(f"{url} {query}: {response.status_code} {response.content[:300]!r}")
        return response.json()["count"]

    return run


def bulk_count(seeded: Seeded, params: dict[str, Any]) -> Callable[[], int]:
    """What "select all N matching" costs a bulk action: every matching id, read as it reads them."""
    from django.contrib.auth import get_user_model

    from annotations.selectors.access import project_access
    from annotations.selectors.document_table import DocumentTableQuery, document_table_all_ids

    user = get_user_model().objects.get(pk=seeded.manager_id)

    def run() -> int:
        access = project_access(user=user, project_id=seeded.project_id)
        assert access is not None
        return len(document_table_all_ids(access, user, DocumentTableQuery(**params)))

    return run


def timings(fn: Callable[[], int], runs: int) -> tuple[list[float], int]:
    result = fn()  # warm-up (and the count to print)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return times, result


def line(name: str, times: list[float], count: int | None = None) -> str:
    p95 = ms(percentile(times, 95))
    mark = "" if p95 < TARGET_MS else "  over target"
    counted = f"{count:>8,}" if count is not None else " " * 8
    return f"  {name:<62} {counted} {ms(median(times)):7.1f} {p95:7.1f}{mark}"


def measure(seeded: Seeded, args: argparse.Namespace) -> None:
    size = args.page_size
    deep = min(1000, max(1, seeded.documents // size))
    header = f"  {'case':<62} {'matching':>8} {'p50 ms':>7} {'p95 ms':>7}"
    for title, make in (
        ("In process: selector + page + row serializer", in_process),
        ("Through the API: GET /api/v1/projects/{id}/documents/ (Django test client)", through_api),
    ):
        print(f"\n{title}, {args.runs} runs each, page size {size}:")
        print(header)
        for case in cases(seeded, deep):
            times, count = timings(make(seeded, case, size), args.runs)
            print(line(case.name, times, count), flush=True)
    print(
        f'\nBulk: the ids of every matching document ("select all N matching"), {args.runs} runs:'
    )
    print(header)
    for name, params in (
        ("everything", {}),
        ("state=open", {"state": "open"}),
        (f"search {COMMON_WORD}", {"search": COMMON_WORD}),
        ("batch (the smaller one)", {"batch": seeded.batches[1]}),
    ):
        times, count = timings(bulk_count(seeded, params), args.runs)
        print(line(name, times, count), flush=True)


def pending_search(seeded: Seeded, args: argparse.Namespace) -> None:
    """A search while 1,000 documents (a fresh import) still wait for their vectors."""
    from django.db import connection

    from annotations.services.search_index import search_index_fill

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE annotations_document SET search_vector = NULL WHERE id IN (SELECT id FROM "
            "annotations_document WHERE project_id = %s ORDER BY id DESC LIMIT 1000)",
            [seeded.project_id],
        )
        cursor.execute("VACUUM (ANALYZE) annotations_document")
    print("\nWith 1,000 vectors pending (a fresh import), in process:")
    for case in (
        Case(f"search: common word ({COMMON_WORD})", {"search": COMMON_WORD}),
        Case(f"search: rare word ({RARE_WORD})", {"search": RARE_WORD}),
    ):
        times, count = timings(in_process(seeded, case, args.page_size), args.runs)
        print(line(case.name, times, count), flush=True)
    started = time.perf_counter()
    filled = search_index_fill(project_id=seeded.project_id)
    print(f"  refilled {filled:,} vectors in {time.perf_counter() - started:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--page-size", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--recommended-indexes",
        action="store_true",
        help="create the indexes the README recommends for the sorts before measuring",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/wb_bench_documents_table"
    )
    args = parser.parse_args()
    database = BenchDatabase(args.database_url)
    database.create()
    try:
        database.migrate({**os.environ, "DATABASE_URL": args.database_url})
        setup_django(args.database_url)
        from django.db import connection

        from annotations.services.search_index import search_index_fill

        print(f"load average {os.getloadavg()[0]:.2f} (2 cores shared)")
        started = time.perf_counter()
        seeded = seed(args.documents, args.seed)
        other = seed(1000, args.seed + 1)
        print(
            f"seeded {seeded.documents:,} documents, {seeded.spans:,} spans "
            f"(+ {other.documents:,} in a second project) in {time.perf_counter() - started:.0f} s"
        )
        started = time.perf_counter()
        filled = search_index_fill(project_id=seeded.project_id)
        search_index_fill(project_id=other.project_id)
        seconds = time.perf_counter() - started
        print(
            f"search vectors: {filled:,} filled in {seconds:.1f} s "
            f"({1000 * seconds / max(filled, 1):.2f} ms per document, in the background)"
        )
        print(f"vacuum + analyse: {vacuum():.1f} s")
        if args.recommended_indexes:
            with connection.cursor() as cursor:
                for name, sql in RECOMMENDED_INDEXES.items():
                    started = time.perf_counter()
                    cursor.execute(sql)
                    print(f"created {name} in {time.perf_counter() - started:.1f} s")
                cursor.execute("VACUUM (ANALYZE) annotations_document")
                cursor.execute("VACUUM (ANALYZE) annotations_assignment")
                cursor.execute("VACUUM (ANALYZE) annotations_span")
        measure(seeded, args)
        pending_search(seeded, args)
        print(f"\nload average {os.getloadavg()[0]:.2f}; target: p95 under {TARGET_MS} ms")
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep:
            print(f"kept {args.database_url}")
        else:
            database.drop()


if __name__ == "__main__":
    main()
