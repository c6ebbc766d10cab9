"""Speed of the API on a generated workload, served by gunicorn on PostgreSQL on this machine.

    python bench/api.py [--documents 1000] [--runs 3] [--server sync:4 --server gthread:2x4]

Each run creates a fresh database (``--database-url``, dropped afterwards), migrates it, generates
the workload (seeded, synthetic news-like text: no corpus), then measures:

1. bulk import of the workload: documents through ``POST .../documents/bulk/`` (HTTP, in chunks)
   and through ``annotations.services.document_imports.import_path`` (JSONL file, in-process); spans through the
   bulk path defined below (``spans_bulk_create``: every check of ``span_create``, then one
   ``bulk_create`` or one ``COPY``), since the API has no span import yet;
2. over HTTP on keep-alive connections: span creates one after another, 10 concurrent client
   processes mixing creates and document retrievals, and document retrievals with ~60 spans;
3. the SQL queries each request issues (in-process, DRF test client), and whether list endpoints
   issue the same number of queries whatever the page size;
4. the import of 10,000 generated documents through ``import_path`` and through
   ``manage.py import_documents``.

It prints figures; it asserts nothing. Traffic goes to 127.0.0.1 only; every loop is bounded.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402 - the bench folder is not a package
    PYTHON,
    REPO_ROOT,
    BenchDatabase,
    CpuMeter,
    Gunicorn,
    HttpClient,
    NewsGenerator,
    PlannedRequest,
    Runserver,
    database_backend_pids,
    machine_cpu_seconds,
    median,
    ms,
    percentile,
    pids_where,
    run_client,
)

PASSWORD = "bench-password-not-secret"
ANNOTATORS = 3
EXTRA_CPU_GROUPS: dict[str, Callable[[], list[int]]] = {}  # e.g. the Celery worker's processes
COMPETITORS = {  # figures quoted in the Foundation issue, same workload, same kind of machine
    "create_p50": ("79 ms", "22 ms"),
    "concurrent_rps": ("8 req/s", "57 req/s"),
}


# --- workload ------------------------------------------------------------------------------------


@dataclass
class Workload:
    """Documents as import records, and per document the spans as
    (annotator index, label key, start, end)."""

    records: list[dict[str, Any]]
    spans: list[list[tuple[int, str, int, int]]]

    @property
    def span_count(self) -> int:
        return sum(len(s) for s in self.spans)


_SENTENCE = re.compile(r"[^.\n]+[.]")
_WORD = re.compile(r"\S+")
LABEL_KEYS = ("claim", "denial", "verifiable_fact")


def generate_records(count: int, seed: int, chars: int) -> list[dict[str, Any]]:
    gen = NewsGenerator(seed)
    records = []
    for i in range(count):
        title, text = gen.article(chars)
        records.append(
            {
                "title": title,
                "text": text,
                "source_url": f"https://news.example.org/{seed}/{i}",
                "published_at": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T08:00:00Z",
                "metadata": {"bench_index": i, "section": gen.rng.choice(["politics", "economy"])},
            }
        )
    return records


def random_window(rng: random.Random, text: str, words: list[tuple[int, int]]) -> tuple[int, int]:
    """A span over 2..14 whole words, or over a whole sentence."""
    if rng.random() < 0.5:
        sentences = [(m.start(), m.end()) for m in _SENTENCE.finditer(text)]
        start, end = rng.choice(sentences)
        while text[start] == " ":  # sentences after the first start with a space
            start += 1
        return start, end
    first = rng.randrange(len(words) - 2)
    last = min(len(words) - 1, first + rng.randint(1, 13))
    return words[first][0], words[last][1]


def generate_workload(documents: int, spans_per_annotator: int, seed: int, chars: int) -> Workload:
    records = generate_records(documents, seed, chars)
    rng = random.Random(seed + 1)
    spans: list[list[tuple[int, str, int, int]]] = []
    for record in records:
        text = record["text"]
        words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
        doc_spans: list[tuple[int, str, int, int]] = []
        for annotator in range(ANNOTATORS):
            seen: set[tuple[str, int, int]] = set()
            for _ in range(spans_per_annotator * 20):  # bounded: duplicates are rare
                if len(seen) == spans_per_annotator:
                    break
                start, end = random_window(rng, text, words)
                key = (rng.choice(LABEL_KEYS), start, end)
                if key not in seen:
                    seen.add(key)
                    doc_spans.append((annotator, *key))
        spans.append(doc_spans)
    return Workload(records=records, spans=spans)


def write_jsonl(records: Iterable[dict[str, Any]], path: Path) -> int:
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False))
            out.write("\n")
    return path.stat().st_size


# --- the span bulk path (a proposal for a bulk span service) --------------------------------


@dataclass(frozen=True, slots=True)
class SpanRecord:
    document_id: int
    annotator_id: int
    label_id: int
    start: int
    end: int
    quote: str | None = None
    status_id: int | None = None
    note: str = ""


SPAN_COPY_COLUMNS = (
    "project_id",
    "document_id",
    "annotator_id",
    "label_id",
    "start",
    "end",
    "quote",
    "status_id",
    "note",
    "version",
    "created_at",
    "updated_at",
)


def spans_bulk_create(*, project: Any, records: Sequence[SpanRecord], method: str = "orm") -> int:
    """Insert many spans all-or-nothing with every check ``annotations.services.spans.span_create`` makes.

    Checks, per record: the document is in the project; the label and status are the project's
    and not retired (status defaults to the initial one); the annotator is a member and, if an
    annotator, has the document assigned and not skipped; offsets are valid code points and the
    quote equals ``text[start:end]``; no duplicate (document, annotator, label, start, end) in the
    batch or in the database. The database constraints (composite foreign keys, unique, check)
    still run on every row. ``method`` is ``"orm"`` (``bulk_create``) or ``"copy"`` (``COPY``).
    """
    from django.db import IntegrityError, connection, transaction
    from django.utils import timezone

    from annotations.bulk import insert_rows
    from annotations.errors import Conflict, InvalidInput
    from annotations.models import (
        Assignment,
        AssignmentState,
        Document,
        Label,
        Membership,
        Role,
        Span,
        VerificationStatus,
    )
    from annotations.services.projects import initial_status
    from annotations.spans import check_offsets

    with transaction.atomic():
        labels = dict(Label.objects.filter(project=project).values_list("id", "retired"))
        statuses = dict(
            VerificationStatus.objects.filter(project=project).values_list("id", "retired")
        )
        default_status = initial_status(project).pk
        roles = dict(Membership.objects.filter(project=project).values_list("user_id", "role"))
        doc_ids = sorted({r.document_id for r in records})
        texts: dict[int, str] = {}
        for i in range(0, len(doc_ids), 2000):
            texts.update(
                Document.objects.filter(project=project, pk__in=doc_ids[i : i + 2000]).values_list(
                    "id", "text"
                )
            )
        assigned = set(
            Assignment.objects.filter(project=project, document_id__in=doc_ids)
            .exclude(state=AssignmentState.SKIPPED)
            .values_list("document_id", "annotator_id")
        )
        taken = set(
            Span.objects.filter(project=project, document_id__in=doc_ids).values_list(
                "document_id", "annotator_id", "label_id", "start", "end"
            )
        )
        problems: list[str] = []
        rows: list[tuple[Any, ...]] = []
        now = timezone.now()
        for i, r in enumerate(records):
            before = len(problems)
            text = texts.get(r.document_id)
            if text is None:
                problems.append(f"{i}: document {r.document_id} is not in this project.")
            if labels.get(r.label_id, True):
                problems.append(f"{i}: label {r.label_id} is unknown here or retired.")
            status_id = r.status_id or default_status
            if statuses.get(status_id, True):
                problems.append(f"{i}: status {status_id} is unknown here or retired.")
            role = roles.get(r.annotator_id)
            if role is None:
                problems.append(f"{i}: user {r.annotator_id} is not a member of this project.")
            elif role == Role.ANNOTATOR and (r.document_id, r.annotator_id) not in assigned:
                problems.append(f"{i}: document {r.document_id} is not assigned to the annotator.")
            if text is not None:
                problems.extend(
                    f"{i}: {e.field}: {e.message}"
                    for e in check_offsets(text, r.start, r.end, r.quote)
                )
            key = (r.document_id, r.annotator_id, r.label_id, r.start, r.end)
            if key in taken:
                problems.append(f"{i}: duplicate span {key}.")
            taken.add(key)
            if len(problems) == before:
                rows.append(
                    (
                        project.pk,
                        r.document_id,
                        r.annotator_id,
                        r.label_id,
                        r.start,
                        r.end,
                        text[r.start : r.end],
                        status_id,
                        r.note,
                        1,
                        now,
                        now,
                    )
                )
            if len(problems) >= 100:
                break
        if problems:
            raise InvalidInput({"spans": problems})
        try:
            with transaction.atomic():
                if method == "copy":
                    insert_rows(Span, SPAN_COPY_COLUMNS, rows)  # the app's COPY helper
                else:
                    Span.objects.bulk_create(
                        (Span(**dict(zip(SPAN_COPY_COLUMNS, row, strict=True))) for row in rows),
                        batch_size=5000,
                    )
                # The composite foreign keys are deferred: check them here, inside the savepoint.
                connection.cursor().execute("SET CONSTRAINTS ALL IMMEDIATE")
        except IntegrityError as exc:
            raise Conflict(
                f"The spans break a database constraint: {exc}", code="conflict"
            ) from exc
    return len(rows)


def span_records(
    workload: Workload, doc_ids: list[int], users: list[int], labels: dict[str, int]
) -> list[SpanRecord]:
    return [
        SpanRecord(
            document_id=doc_ids[d],
            annotator_id=users[a],
            label_id=labels[key],
            start=start,
            end=end,
            quote=workload.records[d]["text"][start:end],
        )
        for d, doc_spans in enumerate(workload.spans)
        for a, key, start, end in doc_spans
    ]


def annotation_import_available() -> bool:
    try:
        import annotations.services.annotation_imports  # noqa: F401
    except ImportError:
        return False
    return True


def time_annotation_import(
    workload: Workload, usernames: list[str], project: Any, folder: Path
) -> float:
    """Seconds to import the workload as a native JSONL file (documents with every annotator's
    spans) through ``annotations.services.annotation_imports``; the file is written untimed."""
    from annotations.formats.jsonl import write_jsonl
    from annotations.formats.records import ExportDocument, ExportSpan
    from annotations.services.annotation_imports import import_annotations, parse

    documents = (
        ExportDocument(
            document_id=d + 1,
            title=record["title"],
            text=record["text"],
            source_url=record["source_url"],
            published_at=record["published_at"],
            metadata=record["metadata"],
            annotators=tuple(usernames),
            spans=tuple(
                ExportSpan(
                    span_id=None,
                    annotator=usernames[a],
                    label=key,
                    start=start,
                    end=end,
                    quote=record["text"][start:end],
                    status=None,
                    note="",
                    evidence=(),
                )
                for a, key, start, end in workload.spans[d]
            ),
            gold=None,
            agreement=None,
        )
        for d, record in enumerate(workload.records)
    )
    path = folder / "annotations.jsonl"
    with path.open("w", encoding="utf-8") as out:
        write_jsonl(documents, out)
    started = time.perf_counter()
    with path.open("rb") as raw:
        parsed, report = parse(raw, "native", annotator=None)
        result = import_annotations(project=project, documents=parsed, report=report)
    seconds = time.perf_counter() - started
    if not result.ok or result.spans != workload.span_count:
        raise RuntimeError(f"import_annotations: {result.as_dict()}")
    return seconds


# --- planned HTTP traffic ------------------------------------------------------------------------


@dataclass
class Planner:
    """Hands out span creates that do not collide with the workload or with each other."""

    workload: Workload
    doc_ids: list[int]
    labels: dict[str, int]
    annotator_tokens: list[str]
    manager_token: str
    project_id: int
    seed: int
    taken: set[tuple[int, int, str, int, int]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        for d, doc_spans in enumerate(self.workload.spans):
            for a, key, start, end in doc_spans:
                self.taken.add((d, a, key, start, end))
        half = len(self.doc_ids) // 2
        self.read_docs = list(range(half))  # untouched: exactly the workload's spans
        self.write_docs = list(range(half, len(self.doc_ids)))
        self._words = {}

    def _words_of(self, d: int) -> list[tuple[int, int]]:
        if d not in self._words:
            text = self.workload.records[d]["text"]
            self._words[d] = [(m.start(), m.end()) for m in _WORD.finditer(text)]
        return self._words[d]

    def create(self, annotator: int, docs: Sequence[int]) -> PlannedRequest:
        for _ in range(10_000):
            d = self.rng.choice(docs)
            text = self.workload.records[d]["text"]
            start, end = random_window(self.rng, text, self._words_of(d))
            key = self.rng.choice(LABEL_KEYS)
            if (d, annotator, key, start, end) in self.taken:
                continue
            self.taken.add((d, annotator, key, start, end))
            body = {
                "document": self.doc_ids[d],
                "label": self.labels[key],
                "start": start,
                "end": end,
                "quote": text[start:end],
            }
            return PlannedRequest(
                kind="create",
                method="POST",
                path=f"/api/v1/projects/{self.project_id}/spans/",
                body=json.dumps(body).encode(),
                token=self.annotator_tokens[annotator],
                expect=201,
            )
        raise RuntimeError("Could not find a free span position; use fewer creates.")

    def retrieve(self, token: str | None = None, kind: str = "retrieve") -> PlannedRequest:
        d = self.rng.choice(self.read_docs)
        return PlannedRequest(
            kind=kind,
            method="GET",
            path=f"/api/v1/projects/{self.project_id}/documents/{self.doc_ids[d]}/",
            body=None,
            token=token or self.manager_token,
            expect=200,
        )


def run_sequential(port: int, plan: Sequence[PlannedRequest]) -> tuple[list[float], int]:
    client = HttpClient("127.0.0.1", port)
    latencies, errors = [], 0
    try:
        for item in plan:
            status, data, elapsed = client.request(item.method, item.path, item.body, item.token)
            if status != item.expect:
                errors += 1
                if errors <= 3:
                    print(f"    unexpected {status} for {item.method} {item.path}: {data[:300]!r}")
            latencies.append(elapsed)
    finally:
        client.close()
    return latencies, errors


def run_concurrent(
    server: Gunicorn | Runserver,
    plans: list[list[PlannedRequest]],
    time_limit: float,
    cpu_groups: dict[str, Callable[[], list[int]]] | None = None,
) -> dict[str, Any]:
    """One process per plan, all starting at the same moment; bounded by ``time_limit``.
    CPU is counted for ``cpu_groups`` (default: gunicorn, the bench database's backends and
    ``EXTRA_CPU_GROUPS``) and for the clients."""
    from django.db import connections

    connections.close_all()  # no database socket may be shared with forked children
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    start_at = time.monotonic() + 1.0
    deadline = start_at + time_limit
    if cpu_groups is None:
        database = BenchDatabase(os.environ["DATABASE_URL"])
        cpu_groups = {
            "gunicorn": server.pids,
            "postgres (bench db)": lambda: database_backend_pids(database),
            **EXTRA_CPU_GROUPS,
        }
    meter = CpuMeter(cpu_groups)
    processes = [
        ctx.Process(target=run_client, args=(server.port, plan, start_at, deadline, queue, i))
        for i, plan in enumerate(plans)
    ]
    for p in processes:
        p.start()
    time.sleep(max(0.0, start_at - time.monotonic()))
    meter.start()
    results = [queue.get(timeout=time_limit + 60) for _ in processes]
    cpu = meter.stop()
    for p in processes:
        p.join(timeout=10)
    samples = [s for _, client_samples, _ in results for s in client_samples]
    client_cpu = sum(c for _, _, c in results)
    first = min(s[2] for s in samples)
    last = max(s[2] + s[3] for s in samples)
    by_kind: dict[str, list[float]] = defaultdict(list)
    for kind, _, _, elapsed in samples:
        by_kind[kind].append(elapsed)
    return {
        "requests": len(samples),
        "planned": sum(len(p) for p in plans),
        "errors": sum(1 for s in samples if not s[1]),
        "seconds": last - first,
        "rps": len(samples) / (last - first),
        "p50": percentile([s[3] for s in samples], 50),
        "p95": percentile([s[3] for s in samples], 95),
        "by_kind": {
            k: {"n": len(v), "p50": percentile(v, 50), "p95": percentile(v, 95)}
            for k, v in by_kind.items()
        },
        "cpu": {**cpu, "clients": client_cpu},
    }


# --- query counts (in-process) ----------------------------------------------------------------------


def query_counts(
    project_id: int, manager: Any, annotator: Any, planner: Planner, annotator_index: int
) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    def client_for(user: Any) -> APIClient:
        client = APIClient()
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    as_manager, as_annotator = client_for(manager), client_for(annotator)

    def count(client: APIClient, method: str, path: str, body: Any = None, expect: int = 200):
        call: Callable[..., Any] = getattr(client, method)
        with CaptureQueriesContext(connection) as ctx:
            response = call(path, body, format="json") if body is not None else call(path)
        if response.status_code != expect:
            raise RuntimeError(f"{method} {path} answered {response.status_code}: {response.data}")
        return len(ctx.captured_queries), response

    base = f"/api/v1/projects/{project_id}"
    out: dict[str, Any] = {}
    create = planner.create(annotator_index, planner.write_docs)
    out["span create (annotator)"], _ = count(
        as_annotator, "post", create.path, json.loads(create.body), 201
    )
    doc_path = planner.retrieve().path
    n, response = count(as_manager, "get", doc_path)
    out[f"document retrieve (manager, {len(response.data['spans'])} spans)"] = n
    n, response = count(as_annotator, "get", doc_path)
    out[f"document retrieve (annotator, {len(response.data['spans'])} spans)"] = n
    lists = {}
    for name, path, client in [
        ("projects", "/api/v1/projects/", as_manager),
        ("documents", f"{base}/documents/", as_manager),
        ("documents (annotator)", f"{base}/documents/", as_annotator),
        ("spans", f"{base}/spans/", as_manager),
        ("spans (annotator)", f"{base}/spans/", as_annotator),
        ("assignments", f"{base}/assignments/", as_manager),
        ("members", f"{base}/members/", as_manager),
        ("labels", f"{base}/labels/", as_manager),
        ("statuses", f"{base}/statuses/", as_manager),
        ("jobs", f"{base}/jobs/", as_manager),
    ]:
        counts = []
        for size in (5, 100):
            sep = "&" if "?" in path else "?"
            n, response = count(client, "get", f"{path}{sep}page_size={size}")
            data = response.data
            results = data["results"] if isinstance(data, dict) and "results" in data else data
            counts.append((size, len(results), n))
        lists[name] = counts
    out["lists"] = lists
    return out


# --- one run -------------------------------------------------------------------------------------


def parse_server(spec: str) -> tuple[str, int, int]:
    """'sync:4' -> (sync, 4, 1); 'gthread:2x4' -> (gthread, 2, 4)."""
    kind, _, size = spec.partition(":")
    workers, _, threads = size.partition("x")
    if kind not in ("sync", "gthread") or not workers.isdigit():
        raise argparse.ArgumentTypeError(f"{spec!r}: use sync:N or gthread:NxT")
    return kind, int(workers), int(threads or 1)


def wait_until_quiet(max_seconds: float, quiet_seconds: int = 7, busy_below: float = 0.1) -> float:
    """Seconds waited (at most ``max_seconds``) until the machine's cores were busy less than
    ``busy_below`` in each of ``quiet_seconds`` seconds in a row: longer than the agreement
    refresh's debounce (5 s), so a refresh queued by an earlier phase has started and ended."""
    started = time.monotonic()
    quiet = 0
    while quiet < quiet_seconds and time.monotonic() - started < max_seconds:
        busy_before, total_before = machine_cpu_seconds()
        time.sleep(1.0)
        busy, total = machine_cpu_seconds()
        quiet = quiet + 1 if busy - busy_before < busy_below * (total - total_before) else 0
    return time.monotonic() - started


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def server_env(args: argparse.Namespace) -> dict[str, str]:
    """Environment of the server, the worker, the subprocesses and this process."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL")}
    env.update(
        DATABASE_URL=args.database_url,
        DJANGO_SETTINGS_MODULE="workbench.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
        CELERY_TASK_ALWAYS_EAGER="true" if args.celery == "eager" else "false",
        LOG_LEVEL="WARNING",
        GUNICORN_ERROR_LOG="-",
    )
    if args.celery != "eager":
        env["REDIS_URL"] = args.redis_url
    return env


def flush_redis(url: str) -> None:
    """Empty the bench's own Redis database (queued tasks, debounce keys)."""
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()


