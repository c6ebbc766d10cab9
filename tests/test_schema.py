"""The OpenAPI schema is valid and complete, and the Swagger UI works without the internet."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS
from openapi_spec_validator import validate
from rest_framework.test import APIClient

EXPECTED_PATHS = [
    "/api/v1/projects/",
    "/api/v1/projects/{id}/",
    "/api/v1/projects/{project_pk}/members/",
    "/api/v1/projects/{project_pk}/labels/",
    "/api/v1/projects/{project_pk}/statuses/",
    "/api/v1/projects/{project_pk}/documents/",
    "/api/v1/projects/{project_pk}/documents/bulk/",
    "/api/v1/projects/{project_pk}/assignments/distribute/",
    "/api/v1/projects/{project_pk}/assignments/next/",
    "/api/v1/projects/{project_pk}/assignments/{id}/skip/",
    "/api/v1/projects/{project_pk}/spans/",
    "/api/v1/projects/{project_pk}/spans/{id}/",
    "/api/v1/jobs/{id}/",
    "/api/v1/auth/token/",
    "/api/v1/health/",
]


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_schema_is_valid_openapi(schema):
    validate(schema)  # raises on any violation of the OpenAPI 3 specification
    assert schema["openapi"].startswith("3.")


@pytest.mark.parametrize("path", EXPECTED_PATHS)
def test_schema_documents_the_endpoint(schema, path):
    assert path in schema["paths"]


def test_span_update_documents_if_match_and_label_as_id_or_key(schema):
    patch = schema["paths"]["/api/v1/projects/{project_pk}/spans/{id}/"]["patch"]
    assert "If-Match" in {p["name"] for p in patch["parameters"]}
    span_input = schema["components"]["schemas"]["SpanInputRequest"]["properties"]
    assert {s["type"] for s in span_input["label"]["oneOf"]} == {"integer", "string"}


def test_schema_generates_without_warnings(tmp_path, db):
    GENERATOR_STATS.reset()
    # Raises SchemaGenerationError (the warnings are printed) on any warning, and validates.
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")
    )
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3")


def test_swagger_ui_renders_without_external_urls(db):
    response = APIClient().get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    external = [
        url
        for url in re.findall(r"""(?:https?:)?//[^\s"'<>)]+""", html)
        if not re.match(r"(?:https?:)?//(?:testserver|localhost|127\.0\.0\.1)\b", url)
    ]
    assert external == []
    # The scripts and styles it points to are served by this app.
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert assets
    assert all(a.startswith("/static/") for a in assets), assets
    assert all(finders.find(a.removeprefix("/static/")) for a in assets), assets
