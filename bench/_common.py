"""Helpers shared by the benches: a throw-away PostgreSQL database, a gunicorn server (or Django's
runserver) on loopback, a keep-alive HTTP client, percentiles, CPU accounting from /proc, and a
seeded generator of synthetic news-like text.

Only the standard library and psycopg are imported here, so client processes stay light. Nothing
here talks to anything but 127.0.0.1.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CLK_TCK = os.sysconf("SC_CLK_TCK")


# --- statistics ----------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) with linear interpolation between closest ranks."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    return percentile(values, 50)


def ms(seconds: float) -> float:
    return seconds * 1000


# --- the bench database --------------------------------------------------------------------------


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


@dataclass
class BenchDatabase:
    """A PostgreSQL database created for one run and dropped after it."""

    url: str

    @property
    def name(self) -> str:
        name = urlsplit(self.url).path.lstrip("/")
        if not name.replace("_", "").isalnum():
            raise ValueError(f"Unsafe database name {name!r}; use letters, digits and '_'.")
        if name in ("postgres", "template0", "template1"):
            raise ValueError(f"Refusing to create or drop the {name!r} database.")
        return name

    def _admin(self) -> Any:
        import psycopg

        return psycopg.connect(_with_database(self.url, "postgres"), autocommit=True)

    def create(self) -> None:
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def migrate(self, env: dict[str, str]) -> float:
        started = time.perf_counter()
        subprocess.run(
            [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=REPO_ROOT,
            env=env,
            check=True,
            timeout=300,
        )
        return time.perf_counter() - started


# --- CPU accounting from /proc ---------------------------------------------------------------------


def proc_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process (0 if it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def pids_where(predicate: Any) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        if predicate(int(entry.name), comm, ppid):
            pids.append(int(entry.name))
    return pids


def postgres_pids() -> list[int]:
    """Every PostgreSQL process on the machine, whoever's database it serves."""
    return pids_where(lambda pid, comm, ppid: comm.startswith("postgres"))


def database_backend_pids(database: BenchDatabase) -> list[int]:
    """The PostgreSQL backends connected to one database (not other people's test databases)."""
    with database._admin() as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [database.name],
        ).fetchall()
    return [pid for (pid,) in rows]


def machine_cpu_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores together."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return (total - idle) / CLK_TCK, total / CLK_TCK


@dataclass
class CpuMeter:
    """CPU seconds spent by groups of processes between ``start()`` and ``stop()``."""

    groups: dict[str, Any]  # name -> callable returning pids
    before: dict[str, dict[int, float]] = field(default_factory=dict)
    machine_before: tuple[float, float] = (0.0, 0.0)

    def start(self) -> None:
        self.before = {
            name: {pid: proc_cpu_seconds(pid) for pid in pids()}
            for name, pids in self.groups.items()
        }
        self.machine_before = machine_cpu_seconds()

    def stop(self) -> dict[str, float]:
        used: dict[str, float] = {}
        for name, pids in self.groups.items():
            now = {pid: proc_cpu_seconds(pid) for pid in pids()}
            used[name] = sum(now[pid] - self.before[name].get(pid, 0.0) for pid in now)
        busy, total = machine_cpu_seconds()
        used["machine_busy"] = busy - self.machine_before[0]
        used["machine_total"] = total - self.machine_before[1]
        return used


# --- gunicorn --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Gunicorn:
    """``gunicorn workbench.wsgi`` on 127.0.0.1 with the repo's gunicorn.conf.py."""

    env: dict[str, str]
    workers: int
    worker_class: str = "sync"
    threads: int = 1
    port: int = 0
    process: subprocess.Popen | None = None
    log_path: Path | None = None
    # Also send the processes' stdout and stderr (the app's own log) to ``log_path``.
    capture_output: bool = False

    @property
    def label(self) -> str:
        if self.worker_class == "gthread":
            return f"gthread {self.workers}w x {self.threads}t"
        return f"{self.worker_class} {self.workers}w"

    def start(self, timeout: float = 60.0) -> None:
        self.port = self.port or free_port()
        fd, name = tempfile.mkstemp(prefix="bench-gunicorn-", suffix=".log")
        os.close(fd)
        self.log_path = Path(name)
        cmd = [
            PYTHON,
            "-m",
            "gunicorn",
            "workbench.wsgi",
            "-c",
            str(REPO_ROOT / "workbench" / "gunicorn.conf.py"),
            "-b",
            f"127.0.0.1:{self.port}",
            "-w",
            str(self.workers),
            "-k",
            self.worker_class,
            "--threads",
            str(self.threads),
            "--error-logfile",
            str(self.log_path),
        ]
        output = self.log_path.open("a") if self.capture_output else None
        try:
            self.process = subprocess.Popen(
                cmd, cwd=REPO_ROOT, env=self.env, stdout=output, stderr=output
            )
        finally:
            if output is not None:
                output.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited at start:\n{self.log_tail()}")
            if len(self.worker_pids()) >= self.workers:
                try:
                    status, _ = HttpClient("127.0.0.1", self.port).get("/api/v1/health/")
                except OSError:
                    status = 0
                if status == 200:
                    return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        master = self.process.pid
        return pids_where(lambda pid, comm, ppid: ppid == master)

    def pids(self) -> list[int]:
        return ([self.process.pid] if self.process else []) + self.worker_pids()

    def log_tail(self, lines: int = 30) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        self.process = None
        if self.log_path is not None:
            self.log_path.unlink(missing_ok=True)

    @contextmanager
    def running(self) -> Iterator[Gunicorn]:
        self.start()
        try:
            yield self
        finally:
            self.stop()