@contextmanager
def celery_worker(args: argparse.Namespace, env: dict[str, str]) -> Iterator[None]:
    """A real Celery worker (one process) when ``--celery worker``; nothing otherwise."""
    if args.celery == "eager":
        yield
        return
    flush_redis(args.redis_url)
    process = None
    EXTRA_CPU_GROUPS.pop("celery", None)
    if args.celery == "worker":
        process = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "workbench",
                "worker",
                "-c",
                "1",
                "-l",
                "warning",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        master = process.pid
        EXTRA_CPU_GROUPS["celery"] = lambda: (
            [master] + pids_where(lambda pid, comm, ppid: ppid == master)
        )
    try:
        yield
    finally:
        EXTRA_CPU_GROUPS.pop("celery", None)
        if process is not None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        flush_redis(args.redis_url)


def login(port: int, username: str) -> str:
    client = HttpClient("127.0.0.1", port)
    status, body, _ = client.post_json(
        "/api/v1/auth/token/", {"username": username, "password": PASSWORD}
    )
    client.close()
    if status != 200:
        raise RuntimeError(f"Token for {username}: HTTP {status} {body}")
    return body["token"]


def bench_http(
    args: argparse.Namespace, server: Gunicorn, planner: Planner, run_seed: int
) -> dict[str, Any]:
    out: dict[str, Any] = {"server": server.label}
    rng = random.Random(run_seed)
    # Warm-up: every worker loads its code paths and opens its database connection.
    warm = [planner.create(i % ANNOTATORS, planner.write_docs) for i in range(30)]
    warm += [planner.retrieve() for _ in range(30)]
    rng.shuffle(warm)
    run_concurrent(server, [warm[i::6] for i in range(6)], time_limit=60)

    # (a) creates one after another, by one annotator on one keep-alive connection.
    plan = [planner.create(0, planner.write_docs) for _ in range(args.creates)]
    latencies, errors = run_sequential(server.port, plan)
    out["create"] = {
        "n": len(latencies),
        "errors": errors,
        "p50": percentile(latencies, 50),
        "p95": percentile(latencies, 95),
    }
    # (c) document retrieval with the workload's spans: a manager sees ~60, an annotator ~20.
    for who, token in (
        ("retrieve", planner.manager_token),
        ("retrieve_annotator", planner.annotator_tokens[0]),
    ):
        plan = [planner.retrieve(token) for _ in range(args.retrievals)]
        latencies, errors = run_sequential(server.port, plan)
        out[who] = {
            "n": len(latencies),
            "errors": errors,
            "p50": percentile(latencies, 50),
            "p95": percentile(latencies, 95),
        }
    # (b) concurrent clients, each its own process and connection, mixing creates and reads.
    per_client = args.concurrent_requests // args.clients
    write_docs = planner.write_docs
    plans = []
    for c in range(args.clients):
        annotator = c % ANNOTATORS
        own_docs = write_docs[c :: args.clients]  # disjoint per client: no duplicate races
        plan = [
            planner.create(annotator, own_docs)
            if rng.random() < args.create_share
            else planner.retrieve()
            for _ in range(per_client)
        ]
        plans.append(plan)
    out["concurrent"] = run_concurrent(server, plans, time_limit=args.time_limit)
    return out


