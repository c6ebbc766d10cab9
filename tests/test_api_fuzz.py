"""Schemathesis against the live server: the OpenAPI schema is the truth.

Every operation of the generated schema is fuzzed over HTTP (pytest-django's ``live_server``)
with requests the schema calls valid and requests it calls invalid, on a seeded project (members
of every role, documents, assignments, spans, a submitted and adjudicated document with a gold
span, a verdict and a comment, an export), seeded again before an operation whenever the one before
changed something. The fuzzer authenticates with the manager's token, and about three path ids in
four (and the ids that JSON bodies name) are pointed at the seeded rows so that requests reach past
"not found".

Each answer must be no server error, and must be what the schema declares: a status code it lists,
its content type and its body; a request the schema calls invalid must be refused, and one it calls
valid may be refused only for a reason the schema cannot state (an unknown id, offsets outside the
text, a clash with stored data). The budget is bounded and seeded, so a run is repeatable: about
``MAX_EXAMPLES`` generated requests per operation plus schemathesis's boundary cases. A failure
prints schemathesis's report, with a curl command that reproduces it.
"""

from __future__ import annotations

import json
import os
import re
import zlib
from typing import Any

import pytest
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from rest_framework import fields as drf_fields
from rest_framework import relations as drf_relations
from rest_framework import serializers as drf_serializers
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from annotations.models import AdjudicationState, Role
from annotations.selectors.access import project_access
from annotations.services.adjudication import (
    GoldEvidenceInput,
    adjudication_set_state,
    gold_create,
    verdict_set,
)
from annotations.services.assignments import assignment_transition
from annotations.services.comments import comment_create
from annotations.services.exports import export_start
from tests.factories import (
    DocumentFactory,
    UserFactory,
    add_member,
    assign,
    make_project,
    make_span,
)

# Chromium and requests alike: the live server listens on IPv4 (see tests/e2e/conftest.py).
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")

MAX_EXAMPLES = 10  # generated requests per operation (boundary cases come on top)
SEED = 20261206


def _generated_schema() -> dict[str, Any]:
    """The schema as /api/schema/ serves it, generated in-process (no database needed)."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated, renderer_context={}))


CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        # Nothing kept between runs (no .schemathesis/ or .hypothesis/ in the work tree).
        "cache": {"enabled": False},
        "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "database": "none"},
        "phases": {
            # Of the methods an operation does not document, OPTIONS is the one with a body of
            # its own (DRF's metadata); the others answer 405 alike.
            "coverage": {"unexpected-methods": ["OPTIONS"]},
            # Stateful sequences need links in the schema; every operation starts from the seed.
            "stateful": {"enabled": False},
        },
    }
)


@pytest.fixture
def api_schema() -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_dict(_generated_schema(), config=CONFIG)


API = schemathesis.pytest.from_fixture("api_schema")


# --- the seeded project ---------------------------------------------------------------------------

TEXT = "The ministry said no civilians were hurt. Local officials counted twelve casualties."


class World:
    """The seeded project, built again (as a new project: nothing is deleted) before an operation
    when the one before it changed something, so every operation starts from the same state."""

    def __init__(self) -> None:
        self.manager = UserFactory(username="fuzz-manager")
        self.reviewer = UserFactory(username="fuzz-reviewer")
        self.coders = [UserFactory(username=f"fuzz-coder{i}") for i in range(2)]
        self.token = Token.objects.create(user=self.manager).key
        # A project the manager is not a member of: its ids must answer 404.
        self.elsewhere = make_project(UserFactory(username="fuzz-stranger"), name="Elsewhere")
        DocumentFactory(project=self.elsewhere, text=TEXT)
        self.ids: dict[str, list[Any]] = {}
        self.operation = ""
        self.changed = False
        self.build()

    def build(self) -> None:
        manager, coders = self.manager, self.coders
        project = make_project(manager, name="Fuzzed", annotators_per_document=2)
        add_member(project, self.reviewer, Role.REVIEWER)
        for coder in coders:
            add_member(project, coder, Role.ANNOTATOR)
        first, second, third = (DocumentFactory(project=project, text=TEXT) for _ in range(3))
        for coder in coders:  # the first document submitted by both annotators
            assignment = assign(first, coder)
            make_span(first, coder, 0, 40, "claim")
            make_span(first, coder, 42, 84, "denial")
            assignment_transition(assignment=assignment, action="start")
            assignment_transition(assignment=assignment, action="submit")
            assign(second, coder)
        assign(third, manager)
        own = make_span(third, manager, 4, 12, "claim")
        gold = gold_create(
            actor=manager, document=first, label=project.labels.get(key="claim"), start=0, end=40
        )
        verdict_set(
            actor=manager,
            gold=gold,
            status=project.statuses.get(key="false"),
            rationale="Officials counted twelve casualties.",
            evidence=[GoldEvidenceInput(stance="refutes", url="https://example.org/count")],
        )
        adjudication_set_state(actor=manager, document=first, state=AdjudicationState.ADJUDICATED)
        comment = comment_create(
            access=project_access(user=manager, project_id=project.pk),
            author=manager,
            document=first,
            body="Check the count.",
            gold_span_id=gold.pk,
        )
        export = export_start(project=project, user=manager, params={"format": "jsonl"})
        self.ids = {
            "project_pk": [project.pk],
            "projects": [project.pk, self.elsewhere.pk],
            "memberships": list(project.memberships.values_list("pk", flat=True)),
            "labels": list(project.labels.values_list("pk", flat=True)),
            "label_keys": list(project.labels.values_list("key", flat=True)),
            "statuses": list(project.statuses.values_list("pk", flat=True)),
            "documents": [first.pk, second.pk, third.pk],
            "assignments": list(project.assignments.values_list("pk", flat=True)),
            "spans": [*first.spans.values_list("pk", flat=True), own.pk],
            "gold_spans": [gold.pk],
            "comments": [comment.pk],
            "jobs": [str(export.pk)],
            "exports": [str(export.pk)],
            "users": [manager.pk, self.reviewer.pk, *(c.pk for c in coders)],
        }

    def before(self, case: Any) -> None:
        if case.operation.label != self.operation:
            if self.changed:
                self.build()
            self.operation, self.changed = case.operation.label, False

    def after(self, case: Any, response: Any) -> None:
        if case.method.upper() not in ("GET", "HEAD", "OPTIONS") and response.status_code < 300:
            self.changed = True


@pytest.fixture
def world(transactional_db, live_server, settings) -> World:
    # No rate limits: their counters live in the cache across runs, and a 429 where the answer
    # would have been a 2xx hides what the fuzzer sent (tests/test_brute_force.py tests them).
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {}}
    return World()


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    """schemathesis 4.32 reads ``Function._nodeid``, which pytest 9.2 renamed (``_id``)."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


