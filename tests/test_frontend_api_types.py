"""frontend/openapi.json is the API's schema as the code generates it now.

The frontend's TypeScript types of the API (frontend/src/shared/api-schema.d.ts) are generated from
that file, and `npm test` fails when they differ from it; this test closes the chain, so a
serializer change that is not carried to the frontend fails here with the command that carries it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COMMITTED = REPO / "frontend" / "openapi.json"

# The schema depends on the database backend (a model integer field's bounds come from the
# connection: `order` is at most 32767 on PostgreSQL, 2**63 - 1 on SQLite), so it is always
# generated against the same one, whatever DATABASE_URL the tests run with.
SCHEMA_DATABASE_URL = "sqlite://:memory:"
REGENERATE = (
    f"DATABASE_URL={SCHEMA_DATABASE_URL} .venv/bin/python manage.py spectacular "
    "--format openapi-json --file frontend/openapi.json && (cd frontend && npm run gen:api-types)"
)


def test_frontend_openapi_json_is_the_current_schema(tmp_path: Path) -> None:
    generated = tmp_path / "openapi.json"
    result = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--format", "openapi-json"]
        + ["--file", str(generated)],
        cwd=REPO,
        env={**os.environ, "DATABASE_URL": SCHEMA_DATABASE_URL},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"`manage.py spectacular` failed:\n{result.stderr[-3000:]}"
    assert COMMITTED.exists(), f"frontend/openapi.json is missing: run `{REGENERATE}`"
    assert generated.read_text(encoding="utf-8") == COMMITTED.read_text(encoding="utf-8"), (
        "frontend/openapi.json (and the TypeScript types generated from it) differ from the API's "
        f"schema: run `{REGENERATE}`, then fix what `cd frontend && npm test` reports."
    )
