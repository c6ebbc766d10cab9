"""The OpenAPI schema is valid and complete, and the Swagger UI works without the internet.

Every success answer declares its body, and the bodies the views build by hand (agreement report,
dashboard, adjudication) are validated against the generated schema: a key, type or null the
schema does not declare fails the test."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS
from openapi_schema_validator import OAS30ReadValidator, oas30_format_checker
from openapi_spec_validator import validate
from rest_framework.test import APIClient

from annotations.models import Role
from tests.factories import (
    DocumentFactory,
    UserFactory,
    add_member,
    assign,
    make_project,
    make_span,
)

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
    # The scripts and styles it points to are served by this app: static files, and its set-up
    # script from the page's own URL (a file, not inline, for the Content-Security-Policy).
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    static = [a for a in assets if a.startswith("/static/")]
    assert static
    assert [a for a in assets if a not in static] == ["/api/docs/?script="], assets
    assert all(finders.find(a.removeprefix("/static/")) for a in static), assets


# --- every success answer declares its body -------------------------------------------------------

# JSON that users or jobs supply and the API returns as given: free-form by design.
FREE_FORM_BY_DESIGN = {
    ("Document", "metadata"),
    ("DocumentDetail", "metadata"),
    ("DocumentRow", "metadata"),
    ("Job", "params"),
    ("Job", "result"),
}
_STRUCTURE = ("type", "$ref", "allOf", "oneOf", "anyOf", "enum")


def _is_free_form(schema: dict[str, Any]) -> bool:
    """No structure at all, or an object with no properties whose values are untyped."""
    if not any(key in schema for key in _STRUCTURE):
        return True
    if schema.get("type") == "object" and not schema.get("properties"):
        extra = schema.get("additionalProperties", True)
        return extra is True or (isinstance(extra, dict) and _is_free_form(extra))
    return False


def _free_form_parts(
    schema: dict[str, Any], components: dict[str, Any], where: str, seen: set[str]
) -> Iterator[str]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        if name not in seen:
            seen.add(name)
            yield from _free_form_parts(components[name], components, name, seen)
        return
    if _is_free_form(schema):
        yield where
        return
    for key in ("allOf", "oneOf", "anyOf"):
        for part in schema.get(key, []):
            yield from _free_form_parts(part, components, where, seen)
    if "items" in schema:
        yield from _free_form_parts(schema["items"], components, f"{where}[]", seen)
    if isinstance(schema.get("additionalProperties"), dict):
        yield from _free_form_parts(
            schema["additionalProperties"], components, f"{where}{{}}", seen
        )
    for name, prop in schema.get("properties", {}).items():
        if (where, name) not in FREE_FORM_BY_DESIGN:
            yield from _free_form_parts(prop, components, f"{where}.{name}", seen)


def test_every_success_answer_declares_a_typed_body(schema):
    components = schema["components"]["schemas"]
    problems = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for code, response in operation["responses"].items():
                if not code.startswith("2") or code == "204":
                    continue
                where = f"{method.upper()} {path} {code}"
                if not response.get("content"):
                    problems.append(f"{where}: no body declared")
                for media, body in response.get("content", {}).items():
                    for part in _free_form_parts(body["schema"], components, where, set()):
                        problems.append(f"{part} ({media}): free-form object")
    assert problems == [], "Declare an output serializer for:\n" + "\n".join(problems)


def test_the_free_form_check_notices_a_dict_answer():
    components = {"Thing": {"type": "object", "properties": {"extra": {"type": "object"}}}}
    assert list(_free_form_parts({"type": "object", "additionalProperties": {}}, {}, "x", set()))
    assert list(_free_form_parts({"$ref": "#/components/schemas/Thing"}, components, "x", set()))
    typed_map = {"type": "object", "additionalProperties": {"type": "integer"}}
    assert not list(_free_form_parts(typed_map, {}, "x", set()))


# --- real answers match the schema ----------------------------------------------------------------


def _strict(schema: Any, components: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """The schema with its references inlined and every object closed to undeclared keys.

    ``nullable`` beside ``allOf`` (how a nullable nested serializer is written) is made explicit,
    since the OpenAPI 3.0 validator honours ``nullable`` only next to a ``type``."""
    if isinstance(schema, list):
        return [_strict(item, components, seen) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        assert name not in seen, f"recursive component {name}"
        return _strict(components[name], components, (*seen, name))
    out = {key: _strict(value, components, seen) for key, value in schema.items()}
    if "properties" in out:
        out.setdefault("additionalProperties", False)
    if out.get("nullable") is True and "type" not in out:
        out.pop("nullable")
        return {"anyOf": [out, {"enum": [None]}]}
    return out


def _mismatches(schema: dict, method: str, path: str, response: Any) -> list[str]:
    operation = schema["paths"][path][method]
    declared = operation["responses"][str(response.status_code)]["content"]["application/json"]
    body_schema = _strict(declared["schema"], schema["components"]["schemas"])
    validator = OAS30ReadValidator(body_schema, format_checker=oas30_format_checker)
    return sorted(f"{e.json_path}: {e.message}" for e in validator.iter_errors(response.json()))


def assert_matches_schema(schema: dict, method: str, path: str, response: Any) -> None:
    """``path`` is the template of the schema (``/api/v1/projects/{project_pk}/...``)."""
    problems = _mismatches(schema, method, path, response)
    assert problems == [], f"{method.upper()} {path} {response.status_code}: " + "; ".join(
        problems[:20]
    )


P = "/api/v1/projects/{project_pk}"
TEXT = "The ministry said no civilians were hurt. Local officials counted twelve casualties."
#       0         1         2         3         4         5         6         7         8


@pytest.fixture
def review(db, client_for):
    """Two documents submitted by three and by one annotator; the first one adjudicated with a
    verdict, so every section of the report and the dashboard has rows."""
    manager = UserFactory(username="schema-manager")
    reviewer = UserFactory(username="schema-reviewer")
    coders = [UserFactory(username=f"schema-coder{i}") for i in range(3)]
    project = make_project(manager, name="Schema", annotators_per_document=3)
    add_member(project, reviewer, Role.REVIEWER)
    for coder in coders:
        add_member(project, coder, Role.ANNOTATOR)
    first = DocumentFactory(project=project, text=TEXT)
    second = DocumentFactory(project=project, text=TEXT)
    versions = [
        [("claim", 0, 40), ("denial", 42, 84)],
        [("claim", 0, 40), ("denial", 42, 60)],
        [("claim", 0, 40), ("verifiable_fact", 62, 84)],
    ]
    for coder, spans in zip(coders, versions, strict=True):
        assignment = assign(first, coder)
        for label, start, end in spans:
            make_span(first, coder, start, end, label)
        _submit(client_for(coder), project, assignment)
    lone = assign(second, coders[0])  # one annotator: no agreement for this document
    make_span(second, coders[0], 0, 40)
    _submit(client_for(coders[0]), project, lone)
    return {
        "project": project,
        "manager": manager,
        "reviewer": reviewer,
        "coders": coders,
        "first": first,
        "second": second,
    }


def _submit(client: APIClient, project, assignment) -> None:
    answer = client.post(f"/api/v1/projects/{project.pk}/assignments/{assignment.pk}/submit/")
    assert answer.status_code == 200, answer.content


def test_agreement_report_and_dashboard_match_the_schema(
    schema, review, client_for, django_capture_on_commit_callbacks
):
    project, reviewer = review["project"], client_for(review["reviewer"])
    base = f"/api/v1/projects/{project.pk}"
    adjudicated = _adjudicate(schema, reviewer, base, review)
    assert adjudicated.status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        started = reviewer.post(f"{base}/agreement/")
    assert started.status_code == 202
    assert_matches_schema(schema, "post", f"{P}/agreement/", started)

    agreement = reviewer.get(f"{base}/agreement/")
    assert agreement.status_code == 200
    report = agreement.json()["report"]
    assert report is not None and report["job"] == started.json()["id"]
    metrics = report["metrics"]
    assert metrics["gold"] and metrics["span_f1"] and metrics["cohen_kappa"]
    assert metrics["documents_ranked"] and metrics["documents_undefined"]
    assert_matches_schema(schema, "get", f"{P}/agreement/", agreement)

    dashboard = reviewer.get(f"{base}/dashboard/")
    assert dashboard.status_code == 200
    assert dashboard.json()["agreement"]["gold"] and dashboard.json()["trend"]
    assert_matches_schema(schema, "get", f"{P}/dashboard/", dashboard)

    # The check bites: an undeclared key, a missing key and a wrong type are all reported.
    body = dashboard.json()
    dashboard.json = lambda: {**body, "surprise": 1}
    assert _mismatches(schema, "get", f"{P}/dashboard/", dashboard)
    dashboard.json = lambda: {k: v for k, v in body.items() if k != "trend"}
    assert _mismatches(schema, "get", f"{P}/dashboard/", dashboard)
    broken = copy.deepcopy(body)
    broken["agreement"]["alpha"]["value"] = "high"
    dashboard.json = lambda: broken
    assert _mismatches(schema, "get", f"{P}/dashboard/", dashboard)


def test_a_report_stored_before_per_document_unitizing_alpha_matches_the_schema(
    schema, review, client_for
):
    """Deployments keep reports whose per-document rows lack the unitizing alpha: they answer it
    as null with a null reason (not computed yet), in the schema's shape."""
    from annotations.models import AgreementReport
    from annotations.services.agreement import refresh_incremental

    project, reviewer = review["project"], client_for(review["reviewer"])
    report = refresh_incremental(project_id=project.pk)
    for row in report.metrics["documents_ranked"] + report.metrics["documents_undefined"]:
        del row["unitizing_alpha"], row["unitizing_reason"]
    report.save()
    assert AgreementReport.objects.filter(project=project).count() == 1
    base = f"/api/v1/projects/{project.pk}"

    agreement = reviewer.get(f"{base}/agreement/")
    assert_matches_schema(schema, "get", f"{P}/agreement/", agreement)
    metrics = agreement.json()["report"]["metrics"]
    rows = metrics["documents_ranked"] + metrics["documents_undefined"]
    assert len(rows) == 2
    assert all((r["unitizing_alpha"], r["unitizing_reason"]) == (None, None) for r in rows)

    dashboard = reviewer.get(f"{base}/dashboard/")
    assert_matches_schema(schema, "get", f"{P}/dashboard/", dashboard)
    [queued] = dashboard.json()["agreement"]["queue"]
    assert (queued["unitizing_alpha"], queued["unitizing_reason"]) == (None, None)

    queue = reviewer.get(f"{base}/adjudication/")
    assert_matches_schema(schema, "get", f"{P}/adjudication/", queue)
    for row in queue.json()["results"]:
        assert (row["unitizing_alpha"], row["unitizing_alpha_reason"]) == (None, None)
        assert row["alpha"] is not None or row["alpha_reason"]  # the rest is still there


