"""The agreement package is pure: importing it loads nothing from Django, DRF or Celery."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_package_imports_no_framework() -> None:
    code = (
        "import sys, annotations.agreement, annotations.agreement.project\n"
        "bad = sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('django', 'rest_framework', 'celery'))\n"
        "assert not bad, bad\n"
        "assert 'krippendorff' not in sys.modules, 'the GPL reference package is test-only'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
