"""The layer contracts of ``.importlinter`` hold, and each would catch the import it forbids.

The second half copies the two packages to a temporary folder, adds one wrong import there and
runs ``lint-imports`` on the copy: a contract that no longer matches the code (a renamed package,
a typo in a module name) would otherwise pass forever without checking anything.
"""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG = REPO_ROOT / ".importlinter"
# The venv's own script, beside the interpreter running the tests (not whatever is on PATH).
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _contract_names() -> dict[str, str]:
    """Contract id (the part after ``importlinter:contract:``) → the name lint-imports prints."""
    parser = configparser.ConfigParser()
    parser.read(CONFIG, encoding="utf-8")
    prefix = "importlinter:contract:"
    return {
        section.removeprefix(prefix): parser[section]["name"]
        for section in parser.sections()
        if section.startswith(prefix)
    }


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    if not LINT_IMPORTS.exists():
        pytest.fail(f"{LINT_IMPORTS} is missing: run `make install-test` (import-linter).")
    return subprocess.run(
        # No cache: the run must see the files as they are, and tests must not share one.
        [str(LINT_IMPORTS), "--config", ".importlinter", "--no-cache"],
        cwd=cwd,
        # Wide lines, so that no contract name or import chain is wrapped.
        env={**os.environ, "COLUMNS": "250"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_layer_contracts_hold():
    done = _lint_imports(REPO_ROOT)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    for name in _contract_names().values():
        assert f"{name} KEPT" in done.stdout


# One wrong import per row: (contract id, file of the copy, line appended to it (the file is
# created when missing), the import lint-imports must name). Each breaks its contract alone.
MISTAKES: list[tuple[str, str, str, str]] = [
    (
        "pure",
        "annotations/read_ahead.py",
        "from django.conf import settings",
        "annotations.read_ahead -> django",
    ),
    (
        "models",
        "annotations/models.py",
        "from annotations.selectors.access import ProjectAccess",
        "annotations.models -> annotations.selectors.access",
    ),
    (
        "domain-below-http",
        "annotations/services/wrong_layer.py",
        "from annotations.views.base import ProjectScopedViewSet",
        "annotations.services.wrong_layer -> annotations.views.base",
    ),
    (
        "reads-below-writes",
        "annotations/selectors/wrong_layer.py",
        "from annotations.services.jobs import job_fail",
        "annotations.selectors.wrong_layer -> annotations.services.jobs",
    ),
    (
        # A new top-level module, listed nowhere in the contract, is covered all the same.
        "tasks-entry-point",
        "annotations/wrong_layer.py",
        "from annotations.tasks import export_run",
        "annotations.wrong_layer -> annotations.tasks",
    ),
    (
        "services-enqueue-by-name",
        "annotations/services/wrong_layer.py",
        "from annotations.tasks import export_run",
        "annotations.services.wrong_layer -> annotations.tasks",
    ),
    (
        "tasks-entry-point",
        "workbench/wrong_layer.py",
        "from annotations.tasks import agreement_run",
        "workbench.wrong_layer -> annotations.tasks",
    ),
]


def test_every_contract_is_proven_to_bite():
    proven = {contract for contract, *_ in MISTAKES}
    missing = sorted(set(_contract_names()) - proven)
    assert not missing, f"Add a row to MISTAKES for each new contract in .importlinter: {missing}"


@pytest.mark.parametrize(
    ("contract", "path", "line", "chain"),
    [pytest.param(*row, id=f"{row[0]}:{row[1]}") for row in MISTAKES],
)
def test_a_wrong_import_breaks_its_contract(tmp_path, contract, path, line, chain):
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "templates", "demo")
    for package in ("annotations", "workbench"):
        shutil.copytree(REPO_ROOT / package, tmp_path / package, ignore=ignore)
    shutil.copy(CONFIG, tmp_path / ".importlinter")
    with (tmp_path / path).open("a", encoding="utf-8") as wrong:
        wrong.write(f"\n{line}  # deliberately wrong: tests/test_layers.py\n")

    done = _lint_imports(tmp_path)

    output = done.stdout + done.stderr
    assert done.returncode == 1, output[-6000:]
    names = _contract_names()
    assert f"{names[contract]} BROKEN" in done.stdout, output[-6000:]
    assert chain in done.stdout, output[-6000:]
    others_kept = [f"{name} KEPT" in done.stdout for key, name in names.items() if key != contract]
    assert all(others_kept), output[-6000:]