def one_run(args: argparse.Namespace, run: int, env: dict[str, str]) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.db import connection, connections

    from annotations.models import Document, Label, Role
    from annotations.services.assignments import assignments_distribute
    from annotations.services.document_imports import import_path
    from annotations.services.projects import membership_add, project_create

    figures: dict[str, Any] = {}
    database = BenchDatabase(args.database_url)
    database.create()
    tmp = Path(tempfile.mkdtemp(prefix="bench-api-"))
    stack = ExitStack()
    try:
        figures["migrate_s"] = database.migrate(env)
        stack.enter_context(celery_worker(args, env))
        figures["loadavg_before"] = os.getloadavg()[0]
        seconds, workload = timed(
            lambda: generate_workload(
                args.documents, args.spans_per_annotator, args.seed, args.chars
            )
        )
        sizes = [len(r["text"]) for r in workload.records]
        print(
            f"  workload: {len(workload.records)} documents of {min(sizes)}..{max(sizes)} "
            f"(mean {sum(sizes) / len(sizes):.0f}) code points, {workload.span_count} spans "
            f"({ANNOTATORS} annotators); generated in {seconds:.1f} s"
        )

        User = get_user_model()
        manager = User.objects.create_user("bench-manager", password=PASSWORD)
        annotators = [
            User.objects.create_user(f"bench-annotator{i}", password=PASSWORD)
            for i in range(ANNOTATORS)
        ]

        def make_project(name: str) -> Any:
            project = project_create(creator=manager, name=name)
            for user in annotators:
                membership_add(project=project, user=user, role=Role.ANNOTATOR)
            return project

        project = make_project("Bench (HTTP bulk)")
        project_file = make_project("Bench (import_path)")
        labels = dict(Label.objects.filter(project=project).values_list("key", "id"))

        servers = [
            Gunicorn(env, workers=w, worker_class=k, threads=t)
            for k, w, t in map(parse_server, args.server)
        ]
        with servers[0].running() as server:
            tokens = {u.username: login(server.port, u.username) for u in [manager, *annotators]}

            # 1a. documents through the HTTP bulk endpoint, in chunks, one after another.
            client = HttpClient("127.0.0.1", server.port, token=tokens[manager.username])
            chunks = [
                workload.records[i : i + args.bulk_chunk]
                for i in range(0, len(workload.records), args.bulk_chunk)
            ]
            bodies = [json.dumps({"documents": chunk}).encode() for chunk in chunks]
            started = time.perf_counter()
            for body in bodies:
                status, data, _ = client.request(
                    "POST", f"/api/v1/projects/{project.pk}/documents/bulk/", body
                )
                if status != 201:
                    raise RuntimeError(f"bulk import answered {status}: {data[:500]!r}")
            figures["docs_http_s"] = time.perf_counter() - started
            client.close()
        by_index = dict(
            Document.objects.filter(project=project).values_list("metadata__bench_index", "id")
        )
        doc_ids = [by_index[i] for i in range(len(workload.records))]

        # 1b. the same documents through import_path (what manage.py import_documents runs).
        jsonl = tmp / "workload.jsonl"
        write_jsonl(workload.records, jsonl)
        seconds, results = timed(lambda: import_path(project=project_file, path=jsonl))
        if not results[0].ok or results[0].created != len(workload.records):
            raise RuntimeError(f"import_path failed: {results[0].as_dict()}")
        figures["docs_import_path_s"] = seconds
        file_index = dict(
            Document.objects.filter(project=project_file).values_list("metadata__bench_index", "id")
        )
        file_doc_ids = [file_index[i] for i in range(len(workload.records))]

        # Assignments: every annotator gets every document (3 annotators, overlap 3).
        seconds, result = timed(lambda: assignments_distribute(project=project))
        figures["distribute_s"] = seconds
        assignments_distribute(project=project_file)

        # 1c. spans: the same 60,000 spans through COPY (into the import_path project, then
        # removed again) and through bulk_create (kept: the HTTP part works on them).
        user_ids = [u.pk for u in annotators]
        file_labels = dict(Label.objects.filter(project=project_file).values_list("key", "id"))
        records = span_records(workload, file_doc_ids, user_ids, file_labels)
        seconds, created = timed(
            lambda: spans_bulk_create(project=project_file, records=records, method="copy")
        )
        figures["spans_copy_s"] = seconds
        with connection.cursor() as cursor:  # no evidence yet: a plain DELETE is complete
            cursor.execute("DELETE FROM annotations_span WHERE project_id = %s", [project_file.pk])
            cursor.execute("VACUUM ANALYZE annotations_span")
        records = span_records(workload, doc_ids, user_ids, labels)
        seconds, created = timed(
            lambda: spans_bulk_create(project=project, records=records, method="orm")
        )
        figures["spans_orm_s"] = seconds
        figures["spans"] = created
        figures["documents"] = len(workload.records)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")

        # 2. HTTP: creates, retrievals, concurrent clients; once per server configuration.
        planner = Planner(
            workload=workload,
            doc_ids=doc_ids,
            labels=labels,
            annotator_tokens=[tokens[u.username] for u in annotators],
            manager_token=tokens[manager.username],
            project_id=project.pk,
            seed=args.seed + 1000 * run,
        )
        figures["http"] = []
        for server in servers:
            with server.running():
                print(f"  HTTP with gunicorn {server.label} ...", flush=True)
                figures["http"].append(bench_http(args, server, planner, args.seed + run))
                print_http(figures["http"][-1])

        # 3. queries per request (in-process).
        try:
            figures["queries"] = query_counts(project.pk, manager, annotators[0], planner, 0)
        except Exception as exc:  # noqa: BLE001 - the timings above are still worth printing
            figures["queries"] = {"error": f"{type(exc).__name__}: {exc}"}

        # 4. 10,000 documents through import_path and through the management command.
        if args.import_documents:
            big = tmp / "import.jsonl"
            size = write_jsonl(
                generate_records(args.import_documents, args.seed + 7, args.chars), big
            )
            figures["import_file_mb"] = size / 1e6
            target = project_create(creator=manager, name="Bench 10k import_path")
            seconds, results = timed(lambda: import_path(project=target, path=big))
            if results[0].created != args.import_documents:
                raise RuntimeError(f"import_path: {results[0].as_dict()}")
            figures["import_path_10k_s"] = seconds
            target = project_create(creator=manager, name="Bench 10k command")
            connections.close_all()
            cmd = [PYTHON, "manage.py", "import_documents", str(target.pk), str(big)]
            seconds, _ = timed(
                lambda: subprocess.run(
                    [*cmd, "--no-progress"],
                    cwd=REPO_ROOT,
                    env=env,
                    check=True,
                    timeout=600,
                    stdout=subprocess.DEVNULL,
                )
            )
            figures["command_10k_s"] = seconds
            seconds, _ = timed(
                lambda: subprocess.run(
                    [*cmd[:3], "--help"],
                    cwd=REPO_ROOT,
                    env=env,
                    check=True,
                    timeout=120,
                    stdout=subprocess.DEVNULL,
                )
            )
            figures["command_startup_s"] = seconds
            if Document.objects.filter(project=target).count() != args.import_documents:
                raise RuntimeError("manage.py import_documents did not import every document.")

        # 5. The whole workload (documents, spans, submissions) through the annotation import of
        # our own JSONL export format: parse + import_annotations, in-process. Last, because the
        # submissions it creates schedule an agreement refresh that a worker then computes.
        if annotation_import_available():
            target = make_project("Bench (annotations)")
            # Earlier phases leave background work (the worker's agreement refresh for the HTTP
            # phase's spans, autovacuum after the deletes): time the import on a quiet machine.
            figures["annotation_import_waited_s"] = wait_until_quiet(max_seconds=180)
            busy_before, _ = machine_cpu_seconds()
            figures["annotation_import_s"] = time_annotation_import(
                workload, [u.username for u in annotators], target, tmp
            )
            figures["annotation_import_machine_cpu_s"] = machine_cpu_seconds()[0] - busy_before
    finally:
        connections.close_all()
        stack.close()
        database.drop()
        for path in tmp.iterdir():
            path.unlink()
        tmp.rmdir()
    return figures


