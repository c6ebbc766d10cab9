"""The Content-Security-Policy (django-csp): every page carries it, and no page's HTML holds what it
forbids (an inline script, an event-handler attribute, a style element or attribute). The browser
side, that nothing is reported as a violation, is tests/e2e/test_csp.py."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from annotations.models import Role
from annotations.services.adjudication import adjudication_set_state, gold_create
from annotations.services.assignments import assignment_transition
from annotations.services.spans import span_create
from tests.factories import DocumentFactory, UserFactory, add_member, assign, make_project

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
}


def directives(header: str) -> dict[str, str]:
    parts = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {name: value for name, value in parts}


@pytest.fixture
def site(db):
    """A project with a submitted, adjudicated document: every page has something to show."""
    manager = UserFactory(username="csp-manager")
    coder = UserFactory(username="csp-coder")
    project = make_project(manager, name="Policy")
    add_member(project, coder, Role.ANNOTATOR)
    document = DocumentFactory(project=project)
    assignment = assign(document, coder)
    claim = project.labels.get(key="claim")
    span_create(annotator=coder, document=document, label=claim, start=0, end=12)
    assignment_transition(assignment=assignment, action="submit")
    gold_create(actor=manager, document=document, label=claim, start=0, end=20)
    adjudication_set_state(actor=manager, document=document, state="adjudicated")
    p, d = project.pk, document.pk
    pages = {
        manager: [
            "/",
            f"/projects/{p}/",
            f"/projects/{p}/documents/{d}/review/",
            f"/projects/{p}/dashboard/",
            f"/projects/{p}/adjudicate/",
            f"/projects/{p}/adjudicate/{d}/",
            f"/projects/{p}/exports/",
            "/api/docs/",
        ],
        coder: [f"/projects/{p}/documents/{d}/", f"/projects/{p}/documents/{d}/gold/"],
        None: ["/accounts/login/"],
    }
    return manager, pages


def fetch(user, url: str):
    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response


def test_every_page_carries_the_policy(site):
    _, pages = site
    for user, urls in pages.items():
        for url in urls:
            header = fetch(user, url)["Content-Security-Policy"]
            found = directives(header)
            for name, value in POLICY.items():
                assert found.get(name) == value, (url, header)
            assert "unsafe" not in header, (url, header)


def test_no_page_holds_inline_script_handlers_or_styles(site):
    _, pages = site
    for user, urls in pages.items():
        for url in urls:
            html = fetch(user, url).content.decode()
            for tag in re.findall(r"<script\b[^>]*>", html):
                # A bundled file, or a JSON data island (json_script): never code in the page.
                assert "src=" in tag or 'type="application/json"' in tag, (url, tag)
            assert not re.search(r"<style\b", html), url
            assert not re.search(r"\sstyle\s*=", html), url
            assert not re.search(r"\son[a-z]+\s*=", html), url


def test_the_api_docs_script_is_a_file_of_its_own(site):
    manager, _ = site
    html = fetch(manager, "/api/docs/").content.decode()
    [script_url] = re.findall(r'<script src="(/api/docs/\?[^"]*script[^"]*)"', html)
    script = fetch(manager, script_url.replace("&amp;", "&"))
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle(" in script.content


def test_api_answers_carry_the_policy_too(client_for, manager):
    response = client_for(manager).get("/api/v1/projects/")
    assert directives(response["Content-Security-Policy"])["default-src"] == "'self'"
