"""HTTPS, the Content-Security-Policy, the login lockout, rate and upload limits as settings: read
from the environment (each case a fresh process, as in tests/test_settings.py), and what the
documented HTTPS setup gives `manage.py check --deploy`."""

from __future__ import annotations

import json

import pytest

from tests.test_settings import run_python

# README, "Serving over HTTPS": the variables of a deployment behind a TLS-terminating proxy.
DOCUMENTED_HTTPS = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "s3cr3t-" + "k" * 60,
    "DJANGO_ALLOWED_HOSTS": "factcheck.example.org",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://factcheck.example.org",
    "DJANGO_HTTPS": "true",
    "DJANGO_SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
    "WORKBENCH_NUM_PROXIES": "1",
}
# The deployment checks need no database; this keeps them off the machine's own.
NO_DATABASE = {"DATABASE_URL": "sqlite://:memory:"}

REPORT = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "proxy_ssl_header": s.SECURE_PROXY_SSL_HEADER,
    "ssl_redirect": s.SECURE_SSL_REDIRECT,
    "session_cookie_secure": s.SESSION_COOKIE_SECURE,
    "csrf_cookie_secure": s.CSRF_COOKIE_SECURE,
    "hsts_seconds": s.SECURE_HSTS_SECONDS,
    "hsts_subdomains": s.SECURE_HSTS_INCLUDE_SUBDOMAINS,
    "hsts_preload": s.SECURE_HSTS_PRELOAD,
    "failure_limit": s.AXES_FAILURE_LIMIT,
    "lockout_seconds": s.AXES_COOLOFF_TIME.total_seconds(),
    "rates": s.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
    "num_proxies": s.REST_FRAMEWORK["NUM_PROXIES"],
    "max_upload": s.WORKBENCH_MAX_UPLOAD_BYTES,
}))
"""


def report(**env: str) -> dict:
    proc = run_python(REPORT, **NO_DATABASE, **env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def manage(*args: str, **env: str):
    argv = ["manage.py", *args]
    code = f"from django.core.management import execute_from_command_line as run; run({argv!r})"
    return run_python(code, **NO_DATABASE, **env)


def test_check_deploy_passes_with_no_warning_in_the_documented_https_setup() -> None:
    proc = manage("check", "--deploy", "--fail-level", "WARNING", **DOCUMENTED_HTTPS)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "System check identified no issues" in proc.stdout


def test_check_deploy_names_the_https_settings_when_https_is_off() -> None:
    production = {k: v for k, v in DOCUMENTED_HTTPS.items() if not k.startswith("DJANGO_SECURE")}
    proc = manage("check", "--deploy", **{**production, "DJANGO_HTTPS": "false"})

    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in proc.stdout + proc.stderr, proc.stdout + proc.stderr


def test_development_mode_is_plain_http_and_its_checks_pass() -> None:
    settings = report()

    assert settings["proxy_ssl_header"] is None
    assert settings["ssl_redirect"] is False
    assert settings["session_cookie_secure"] is False and settings["csrf_cookie_secure"] is False
    assert settings["hsts_seconds"] == 0
    proc = manage("check", "--fail-level", "WARNING")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_https_turns_on_secure_cookies_redirect_and_hsts() -> None:
    settings = report(**DOCUMENTED_HTTPS)

    assert settings["proxy_ssl_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert settings["ssl_redirect"] is True
    assert settings["session_cookie_secure"] is True and settings["csrf_cookie_secure"] is True
    assert settings["hsts_seconds"] == 31_536_000
    assert settings["hsts_subdomains"] is True and settings["hsts_preload"] is True
    assert settings["num_proxies"] == 1


def test_each_https_part_can_be_set_on_its_own() -> None:
    settings = report(
        DJANGO_HTTPS="true",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SECURE_HSTS_SECONDS="3600",
        DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS="false",
        DJANGO_SECURE_HSTS_PRELOAD="false",
    )

    assert settings["ssl_redirect"] is False
    assert (settings["hsts_seconds"], settings["hsts_subdomains"], settings["hsts_preload"]) == (
        3600,
        False,
        False,
    )


def test_limits_default_to_generous_values_and_come_from_the_environment() -> None:
    defaults = report()
    assert defaults["failure_limit"] == 10 and defaults["lockout_seconds"] == 15 * 60
    assert defaults["rates"] == {
        "writes": "3000/minute",
        "login": "60/minute",
        "login_user": "20/minute",
    }
    assert defaults["num_proxies"] == 0
    assert defaults["max_upload"] == 100 * 1024 * 1024

    chosen = report(
        WORKBENCH_LOGIN_FAILURE_LIMIT="5",
        WORKBENCH_LOGIN_LOCKOUT_MINUTES="60",
        WORKBENCH_THROTTLE_WRITES="off",
        WORKBENCH_THROTTLE_LOGIN="10/hour",
        WORKBENCH_MAX_UPLOAD_MB="20",
    )
    assert chosen["failure_limit"] == 5 and chosen["lockout_seconds"] == 3600
    assert chosen["rates"]["writes"] is None and chosen["rates"]["login"] == "10/hour"
    assert chosen["max_upload"] == 20 * 1024 * 1024


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("WORKBENCH_THROTTLE_WRITES", "lots", "e.g. 60/minute"),
        ("WORKBENCH_LOGIN_FAILURE_LIMIT", "0", "at least 1"),
        ("WORKBENCH_MAX_UPLOAD_MB", "0", "at least 1"),
        ("DJANGO_SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto: https", "X-Forwarded-Proto"),
    ],
)
def test_a_bad_value_stops_the_app_saying_how_to_fix_it(name: str, value: str, says: str) -> None:
    proc = run_python("import django; django.setup()", **NO_DATABASE, **{name: value})

    assert proc.returncode != 0
    assert "ImproperlyConfigured" in proc.stderr and name in proc.stderr and says in proc.stderr


def test_the_health_check_answers_plain_http_when_everything_else_redirects(db, settings) -> None:
    from django.test import Client

    settings.SECURE_SSL_REDIRECT = True
    client = Client()
    page = client.get("/accounts/login/")
    assert page.status_code == 301 and page["Location"].startswith("https://")
    assert client.get("/api/v1/health/").status_code in (200, 503)