# --- printing ------------------------------------------------------------------------------------


def cpu_split(concurrent: dict[str, Any]) -> str:
    """CPU seconds by process group, and what the rest of the machine used meanwhile."""
    cpu = dict(concurrent["cpu"])
    busy, total = cpu.pop("machine_busy"), cpu.pop("machine_total")
    parts = [f"{name} {seconds:.1f} s" for name, seconds in cpu.items()]
    others = busy - sum(cpu.values())
    return (
        ", ".join(parts)
        + f", other processes {max(others, 0):.1f} s; machine {100 * busy / total:.0f}% busy"
        f" over {concurrent['seconds']:.1f} s"
    )


def print_http(h: dict[str, Any]) -> None:
    c = h["concurrent"]
    print(
        f"  [{h['server']}] create p50 {ms(h['create']['p50']):.1f} p95 "
        f"{ms(h['create']['p95']):.1f} ms; retrieve p50 {ms(h['retrieve']['p50']):.1f} p95 "
        f"{ms(h['retrieve']['p95']):.1f} ms; concurrent: "
        f"{c['rps']:.0f} req/s p50 {ms(c['p50']):.1f} p95 {ms(c['p95']):.1f} ms, "
        f"{c['errors']} errors of {c['requests']}"
    )
    print(f"    CPU during the concurrent phase: {cpu_split(c)}")