# The rows a path's `{id}` names, by the path segment before it.
_PATH_ROWS = {
    "projects": "projects",
    "members": "memberships",
    "labels": "labels",
    "statuses": "statuses",
    "documents": "documents",
    "assignments": "assignments",
    "spans": "spans",
    "jobs": "jobs",
    "adjudication": "documents",
    "gold-spans": "gold_spans",
    "comments": "comments",
    "exports": "exports",
    "gold-comparison": "documents",
}
# The rows a body field names.
_BODY_ROWS = {
    "document": "documents",
    "documents": "documents",
    "document_ref": "documents",
    "label": "labels",
    "labels": "label_keys",
    "status": "statuses",
    "annotator": "users",
    "annotators": "users",
    "user": "users",
    "span": "spans",
    "spans": "spans",
    "gold_span": "gold_spans",
}


# --- pointing generated ids at seeded rows --------------------------------------------------------


def _pick(value: Any, rows: list[Any]) -> Any:
    """A seeded row for about three generated values in four (the rest stay as generated, mostly
    unknown ids): chosen from the value itself, so a failing example replays the same way."""
    if isinstance(value, bool) or not rows:
        return value
    if isinstance(value, int):
        spread = value
    elif isinstance(value, str):
        spread = zlib.crc32(value.encode())
    else:
        return value
    if spread % 4 == 0:
        return value
    row = rows[spread % len(rows)]
    # Keep the generated type: a path id the schema types as a string stays one.
    return str(row) if isinstance(value, str) else row


def _aim_at_seeded_rows(case: Any, world: World) -> None:
    """Assigning whole containers (not editing them in place) makes schemathesis check again
    whether the case is still valid or invalid for the schema."""
    meta = case.meta
    if case.path_parameters and not (meta and meta.is_negative_at(ParameterLocation.PATH)):
        segments = case.operation.path.strip("/").split("/")
        params = dict(case.path_parameters)
        for name, value in params.items():
            if name == "project_pk":
                params[name] = _pick(value, world.ids["project_pk"])
            elif f"{{{name}}}" in segments:
                before = segments[segments.index(f"{{{name}}}") - 1]
                params[name] = _pick(value, world.ids.get(_PATH_ROWS.get(before, ""), []))
        if params != case.path_parameters:
            case.path_parameters = params
    body = case.body
    if (
        isinstance(body, dict)
        and case.media_type == "application/json"
        and not (meta and meta.is_negative_at(ParameterLocation.BODY))
    ):
        aimed = dict(body)
        for name, value in body.items():
            rows = world.ids.get(_BODY_ROWS.get(name, ""), [])
            if isinstance(value, list):
                aimed[name] = [_pick(item, rows) for item in value]
            else:
                aimed[name] = _pick(value, rows)
        if aimed != body:
            case.body = aimed


