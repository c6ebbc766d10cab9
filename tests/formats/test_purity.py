from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import annotations.formats

REPO_ROOT = Path(__file__).resolve().parents[2]

CHECK = """
import importlib, json, pkgutil, sys
import annotations.formats
for package in (annotations.formats,):
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(package.__name__ + "." + module.name)
forbidden = sorted(
    name for name in sys.modules if name.split(".")[0] in {"django", "rest_framework", "celery"}
)
print(json.dumps(forbidden))
"""


def test_every_module_imports_without_django_drf_or_celery():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    completed = subprocess.run(
        [sys.executable, "-c", CHECK],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == []


def test_the_check_covers_every_module():
    names = {m.name for m in pkgutil.iter_modules(annotations.formats.__path__)}
    assert {"jsonl", "csv_rows", "parquet", "conll", "label_studio", "doccano"} <= names
    assert {"claimreview", "fever", "records", "reading"} <= names