def print_run(figures: dict[str, Any]) -> None:
    n, spans = figures["documents"], figures["spans"]
    print(
        f"  documents: HTTP bulk {figures['docs_http_s']:.2f} s, import_path "
        f"{figures['docs_import_path_s']:.2f} s; spans: bulk_create {figures['spans_orm_s']:.2f} s,"
        f" COPY {figures['spans_copy_s']:.2f} s ({n} docs, {spans} spans); "
        f"distribute {figures['distribute_s']:.2f} s"
    )
    print(f"  load average (1 min) before the run: {figures['loadavg_before']:.2f}")
    if "annotation_import_s" in figures:
        print(
            f"  whole workload through import_annotations: {figures['annotation_import_s']:.2f} s "
            f"(after waiting {figures['annotation_import_waited_s']:.0f} s for a quiet machine; "
            f"machine CPU during it {figures['annotation_import_machine_cpu_s']:.2f} s)"
        )
    if "import_path_10k_s" in figures:
        print(
            f"  10k documents: import_path {figures['import_path_10k_s']:.2f} s, command "
            f"{figures['command_10k_s']:.2f} s (process start-up alone "
            f"{figures['command_startup_s']:.2f} s)"
        )


def print_summary(args: argparse.Namespace, runs: list[dict[str, Any]]) -> None:
    def med(get: Callable[[dict[str, Any]], float]) -> float:
        return median([get(r) for r in runs])

    n = runs[0]["documents"]
    spans = runs[0]["spans"]
    rows: list[tuple[str, str, str, str, str]] = []

    def row(name: str, ours: str, target: str = "", ls: str = "", dc: str = "") -> None:
        rows.append((name, ours, target, ls, dc))

    def rate(count: int, seconds: float, unit: str) -> str:
        return f"{seconds:.2f} s ({count / seconds:,.0f} {unit}/s)"

    docs_http = med(lambda r: r["docs_http_s"])
    docs_file = med(lambda r: r["docs_import_path_s"])
    spans_orm = med(lambda r: r["spans_orm_s"])
    spans_copy = med(lambda r: r["spans_copy_s"])
    row(
        f"Documents, HTTP bulk endpoint ({n}, chunks of {args.bulk_chunk})",
        rate(n, docs_http, "docs"),
    )
    row(f"Documents, import_path JSONL, in-process ({n})", rate(n, docs_file, "docs"))
    row(f"Spans, bench spans_bulk_create bulk_create ({spans:,})", rate(spans, spans_orm, "spans"))
    row(f"Spans, bench spans_bulk_create COPY ({spans:,})", rate(spans, spans_copy, "spans"))
    total = med(lambda r: r["docs_http_s"] + r["spans_orm_s"])
    row("Whole workload: HTTP bulk docs + bulk_create spans", f"{total:.2f} s", "< 1.5 s")
    total = med(lambda r: r["docs_import_path_s"] + r["spans_copy_s"])
    row("Whole workload: import_path docs + COPY spans", f"{total:.2f} s", "< 1.5 s")
    if all("annotation_import_s" in r for r in runs):
        row(
            "Whole workload: annotation import, native JSONL (parse + import_annotations)",
            f"{med(lambda r: r['annotation_import_s']):.2f} s",
            "< 1.5 s",
        )
    for i in range(len(args.server)):
        label = runs[0]["http"][i]["server"]

        def h(key: str, stat: str, i: int = i) -> float:
            return med(lambda r: r["http"][i][key][stat])

        row(f"-- HTTP, gunicorn {label} --", "")
        ls, dc = COMPETITORS["create_p50"]
        row("Span create, sequential, p50", f"{ms(h('create', 'p50')):.1f} ms", "< 10 ms", ls, dc)
        row("Span create, sequential, p95", f"{ms(h('create', 'p95')):.1f} ms", "< 20 ms")
        ls, dc = COMPETITORS["concurrent_rps"]
        row(
            f"{args.clients} clients ({args.create_share:.0%} creates), throughput",
            f"{h('concurrent', 'rps'):.0f} req/s",
            ">= 150 req/s",
            ls,
            dc,
        )
        row(f"{args.clients} clients, p50", f"{ms(h('concurrent', 'p50')):.1f} ms")
        row(f"{args.clients} clients, p95", f"{ms(h('concurrent', 'p95')):.1f} ms", "< 100 ms")
        for kind in ("create", "retrieve"):
            row(
                f"{args.clients} clients, {kind} p50 / p95",
                f"{ms(med(lambda r, k=kind, i=i: r['http'][i]['concurrent']['by_kind'][k]['p50'])):.1f}"
                f" / {ms(med(lambda r, k=kind, i=i: r['http'][i]['concurrent']['by_kind'][k]['p95'])):.1f} ms",
            )
        row(
            f"Document retrieve, manager (~{ANNOTATORS * args.spans_per_annotator} spans), p50",
            f"{ms(h('retrieve', 'p50')):.1f} ms",
            "< 15 ms",
        )
        row("Document retrieve, manager, p95", f"{ms(h('retrieve', 'p95')):.1f} ms")
        row(
            f"Document retrieve, annotator (~{args.spans_per_annotator} spans), p50 / p95",
            f"{ms(h('retrieve_annotator', 'p50')):.1f} / {ms(h('retrieve_annotator', 'p95')):.1f} ms",
        )
        cpu = {
            k: med(
                lambda r, k=k, i=i: (
                    r["http"][i]["concurrent"]["cpu"][k] / r["http"][i]["concurrent"]["requests"]
                )
            )
            for k in ("gunicorn", "postgres (bench db)", "clients")
        }
        row(
            f"{args.clients} clients, CPU ms per request",
            f"gunicorn {ms(cpu['gunicorn']):.1f}, postgres {ms(cpu['postgres (bench db)']):.1f}, "
            f"client {ms(cpu['clients']):.1f}",
        )
    if "import_path_10k_s" in runs[0]:
        k = args.import_documents
        row(
            f"{k:,} documents, import_path JSONL, in-process",
            rate(k, med(lambda r: r["import_path_10k_s"]), "docs"),
        )
        row(
            f"{k:,} documents, manage.py import_documents (subprocess)",
            rate(k, med(lambda r: r["command_10k_s"]), "docs"),
        )
        row(
            "  of which process start-up (manage.py ... --help)",
            f"{med(lambda r: r['command_startup_s']):.2f} s",
        )

    header = (
        "Measure",
        f"Ours (median of {len(runs)})",
        "Target",
        "Label Studio 1.23",
        "doccano 1.8",
    )
    widths = [max(len(r[c]) for r in [*rows, header]) for c in range(5)]
    line = "  ".join("-" * w for w in widths)
    print()
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print(line)
    for r in rows:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())
    print()
    queries = runs[-1]["queries"]
    if "error" in queries:
        print(f"SQL queries per request: not measured ({queries['error']})")
        return
    print("SQL queries per request (in-process, DRF test client with token auth):")
    for name, value in queries.items():
        if name != "lists":
            print(f"  {name}: {value}")
    print("List endpoints: queries at page_size 5 vs 100 (rows returned in brackets):")
    for name, counts in queries["lists"].items():
        (s1, r1, q1), (s2, r2, q2) = counts
        verdict = "fixed" if q1 == q2 else "GROWS WITH PAGE SIZE"
        print(f"  {name}: {q1} ({r1} rows) vs {q2} ({r2} rows): {verdict}")


