"""Accessibility checks with axe-core (``frontend/node_modules/axe-core``, an npm dev dependency)
run in the page through Playwright.

The script is evaluated over the DevTools protocol, which the page's Content-Security-Policy does
not govern, so the page is checked exactly as it is served (no ``bypass_csp``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest

AXE_SCRIPT = (
    Path(__file__).resolve().parents[2] / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
)
# Impacts that fail a test; "minor" and "moderate" findings are left to review.
FAILING_IMPACTS = ("serious", "critical")


@cache
def _axe_source() -> str:
    if not AXE_SCRIPT.is_file():
        pytest.fail(
            f"axe-core is not installed at {AXE_SCRIPT}: run `cd frontend && npm ci`.",
            pytrace=False,
        )
    return AXE_SCRIPT.read_text(encoding="utf-8")


def axe_violations(page: Any, impacts: tuple[str, ...] = FAILING_IMPACTS) -> list[dict[str, Any]]:
    """axe-core's violations of the page as it is now (WCAG 2.1 A and AA rules), with ``impacts``."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    results = page.evaluate(
        """async () => await window.axe.run(document, {
            runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
        })"""
    )
    return [v for v in results["violations"] if v["impact"] in impacts]


def assert_accessible(page: Any) -> None:
    """Fail with axe-core's findings when the page has a serious or critical violation."""
    violations = axe_violations(page)
    assert not violations, "axe-core found serious or critical violations:\n" + "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}; "
        + "; ".join(", ".join(node["target"]) for node in v["nodes"][:5])
        for v in violations
    )