def test_agreement_and_dashboard_before_any_report_match_the_schema(schema, manager, client_for):
    project = make_project(manager, name="Empty")
    client = client_for(manager)
    agreement = client.get(f"/api/v1/projects/{project.pk}/agreement/")
    assert agreement.json()["report"] is None
    assert_matches_schema(schema, "get", f"{P}/agreement/", agreement)
    dashboard = client.get(f"/api/v1/projects/{project.pk}/dashboard/")
    assert dashboard.json()["agreement"] is None
    assert_matches_schema(schema, "get", f"{P}/dashboard/", dashboard)


def _adjudicate(schema: dict, reviewer: APIClient, base: str, review: dict) -> Any:
    """Accept the unanimous claim and one denial, give the claim a verdict, mark the first
    document adjudicated; each answer is checked against the schema."""
    doc = review["first"].pk
    unanimous = reviewer.post(f"{base}/adjudication/{doc}/accept-unanimous/")
    assert unanimous.status_code == 200 and len(unanimous.json()["created"]) == 1
    assert_matches_schema(schema, "post", f"{P}/adjudication/{{id}}/accept-unanimous/", unanimous)
    view = reviewer.get(f"{base}/adjudication/{doc}/").json()
    denial = next(c for c in view["clusters"] if c["kind"] != "unanimous")
    accepted = reviewer.post(
        f"{base}/adjudication/{doc}/accept/", {"spans": denial["spans"][:1]}, format="json"
    )
    assert accepted.status_code == 201
    assert_matches_schema(schema, "post", f"{P}/adjudication/{{id}}/accept/", accepted)
    verdict = reviewer.post(
        f"{base}/gold-spans/{unanimous.json()['created'][0]}/verdict/",
        {
            "status": "false",
            "rationale": "The hospital counted twelve casualties.",
            "evidence": [{"url": "https://example.org/report", "stance": "refutes"}],
        },
        format="json",
    )
    assert verdict.status_code == 200, verdict.content
    assert verdict.json()["evidence"] and verdict.json()["verdict_history"]
    assert_matches_schema(schema, "post", f"{P}/gold-spans/{{id}}/verdict/", verdict)
    state = reviewer.post(
        f"{base}/adjudication/{doc}/state/", {"state": "adjudicated"}, format="json"
    )
    assert_matches_schema(schema, "post", f"{P}/adjudication/{{id}}/state/", state)
    return state