@dataclass
class Runserver:
    """``manage.py runserver`` on 127.0.0.1, as ``make run`` serves the app: Django's threaded
    development server, with its autoreloader unless ``reload`` is off. Same interface as
    ``Gunicorn``; its output (request lines, the app's log) goes to ``log_path``."""

    env: dict[str, str]
    reload: bool = True
    port: int = 0
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    @property
    def label(self) -> str:
        return "runserver" if self.reload else "runserver --noreload"

    def start(self, timeout: float = 60.0) -> None:
        self.port = self.port or free_port()
        fd, name = tempfile.mkstemp(prefix="bench-runserver-", suffix=".log")
        os.close(fd)
        self.log_path = Path(name)
        cmd = [PYTHON, "manage.py", "runserver", f"127.0.0.1:{self.port}"]
        if not self.reload:
            cmd.append("--noreload")
        with self.log_path.open("a") as output:
            # A session of its own: the autoreloader's child is stopped with its parent.
            self.process = subprocess.Popen(
                cmd,
                cwd=REPO_ROOT,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"runserver exited at start:\n{self.log_tail()}")
            try:
                status, _ = HttpClient("127.0.0.1", self.port).get("/api/v1/health/")
            except OSError:
                status = 0
            if status == 200:
                return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"runserver did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def pids(self) -> list[int]:
        """The server process and its descendants (the autoreloader's child)."""
        if self.process is None:
            return []
        found = [self.process.pid]
        for pid in found:
            found.extend(pids_where(lambda p, comm, ppid, parent=pid: ppid == parent))
        return found

    def log_tail(self, lines: int = 30) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # the session started above
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)
        self.process = None
        if self.log_path is not None:
            self.log_path.unlink(missing_ok=True)

    @contextmanager
    def running(self) -> Iterator[Runserver]:
        self.start()
        try:
            yield self
        finally:
            self.stop()


# --- HTTP client -----------------------------------------------------------------------------------


