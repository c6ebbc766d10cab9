"""workbench/settings.py as a fresh process sees it: each case starts Python with a controlled
environment, because settings are read once at import."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SETTINGS_VARS = (
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "CELERY_TASK_ALWAYS_EAGER",
    "DJANGO_DEBUG",
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "DJANGO_CSRF_TRUSTED_ORIGINS",
    "WORKBENCH_MEDIA_ROOT",
    # Set by the browser tests' conftest for Playwright's event loop; a real deployment has none,
    # and check --deploy reports it (async.E001).
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)
REPORT = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "debug": s.DEBUG,
    "secret_key": s.SECRET_KEY,
    "engine": s.DATABASES["default"]["ENGINE"],
    "name": str(s.DATABASES["default"]["NAME"]),
    "host": s.DATABASES["default"].get("HOST", ""),
    "eager": s.CELERY_TASK_ALWAYS_EAGER,
    "broker": s.CELERY_BROKER_URL,
    "cache": s.CACHES["default"]["BACKEND"],
    "allowed_hosts": s.ALLOWED_HOSTS,
    "csrf_origins": s.CSRF_TRUSTED_ORIGINS,
    "media_root": str(s.MEDIA_ROOT),
    "staticfiles": s.STORAGES["staticfiles"]["BACKEND"],
}))
"""


def run_python(code: str, **env_vars: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARS}
    env["DJANGO_SETTINGS_MODULE"] = "workbench.settings"
    env.update(env_vars)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def settings_with(**env_vars: str) -> dict:
    proc = run_python(REPORT, **env_vars)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_production_mode_without_secret_key_refuses_to_start() -> None:
    proc = run_python("import django; django.setup()", DJANGO_DEBUG="false")

    assert proc.returncode != 0
    assert "ImproperlyConfigured" in proc.stderr
    assert "DJANGO_SECRET_KEY is not set" in proc.stderr


def test_production_mode_with_secret_key_starts() -> None:
    settings = settings_with(DJANGO_DEBUG="false", DJANGO_SECRET_KEY="k" * 50)

    assert settings["debug"] is False
    assert settings["secret_key"] == "k" * 50
    # Production serves hashed, compressed static files.
    assert settings["staticfiles"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_no_environment_means_sqlite_and_eager_tasks() -> None:
    settings = settings_with()

    assert settings["debug"] is True
    assert settings["engine"] == "django.db.backends.sqlite3"
    assert settings["name"] == str(REPO_ROOT / "db.sqlite3")
    assert settings["eager"] is True
    assert settings["broker"] == ""
    assert settings["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert settings["media_root"] == str(REPO_ROOT / "media")


def test_database_url_selects_postgresql() -> None:
    settings = settings_with(DATABASE_URL="postgres://someone@db.internal:5433/factchecks")

    assert settings["engine"] == "django.db.backends.postgresql"
    assert settings["name"] == "factchecks"
    assert settings["host"] == "db.internal"


def test_redis_url_turns_on_the_broker_and_the_shared_cache() -> None:
    settings = settings_with(REDIS_URL="redis://127.0.0.1:6379/7")

    assert settings["broker"] == "redis://127.0.0.1:6379/7"
    assert settings["eager"] is False
    assert settings["cache"] == "django.core.cache.backends.redis.RedisCache"


def test_eager_can_be_forced_with_a_broker_configured() -> None:
    settings = settings_with(REDIS_URL="redis://127.0.0.1:6379/7", CELERY_TASK_ALWAYS_EAGER="true")

    assert settings["eager"] is True


def test_host_lists_and_media_root_come_from_the_environment(tmp_path: Path) -> None:
    settings = settings_with(
        DJANGO_ALLOWED_HOSTS="factcheck.example.org,10.0.0.5",
        DJANGO_CSRF_TRUSTED_ORIGINS="https://factcheck.example.org",
        WORKBENCH_MEDIA_ROOT=str(tmp_path),
    )

    assert settings["allowed_hosts"] == ["factcheck.example.org", "10.0.0.5"]
    assert settings["csrf_origins"] == ["https://factcheck.example.org"]
    assert settings["media_root"] == str(tmp_path)


SQLITE_REPORT = """
import json, sqlite3, django
django.setup()
from django.db import connection, transaction
with connection.cursor() as cursor:
    pragmas = {
        name: cursor.execute(f"PRAGMA {name}").fetchone()[0]
        for name in ("journal_mode", "synchronous", "busy_timeout")
    }
other = sqlite3.connect(connection.settings_dict["NAME"], timeout=0, isolation_level=None)
with transaction.atomic():
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        write_lock_taken_at_begin = False
    except sqlite3.OperationalError:
        write_lock_taken_at_begin = True
print(json.dumps({
    **pragmas,
    "write_lock_taken_at_begin": write_lock_taken_at_begin,
    "conn_max_age": connection.settings_dict["CONN_MAX_AGE"],
}))
"""


def test_sqlite_serves_several_people_at_once(tmp_path: Path) -> None:
    """WAL, a busy timeout, transactions that take the write lock when they begin (one that read
    first and wrote later would fail at once when another writer got in between, whatever the
    timeout), and connections kept between requests (a new one reads the schema again):
    tests/test_sqlite.py runs a server under 10 clients."""
    proc = run_python(SQLITE_REPORT, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert proc.returncode == 0, proc.stderr

    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["journal_mode"] == "wal"
    assert report["synchronous"] == 1  # NORMAL
    assert report["busy_timeout"] >= 10_000  # milliseconds
    assert report["write_lock_taken_at_begin"] is True
    assert report["conn_max_age"] > 0


def test_postgresql_connections_run_without_jit(db):
    """JIT compilation cost ~190 ms per documents-table filter at 100,000 documents (README,
    dangerous constructs): the app's connections switch it off."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL setting")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
