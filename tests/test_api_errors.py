"""Malformed requests answer a JSON 4xx, never a 500, and the schema declares every error answer.

``tests/test_api_fuzz.py`` fuzzes the whole API against the schema; these are the cases a fuzzer
once found, written out so that each reads as a rule."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from annotations.json_depth import MAX_JSON_DEPTH
from tests.factories import make_span
from tests.test_schema import assert_matches_schema

P = "/api/v1/projects/{project_pk}"


@pytest.fixture
def client(client_for, manager):
    client = client_for(manager)
    client.raise_request_exception = False  # a 500 is an answer here, not an exception
    return client


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/", {"format": "json"})
    return response.json()


def _is_json_404(response) -> bool:
    return response.status_code == 404 and response["Content-Type"] == "application/json"


# --- ids that cannot name a row ------------------------------------------------------------------

MALFORMED_IDS = ["abc", "null", "x", "-1", "0", "9" * 30]
ID_PATHS = [
    ("get", "adjudication/{id}/"),
    ("get", "gold-comparison/{id}/"),
    ("post", "adjudication/{id}/accept/"),
    ("post", "adjudication/{id}/accept-unanimous/"),
    ("post", "adjudication/{id}/state/"),
    ("post", "assignments/{id}/start/"),
    ("post", "assignments/{id}/submit/"),
    ("post", "assignments/{id}/skip/"),
    ("post", "assignments/{id}/reopen/"),
    ("get", "documents/{id}/"),
    ("patch", "spans/{id}/"),
    ("get", "gold-spans/{id}/"),
    ("get", "exports/{id}/download/"),  # job ids are UUIDs: a number names none either
    ("get", "jobs/{id}/"),
]


@pytest.mark.parametrize(("method", "path"), ID_PATHS)
def test_an_id_that_names_no_row_is_a_json_404(client, project, document, method, path):
    for malformed in MALFORMED_IDS:
        url = f"/api/v1/projects/{project.pk}/{path.format(id=malformed)}"
        response = getattr(client, method)(url, {}, format="json")
        assert _is_json_404(response), (url, response.status_code, response.content[:200])


def test_a_malformed_job_id_is_a_json_404(client):
    assert _is_json_404(client.get("/api/v1/jobs/abc/"))
    assert _is_json_404(client.get("/api/v1/jobs/1/"))


@pytest.mark.parametrize(
    "path",
    ["projects/abc/documents/", "projects/{project}/documents/1.5/", "projects//", "nothing/"],
)
def test_an_api_url_that_matches_no_route_is_a_json_404(client, project, path):
    assert _is_json_404(client.get(f"/api/v1/{path.format(project=project.pk)}"))


def test_a_page_that_matches_no_route_stays_html(client):
    response = client.get("/projects/abc/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


# --- OPTIONS -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["agreement/", "adjudication/{doc}/accept/", "adjudication/{doc}/state/", "dashboard/"]
)
def test_options_of_views_without_a_view_wide_serializer(client, project, document, path):
    response = client.options(f"/api/v1/projects/{project.pk}/{path.format(doc=document.pk)}")
    assert response.status_code == 200, response.content[:300]
    assert response.json()["name"] and "actions" not in response.json()


def test_options_still_describes_the_fields_of_a_view_with_a_serializer(client, project):
    response = client.options(f"/api/v1/projects/{project.pk}/documents/")
    assert response.status_code == 200
    assert "text" in response.json()["actions"]["POST"]


# --- JSON nested too deep ------------------------------------------------------------------------


def _nested(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.parametrize("levels", [MAX_JSON_DEPTH + 1, 100_000])
def test_a_body_nested_too_deep_is_a_400(client, project, levels):
    base = f"/api/v1/projects/{project.pk}/documents/"
    bodies = [
        (base, f'{{"text": "A", "metadata": {{"k": {_nested(levels)}}}}}'),
        (f"{base}bulk/", f'{{"documents": [{{"text": "A", "metadata": {_nested(levels)}}}]}}'),
    ]
    for url, body in bodies:
        response = client.generic("POST", url, body, content_type="application/json")
        assert response.status_code == 400, (url, response.status_code, response.content[:200])
        assert f"more than {MAX_JSON_DEPTH} levels" in response.json()["detail"]
    assert project.documents.count() == 0


def test_a_body_at_the_depth_limit_is_read(client, project):
    metadata: object = "deep"
    for _ in range(MAX_JSON_DEPTH - 1):  # the body itself is one level
        metadata = {"k": metadata}
    response = client.post(
        f"/api/v1/projects/{project.pk}/documents/",
        json.dumps({"text": "A", "metadata": metadata}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content[:300]


def test_form_metadata_nested_too_deep_is_a_400(client, project):
    response = client.post(
        f"/api/v1/projects/{project.pk}/documents/",
        {"text": "A", "metadata": '{"k": ' + _nested(100_000) + "}"},
    )
    assert response.status_code == 400, response.content[:300]
    assert "metadata" in response.json()
    assert project.documents.count() == 0


# --- the schema declares the error answers -------------------------------------------------------


def _codes(schema: dict, method: str, path: str) -> set[str]:
    return set(schema["paths"][path][method]["responses"])


def test_every_operation_declares_its_error_answers(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            where = f"{method.upper()} {path}"
            if path not in ("/api/v1/health/", "/api/v1/auth/token/"):
                assert "401" in codes, where
            if "{" in path:
                assert "404" in codes, where
            if "requestBody" in operation:
                assert {"400", "415"} <= codes, where
            if method in ("post", "put", "patch", "delete") and path != "/api/v1/auth/token/":
                assert {"403", "409"} <= codes, where
            for code, response in operation["responses"].items():
                if code >= "400":
                    assert response["content"]["application/json"]["schema"], (where, code)


def test_specific_error_answers_are_declared(schema):
    assert {"400", "401", "403", "404", "409", "412"} <= _codes(
        schema, "patch", f"{P}/spans/{{id}}/"
    )
    assert "412" in _codes(schema, "delete", f"{P}/spans/{{id}}/")
    assert "412" not in _codes(schema, "post", f"{P}/spans/")
    assert "403" in _codes(schema, "get", f"{P}/agreement/")  # annotators may not read it
    assert "409" in _codes(schema, "get", f"{P}/gold-comparison/{{id}}/")  # not adjudicated yet
    assert "404" in _codes(schema, "get", "/api/v1/projects/")  # a page past the last
    assert "401" not in _codes(schema, "get", "/api/v1/health/")
    bulk = schema["paths"][f"{P}/documents/bulk/"]["post"]["responses"]["400"]
    assert bulk["content"]["application/json"]["schema"]["$ref"].endswith("BulkDocumentsError")


def test_error_answers_match_the_schema(schema, client, project, document, annotator):
    base = f"/api/v1/projects/{project.pk}"
    span = make_span(document, annotator, 0, 3)
    own = client.post(
        f"{base}/spans/",
        {"document": document.pk, "label": "claim", "start": 4, "end": 12},
        format="json",
    ).json()
    answers = [
        ("get", f"{P}/documents/{{id}}/", client.get(f"{base}/documents/999999/"), 404),
        ("patch", f"{P}/spans/{{id}}/", client.patch(f"{base}/spans/{span.pk}/", {}), 403),
        (
            "patch",
            f"{P}/spans/{{id}}/",
            client.patch(f"{base}/spans/{own['id']}/", {"note": "n", "version": 9}, format="json"),
            409,
        ),
        (
            "patch",
            f"{P}/spans/{{id}}/",
            client.patch(f"{base}/spans/{own['id']}/", {"note": "n"}, HTTP_IF_MATCH='"9"'),
            412,
        ),
        ("post", f"{P}/spans/", client.post(f"{base}/spans/", {"start": "x"}, format="json"), 400),
        (
            "post",
            f"{P}/documents/",
            client.generic("POST", f"{base}/documents/", "{", content_type="application/json"),
            400,
        ),
        (
            "post",
            f"{P}/documents/",
            client.generic("POST", f"{base}/documents/", "x", content_type="text/plain"),
            415,
        ),
        ("get", f"{P}/documents/", APIClient().get(f"{base}/documents/"), 401),
        (
            "get",
            f"{P}/gold-comparison/{{id}}/",
            client.get(f"{base}/gold-comparison/{document.pk}/"),
            409,
        ),
    ]
    for method, path, response, expected in answers:
        assert response.status_code == expected, (path, response.content[:300])
        assert_matches_schema(schema, method, path, response)


def test_a_token_request_nested_too_deep_is_a_400():
    response = APIClient().generic(
        "POST", "/api/v1/auth/token/", _nested(100_000), content_type="application/json"
    )
    assert response.status_code == 400
    assert "levels" in response.json()["detail"]


# --- what the schema states, the validation holds to --------------------------------------------


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"page_size": "abc"}, 400),
        ({"page_size": "0"}, 400),
        ({"page_size": ""}, 400),
        ({"page": ""}, 404),
        ({"page": "last"}, 404),
        ({"page": " 1"}, 404),
        ({"page_size": "5000"}, 200),  # served as the largest page, as before
        ({"page": "1", "page_size": "1"}, 200),
    ],
)
def test_page_and_page_size_are_whole_numbers(client, project, query, status):
    response = client.get("/api/v1/projects/", query)
    assert response.status_code == status, response.content[:200]


def test_id_filters_take_whole_numbers(client, project):
    response = client.get(f"/api/v1/projects/{project.pk}/spans/", {"status": "0.5"})
    assert response.status_code == 400
    assert "status" in response.json()


def test_time_spent_past_the_column_is_a_400_not_a_500(client_for, project, document, annotator):
    client = client_for(annotator)
    client.raise_request_exception = False
    assignment = document.assignments.get(annotator=annotator)
    url = f"/api/v1/projects/{project.pk}/assignments/{assignment.pk}"
    huge = client.post(f"{url}/start/", {"time_spent_seconds": 2**40}, format="json")
    assert huge.status_code == 400, huge.content[:200]
    # Each session within bounds, their sum not: the service refuses the one that would pass it.
    first = client.post(f"{url}/start/", {"time_spent_seconds": 2**31 - 10}, format="json")
    assert first.status_code == 200
    second = client.post(f"{url}/submit/", {"time_spent_seconds": 20}, format="json")
    assert second.status_code == 400, second.content[:200]
    assert "time_spent_seconds" in second.json()
    assignment.refresh_from_db()
    assert (assignment.state, assignment.time_spent_seconds) == ("in_progress", 2**31 - 10)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("", {"name": "Typed", "blind": 0}, "blind"),
        ("", {"name": 7}, "name"),
        ("{project}/labels/", {"key": "typed", "name": "Typed", "retired": "true"}, "retired"),
        ("{project}/labels/", {"key": "typed", "name": "Typed", "order": "3"}, "order"),
        ("{project}/members/", {"username": "annotator2", "role": 1}, "role"),
        (
            "{project}/spans/",
            {"document": "{document}", "label": "claim", "start": "4", "end": 12},
            "start",
        ),
        (
            "{project}/spans/",
            {"document": "{document}", "label": "", "start": 4, "end": 12},
            "label",
        ),
        ("{project}/assignments/{assignment}/skip/", {"reason": 0}, "reason"),
        ("{project}/exports/", {"format": "jsonl", "gold_only": 1}, "gold_only"),
    ],
)
def test_json_values_keep_the_types_the_schema_states(
    client, project, document, annotator, path, body, field
):
    """DRF's fields take 0 for false, "4" for 4 and 7 for "7"; from a JSON body they are refused."""
    ids = {
        "project": project.pk,
        "document": document.pk,
        "assignment": document.assignments.first().pk,
    }
    body = {k: v.format(**ids) if isinstance(v, str) and "{" in v else v for k, v in body.items()}
    body = {k: int(v) if k == "document" else v for k, v in body.items()}
    response = client.post(f"/api/v1/projects/{path.format(**ids)}", body, format="json")
    assert response.status_code == 400, response.content[:300]
    assert field in response.json()


def test_form_input_is_still_read_as_text(client, project):
    response = client.post(
        f"/api/v1/projects/{project.pk}/labels/",
        {"key": "formed", "name": "Formed", "order": "3", "retired": "false"},
    )
    assert response.status_code == 201, response.content[:300]
    assert (response.json()["order"], response.json()["retired"]) == (3, False)


def test_a_multipart_boolean_is_true_or_false(client, project):
    from django.core.files.uploadedfile import SimpleUploadedFile

    def upload(create_labels: str):
        return client.post(
            f"/api/v1/projects/{project.pk}/imports/annotations/",
            {
                "file": SimpleUploadedFile("export.jsonl", b"{}\n"),
                "format": "native",
                "create_labels": create_labels,
            },
        )

    refused = upload("0")
    assert refused.status_code == 400 and "create_labels" in refused.json()
    assert upload("true").status_code == 202


def test_a_bulk_record_whose_url_is_not_a_string_is_refused(client, project):
    response = client.post(
        f"/api/v1/projects/{project.pk}/documents/bulk/",
        {"documents": [{"text": "A", "source_url": {}}]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "source_url"
    assert project.documents.count() == 0