class HttpClient:
    """One keep-alive connection to 127.0.0.1. A server that closes the connection after a response
    (gunicorn's sync workers do) is reconnected transparently by ``http.client`` on the next
    request; that reconnect is part of the measured latency, as it would be for a real client."""

    def __init__(self, host: str, port: int, token: str | None = None, timeout: float = 30.0):
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("The benches only send traffic to this machine.")
        self.conn = http.client.HTTPConnection(host, port, timeout=timeout)
        self.token = token

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        token: str | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes, float]:
        headers = {"Accept": "application/json", "Connection": "keep-alive"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        auth = token or self.token
        if auth:
            headers["Authorization"] = f"Token {auth}"
        headers.update(extra_headers or {})
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # The server closed an idle keep-alive connection between two requests: retry once.
            self.conn.close()
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        return response.status, data, time.perf_counter() - started

    def get(self, path: str, token: str | None = None) -> tuple[int, bytes]:
        status, data, _ = self.request("GET", path, token=token)
        return status, data

    def post_json(
        self, path: str, payload: Any, token: str | None = None
    ) -> tuple[int, Any, float]:
        status, data, elapsed = self.request(
            "POST", path, json.dumps(payload).encode(), token=token
        )
        return status, (json.loads(data) if data else None), elapsed

    def close(self) -> None:
        self.conn.close()


@dataclass(frozen=True, slots=True)
class PlannedRequest:
    kind: str  # a label for the report, e.g. "create" or "retrieve"
    method: str
    path: str
    body: bytes | None
    token: str
    expect: int


def run_client(
    port: int,
    plan: Sequence[PlannedRequest],
    start_at: float,
    deadline: float,
    results: Any,
    index: int,
) -> None:
    """Body of one client process: wait for the common start time, send ``plan`` in order on one
    keep-alive connection, stop early at ``deadline``, and put (index, samples, cpu seconds) on the
    ``results`` queue. Samples are (kind, ok, started monotonic, seconds)."""
    client = HttpClient("127.0.0.1", port)
    delay = start_at - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    cpu_before = time.process_time()
    samples = []
    for item in plan:
        if time.monotonic() > deadline:
            break
        began = time.monotonic()
        try:
            status, _, elapsed = client.request(item.method, item.path, item.body, item.token)
            ok = status == item.expect
        except (OSError, http.client.HTTPException):
            # Counted as an error; a fresh connection for the next request (a half-read response
            # would leave this one unusable: CannotSendRequest on every later request).
            client.close()
            elapsed, ok = time.monotonic() - began, False
        samples.append((item.kind, ok, began, elapsed))
    client.close()
    results.put((index, samples, time.process_time() - cpu_before))


# --- synthetic news-like text ----------------------------------------------------------------------

_PEOPLE = [
    "Prime Minister Elena Vargas",
    "Finance Minister Tomás Okafor",
    "opposition leader Margit Sørensen",
    "Senator James Whitfield",
    "Mayor Aïcha Benali",
    "Health Secretary Priya Raman",
    "the central bank governor",
    "a spokesperson for the interior ministry",
    "the police commissioner",
    "union leader Kwame Mensah",
    "economist Laura Becker",
    "the defence minister",
    "Governor Chen Wei",
    "the energy regulator",
    "campaign manager Zoë Laurent",
]
_ORGS = [
    "the national statistics office",
    "the electoral commission",
    "the World Health Organization",
    "the European Commission",
    "the International Monetary Fund",
    "the ministry of education",
    "a parliamentary committee",
    "the city council",
    "the state audit office",
    "the coast guard",
]
_SAY = ["said", "claimed", "told reporters", "insisted", "stated", "argued", "wrote", "announced"]
_DENY = ["denied", "rejected claims", "dismissed reports", "disputed accounts"]
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_PLACES = [
    "the capital",
    "São Paulo",
    "the northern provinces",
    "Kraków",
    "the border region",
    "Zürich",
    "the port city",
    "rural districts",
    "Île-de-France",
    "the coastal towns",
]
_TOPICS = [
    ("unemployment", "percent"),
    ("inflation", "percent"),
    ("the budget deficit", "billion euros"),
    ("hospital waiting times", "weeks"),
    ("housing prices", "percent"),
    ("crime", "percent"),
    ("emissions", "million tonnes"),
    ("school enrolment", "thousand pupils"),
    ("public debt", "percent of GDP"),
    ("turnout", "percent"),
]
_TRENDS = ["fell to", "rose to", "reached", "dropped below", "climbed above", "stayed at"]
_FILLERS = [
    "The figures could not be independently verified.",
    "Critics said the numbers left out several regions.",
    "The statement came after weeks of protests.",
    "Officials did not respond to a request for comment.",
    "Analysts expect the debate to continue in parliament next month.",
    "The report was published late in the evening.",
    "Residents interviewed on Tuesday described a different picture.",
    "Earlier estimates had been considerably lower.",
    "The government has promised a full inquiry.",
    "Similar claims circulated widely on social media last year.",
]


class NewsGenerator:
    """Deterministic synthetic articles: for a given seed, the same titles and texts every time.

    Texts mix ASCII with accented letters (code points outside Latin-1 included, e.g. 'ø', 'ï',
    '€'), so code-point offsets are exercised. No third-party text is used."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def _number(self, unit: str) -> str:
        rng = self.rng
        if "percent" in unit:
            return f"{rng.uniform(0.5, 45):.1f}"
        return str(rng.randint(2, 950))

    def sentence(self) -> str:
        rng = self.rng
        kind = rng.random()
        who = rng.choice(_PEOPLE)
        topic, unit = rng.choice(_TOPICS)
        when = f"in {rng.choice(_MONTHS)}" if rng.random() < 0.6 else f"on {rng.choice(_DAYS)}"
        if kind < 0.35:
            text = (
                f"{who} {rng.choice(_SAY)} that {topic} {rng.choice(_TRENDS)} "
                f"{self._number(unit)} {unit} {when}."
            )
        elif kind < 0.55:
            text = (
                f"{who} {rng.choice(_DENY)} that {topic} in {rng.choice(_PLACES)} had "
                f"{rng.choice(['doubled', 'halved', 'collapsed', 'increased sharply'])} since "
                f"{rng.randint(2009, 2024)}."
            )
        elif kind < 0.75:
            text = (
                f"According to {rng.choice(_ORGS)}, {topic} {rng.choice(_TRENDS)} "
                f"{self._number(unit)} {unit} {when}, the {rng.choice(['highest', 'lowest'])} "
                f"level since {rng.randint(1990, 2020)}."
            )
        elif kind < 0.9:
            text = (
                f"In {rng.choice(_PLACES)}, {rng.randint(3, 9000)} people attended a rally "
                f"{when}, while {rng.choice(_ORGS)} put the cost at €{rng.randint(1, 90)} million."
            )
        else:
            text = rng.choice(_FILLERS)
        return text[0].upper() + text[1:]

    def article(self, target_chars: int = 2500) -> tuple[str, str]:
        rng = self.rng
        topic, _ = rng.choice(_TOPICS)
        title = (
            f"{rng.choice(_PEOPLE).split(' ')[-1].title()} "
            f"{rng.choice(['defends', 'questions', 'attacks', 'revises'])} figures on {topic}"
        )
        paragraphs: list[str] = []
        length = 0
        while length < target_chars:
            paragraph = " ".join(self.sentence() for _ in range(rng.randint(2, 5)))
            paragraphs.append(paragraph)
            length += len(paragraph) + 2
        text = "\n\n".join(paragraphs)
        if len(text) > target_chars + 150:  # trim at a sentence end so the size stays ~target
            cut = text.rfind(". ", 0, target_chars + 150)
            if cut > target_chars // 2:
                text = text[: cut + 1]
        return title, text
