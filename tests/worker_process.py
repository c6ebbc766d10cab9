"""A Celery worker in a process of its own, for the tests that kill it or take its broker away
(tests/test_worker_process.py). Not a test module: the tests start it with

    python tests/worker_process.py NODE_NAME

and the app's environment (DATABASE_URL, CELERY_BROKER_URL, WORKBENCH_MEDIA_ROOT, ...) plus:

- ``WORKBENCH_TEST_QUEUE``: the queue to consume, the test process's own (tests/conftest.py).
- ``WORKBENCH_TEST_BLOCK_DIR``: when set, a document import, an export and an agreement run each
  stop at a known point of their work: the first to get there creates
  ``<dir>/<import|export|agreement>.reached`` and waits until ``<dir>/<the same name>.release``
  exists (or the process is killed), then goes on as usual; while ``.reached`` exists, others of
  the kind pass. The export stops after writing its first document, so that its partial file
  exists.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def _stop_here(block_dir: Path, name: str) -> None:
    reached = block_dir / f"{name}.reached"
    if reached.exists():
        return  # only the first job to get here stops (until the test removes the file)
    reached.touch()
    while not (block_dir / f"{name}.release").exists():
        time.sleep(0.05)


def _install_blocks(block_dir: Path) -> None:
    from annotations.services import agreement, document_imports, exports

    real_import_path = document_imports.import_path
    real_export_documents = exports.export_documents
    real_refresh_full = agreement.refresh_full

    def import_path(**kwargs: Any) -> Any:
        _stop_here(block_dir, "import")
        return real_import_path(**kwargs)

    def export_documents(*args: Any, **kwargs: Any) -> Iterator[Any]:
        documents = real_export_documents(*args, **kwargs)
        yield next(documents)
        _stop_here(block_dir, "export")
        yield from documents

    def refresh_full(**kwargs: Any) -> Any:
        _stop_here(block_dir, "agreement")
        return real_refresh_full(**kwargs)

    # The services look these up as module globals when they run; the pool's processes are
    # forked after this, so they inherit the replacements.
    document_imports.import_path = import_path
    exports.export_documents = export_documents
    agreement.refresh_full = refresh_full


def main() -> None:
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workbench.settings")
    import django

    django.setup()
    from workbench.celery import app

    queue = os.environ["WORKBENCH_TEST_QUEUE"]
    app.conf.task_default_queue = queue
    block_dir = os.environ.get("WORKBENCH_TEST_BLOCK_DIR")
    if block_dir:
        _install_blocks(Path(block_dir))
    app.worker_main(
        [
            "worker",
            "--hostname",
            sys.argv[1],
            "--queues",
            queue,
            "--pool",
            "prefork",
            "--concurrency",
            "3",
            "--loglevel",
            "info",
            "--without-mingle",
            "--without-gossip",
        ]
    )


if __name__ == "__main__":
    main()