# --- a valid request is refused only for a reason the schema cannot state --------------------------


# DRF's refusals that no schema states: an unknown id (``does_not_exist``), Django's URL rules
# (hostname labels and top-level domains, stricter than the `uri` format) and an empty upload.
_NOT_STATED = {("URLField", "invalid"), ("FileField", "empty")}


def _schema_level_messages() -> re.Pattern[str]:
    """DRF's messages for what a schema states (type, required, bounds, lengths, enum values,
    formats), as one pattern: any of them in a 400 to a request the schema calls valid means
    the schema and the validation disagree."""
    templates: set[str] = set()
    for module in (drf_fields, drf_serializers, drf_relations):
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, drf_fields.Field):
                for key, message in getattr(obj, "default_error_messages", {}).items():
                    if (obj.__name__, key) not in _NOT_STATED and key != "does_not_exist":
                        templates.add(str(message))
    parts = []
    for template in sorted(templates):
        pieces = re.split(r"\{[a-z_]+\}", template)
        parts.append(".*".join(re.escape(piece) for piece in pieces))
    return re.compile("^(?:" + "|".join(parts) + ")$")


SCHEMA_LEVEL = _schema_level_messages()


def _messages(body: Any) -> list[str]:
    if isinstance(body, str):
        return [body]
    if isinstance(body, list):
        return [m for item in body for m in _messages(item)]
    if isinstance(body, dict):
        return [m for key, item in body.items() if key != "code" for m in _messages(item)]
    return []


class ValidRequestRefused(Failure):
    """A request the schema calls valid was refused for a reason the schema states."""

    code = "WB001"
    checks = ("valid_requests_pass_the_schema_rules",)
    kind_title = "Valid request refused by a rule the schema states"


@schemathesis.check
def valid_requests_pass_the_schema_rules(ctx: Any, response: Any, case: Any) -> bool | None:
    meta = case.meta
    if response.status_code != 400 or meta is None or meta.generation.mode.is_negative:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    offending = [m for m in _messages(body) if SCHEMA_LEVEL.match(m)]
    if offending:
        raise ValidRequestRefused(
            operation=case.operation.label,
            message="The schema calls this request valid, but it was refused with: "
            + "; ".join(offending[:5])
            + "\nDeclare the rule in the schema (or drop it from the validation).",
        )
    return True


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    valid_requests_pass_the_schema_rules,
]


def _call_and_validate(case: Any, world: World, base_url: str) -> None:
    world.before(case)
    _aim_at_seeded_rows(case, world)
    response = case.call(
        base_url=base_url, headers={"Authorization": f"Token {world.token}"}, timeout=30
    )
    world.after(case, response)
    case.validate_response(response, checks=CHECKS)


# Three tests of about the same length, so that pytest-xdist spreads them over its workers. The
# seeded world is a function-scoped fixture shared by a test's examples on purpose.
FUZZ_SETTINGS = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Declared, as schemathesis asks for fixtures late; ids from 1, so that a run replays exactly.
FUZZ_DB = pytest.mark.django_db(transaction=True, reset_sequences=True)
# Writes to what spans are made of: the text, labels, statuses, members and spans themselves.
SPAN_WRITES = r"/(documents|labels|statuses|members|spans)/"


@API.include(method=["GET"]).parametrize()
@FUZZ_SETTINGS
@FUZZ_DB
def test_reads_answer_as_the_schema_says(case, world, live_server):
    _call_and_validate(case, world, live_server.url)


@API.exclude(method=["GET"]).include(path_regex=SPAN_WRITES).parametrize()
@FUZZ_SETTINGS
@FUZZ_DB
def test_writes_to_spans_and_their_parts_answer_as_the_schema_says(case, world, live_server):
    _call_and_validate(case, world, live_server.url)


@API.exclude(method=["GET"]).exclude(path_regex=SPAN_WRITES).parametrize()
@FUZZ_SETTINGS
@FUZZ_DB
def test_other_writes_answer_as_the_schema_says(case, world, live_server):
    _call_and_validate(case, world, live_server.url)
