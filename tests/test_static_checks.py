"""House rules a reviewer would otherwise check by hand: the pure modules import no framework, the
code is lint-clean and formatted, and the pure modules type-check."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
PURE_MODULES = [
    "annotations.spans",
    "annotations.clusters",
    "annotations.agreement",
    "annotations.formats",
    "annotations.read_ahead",
    "annotations.json_depth",
    "annotations.markdown",
]
PURE_PATHS = [
    "annotations/spans.py",
    "annotations/clusters.py",
    "annotations/agreement",
    "annotations/formats",
    "annotations/read_ahead.py",
    "annotations/json_depth.py",
    "annotations/markdown.py",
]


@pytest.mark.parametrize("module", PURE_MODULES)
def test_pure_module_imports_no_framework(module):
    code = (
        f"import sys, {module}; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'rest_framework', 'celery', 'krippendorff')); "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _tool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )


def test_ruff_lint_and_format_are_clean():
    lint = _tool("ruff", "check", ".")
    assert lint.returncode == 0, lint.stdout[-4000:]
    formatting = _tool("ruff", "format", "--check", ".")
    assert formatting.returncode == 0, formatting.stdout[-4000:]


def test_mypy_on_the_pure_modules():
    done = _tool("mypy", *PURE_PATHS)
    assert done.returncode == 0, done.stdout[-4000:]