# --- the zero-config setup: SQLite, no broker, jobs in the web process (--sqlite) ---------------

# Figures quoted in the issue "Nothing lost, nothing stuck, nobody in" for the same workload (10
# clients creating spans) on each tool's default SQLite setup.
SQLITE_COMPETITORS = {"rps": ("11.4 req/s", "134 req/s"), "errors": ("0", "0")}
SQLITE_TARGET_RPS = 134
# Unset for the zero-config server: with none of these, settings.py runs on SQLite with eager
# tasks, DEBUG and the local-memory cache, as `make run` does.
ZERO_CONFIG_UNSET = (
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "CELERY_TASK_ALWAYS_EAGER",
    "DJANGO_DEBUG",
    "DJANGO_SECRET_KEY",
    "AGREEMENT_DEBOUNCE_SECONDS",
    "WEB_CONCURRENCY",
    "GUNICORN_WORKER_CLASS",
    "GUNICORN_THREADS",
)


def zero_config_env(database: Path, media: Path) -> dict[str, str]:
    """`make run`'s environment: nothing configured but where the SQLite file and the media
    folder are (make run's own are db.sqlite3 and media/ in the repository)."""
    env = {k: v for k, v in os.environ.items() if k not in ZERO_CONFIG_UNSET}
    env.update(
        DJANGO_SETTINGS_MODULE="workbench.settings",
        DATABASE_URL=f"sqlite:///{database}",
        WORKBENCH_MEDIA_ROOT=str(media),
    )
    return env


