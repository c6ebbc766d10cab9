"""Gunicorn settings: ``gunicorn workbench.wsgi -c workbench/gunicorn.conf.py``.

Every value can be overridden by an environment variable (below) or on the command line
(``-w``, ``-k``, ``--threads``, ``-b`` win over this file).

Defaults come from ``bench/api.py`` on a 2-core machine: under 10 concurrent clients a request
costs ~9 ms of Python CPU and ~2 ms in PostgreSQL, so the server is CPU-bound. 2 x cores + 1 sync
workers (5) keep both cores busy; 3 and 2 sync workers did as well within this shared machine's
noise. gthread (2 workers x 2 threads) did worse: kept-alive connections stay with the process
that accepted them, so one process can be saturated while the other idles, and threads share
one GIL per process.
"""

from __future__ import annotations

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# gunicorn itself also reads WEB_CONCURRENCY; it is honoured here so this file does not hide it.
workers = int(os.environ.get("WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1) + 1)))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# Load Django once in the master: workers fork from it (faster start, shared memory pages).
preload_app = True
# Kept-alive connections of the gthread worker; the sync worker closes after each response.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 20
# Recycle workers now and then so a slow leak cannot grow forever; jitter avoids all at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