def test_adjudication_queue_document_and_gold_comparison_match_the_schema(
    schema, review, client_for
):
    project, reviewer = review["project"], client_for(review["reviewer"])
    base = f"/api/v1/projects/{project.pk}"
    doc = review["first"].pk

    opened = reviewer.get(f"{base}/adjudication/{doc}/")
    assert opened.status_code == 200 and opened.json()["clusters"]
    assert_matches_schema(schema, "get", f"{P}/adjudication/{{id}}/", opened)

    assert _adjudicate(schema, reviewer, base, review).status_code == 200

    queue = reviewer.get(f"{base}/adjudication/")
    assert queue.status_code == 200 and len(queue.json()["results"]) == 2
    assert_matches_schema(schema, "get", f"{P}/adjudication/", queue)

    document = reviewer.get(f"{base}/adjudication/{doc}/")
    assert document.json()["gold_spans"] and document.json()["state"] == "adjudicated"
    assert_matches_schema(schema, "get", f"{P}/adjudication/{{id}}/", document)

    # The third annotator's verifiable fact is "extra" (no gold), the denial they missed "missed".
    compared = client_for(review["coders"][2]).get(f"{base}/gold-comparison/{doc}/")
    assert compared.status_code == 200
    matches = {row["match"] for row in compared.json()["rows"]}
    assert {"exact", "missed", "extra"} <= matches
    assert_matches_schema(schema, "get", f"{P}/gold-comparison/{{id}}/", compared)


def test_other_hand_built_answers_match_the_schema(schema, project, manager, client_for):
    client = client_for(manager)
    base = f"/api/v1/projects/{project.pk}"
    created = client.post(
        f"{base}/documents/bulk/",
        {"documents": [{"text": "One."}, {"text": "Two."}]},
        format="json",
    )
    assert created.status_code == 201
    assert_matches_schema(schema, "post", f"{P}/documents/bulk/", created)
    refused = client.post(
        f"{base}/documents/bulk/", {"documents": [{"text": ""}, {"title": 3}]}, format="json"
    )
    assert refused.status_code == 400 and refused.json()["errors"]
    assert_matches_schema(schema, "post", f"{P}/documents/bulk/", refused)
    distributed = client.post(f"{base}/assignments/distribute/", {}, format="json")
    assert distributed.status_code == 200
    assert_matches_schema(schema, "post", f"{P}/assignments/distribute/", distributed)
    health = APIClient().get("/api/v1/health/")
    assert health.status_code == 200
    assert_matches_schema(schema, "get", "/api/v1/health/", health)