def sqlite_servers(args: argparse.Namespace, env: dict[str, str]) -> list[Gunicorn | Runserver]:
    servers: list[Gunicorn | Runserver] = []
    for spec in args.sqlite_server:
        if spec == "runserver":
            # Without the autoreloader: it restarts the server whenever a file of the repository
            # is saved, which on a shared checkout can happen in the middle of a phase.
            servers.append(Runserver(env, reload=False))
        else:
            kind, workers, threads = parse_server(spec)
            servers.append(
                Gunicorn(
                    env, workers=workers, worker_class=kind, threads=threads, capture_output=True
                )
            )
    return servers


def agreement_current(port: int, project_id: int, token: str) -> bool:
    """Whether the latest agreement report takes in every edit (``stale`` is false)."""
    client = HttpClient("127.0.0.1", port, token=token)
    try:
        status, data = client.get(f"/api/v1/projects/{project_id}/agreement/")
    finally:
        client.close()
    if status != 200:
        raise RuntimeError(f"GET agreement answered {status}: {data[:300]!r}")
    body = json.loads(data)
    return body["report"] is not None and not body["stale"]


def seconds_until_current(port: int, project_id: int, token: str, cap: float) -> float:
    """Seconds until the agreement report is current again (NaN after ``cap``)."""
    started = time.monotonic()
    while time.monotonic() - started < cap:
        if agreement_current(port, project_id, token):
            return time.monotonic() - started
        time.sleep(0.25)
    return float("nan")


def sqlite_one_run(args: argparse.Namespace, run: int, env: dict[str, str]) -> dict[str, Any]:
    """Fresh SQLite file, migrate, the workload imported in-process (documents, every
    annotator's spans, submissions, the first agreement report), then per server: a warm-up, and
    ``--clients`` processes each sending ``--sqlite-creates`` span creates at once."""
    from django.contrib.auth import get_user_model
    from django.db import connections

    from annotations.models import AgreementReport, Document, Label, Role
    from annotations.services.agreement import refresh_incremental
    from annotations.services.projects import membership_add, project_create

    database = Path(env["DATABASE_URL"].removeprefix("sqlite:///"))
    connections.close_all()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    figures: dict[str, Any] = {"loadavg_before": os.getloadavg()[0]}
    figures["migrate_s"], _ = timed(
        lambda: subprocess.run(
            [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=REPO_ROOT,
            env=env,
            check=True,
            timeout=300,
        )
    )
    workload = generate_workload(args.documents, args.spans_per_annotator, args.seed, args.chars)
    User = get_user_model()
    manager = User.objects.create_user("bench-manager", password=PASSWORD)
    annotators = [
        User.objects.create_user(f"bench-annotator{i}", password=PASSWORD)
        for i in range(ANNOTATORS)
    ]
    project = project_create(creator=manager, name="Bench (zero config)")
    for user in annotators:
        membership_add(project=project, user=user, role=Role.ANNOTATOR)
    figures["import_s"] = time_annotation_import(
        workload, [u.username for u in annotators], project, database.parent
    )
    figures["first_report_s"], _ = timed(lambda: refresh_incremental(project_id=project.pk))
    by_index = dict(
        Document.objects.filter(project=project).values_list("metadata__bench_index", "id")
    )
    doc_ids = [by_index[i] for i in range(len(workload.records))]
    labels = dict(Label.objects.filter(project=project).values_list("key", "id"))
    figures["documents"], figures["spans"] = len(doc_ids), workload.span_count
    connections.close_all()

    planner: Planner | None = None
    figures["http"] = []
    for server in sqlite_servers(args, env):
        with server.running():
            print(f"  {args.clients} clients on {server.label} ...", flush=True)
            if planner is None:
                tokens = {
                    u.username: login(server.port, u.username) for u in [manager, *annotators]
                }
                planner = Planner(
                    workload=workload,
                    doc_ids=doc_ids,
                    labels=labels,
                    annotator_tokens=[tokens[u.username] for u in annotators],
                    manager_token=tokens[manager.username],
                    project_id=project.pk,
                    seed=args.seed + 1000 * run,
                )
            token = planner.manager_token
            cpu_groups = {"server": server.pids}
            # Warm-up (every worker loads its code), then wait until the refresh it scheduled
            # has run: each server starts from a current report.
            warm = [planner.create(i % ANNOTATORS, planner.write_docs) for i in range(40)]
            run_concurrent(server, [warm[i::4] for i in range(4)], 60, cpu_groups)
            waited = seconds_until_current(server.port, project.pk, token, cap=300)
            reports_before = AgreementReport.objects.filter(project=project).count()
            connections.close_all()
            plans = [
                [
                    planner.create(c % ANNOTATORS, planner.write_docs[c :: args.clients])
                    for _ in range(args.sqlite_creates)
                ]
                for c in range(args.clients)
            ]
            concurrent = run_concurrent(server, plans, args.time_limit, cpu_groups)
            catch_up = seconds_until_current(server.port, project.pk, token, cap=300)
            log = server.log_path.read_text(errors="replace") if server.log_path else ""
            reports = AgreementReport.objects.filter(project=project)
            refreshes = reports.count() - reports_before
            figures["http"].append(
                {
                    "server": server.label,
                    "warmup_refresh_wait_s": waited,
                    "concurrent": concurrent,
                    "report_current_after_s": catch_up,
                    "refreshes": refreshes,
                    # How long each refresh held SQLite's write lock (its whole transaction).
                    "refresh_s": [
                        timings.get("total_seconds")
                        for timings in reports.values_list("timings", flat=True)[:refreshes]
                    ],
                    "locked_in_log": log.count("database is locked"),
                    "failed_refreshes_in_log": log.count("refresh of project"),
                }
            )
            connections.close_all()
            print_sqlite_http(figures["http"][-1])
    return figures


def print_sqlite_http(h: dict[str, Any]) -> None:
    c = h["concurrent"]
    print(
        f"  [{h['server']}] {c['rps']:.1f} req/s, p50 {ms(c['p50']):.1f} ms, p95 "
        f"{ms(c['p95']):.1f} ms, {c['errors']} errors of {c['requests']}; 'database is locked' "
        f"in the server log: {h['locked_in_log']}; agreement refreshed {h['refreshes']} times "
        f"({h['failed_refreshes_in_log']} failures logged), current "
        f"{h['report_current_after_s']:.1f} s after the last response"
    )
    refresh = ", ".join(f"{seconds:.2f}" for seconds in h["refresh_s"] if seconds is not None)
    print(
        f"    server CPU per request {ms(c['cpu']['server'] / c['requests']):.1f} ms; "
        f"refreshes took {refresh or '-'} s; CPU during the phase: {cpu_split(c)}"
    )


def print_sqlite_summary(args: argparse.Namespace, runs: list[dict[str, Any]]) -> None:
    rows: list[tuple[str, str, str, str, str]] = []
    for i, first in enumerate(runs[0]["http"]):

        def med(get: Callable[[dict[str, Any]], float], i: int = i) -> float:
            return median([get(r["http"][i]) for r in runs])

        ls, dc = SQLITE_COMPETITORS["rps"]
        total = args.clients * args.sqlite_creates
        rows.append((f"-- {first['server']}, SQLite, no broker --", "", "", "", ""))
        rows.append(
            (
                f"{args.clients} clients x {args.sqlite_creates} span creates, throughput",
                f"{med(lambda h: h['concurrent']['rps']):.1f} req/s",
                f">= {SQLITE_TARGET_RPS} req/s",
                ls,
                dc,
            )
        )
        ls, dc = SQLITE_COMPETITORS["errors"]
        rows.append(
            (
                f"  errors (non-201) of the requests answered (of {total}), each run",
                " / ".join(
                    f"{r['http'][i]['concurrent']['errors']} of {r['http'][i]['concurrent']['requests']}"
                    for r in runs
                ),
                "0",
                ls,
                dc,
            )
        )
        rows.append(
            (
                "  server CPU per request (1000 / it = req/s on a core of its own)",
                f"{ms(med(lambda h: h['concurrent']['cpu']['server'] / h['concurrent']['requests'])):.1f} ms",
                "",
                "",
                "",
            )
        )
        rows.append(("  p50", f"{ms(med(lambda h: h['concurrent']['p50'])):.1f} ms", "", "", ""))
        rows.append(("  p95", f"{ms(med(lambda h: h['concurrent']['p95'])):.1f} ms", "", "", ""))
        rows.append(
            (
                "  'database is locked' in the server log, each run",
                " / ".join(str(r["http"][i]["locked_in_log"]) for r in runs),
                "0",
                "",
                "",
            )
        )
        rows.append(
            (
                "  agreement report current again after the last response",
                f"{med(lambda h: h['report_current_after_s']):.1f} s",
                "",
                "",
                "",
            )
        )
    header = (
        "Measure",
        f"Ours (median of {len(runs)})",
        "Target",
        "Label Studio 1.23",
        "doccano 1.8",
    )
    widths = [max(len(r[c]) for r in [*rows, header]) for c in range(5)]
    print()
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())


def sqlite_main(args: argparse.Namespace) -> int:
    """``--sqlite``: the zero-config setup of ``make run`` under 10 clients creating spans."""
    import shutil

    tmp = Path(tempfile.mkdtemp(prefix="bench-sqlite-"))
    env = zero_config_env(tmp / "db.sqlite3", tmp / "media")
    for key in ZERO_CONFIG_UNSET:
        os.environ.pop(key, None)
    for key in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "WORKBENCH_MEDIA_ROOT"):
        os.environ[key] = env[key]
    sys.path.insert(0, str(REPO_ROOT))
    import django

    django.setup()
    from django.conf import settings

    # This process sets the data up: the refresh its import schedules runs here, at once.
    settings.AGREEMENT_EAGER_REFRESH_IN_BACKGROUND = False
    print(
        f"Zero-config setup: SQLite file in {tmp}, no broker (tasks in the web process), "
        f"DEBUG on; servers: {', '.join(args.sqlite_server)}; {os.cpu_count()} cores"
    )
    runs = []
    try:
        for run in range(args.runs):
            deadline = time.monotonic() + args.wait_quiet
            while os.getloadavg()[0] >= 1.0 and time.monotonic() < deadline:
                time.sleep(5)
            print(f"Run {run + 1}/{args.runs}", flush=True)
            figures = sqlite_one_run(args, run, env)
            print(
                f"  {figures['documents']} documents, {figures['spans']} spans, all submitted; "
                f"imported in {figures['import_s']:.2f} s, first report "
                f"{figures['first_report_s']:.2f} s; load average before {figures['loadavg_before']:.2f}"
            )
            runs.append(figures)
        print_sqlite_summary(args, runs)
        if args.json:
            args.json.write_text(json.dumps(runs, indent=2, default=str))
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--spans-per-annotator", type=int, default=20)
    parser.add_argument("--chars", type=int, default=2500, help="Approximate document length")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument(
        "--server",
        action="append",
        type=str,
        help="gunicorn configuration(s) for the HTTP part: sync:N or gthread:NxT "
        "(repeat to compare; default sync:5, as workbench/gunicorn.conf.py on 2 cores)",
    )
    parser.add_argument("--bulk-chunk", type=int, default=500, help="Documents per bulk request")
    parser.add_argument("--creates", type=int, default=500, help="Sequential span creates")
    parser.add_argument("--retrievals", type=int, default=300, help="Sequential retrievals")
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--concurrent-requests", type=int, default=3000, help="All clients")
    parser.add_argument("--create-share", type=float, default=0.5)
    parser.add_argument("--time-limit", type=float, default=120.0, help="Concurrent phase cap (s)")
    parser.add_argument("--import-documents", type=int, default=10_000, help="0 to skip")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/wb_bench_api"
        ),
        help="Created and dropped by each run",
    )
    parser.add_argument(
        "--celery",
        choices=("eager", "broker", "worker"),
        default="worker",
        help="eager: tasks run inside the request (CELERY_TASK_ALWAYS_EAGER=true, no Redis); "
        "broker: tasks are queued on --redis-url and never run; worker: queued and run by one "
        "real Celery worker process (production shape)",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/4"),
        help="Used by --celery broker/worker; FLUSHED before and after each run",
    )
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0.0,
        help="Before each run, wait up to this many seconds for the 1-minute load average to fall "
        "below 1.0 (the machine may be shared)",
    )
    parser.add_argument("--json", type=Path, help="Also write every run's figures here")
    parser.add_argument(
        "--sqlite",
        action="store_true",
        help="Measure the zero-config setup instead (make run: a SQLite file, no broker, tasks in "
        "the web process): --clients processes creating spans at once, per --sqlite-server",
    )
    parser.add_argument(
        "--sqlite-server",
        action="append",
        type=str,
        help="With --sqlite: 'runserver' (as make run serves) or a gunicorn sync:N / gthread:NxT "
        "(repeat; default runserver and sync:5)",
    )
    parser.add_argument(
        "--sqlite-creates", type=int, default=20, help="With --sqlite: span creates per client"
    )
    args = parser.parse_args(argv)
    if args.sqlite:
        args.sqlite_server = args.sqlite_server or ["runserver", "sync:5"]
        for spec in args.sqlite_server:
            if spec != "runserver":
                parse_server(spec)
        return sqlite_main(args)
    args.server = args.server or ["sync:5"]
    for spec in args.server:
        parse_server(spec)

    env = server_env(args)
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("CELERY_BROKER_URL", None)
    for key, value in env.items():
        if key == "REDIS_URL" or key.startswith(("DJANGO", "CELERY", "DATABASE")):
            os.environ[key] = value
    sys.path.insert(0, str(REPO_ROOT))
    import django

    django.setup()

    runs = []
    print(
        f"Celery: {args.celery}; gunicorn: {', '.join(args.server)}; {os.cpu_count()} cores; "
        f"database {BenchDatabase(args.database_url).name} (created and dropped by each run)"
    )
    for run in range(args.runs):
        deadline = time.monotonic() + args.wait_quiet
        while os.getloadavg()[0] >= 1.0 and time.monotonic() < deadline:
            time.sleep(5)
        print(f"Run {run + 1}/{args.runs}", flush=True)
        figures = one_run(args, run, env)
        print_run(figures)
        runs.append(figures)
    print_summary(args, runs)
    if args.json:
        args.json.write_text(json.dumps(runs, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
